// ProcessGroup: this process's place among the processes mpirun started (MPI's world), for
// data-parallel training.
//
//   int main(int argc, char** argv) {
//       dist::ProcessGroup group(argc, argv);          // MPI_Init_thread; MPI_Finalize at the end of main
//       fmt::print("rank {} of {}\n", group.rank(), group.world_size());
//       ...
//   }
//   mpirun -np 2 ./program
//
// One ProcessGroup per process, made before any other dist call and alive until the last; a
// second one while the first lives is an error (MPI can be initialised once per process). A
// program started without mpirun is a world of one.
//
// Faults end the job, never hang it. While a ProcessGroup lives, an exception that leaves main
// (std::terminate) prints "dist: rank R of P failed: <what()>" and calls MPI_Abort, which makes
// mpirun end every rank with a non-zero status; so does a ProcessGroup destroyed by an exception
// passing through its scope. A program that catches its errors in main calls abort(message)
// itself: returning normally would let this rank finalise while the others wait in a collective.
// An error every rank meets alike (the same message from each, within two seconds) is printed
// once, by rank 0: "dist: all P ranks failed: <what()>".
#pragma once

#include <memory>
#include <string_view>

namespace dist {

class ProcessGroup {
public:
    /// Initialises MPI from mpirun's environment (MPI_Init_thread, asking for
    /// MPI_THREAD_FUNNELED: the engine's worker threads never call MPI). argc and argv may be
    /// null. Throws std::runtime_error when another ProcessGroup lives or MPI fails to start.
    ProcessGroup(int* argc = nullptr, char*** argv = nullptr);
    ProcessGroup(int& argc, char**& argv) : ProcessGroup(&argc, &argv) {}
    /// MPI_Finalize; MPI_Abort instead when an exception is unwinding through the group's scope.
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    /// This process's number, 0 to world_size() - 1; rank 0 holds the reference weights.
    int rank() const { return rank_; }
    int world_size() const { return world_size_; }
    /// Waits until every rank has called barrier(). Throws std::runtime_error on an MPI error.
    void barrier() const;
    /// Prints "dist: rank R of P failed: message" to stderr and ends the whole job (MPI_Abort
    /// with status 1). For a program that catches its own errors. When every rank calls it with
    /// the same message, rank 0 alone prints it ("dist: all P ranks failed: message"); a rank
    /// whose peers do not fail waits two seconds for them before it ends the job.
    [[noreturn]] void abort(std::string_view message) const;

    /// The MPI state (a duplicate of MPI_COMM_WORLD whose errors return instead of aborting),
    /// for the collectives' implementation; opaque here so that this header needs no mpi.h.
    struct Impl;
    const Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
    int rank_ = 0;
    int world_size_ = 1;
    int uncaught_at_start_ = 0;
};

} // namespace dist
