#include "dist/process_group.hpp"

#include "dist/detail/mpi.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace dist {

namespace {

// The living group's place, for the terminate handler (which gets no arguments).
std::atomic<bool> group_alive{false};
int handler_rank = 0;
int handler_world_size = 1;
std::terminate_handler previous_handler = nullptr;
// A second duplicate of MPI_COMM_WORLD, for failing ranks only (see every_rank_fails_alike): no
// message of the training can be pending on it, whatever a rank was doing when it failed.
MPI_Comm failure_comm = MPI_COMM_NULL;
// How long a failing rank waits on failure_comm for the others: ranks meeting the same check are
// milliseconds apart.
constexpr double kGraceSeconds = 2.0;

// Waits up to `seconds` for a non-blocking collective on failure_comm; false when it did not end.
bool wait_for(MPI_Request& request, double seconds)
{
    const double until = MPI_Wtime() + seconds;
    int done = 0;
    while (MPI_Test(&request, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done && MPI_Wtime() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done != 0;
}

// Whether every rank is failing with this very message: the errors every rank meets alike (a
// batch size the world size does not divide, a missing data file) would otherwise be printed once
// per rank. The failing ranks compare a hash of their messages in a non-blocking all-reduce on
// failure_comm; a rank that is not failing never joins it, so after a grace period the ones that
// are go on alone, as before (each prints its own message).
bool every_rank_fails_alike(std::string_view message)
{
    if (failure_comm == MPI_COMM_NULL || handler_world_size == 1)
        return false;
    // max(h) == -max(-h) == min(h) exactly when all hashes are equal (halved: negation cannot
    // overflow). The standard library's string hash has no per-process seed (libstdc++, libc++):
    // equal messages hash alike on every rank of one build.
    const auto h = static_cast<long long>(std::hash<std::string_view>{}(message) >> 1);
    long long in[2] = {h, -h}, out[2] = {0, 0};
    MPI_Request request = MPI_REQUEST_NULL;
    if (MPI_Iallreduce(in, out, 2, MPI_LONG_LONG, MPI_MAX, failure_comm, &request) != MPI_SUCCESS)
        return false;
    return wait_for(request, kGraceSeconds) && out[0] == -out[1];
}

[[noreturn]] void abort_job(int rank, int world_size, std::string_view message)
{
    if (every_rank_fails_alike(message)) {
        if (rank == 0)
            fmt::print(stderr, "dist: all {} ranks failed: {}\n", world_size, message);
        std::fflush(stderr);
        // The others wait for rank 0's line to be out before the abort can end it.
        MPI_Request request = MPI_REQUEST_NULL;
        if (MPI_Ibarrier(failure_comm, &request) == MPI_SUCCESS)
            wait_for(request, kGraceSeconds);
    } else {
        fmt::print(stderr, "dist: rank {} of {} failed: {}\n", rank, world_size, message);
        std::fflush(stderr);
    }
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1); // MPI_Abort does not return; should it ever, this rank still must not go on
}

// NOTE: an exception no handler catches reaches std::terminate before any unwinding (GCC and
// clang), and std::current_exception() still holds it there, so its message can be printed.
[[noreturn]] void on_terminate()
{
    std::string what = "std::terminate called without an exception";
    if (std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            what = ex.what();
        } catch (...) {
            what = "an exception not derived from std::exception";
        }
    }
    abort_job(handler_rank, handler_world_size, what);
}

} // namespace

void detail::check(int rc, std::string_view op, const ProcessGroup& group)
{
    if (rc == MPI_SUCCESS)
        return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS)
        length = fmt::format_to_n(text, sizeof text - 1, "MPI error code {}", rc).size;
    throw std::runtime_error(fmt::format("dist: {} failed on rank {} of {}: {}", op, group.rank(), group.world_size(),
                                         std::string_view(text, static_cast<std::size_t>(length))));
}

ProcessGroup::ProcessGroup(int* argc, char*** argv) : impl_(std::make_unique<Impl>())
{
    if (group_alive.exchange(true))
        throw std::runtime_error("dist::ProcessGroup: one already exists in this process (MPI starts once)");
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (initialised || finalised) {
        group_alive = false;
        throw std::runtime_error(fmt::format("dist::ProcessGroup: MPI was already {} in this process",
                                             finalised ? "finalised (by an earlier ProcessGroup)" : "initialised"));
    }
    // Open MPI's transport between ranks of one machine (its shared-memory BTL, "vader") moves a
    // large message by cross-memory attach by default: the receiver reads the sender's pages
    // through the kernel (process_vm_readv), which looks up and pins them for every message. W3's
    // gradient all-reduce (7.45 MB a step, two ranks on this project's 2-vCPU virtual machine)
    // took 4.0 ms a step so, and 1.7 ms copied through the shared segment instead
    // (bench/bench_w3_dist.sh, docs/benchmarks.md): the copy is the default here. The user's
    // choice wins: mpirun --mca btl_vader_single_copy_mechanism cma (or the variable) sets it in
    // the ranks' environment, and setenv does not overwrite it. Other MPIs ignore the variable.
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        group_alive = false;
        throw std::runtime_error("dist::ProcessGroup: MPI_Init_thread failed");
    }
    // From here on MPI's errors come back as codes (and become exceptions) instead of ending the
    // job inside MPI with a message that names no operation of ours.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (provided < MPI_THREAD_FUNNELED) {
        MPI_Finalize();
        group_alive = false;
        throw std::runtime_error("dist::ProcessGroup: this MPI does not support MPI_THREAD_FUNNELED");
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
    // Our own communicator, so that a library beside us using MPI_COMM_WORLD cannot match our messages.
    int rc = MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_set_errhandler(impl_->comm, MPI_ERRORS_RETURN);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_dup(MPI_COMM_WORLD, &failure_comm);
    if (rc == MPI_SUCCESS)
        rc = MPI_Comm_set_errhandler(failure_comm, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) {
        // Another rank may have succeeded and be waiting for us: end the job, not just this rank.
        abort_job(rank_, world_size_, "MPI_Comm_dup of MPI_COMM_WORLD failed");
    }
    handler_rank = rank_;
    handler_world_size = world_size_;
    previous_handler = std::set_terminate(on_terminate);
    uncaught_at_start_ = std::uncaught_exceptions();
}

ProcessGroup::~ProcessGroup()
{
    if (std::uncaught_exceptions() > uncaught_at_start_)
        abort_job(rank_, world_size_, "an exception is unwinding through the ProcessGroup's scope");
    std::set_terminate(previous_handler);
    MPI_Comm_free(&failure_comm);
    MPI_Comm_free(&impl_->comm);
    MPI_Finalize();
    group_alive = false;
}

void ProcessGroup::barrier() const { detail::check(MPI_Barrier(impl_->comm), "barrier", *this); }

void ProcessGroup::abort(std::string_view message) const { abort_job(rank_, world_size_, message); }

} // namespace dist
