#include "dist/detail/shared_parameters.hpp"

#include "dist/detail/mpi.hpp"

#include <autograd/dtype.hpp>
#include <autograd/engine/tensor_impl.hpp>

#include <algorithm>
#include <climits>
#include <exception>
#include <numeric>
#include <set>

namespace dist::detail {

struct SharedParameters::Mpi {
    MPI_Comm node = MPI_COMM_NULL;   // the ranks of this machine (all of them, or no sharing)
    MPI_Win params = MPI_WIN_NULL;   // the parameters: one copy, in rank 0's segment
    MPI_Win staging = MPI_WIN_NULL;  // a segment a rank, each as large as the parameters
};

namespace {

constexpr std::size_t kAlign = 64; // each parameter on its own cache lines

std::size_t bytes_of(const autograd::Tensor& t)
{
    return static_cast<std::size_t>(t.numel()) * autograd::itemsize(t.dtype());
}

// Largest first, each to the rank with the fewest bytes so far (the lowest on a tie): on W3 the
// two large weights go to different ranks. Every rank computes the same partition.
std::vector<int> partition(const std::vector<autograd::Tensor>& params, int ranks)
{
    std::vector<std::size_t> order(params.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return bytes_of(params[a]) > bytes_of(params[b]); });
    std::vector<std::size_t> load(static_cast<std::size_t>(ranks), 0);
    std::vector<int> owner(params.size(), 0);
    for (std::size_t k : order) {
        const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        owner[k] = static_cast<int>(least);
        load[least] += bytes_of(params[k]);
    }
    return owner;
}

} // namespace

std::unique_ptr<SharedParameters> SharedParameters::create(const ProcessGroup& group,
                                                           std::vector<autograd::Tensor> params)
{
    // Parameters that share a storage, or views of a larger one, could not each move alone.
    std::set<const autograd::Storage*> storages;
    bool movable = true;
    for (const autograd::Tensor& p : params) {
        const auto& storage = p.impl()->storage;
        movable = movable && storage->numel == static_cast<std::size_t>(p.numel()) &&
                  storages.insert(storage.get()).second && !storage->borrowed();
    }
    // Every rank's parameters have rank 0's shapes (the wrapper checked), so every rank decides alike.
    if (!movable || group.world_size() == 1)
        return nullptr;

    auto out = std::unique_ptr<SharedParameters>(new SharedParameters());
    out->group_ = &group;
    out->mpi_ = std::make_unique<Mpi>();
    Mpi& mpi = *out->mpi_;
    check(MPI_Comm_split_type(comm(group), MPI_COMM_TYPE_SHARED, group.rank(), MPI_INFO_NULL, &mpi.node),
          "splitting the ranks by machine", group);
    int node_size = 0;
    MPI_Comm_size(mpi.node, &node_size);
    if (node_size != group.world_size()) { // the same answer on every rank: some rank is elsewhere
        MPI_Comm_free(&mpi.node);
        return nullptr;
    }

    std::size_t total = 0;
    for (const autograd::Tensor& p : params) {
        out->offset_.push_back(total);
        total += (bytes_of(p) + kAlign - 1) / kAlign * kAlign;
    }
    total = std::max(total, kAlign);
    const int rank = group.rank(), ranks = group.world_size();
    MPI_Info info = MPI_INFO_NULL;
    MPI_Info_create(&info);
    MPI_Info_set(info, "alloc_shared_noncontig", "true"); // each segment on its rank's memory node
    std::byte* base = nullptr;
    const auto size = static_cast<MPI_Aint>(total);
    check(MPI_Win_allocate_shared(rank == 0 ? size : 0, 1, info, mpi.node, &base, &mpi.params),
          "allocating the shared parameters", group);
    check(MPI_Win_allocate_shared(size, 1, info, mpi.node, &base, &mpi.staging), "allocating the gradients' staging",
          group);
    MPI_Info_free(&info);
    MPI_Aint got = 0;
    int unit = 0;
    std::byte* shared = nullptr;
    check(MPI_Win_shared_query(mpi.params, 0, &got, &unit, &shared), "mapping the shared parameters", group);
    out->staging_.resize(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r)
        check(MPI_Win_shared_query(mpi.staging, r, &got, &unit, &out->staging_[static_cast<std::size_t>(r)]),
              "mapping the gradients' staging", group);
    // One passive-target epoch for the windows' whole life: fence() orders the accesses.
    MPI_Win_lock_all(MPI_MODE_NOCHECK, mpi.params);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, mpi.staging);

    // Rank 0's values into the window, then every rank's parameters onto it.
    if (rank == 0)
        for (std::size_t k = 0; k < params.size(); ++k)
            params[k].impl()->storage->move_to(shared + out->offset_[k]);
    out->fence();
    if (rank != 0)
        for (std::size_t k = 0; k < params.size(); ++k)
            params[k].impl()->storage->move_to(shared + out->offset_[k], false);
    out->owner_ = partition(params, ranks);
    out->params_ = std::move(params);
    return out;
}

SharedParameters::~SharedParameters()
{
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized != 0) // too late (the group must outlive the wrapper): the memory is gone with MPI
        return;
    for (const autograd::Tensor& p : params_) // each rank copies the shared values into its own
        p.impl()->storage->move_to_own_buffer();
    // Unwinding from an error on this rank alone: the others may never come to free the windows
    // (MPI_Win_free waits for every rank), so leave them to the job's end, which the
    // ProcessGroup's destructor brings about (tests/dist/dist_fault.cpp, mode shared).
    if (std::uncaught_exceptions() > 0)
        return;
    Mpi& mpi = *mpi_;
    MPI_Win_unlock_all(mpi.staging);
    MPI_Win_unlock_all(mpi.params);
    MPI_Win_free(&mpi.staging); // collective: no rank frees while another still copies
    MPI_Win_free(&mpi.params);
    MPI_Comm_free(&mpi.node);
}

void SharedParameters::fence() const
{
    MPI_Win_sync(mpi_->params);
    MPI_Win_sync(mpi_->staging);
    check(MPI_Barrier(mpi_->node), "barrier of the shared-parameter step", *group_);
    MPI_Win_sync(mpi_->params);
    MPI_Win_sync(mpi_->staging);
}

void SharedParameters::broadcast(std::byte* bytes, std::size_t count, int root) const
{
    for (std::size_t done = 0; done < count;) {
        const std::size_t piece = std::min<std::size_t>(count - done, INT_MAX);
        check(MPI_Bcast(bytes + done, static_cast<int>(piece), MPI_BYTE, root, mpi_->node),
              "broadcast of optimizer state", *group_);
        done += piece;
    }
}

} // namespace dist::detail
