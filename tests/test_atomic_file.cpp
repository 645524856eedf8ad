// Atomic writes (autograd/atomic_file.hpp): the replace, the error cases, and the temporaries a
// killed save leaves, which the next save of the same target removes while a live writer's stay.
//
// Real processes: a child (fork) starts a save whose writer blocks on a pipe, so the parent knows
// the temporary exists and is locked; it then kills the child (SIGKILL: nothing of the child runs
// after it) or lets it finish. The expected file contents are the strings written here.
#define BOOST_TEST_MODULE atomic_file
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/atomic_file.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tt = boost::test_tools;
namespace fs = std::filesystem;
using test_util::contains;
using test_util::message_of;

namespace {

fs::path temp_dir() { return test_util::temp_dir("backprop_test_atomic_file_" + std::to_string(::getpid())); }

std::string read_all(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_plain(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// The names in a folder, sorted.
std::vector<std::string> names_in(const fs::path& dir)
{
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A child process in the middle of write_file_atomically(path, "child"): its writer has written
// half and waits for a byte on `go`. ready() returns once the temporary exists.
struct WriterChild {
    pid_t pid = -1;
    int ready_fd = -1, go_fd = -1;

    explicit WriterChild(const fs::path& path)
    {
        int ready[2], go[2];
        BOOST_TEST_REQUIRE(::pipe(ready) == 0);
        BOOST_TEST_REQUIRE(::pipe(go) == 0);
        pid = ::fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(ready[0]);
            ::close(go[1]);
            int code = 0;
            try {
                autograd::write_file_atomically(path, [&](std::ostream& out) {
                    out << "chi" << std::flush;
                    char c = 'r';
                    if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1)
                        throw std::runtime_error("pipe");
                    out << "ld";
                });
            } catch (...) {
                code = 1;
            }
            ::_exit(code); // not exit(): the parent's test framework must not run its handlers here
        }
        ::close(ready[1]);
        ::close(go[0]);
        ready_fd = ready[0];
        go_fd = go[1];
        char c = 0;
        BOOST_TEST_REQUIRE(::read(ready_fd, &c, 1) == 1);
    }
    // The child's exit status once it is gone: 0 for a save that succeeded.
    int finish()
    {
        char c = 'g';
        BOOST_TEST_REQUIRE(::write(go_fd, &c, 1) == 1);
        return wait();
    }
    void kill()
    {
        ::kill(pid, SIGKILL);
        (void)wait();
    }
    int wait()
    {
        int status = 0;
        ::waitpid(pid, &status, 0);
        ::close(ready_fd);
        ::close(go_fd);
        return status;
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(replaces_the_file_and_leaves_nothing_else)
{
    const fs::path dir = temp_dir(), path = dir / "f.txt";
    autograd::write_file_atomically(path, [](std::ostream& out) { out << "first\n"; });
    BOOST_TEST(read_all(path) == "first\n");
    autograd::write_file_atomically(path, std::string_view("second"));
    BOOST_TEST(read_all(path) == "second");
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"f.txt"}, tt::per_element());
    // A file in the current folder (a path without a folder part) works too.
    const fs::path old = fs::current_path();
    fs::current_path(dir);
    autograd::write_file_atomically("g.txt", std::string_view("here"));
    fs::current_path(old);
    BOOST_TEST(read_all(dir / "g.txt") == "here");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(an_unsynced_write_replaces_the_file_the_same_way)
{
    // Unsynced skips the fsyncs only: the rename, the failure path and the clean-up are the same.
    const fs::path dir = temp_dir(), path = dir / "log.csv";
    for (int i = 0; i < 3; ++i)
        autograd::write_file_atomically(path, "epoch " + std::to_string(i) + "\n", false, autograd::Durability::Unsynced);
    BOOST_TEST(read_all(path) == "epoch 2\n");
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"log.csv"}, tt::per_element());
    const std::string m = message_of<std::runtime_error>([&] {
        autograd::write_file_atomically(
            path, [](std::ostream&) { throw std::runtime_error("no"); }, false, autograd::Durability::Unsynced);
    });
    BOOST_TEST(contains(m, "no"));
    BOOST_TEST(read_all(path) == "epoch 2\n");
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"log.csv"}, tt::per_element());
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_failing_write_keeps_the_old_file_and_no_temporary)
{
    const fs::path dir = temp_dir(), path = dir / "f.txt";
    write_plain(path, "old");
    const std::string m = message_of<std::runtime_error>([&] {
        autograd::write_file_atomically(path, [](std::ostream& out) {
            out << "partial";
            throw std::runtime_error("the writer gave up");
        });
    });
    BOOST_TEST(m == "write_file_atomically: cannot write '" + path.string() + "': the writer gave up");
    BOOST_TEST(read_all(path) == "old");
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"f.txt"}, tt::per_element());
    // A folder that does not exist: the reason, from the system.
    const std::string missing = message_of<std::runtime_error>(
        [&] { autograd::write_file_atomically(dir / "no" / "f.txt", std::string_view("x")); });
    BOOST_TEST(contains(missing, "No such file or directory"), missing);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_next_save_removes_only_abandoned_temporaries_of_its_target)
{
    const fs::path dir = temp_dir(), path = dir / "f.txt";
    const std::string infix(autograd::kAtomicTempInfix);
    // Abandoned: ours by name, and no process holds their lock.
    write_plain(dir / ("f.txt" + infix + "123456.0"), "stale");
    write_plain(dir / ("f.txt" + infix + "1.99"), "stale");
    // Not ours to remove: another target's, names of another pattern, and a locked one.
    const std::vector<std::string> kept{"f.txt" + infix + "1.x", "f.txt" + infix + "7", "f.txt.tmp.1.0",
                                        "f.txt" + infix + "2.0", "g.txt" + infix + "1.0", "xf.txt" + infix + "1.0"};
    for (const std::string& name : kept)
        write_plain(dir / name, "keep");
    const int held = ::open((dir / ("f.txt" + infix + "2.0")).c_str(), O_RDONLY);
    BOOST_TEST_REQUIRE(held >= 0);
    BOOST_TEST_REQUIRE(::flock(held, LOCK_EX) == 0); // as a live writer holds it

    autograd::write_file_atomically(path, std::string_view("new"));
    ::close(held);
    std::vector<std::string> want = kept;
    want.push_back("f.txt");
    std::sort(want.begin(), want.end());
    BOOST_TEST(names_in(dir) == want, tt::per_element());
    BOOST_TEST(read_all(path) == "new");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_killed_save_leaves_the_old_file_and_its_temporary_goes_at_the_next_save)
{
    const fs::path dir = temp_dir(), path = dir / "f.txt";
    write_plain(path, "old");
    WriterChild child(path);
    child.kill();
    // The kill leaves the old file whole and the half-written temporary beside it.
    BOOST_TEST(read_all(path) == "old");
    std::vector<std::string> names = names_in(dir);
    BOOST_TEST_REQUIRE(names.size() == 2u);
    // Named by the child's process id (its counter continues the parent's, whose memory it copied).
    const std::string prefix = "f.txt" + std::string(autograd::kAtomicTempInfix) + std::to_string(child.pid) + ".";
    BOOST_TEST(names[1].starts_with(prefix), names[1]);
    BOOST_TEST(read_all(dir / names[1]) == "chi");
    autograd::write_file_atomically(path, std::string_view("next"));
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"f.txt"}, tt::per_element());
    BOOST_TEST(read_all(path) == "next");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_save_beside_a_live_writer_keeps_its_temporary)
{
    const fs::path dir = temp_dir(), path = dir / "f.txt";
    WriterChild child(path);
    // The parent saves the same target while the child is mid-write: the child's temporary is
    // locked, so it stays, and the child's save then completes (the last rename wins).
    autograd::write_file_atomically(path, std::string_view("parent"));
    BOOST_TEST(read_all(path) == "parent");
    BOOST_TEST(names_in(dir).size() == 2u);
    const int status = child.finish();
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    BOOST_TEST(read_all(path) == "child");
    BOOST_TEST(names_in(dir) == std::vector<std::string>{"f.txt"}, tt::per_element());
    fs::remove_all(dir);
}
