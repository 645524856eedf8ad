// Crash safety of checkpoints, tested on the real program: tools/train (the built binary, whose
// path CMake passes in) trains a small model on data/iris.csv and writes its checkpoint after
// every epoch; it is killed with SIGKILL at random moments, at least 50 times, and resumed from
// what is on disk after each kill. After every kill:
// - the checkpoint is whole: it loads, with every tensor of the model and its optimizer, and its
//   epoch is the one before or a later one (never a torn or an empty file);
// - the temporaries of saves killed earlier are gone once a later run has saved once (the
//   atomic write removes abandoned ones, autograd/atomic_file.hpp); none remains at the end.
// Resumed to the last epoch, the weights and optimizer state equal an uninterrupted run's bit
// for bit: training is deterministic for a fixed thread count (BACKPROP_NUM_THREADS=1 here), and
// test_tools_cli checks the same of one clean resume.
//
// The kill moments come from a seed printed in the log (BACKPROP_KILL_SEED=N repeats a run).
#define BOOST_TEST_MODULE kill_save
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/atomic_file.hpp>
#include <nn/io/safetensors.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kEpochs = 1000; // more than the killed runs reach, so that every kill lands mid-run
constexpr int kKills = 50;
const std::vector<std::string> kTrain{"--data", BACKPROP_DATA "/iris.csv", "--layers", "4,16,3", "--optimizer",
                                      "adam", "--lr", "0.01", "--seed", "7", "--quiet"};

// Starts train with these arguments, its output to `log`, one matrix-product thread. Everything
// the child needs is built before the fork: between fork and exec it only makes system calls.
pid_t start_train(const std::vector<std::string>& args, const fs::path& log)
{
    std::vector<char*> argv{const_cast<char*>(BACKPROP_TRAIN)};
    for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::string threads = "BACKPROP_NUM_THREADS=1";
    std::vector<char*> envp{threads.data()};
    for (char** e = environ; *e != nullptr; ++e)
        if (!std::string_view(*e).starts_with("BACKPROP_NUM_THREADS="))
            envp.push_back(*e);
    envp.push_back(nullptr);
    const std::string log_name = log.string();

    const pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid != 0)
        return pid;
    const int fd = ::open(log_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
    }
    ::execve(BACKPROP_TRAIN, argv.data(), envp.data());
    ::_exit(127);
}

