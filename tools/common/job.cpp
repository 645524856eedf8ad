#include "job.hpp"
#include "cli.hpp"

#ifdef BACKPROP_HAVE_DIST
#include <dist/collectives.hpp>
#include <dist/data_parallel.hpp>
#include <dist/distributed_sampler.hpp>
#include <dist/process_group.hpp>
#endif

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

namespace tools {

namespace {

// A launcher's size variable: unset is none; set, it must be a whole number >= 1.
std::optional<int> size_from(const char* name)
{
    const char* text = std::getenv(name);
    if (text == nullptr)
        return std::nullopt;
    const std::string_view s(text);
    int value = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc{} || end != s.data() + s.size() || value < 1)
        throw std::invalid_argument(fmt::format("the environment's {}={} is not a number of processes (a whole number >= 1)", name, s));
    return value;
}

} // namespace

int Job::launched_size()
{
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const std::optional<int> size = size_from(name))
            return *size;
    return 1;
}

bool Job::wanted(bool distributed_option)
{
    if (distributed_option || launched_size() > 1)
        return true;
    // A PMIx launcher that sets no size: every rank joins (rank 0 cannot tell a world of one from
    // more, and a rank that stayed alone would leave the others waiting for it).
    return std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("PMI_SIZE") == nullptr &&
           std::getenv("PMIX_RANK") != nullptr;
}

#ifdef BACKPROP_HAVE_DIST

struct Job::Impl {
    dist::ProcessGroup group;
    // NOTE: declared after the group, so destroyed before it (the wrapper refers to the group).
    std::unique_ptr<dist::DistributedDataParallel> ddp;
    Impl(int* argc, char*** argv) : group(argc, argv) {}
};

Job::Job(bool distributed, int* argc, char*** argv)
{
    // Threads: the library's default is the cores this process may run on, and mpirun binds
    // each rank to its share of them (autograd/cpu/parallel.hpp), so nothing is set here.
    if (!distributed)
        return;
    impl_ = std::make_unique<Impl>(argc, argv);
}

bool Job::distributed() const { return impl_ != nullptr; }
int Job::rank() const { return impl_ ? impl_->group.rank() : 0; }
int Job::size() const { return impl_ ? impl_->group.world_size() : 1; }

void Job::wrap(std::shared_ptr<nn::Module> model)
{
    if (impl_)
        impl_->ddp = std::make_unique<dist::DistributedDataParallel>(std::move(model), impl_->group);
}

void Job::step(nn::Optimizer& opt, const std::function<void()>& inspect)
{
    if (!impl_ || !impl_->ddp) {
        if (inspect)
            inspect();
        opt.step();
        return;
    }
    if (!inspect) {
        impl_->ddp->step(opt);
        return;
    }
    impl_->ddp->sync_gradients();
    inspect();
    opt.step();
}

nn::StateDict Job::optimizer_state(nn::Optimizer& opt) const
{
    return impl_ && impl_->ddp ? impl_->ddp->optimizer_state_dict(opt) : opt.state_dict();
}

nn::DataLoaderOptions Job::loader(nn::DataLoaderOptions options) const
{
    return impl_ ? dist::distributed(impl_->group, options) : options;
}

void Job::sum(std::span<double> values) const
{
    if (impl_)
        dist::all_reduce(impl_->group, values, dist::ReduceOp::Sum);
}

void Job::from_root(std::span<double> values) const
{
    if (!impl_)
        return;
    // Rank 0's values plus zeros from the others: rank 0's exactly (x + 0 is x; NaN and the
    // infinities stay themselves), in one all-reduce instead of a tensor broadcast.
    if (!root())
        std::fill(values.begin(), values.end(), 0.0);
    dist::all_reduce(impl_->group, values, dist::ReduceOp::Sum);
}

int Job::fail(std::string_view tool, std::string_view out_of_memory_hint) const
{
    if (impl_ && impl_->group.world_size() > 1) // "dist: rank R of P failed: train: ...", and the job ends
        impl_->group.abort(failure_message(tool, out_of_memory_hint));
    return report_failure(tool, out_of_memory_hint);
}

#else // built without MPI: a job of one process

struct Job::Impl {};

Job::Job(bool distributed, int*, char***)
{
    if (!distributed)
        return;
    const int launched = launched_size();
    throw std::invalid_argument(
        launched > 1 ? fmt::format("started by mpirun (or another MPI launcher) as {} processes, but this train was built "
                                   "without MPI: install Open MPI (apt-get install libopenmpi-dev openmpi-bin) and "
                                   "rebuild, which builds backprop::dist; or run train alone",
                                   launched)
                     : std::string("--distributed: this train was built without MPI: install Open MPI (apt-get install "
                                   "libopenmpi-dev openmpi-bin) and rebuild, which builds backprop::dist"));
}

bool Job::distributed() const { return false; }
int Job::rank() const { return 0; }
int Job::size() const { return 1; }
void Job::wrap(std::shared_ptr<nn::Module>) {}
void Job::step(nn::Optimizer& opt, const std::function<void()>& inspect)
{
    if (inspect)
        inspect();
    opt.step();
}
nn::StateDict Job::optimizer_state(nn::Optimizer& opt) const { return opt.state_dict(); }
nn::DataLoaderOptions Job::loader(nn::DataLoaderOptions options) const { return options; }
void Job::sum(std::span<double>) const {}
void Job::from_root(std::span<double>) const {}

int Job::fail(std::string_view tool, std::string_view out_of_memory_hint) const
{
    return report_failure(tool, out_of_memory_hint);
}

#endif

Job::~Job() = default;

} // namespace tools
