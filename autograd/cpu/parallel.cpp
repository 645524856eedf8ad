#include "autograd/cpu/parallel.hpp"

#include <fmt/format.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace autograd::detail {
namespace {

thread_local bool tl_in_parallel = false; // set on workers and on a caller inside parallel_for

// A job is cut into `chunks` ranges; threads take chunk numbers from `next` until none is left.
struct Job {
    const std::function<void(std::int64_t, std::int64_t)>* body = nullptr;
    std::int64_t n = 0, chunks = 0;
    std::atomic<std::int64_t> next{0};
    std::atomic<std::int64_t> done{0};
    std::atomic<int> active{0}; // workers holding this job (it lives on the caller's stack)

    void run_chunks()
    {
        for (std::int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
            (*body)(n * c / chunks, n * (c + 1) / chunks);
            done.fetch_add(1, std::memory_order_release);
        }
    }
};

class Pool {
public:
    explicit Pool(int workers)
    {
        for (int i = 0; i < workers; ++i)
            threads_.emplace_back([this] { work(); });
    }
    ~Pool()
    {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_)
            t.join();
    }
    int workers() const { return static_cast<int>(threads_.size()); }

    void run(Job& job)
    {
        std::lock_guard run_lock(run_mutex_); // one job at a time; other callers wait their turn
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            ++generation_;
        }
        wake_.notify_all();
        job.run_chunks(); // the caller works too
        while (job.done.load(std::memory_order_acquire) < job.chunks)
            std::this_thread::yield();
        {
            std::lock_guard lock(mutex_);
            job_ = nullptr; // no worker takes it from now on...
        }
        while (job.active.load(std::memory_order_acquire) > 0) // ...and none still holds it
            std::this_thread::yield();
    }

private:
    void work()
    {
        tl_in_parallel = true;
        std::uint64_t seen = 0;
        for (;;) {
            Job* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
                if (stop_)
                    return;
                seen = generation_;
                job = job_;
                job->active.fetch_add(1, std::memory_order_relaxed);
            }
            job->run_chunks();
            job->active.fetch_sub(1, std::memory_order_release);
        }
    }

    std::vector<std::thread> threads_;
    std::mutex mutex_, run_mutex_;
    std::condition_variable wake_;
    Job* job_ = nullptr;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
};

constexpr int kMaxThreads = 1024; // far past any machine this runs on; a typo's 100000 would not start

// The cores this process may run on: its affinity mask, not the machine's count. A launcher that
// places processes pins each to its share (mpirun binds each of 2 ranks to one core of 2; so do
// taskset, numactl and a container's cpuset), and a pool of one thread per machine core would then
// put two threads on each core the process has, each waiting on the other at every parallel_for.
// This is how OpenMP runtimes count too (libgomp's default team), so oneDNN's team agrees.
int available_cores()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); // mask unreadable: the machine's
}

// BACKPROP_NUM_THREADS, or the cores when it is unset (or empty, as a shell's `VAR= cmd` leaves
// it). Anything else but a whole number from 1 to kMaxThreads is refused, naming the variable and
// its value: a silent fallback would run a timing or a bit-for-bit comparison on the wrong count.
int configured_threads()
{
    const int cores = available_cores();
    const char* env = std::getenv("BACKPROP_NUM_THREADS");
    if (env == nullptr || *env == '\0')
        return cores;
    const std::string_view text(env);
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxThreads)
        throw std::invalid_argument(fmt::format("BACKPROP_NUM_THREADS='{}': want a whole number from 1 to {} (the threads "
                                                "of the tensor kernels; unset, it is the cores: {})",
                                                text, kMaxThreads, cores));
    return n;
}

Pool& pool()
{
    static Pool p(configured_threads() - 1);
    return p;
}

} // namespace

int max_threads()
{
    static const int n = configured_threads();
    return n;
}

void parallel_for(std::int64_t n, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body)
{
    const std::int64_t threads = std::min<std::int64_t>(max_threads(), grain > 0 ? n / grain : n);
    if (threads < 2 || tl_in_parallel) {
        if (n > 0)
            body(0, n);
        return;
    }
    Job job;
    job.body = &body;
    job.n = n;
    job.chunks = threads;
    tl_in_parallel = true;
    pool().run(job);
    tl_in_parallel = false;
}

} // namespace autograd::detail