int wait_for(pid_t pid)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more)
{
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// The temporaries of `target` in its folder, by name.
std::set<std::string> temporaries_of(const fs::path& target)
{
    std::set<std::string> names;
    const std::string prefix = target.filename().string() + std::string(autograd::kAtomicTempInfix);
    for (const fs::directory_entry& e : fs::directory_iterator(target.parent_path()))
        if (e.path().filename().string().starts_with(prefix))
            names.insert(e.path().filename().string());
    return names;
}

// The tensors of a checkpoint, as raw values, and its epoch.
struct Saved {
    std::int64_t epoch = 0;
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;
};

Saved load(const fs::path& path)
{
    const nn::SafetensorsFile f = nn::read_safetensors(path);
    Saved s{std::stoll(f.metadata.at("epoch")), {}, {}};
    for (const auto& [name, t] : f.tensors) {
        s.names.push_back(name);
        s.values.push_back(t.to_vector());
    }
    return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(checkpoints_survive_sigkill_and_resume_bit_for_bit)
{
    const fs::path dir = test_util::temp_dir("backprop_test_kill_save_" + std::to_string(::getpid()));
    const fs::path reference = dir / "reference.safetensors", checkpoint = dir / "run" / "model.safetensors";
    fs::create_directories(checkpoint.parent_path());

    // The uninterrupted run, timed: the kills are spread over the time it takes.
    const auto started = Clock::now();
    const int status = wait_for(start_train(with(kTrain, {"--epochs", std::to_string(kEpochs), "--save",
                                                          reference.string()}),
                                            dir / "reference.log"));
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "the reference run failed; see " << dir);
    const Saved want = load(reference);
    BOOST_TEST_REQUIRE(want.epoch == kEpochs);
    BOOST_TEST_MESSAGE("the uninterrupted run of " << kEpochs << " epochs took " << seconds << " s");

    std::uint64_t seed = std::random_device{}();
    if (const char* s = std::getenv("BACKPROP_KILL_SEED"))
        seed = std::stoull(s);
    BOOST_TEST_MESSAGE("kill moments from BACKPROP_KILL_SEED=" << seed);
    std::mt19937_64 rng(seed);
    // Each killed run gets at most a 50th of the whole run's time (at least 20 ms, about the
    // program's start), so that 50 of them, a 100th on average, fall well short of the last epoch.
    const double window = std::max(seconds / 50.0, 0.02);
    std::uniform_real_distribution<double> moment(0.0, window);

    int kills = 0, chains = 1, mid_save = 0; // mid_save: kills that left a temporary behind
    std::int64_t epoch = 0;           // of the checkpoint on disk; 0: none yet
    std::set<std::string> abandoned; // temporaries left by the kills before the last run
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    for (;;) {
        const std::vector<std::string> args =
            epoch == 0 ? with(kTrain, {"--epochs", std::to_string(kEpochs), "--save", checkpoint.string()})
                       : with(kTrain, {"--epochs", std::to_string(kEpochs - epoch), "--resume", checkpoint.string(),
                                       "--save", checkpoint.string()});
        const pid_t pid = start_train(args, dir / "run.log");
        if (kills >= kKills || Clock::now() > deadline) { // enough: this run goes to the end
            const int last = wait_for(pid);
            BOOST_TEST_REQUIRE((WIFEXITED(last) && WEXITSTATUS(last) == 0), "the last resume failed; see " << dir);
            break;
        }
        std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
        ::kill(pid, SIGKILL);
        const int killed = wait_for(pid);
        if (!WIFSIGNALED(killed)) { // it finished first: the chain is complete; start another
            BOOST_TEST_REQUIRE((WIFEXITED(killed) && WEXITSTATUS(killed) == 0), "a run failed; see " << dir);
            fs::remove(checkpoint);
            epoch = 0;
            ++chains;
            continue;
        }
        ++kills;

        if (fs::exists(checkpoint)) {
            Saved now;
            BOOST_REQUIRE_NO_THROW(now = load(checkpoint)); // whole, or this throws naming what is wrong
            BOOST_TEST_REQUIRE(now.names == want.names);
            BOOST_TEST_REQUIRE(now.epoch >= epoch);
            const bool saved = now.epoch > epoch;
            epoch = now.epoch;
            const std::set<std::string> left = temporaries_of(checkpoint);
            mid_save += left.size() > (saved ? 0u : abandoned.size()) ? 1 : 0;
            if (saved)
                for (const std::string& name : abandoned)
                    BOOST_TEST_REQUIRE(!left.contains(name), name << " outlived a later save");
            abandoned.insert(left.begin(), left.end());
            if (saved)
                std::erase_if(abandoned, [&](const std::string& n) { return !left.contains(n); });
        } else {
            BOOST_TEST_REQUIRE(epoch == 0); // a checkpoint, once written, is never missing
        }
    }
    BOOST_TEST_MESSAGE(kills << " kills in " << chains << " chain(s) of runs, " << mid_save
                             << " of them during a save (they left a temporary)");
    BOOST_TEST(kills >= kKills);
    BOOST_TEST(temporaries_of(checkpoint).empty());

    const Saved got = load(checkpoint);
    BOOST_TEST(got.epoch == kEpochs);
    BOOST_TEST_REQUIRE(got.names == want.names);
    for (std::size_t i = 0; i < want.names.size(); ++i)
        BOOST_TEST(got.values[i] == want.values[i], want.names[i] << " differs from the uninterrupted run's");
    fs::remove_all(dir);
}
