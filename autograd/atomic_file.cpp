#include "autograd/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace autograd {

namespace {

namespace fs = std::filesystem;

// Closes a file descriptor on every way out.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

bool all_digits(std::string_view s)
{
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Whether `name` is one of our temporaries of the file `target`: target + kAtomicTempInfix + pid + "." + n.
bool is_temporary_of(std::string_view name, std::string_view target)
{
    if (!name.starts_with(target) || !name.substr(target.size()).starts_with(kAtomicTempInfix))
        return false;
    const std::string_view rest = name.substr(target.size() + kAtomicTempInfix.size());
    const std::size_t dot = rest.find('.');
    return dot != std::string_view::npos && all_digits(rest.substr(0, dot)) && all_digits(rest.substr(dot + 1));
}

fs::path directory_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

// Removes the temporaries of `path` that a killed save left behind. A writer holds an exclusive
// flock on its temporary until the rename; the kernel drops the lock when the process dies, so a
// temporary whose lock can be taken has no writer, whatever became of its process id. Best effort:
// a temporary that cannot be opened or removed stays (the save itself is not the cleaner's to fail).
void remove_stale_temporaries(const fs::path& path)
{
    const std::string target = path.filename().string();
    std::error_code ec;
    for (fs::directory_iterator it(directory_of(path), ec), end; !ec && it != end; it.increment(ec)) {
        if (!is_temporary_of(it->path().filename().string(), target))
            continue;
        const Fd fd(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
        if (fd.fd >= 0 && ::flock(fd.fd, LOCK_EX | LOCK_NB) == 0)
            ::unlink(it->path().c_str());
    }
}

} // namespace

void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                           bool binary, Durability durability)
{
    const auto error = [&](const std::string& why) {
        return std::runtime_error("write_file_atomically: cannot write '" + path.string() + "': " + why);
    };
    remove_stale_temporaries(path);

    // Our temporary, created (O_EXCL: never someone else's) and locked for as long as it exists.
    static std::atomic<unsigned> counter{0};
    fs::path tmp;
    Fd lock;
    for (int attempt = 0;; ++attempt) {
        tmp = path;
        tmp += std::string(kAtomicTempInfix) + std::to_string(::getpid()) + "." + std::to_string(counter++);
        lock.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (lock.fd < 0) {
            if (errno == EEXIST && attempt < 100) // a live writer's (a process of our id in another pid namespace)
                continue;
            throw error(std::strerror(errno));
        }
        if (::flock(lock.fd, LOCK_EX) != 0) {
            const int e = errno;
            ::unlink(tmp.c_str());
            throw error(std::string("cannot lock the temporary file: ") + std::strerror(e));
        }
        // NOTE: between the open and the flock another save's cleanup may have taken the lock and
        // removed the name; then the file has no link left and another name is tried.
        struct stat st {};
        if (::fstat(lock.fd, &st) == 0 && st.st_nlink > 0)
            break;
        ::close(lock.fd);
        lock.fd = -1;
        if (attempt >= 100)
            throw error("the temporary file keeps disappearing");
    }
    const auto fail = [&](const std::string& why) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw error(why);
    };

    {
        std::ofstream out(tmp, binary ? std::ios::binary | std::ios::trunc : std::ios::trunc);
        if (!out)
            fail(std::strerror(errno));
        try {
            write(out);
        } catch (const std::exception& e) {
            out.close();
            fail(e.what());
        }
        out.close(); // flushes
        if (!out)
            fail("write failed (disk full?)");
    }
    // The data on disk before the rename: otherwise a power loss after it can leave the new name
    // on an empty or partly written file. fsync of our descriptor syncs the file, whichever
    // descriptor wrote it.
    const bool synced = durability == Durability::Synced;
    if (synced && ::fsync(lock.fd) != 0)
        fail(std::string("fsync: ") + std::strerror(errno));
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec)
        fail(ec.message());
    if (!synced)
        return;
    // And the rename itself on disk: it is an entry of the folder. Some file systems cannot sync
    // a folder (EINVAL), and a folder we may write but not read cannot be opened (EACCES); there
    // is nothing more to do then.
    const Fd dir(::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if ((dir.fd < 0 && errno != EACCES) || (dir.fd >= 0 && ::fsync(dir.fd) != 0 && errno != EINVAL && errno != ENOTSUP))
        throw error(std::string("the new file is in place, but syncing its folder failed (") + std::strerror(errno) +
                    "): a power loss now could still undo the save");
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool binary, Durability durability)
{
    write_file_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); },
                          binary, durability);
}

} // namespace autograd
