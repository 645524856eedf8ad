// train's place in a data-parallel job: one process alone, or one rank of an MPI job started by
// mpirun, with what train needs of backprop::dist behind one interface, so that train.cpp has no
// #ifdef and builds without MPI.
//
//   tools::Job job(tools::Job::wanted(distributed_option), &argc, &argv);  // MPI_Init if wanted
//   job.wrap(model);                            // DistributedDataParallel: rank 0's weights everywhere
//   nn::DataLoader loader(data, job.loader({.batch_size = 64, .shuffle = true}));
//   ... loss.backward(); job.step(opt);          // the step of the gradients of every rank
//   job.sum(totals);                            // the epoch's sums over every rank
//   if (job.root()) save(...);                  // files and printing on rank 0 only
//
// Alone (not distributed), every call is the identity and rank() is 0 of 1. Built without
// backprop::dist (BACKPROP_HAVE_DIST undefined), asking for a distributed job is an error that
// names the option and what to install.
#pragma once

#include <nn/data/data_loader.hpp>
#include <nn/io/state_dict.hpp>
#include <nn/modules/module.hpp>
#include <nn/optim/optimizer.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tools {

class Job {
public:
    /// Whether this process must join an MPI job: `distributed_option` (--distributed) given, or
    /// started by an MPI launcher with more than one process. The launcher is read from the
    /// environment, before MPI_Init: OMPI_COMM_WORLD_SIZE (Open MPI's mpirun), PMI_SIZE (MPICH's,
    /// Slurm's srun with PMI), else PMIX_RANK (a PMIx launcher that gives no size: joined, MPI
    /// tells the size). Throws std::invalid_argument for a size that is not a whole number >= 1.
    static bool wanted(bool distributed_option);
    /// The launcher's world size from the environment as above (1 when none is set).
    static int launched_size();

    /// A distributed job (MPI initialised, a dist::ProcessGroup) when `distributed`, else alone.
    /// Throws std::invalid_argument, naming --distributed and what to install, when distributed
    /// is asked of a train built without MPI.
    Job(bool distributed, int* argc, char*** argv);
    ~Job();
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    bool distributed() const;
    int rank() const;
    int size() const;
    /// Rank 0, which prints and writes the files.
    bool root() const { return rank() == 0; }

    /// Checks that every rank has the same model and gives it rank 0's parameters and buffers
    /// (DistributedDataParallel). Collective. Alone, nothing.
    void wrap(std::shared_ptr<nn::Module> model);
    /// opt's step from the gradients of every rank, the step one process would take with the
    /// whole batch (DistributedDataParallel::step: on one machine, one copy of the parameters the
    /// ranks share, each updating its share). `inspect`, when given, runs before the step with
    /// the mean gradients in every parameter's grad() (the all-reduce way, which puts them there
    /// on every rank). Collective. Alone, inspect() then opt.step().
    void step(nn::Optimizer& opt, const std::function<void()>& inspect = {});
    /// opt.state_dict() as one process would have it (DistributedDataParallel::
    /// optimizer_state_dict: each parameter's state from the rank that updates it). Collective.
    nn::StateDict optimizer_state(nn::Optimizer& opt) const;
    /// The options with this rank's share of every batch (dist::distributed). Collective.
    nn::DataLoaderOptions loader(nn::DataLoaderOptions options) const;
    /// Each value replaced by its sum over the ranks. Collective.
    void sum(std::span<double> values) const;
    /// Each value replaced by rank 0's. Collective.
    void from_root(std::span<double> values) const;

    /// For main's catch: ends the whole job with "tool: <error>" (the error being handled) when
    /// distributed over more than one rank, so that no rank is left waiting in a collective for
    /// this one; alone, prints it as tools::report_failure does and returns 1.
    int fail(std::string_view tool, std::string_view out_of_memory_hint) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace tools
