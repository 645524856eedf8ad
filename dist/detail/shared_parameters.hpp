// A model's parameters in memory that the ranks of one machine share, for
// DistributedDataParallel::step() (inside dist's sources only).
//
// The ranks hold one copy of the parameters between them, in an MPI shared-memory window
// (MPI_Win_allocate_shared), where each rank would otherwise hold its own: every parameter's
// storage is moved there (Storage::move_to), so the model's tensors, and any view of them, read
// and write the shared copy. Each parameter is updated by one rank, its owner (a partition by
// size, as PyTorch's ZeroRedundancyOptimizer makes), which reads the other ranks' gradients of
// it from their staging areas in a second window: no message, no copy of the parameters back.
//
// Why: W3 on two ranks of this project's 2-core machine (bench/bench_w3_dist.sh): two private
// copies of the 7.45 MB of weights, gradients and momentum no longer fit the 32 MiB cache the
// cores share, and each step paid an all-reduce and a whole optimizer step on every rank.
//
// Ranks on several machines cannot share memory: create() returns null there (collectively),
// and DistributedDataParallel keeps to all-reduce.
#pragma once

#include "dist/process_group.hpp"

#include <autograd/tensor.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace dist::detail {

class SharedParameters {
public:
    /// Collective. Moves the parameters into a window all ranks map, with rank 0's values; null
    /// (on every rank) when the ranks are not all on one machine or the window cannot be made.
    static std::unique_ptr<SharedParameters> create(const ProcessGroup& group, std::vector<autograd::Tensor> params);
    /// Collective (every rank at the same point): moves each parameter back into memory of its
    /// own, with the values it has, and frees the windows.
    ~SharedParameters();
    SharedParameters(const SharedParameters&) = delete;
    SharedParameters& operator=(const SharedParameters&) = delete;

    /// The rank that updates parameter k.
    int owner(std::size_t k) const { return owner_[k]; }
    /// Where rank r stages its gradient of parameter k for the owner: numel elements of its dtype.
    std::byte* staging(int rank, std::size_t k) const { return staging_[static_cast<std::size_t>(rank)] + offset_[k]; }
    /// Every rank waits here for the others, and sees what they wrote before it (MPI_Win_sync on
    /// both sides of a barrier: the shared-memory model's rule).
    void fence() const;
    /// root's bytes in `bytes` on every rank (collective).
    void broadcast(std::byte* bytes, std::size_t count, int root) const;

private:
    struct Mpi; // the communicator and the windows (mpi.h stays in the .cpp)
    SharedParameters() = default;

    const ProcessGroup* group_ = nullptr;
    std::unique_ptr<Mpi> mpi_;
    std::vector<autograd::Tensor> params_;
    std::vector<int> owner_;            // by parameter
    std::vector<std::size_t> offset_;   // by parameter: bytes into a window's segment
    std::vector<std::byte*> staging_;   // by rank: its segment of the staging window
};

} // namespace dist::detail
