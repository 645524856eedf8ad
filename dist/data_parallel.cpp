#include "dist/data_parallel.hpp"

#include "dist/collectives.hpp"
#include "dist/detail/mpi.hpp"
#include "dist/detail/shared_parameters.hpp"

#include <autograd/ops/shape.hpp>
#include <autograd/shape.hpp>
#include <autograd/engine/tensor_impl.hpp>
#include <nn/optim/optimizer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace dist {

namespace {

struct Entry {
    std::string kind; // "parameter" or "buffer"
    std::string name;
    std::string type; // "float32 [16, 5]"
};

std::vector<Entry> entries_of(const nn::Module& module)
{
    std::vector<Entry> out;
    for (const auto& [name, t] : module.named_parameters())
        out.push_back({"parameter", name, fmt::format("{} {}", autograd::to_string(t.dtype()), autograd::to_string(t.shape()))});
    for (const auto& [name, t] : module.named_buffers())
        out.push_back({"buffer", name, fmt::format("{} {}", autograd::to_string(t.dtype()), autograd::to_string(t.shape()))});
    return out;
}

// One entry a line, its fields split by tabs (no module or parameter name holds a tab or a newline).
std::string serialise(const std::vector<Entry>& entries)
{
    std::string out;
    for (const Entry& e : entries)
        out += fmt::format("{}\t{}\t{}\n", e.kind, e.name, e.type);
    return out;
}

std::vector<Entry> parse(const std::string& text)
{
    std::vector<Entry> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const std::size_t a = line.find('\t'), b = line.find('\t', a + 1);
        out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
    }
    return out;
}

// How this rank's model differs from rank 0's, or "" when it does not.
std::string difference(const std::vector<Entry>& mine, const std::vector<Entry>& rank0, int rank)
{
    for (std::size_t i = 0; i < std::max(mine.size(), rank0.size()); ++i) {
        if (i >= rank0.size())
            return fmt::format("rank {} has {} '{}' ({}) that rank 0 has not", rank, mine[i].kind, mine[i].name,
                               mine[i].type);
        if (i >= mine.size())
            return fmt::format("rank 0's {} '{}' ({}) is missing on rank {}", rank0[i].kind, rank0[i].name,
                               rank0[i].type, rank);
        const Entry& m = mine[i];
        const Entry& r = rank0[i];
        if (m.kind != r.kind || m.name != r.name)
            return fmt::format("rank {}'s model has {} '{}' ({}) where rank 0's has {} '{}' ({})", rank, m.kind, m.name,
                               m.type, r.kind, r.name, r.type);
        if (m.type != r.type)
            return fmt::format("rank {}'s {} '{}' is {}, rank 0's is {}", rank, m.kind, m.name, m.type, r.type);
    }
    return {};
}

// Whether g, a copy of a parameter's grad(), may be written in place: nothing but the parameter
// and this copy holds its record (no handle, no view, no graph: after backward() the engine's
// gradients are the leaves' own).
bool only_the_parameter_holds(const autograd::Tensor& g)
{
    return g.defined() && !g.requires_grad() && g.use_count() == 2 && g.storage_use_count() == 1;
}

} // namespace

// What one pass between two sync_gradients() has done: the buckets' all-reduces in flight and
// which gradients the hooks (with overlap) have copied.
struct DistributedDataParallel::Pass {
    std::vector<MPI_Request> requests; // by bucket; MPI_REQUEST_NULL when none is in flight
    std::vector<std::size_t> arrived;  // by bucket: its parameters whose gradient arrived
    std::vector<char> seen;            // by parameter: its gradient is in the bucket's buffer
    std::vector<float> again;          // by bucket: a gradient arrived after the bucket was sent
    std::vector<char> in_place;        // by bucket: reduced in its parameter's own gradient
    // NOTE: buckets start in their order only, whatever order their gradients complete in, so
    // that every rank issues the same sequence of collectives (MPI's rule for non-blocking ones
    // too); a bucket complete early waits for the ones before it.
    std::size_t next = 0;
    bool detached = false; // the wrapper is gone: its hooks on the model do nothing

    void reset(std::size_t buckets, std::size_t params)
    {
        requests.assign(buckets, MPI_REQUEST_NULL);
        arrived.assign(buckets, 0);
        again.assign(buckets, 0.0f);
        in_place.assign(buckets, 0);
        seen.assign(params, 0);
        next = 0;
    }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module, const ProcessGroup& group,
                                                 DataParallelOptions options)
    : module_(std::move(module)), group_(&group), options_(options)
{
    if (module_ == nullptr)
        throw std::invalid_argument("DistributedDataParallel: no module (a null pointer)");
    if (options_.bucket_bytes < 1)
        throw std::invalid_argument(
            fmt::format("DistributedDataParallel: bucket_bytes must be >= 1 (got {})", options_.bucket_bytes));
    register_module("module", module_);

    // Every rank learns whether any differs, and the highest one that does says how, so that all
    // throw the same message together rather than some waiting in the broadcast below.
    const std::vector<Entry> mine = entries_of(*module_);
    const std::string why = difference(mine, parse(broadcast(group, serialise(mine), 0)), group.rank());
    const double bad = all_reduce(group, why.empty() ? 0.0 : 1.0 + group.rank(), ReduceOp::Max);
    if (bad != 0.0)
        throw std::invalid_argument(fmt::format("DistributedDataParallel: the ranks' models differ: {}",
                                                broadcast(group, why, static_cast<int>(bad) - 1)));
    for (const auto& [name, t] : module_->state_dict())
        broadcast(group, t, 0);

    // Buckets over the parameters in reverse order, one dtype each, closed when the next
    // parameter would take them past bucket_bytes. A parameter of more than half a bucket gets
    // one of its own (whose buffer becomes its gradient), and the bucket after it starts afresh.
    params_ = module_->named_parameters();
    slots_.resize(params_.size());
    std::int64_t bytes = 0;
    bool solo = false; // the last bucket holds a large parameter alone
    for (std::size_t k = params_.size(); k-- > 0;) {
        const autograd::Tensor& p = params_[k].second;
        const auto size = p.numel() * static_cast<std::int64_t>(autograd::itemsize(p.dtype()));
        const bool large = 2 * size > options_.bucket_bytes;
        if (buckets_.empty() || buckets_.back().dtype != p.dtype() || solo || large ||
            (bytes + size > options_.bucket_bytes && !buckets_.back().params.empty())) {
            buckets_.push_back({p.dtype(), {}, {}, 0, {}});
            bytes = 0;
        }
        solo = large;
        Bucket& b = buckets_.back();
        slots_[k] = {buckets_.size() - 1, b.params.size()};
        b.params.push_back(k);
        b.offsets.push_back(b.numel);
        b.numel += p.numel();
        bytes += size;
        if (b.numel > INT_MAX)
            throw std::invalid_argument(fmt::format("DistributedDataParallel: parameter '{}' takes a bucket past "
                                                    "MPI's count limit of {} elements",
                                                    params_[k].first, INT_MAX));
    }
    pass_ = std::make_shared<Pass>();
    pass_->reset(buckets_.size(), params_.size());

    if (options_.overlap && group.world_size() > 1)
        for (std::size_t k = 0; k < params_.size(); ++k)
            if (params_[k].second.requires_grad())
                // The hook holds the pass, not the wrapper: once the wrapper is gone it does nothing.
                params_[k].second.register_hook([pass = pass_, this, k](const autograd::Tensor& g) {
                    if (!pass->detached)
                        on_gradient(k, g);
                    return autograd::Tensor(); // the gradient itself is left as it is
                });
}

DistributedDataParallel::~DistributedDataParallel()
{
    pass_->detached = true;
    // The buffers die with the wrapper: an all-reduce still writing into them must end first.
    // (Only then: with none in flight, no MPI call, which the group's end may have made illegal.)
    const auto& requests = pass_->requests;
    if (std::any_of(requests.begin(), requests.end(), [](MPI_Request r) { return r != MPI_REQUEST_NULL; }))
        MPI_Waitall(static_cast<int>(requests.size()), pass_->requests.data(), MPI_STATUSES_IGNORE);
}

std::string DistributedDataParallel::extra_repr() const
{
    return fmt::format("world_size={}, buckets={}, bucket_bytes={}, overlap={}", group_->world_size(), buckets_.size(),
                       options_.bucket_bytes, options_.overlap);
}

std::vector<std::vector<std::string>> DistributedDataParallel::bucket_names() const
{
    std::vector<std::vector<std::string>> out;
    for (const Bucket& b : buckets_) {
        out.emplace_back();
        for (std::size_t k : b.params)
            out.back().push_back(params_[k].first);
    }
    return out;
}

autograd::Tensor& DistributedDataParallel::buffer(std::size_t bucket)
{
    Bucket& b = buckets_[bucket];
    if (!b.flat.defined())
        b.flat = autograd::Tensor::empty({b.numel}, b.dtype);
    return b.flat;
}

// Copies a parameter's gradient as it is now (zeros without one), divided by the world size,
// into its bucket's buffer.
void DistributedDataParallel::fill(std::size_t bucket, std::size_t index)
{
    Bucket& b = buckets_[bucket];
    const autograd::Tensor& p = params_[b.params[index]].second;
    const autograd::Tensor g = p.grad();
    const auto n = static_cast<std::size_t>(p.numel());
    autograd::dispatch(b.dtype, [&]<class T>() {
        T* dst = buffer(bucket).data_ptr<T>() + b.offsets[index];
        const T ranks = static_cast<T>(group_->world_size());
        if (g.defined()) {
            const T* src = g.data_ptr<T>();
            for (std::size_t i = 0; i < n; ++i)
                dst[i] = src[i] / ranks;
        } else {
            std::fill_n(dst, n, T(0));
        }
    });
}

// A bucket of one parameter whose gradient nothing else holds (no handle, no view, no graph:
// after backward() the engine's gradients are the leaves' own) is divided and all-reduced where
// it is, in the gradient itself: no buffer, no copy of it. fill() reads every byte of it and
// writes every byte of a buffer besides: on W3 (two ranks) those copies took 0.9 ms of the 1.85 a
// step in sync_gradients(); in place the whole sync takes 1.3-1.5 ms (docs/distributed.md).
// Divided before the all-reduce, as fill() divides, not after: after, the sync took 1.9-2.0 ms
// against 1.4 (two runs each; MPI's copies read the gradient just divided, still in cache).
// Whether a rank takes this path or fill()'s, the all-reduce is the same call with the same
// count, so ranks may differ.
bool DistributedDataParallel::reduce_in_place(std::size_t bucket)
{
    Bucket& b = buckets_[bucket];
    if (b.params.size() != 1)
        return false;
    autograd::Tensor g = params_[b.params[0]].second.grad();
    if (!only_the_parameter_holds(g) || g.dtype() != b.dtype)
        return false;
    autograd::dispatch(b.dtype, [&]<class T>() {
        const std::span<T> data(g.data_ptr<T>(), static_cast<std::size_t>(b.numel));
        const auto ranks = static_cast<T>(group_->world_size());
        for (T& v : data)
            v /= ranks;
        all_reduce(*group_, data, ReduceOp::Sum);
    });
    pass_->in_place[bucket] = 1;
    return true;
}

// The bucket summed over the ranks, in place: blocking (without overlap, and for buckets sent again).
void DistributedDataParallel::reduce(std::size_t bucket)
{
    Bucket& b = buckets_[bucket];
    autograd::dispatch(b.dtype, [&]<class T>() {
        all_reduce(*group_, std::span<T>(buffer(bucket).data_ptr<T>(), static_cast<std::size_t>(b.numel)), ReduceOp::Sum);
    });
}

void DistributedDataParallel::launch(std::size_t bucket)
{
    Bucket& b = buckets_[bucket];
    autograd::dispatch(b.dtype, [&]<class T>() {
        detail::check(MPI_Iallreduce(MPI_IN_PLACE, buffer(bucket).data_ptr<T>(), static_cast<int>(b.numel),
                                     detail::mpi_type<T>(), MPI_SUM, detail::comm(*group_), &pass_->requests[bucket]),
                      fmt::format("all_reduce of gradient bucket {} ({} {} values)", bucket, b.numel,
                                  autograd::to_string(b.dtype)),
                      *group_);
    });
}

// A gradient hook (with overlap): the gradient about to be added into the parameter's .grad().
void DistributedDataParallel::on_gradient(std::size_t param, const autograd::Tensor& grad)
{
    Pass& pass = *pass_;
    const Slot s = slots_[param];
    Bucket& b = buckets_[s.bucket];
    if (pass.seen[param] && s.bucket < pass.next) {
        pass.again[s.bucket] = 1.0f; // sent already: sync_gradients sends the bucket again, whole
        return;
    }
    const autograd::Tensor before = params_[param].second.grad();
    const auto n = static_cast<std::size_t>(grad.numel());
    autograd::dispatch(b.dtype, [&]<class T>() {
        T* dst = buffer(s.bucket).data_ptr<T>() + b.offsets[s.index];
        const T* g = grad.data_ptr<T>();
        const T ranks = static_cast<T>(group_->world_size());
        if (pass.seen[param]) { // a second use of the parameter in this graph: its gradients add up
            for (std::size_t i = 0; i < n; ++i)
                dst[i] += g[i] / ranks;
        } else if (before.defined()) { // accumulating over backward() calls: what .grad() will hold
            const T* old = before.data_ptr<T>();
            for (std::size_t i = 0; i < n; ++i)
                dst[i] = (old[i] + g[i]) / ranks;
        } else {
            for (std::size_t i = 0; i < n; ++i)
                dst[i] = g[i] / ranks;
        }
    });
    if (pass.seen[param])
        return;
    pass.seen[param] = 1;
    ++pass.arrived[s.bucket];
    while (pass.next < buckets_.size() && pass.arrived[pass.next] == buckets_[pass.next].params.size())
        launch(pass.next++);
}

void DistributedDataParallel::sync_gradients()
{
    Pass& pass = *pass_;
    if (shared_ != nullptr)
        throw std::logic_error("DistributedDataParallel: sync_gradients() after step(opt) has made the ranks share "
                               "their parameters: every rank stepping every parameter would update the one copy once "
                               "a rank; train with step(opt) alone");
    if (group_->world_size() == 1) // the mean over one rank is its gradient: no pass over it, no message
        return;
    // The buckets backward did not send (all of them without overlap): their gradients as they
    // are. With overlap they go as the hooks' did, non-blocking: a blocking collective on one
    // rank never matches a non-blocking one on another (MPI's rule), and a bucket one rank's
    // hooks sent may be one another rank sends here.
    for (; pass.next < buckets_.size(); ++pass.next) {
        if (!options_.overlap && reduce_in_place(pass.next))
            continue;
        for (std::size_t i = 0; i < buckets_[pass.next].params.size(); ++i)
            if (!pass.seen[buckets_[pass.next].params[i]])
                fill(pass.next, i);
        if (options_.overlap)
            launch(pass.next);
        else
            reduce(pass.next);
    }
    detail::check(MPI_Waitall(static_cast<int>(pass.requests.size()), pass.requests.data(), MPI_STATUSES_IGNORE),
                  "all_reduce of the gradient buckets (waiting)", *group_);

    // One small message: which parameters got a gradient on some rank, which buckets some rank
    // must send again (a gradient that arrived after its bucket left).
    std::vector<float> flags(params_.size() + buckets_.size());
    for (std::size_t k = 0; k < params_.size(); ++k)
        flags[k] = params_[k].second.grad().defined() ? 1.0f : 0.0f;
    std::copy(pass.again.begin(), pass.again.end(), flags.begin() + static_cast<std::ptrdiff_t>(params_.size()));
    all_reduce(*group_, std::span<float>(flags), ReduceOp::Max);

    for (std::size_t b = 0; b < buckets_.size(); ++b) {
        Bucket& bucket = buckets_[b];
        if (flags[params_.size() + b] != 0.0f) {
            for (std::size_t i = 0; i < bucket.params.size(); ++i)
                fill(b, i);
            reduce(b);
        }
        // The means of buffered buckets go into fresh tensors rather than into the old gradients,
        // which may be shared (reduce_in_place() checks; these are the copy for the case it is).
        // A bucket of one parameter is such a fresh tensor already.
        for (std::size_t i = 0; i < bucket.params.size(); ++i) {
            const autograd::Tensor& p = params_[bucket.params[i]].second;
            if (flags[bucket.params[i]] == 0.0f || pass.in_place[b])
                continue; // no rank has a gradient for it (it keeps none), or it holds its mean already
            if (bucket.params.size() == 1) {
                p.set_grad(bucket.flat.reshape(p.shape()));
                bucket.flat = autograd::Tensor(); // handed over: the next pass makes another
                continue;
            }
            const std::int64_t at = bucket.offsets[i];
            p.set_grad(bucket.flat.slice(0, at, at + p.numel()).reshape(p.shape())); // slice: a copy
        }
    }
    pass.reset(buckets_.size(), params_.size());
}

void DistributedDataParallel::check_optimizer(const nn::Optimizer& opt, std::string_view caller) const
{
    const auto& refs = opt.params();
    bool same = refs.size() == params_.size();
    for (std::size_t k = 0; same && k < refs.size(); ++k)
        same = refs[k].tensor() != nullptr && refs[k].tensor()->id() == params_[k].second.id();
    if (!same)
        throw std::invalid_argument(fmt::format("DistributedDataParallel::{}: the {} has {} parameters that are not "
                                                "the model's {} in order: make it over ddp.parameters()",
                                                caller, opt.name(), refs.size(), params_.size()));
    if (stepped_ != nullptr && stepped_ != &opt)
        throw std::invalid_argument(fmt::format("DistributedDataParallel::{}: another optimizer ({}) than the first "
                                                "step's: step takes one optimizer for the wrapper's life",
                                                caller, opt.name()));
}

void DistributedDataParallel::step(nn::Optimizer& opt)
{
    check_optimizer(opt, "step");
    stepped_ = &opt;
    if (!sharing_tried_ && group_->world_size() > 1 && options_.share_parameters && !options_.overlap) {
        shared_ = detail::SharedParameters::create(*group_, module_->parameters()); // params_'s order
        if (shared_ != nullptr) {
            std::vector<std::size_t> mine;
            for (std::size_t k = 0; k < params_.size(); ++k)
                if (shared_->owner(k) == group_->rank())
                    mine.push_back(k);
            opt.set_partition(mine); // none, on a rank beyond the number of parameters
        }
    }
    sharing_tried_ = true;
    if (shared_ == nullptr) {
        sync_gradients();
        opt.step();
        return;
    }
    shared_step(opt);
}

// One step with shared parameters: each rank stages its gradients of the parameters others own;
// each owner sums the ranks' gradients of its parameters in rank order and divides by their
// number (the mean; every rank's loss is the mean over its rows), then the optimizer updates the
// owned parameters in the shared copy. Two fences: the staged gradients are complete before any
// owner reads them, and every update is done before any rank computes with the parameters again
// (or stages the next step's gradients over the ones being read).
void DistributedDataParallel::shared_step(nn::Optimizer& opt)
{
    const int me = group_->rank(), ranks = group_->world_size();
    // Which parameters got a gradient on some rank (as sync_gradients: those without one
    // anywhere keep none, and the optimizer skips them everywhere).
    std::vector<float> flags(params_.size());
    for (std::size_t k = 0; k < params_.size(); ++k)
        flags[k] = params_[k].second.grad().defined() ? 1.0f : 0.0f;
    all_reduce(*group_, std::span<float>(flags), ReduceOp::Max);

    for (std::size_t k = 0; k < params_.size(); ++k) {
        const autograd::Tensor& p = params_[k].second;
        if (flags[k] == 0.0f)
            continue;
        if (!p.grad().defined()) // zeros here, so that every rank counts the step alike
            p.set_grad(autograd::Tensor::zeros(p.shape(), p.dtype()));
        if (shared_->owner(k) != me)
            std::memcpy(shared_->staging(me, k), p.grad().impl()->storage->data,
                        static_cast<std::size_t>(p.numel()) * autograd::itemsize(p.dtype()));
    }
    shared_->fence();
    for (std::size_t k = 0; k < params_.size(); ++k) {
        const autograd::Tensor& p = params_[k].second;
        if (flags[k] == 0.0f || shared_->owner(k) != me)
            continue;
        autograd::Tensor g = p.grad();
        if (!only_the_parameter_holds(g)) { // the mean goes into a copy, not into a shared gradient
            g = autograd::clone(g.detach());
            p.set_grad(g);
        }
        autograd::dispatch(g.dtype(), [&]<class T>() {
            const auto n = static_cast<std::size_t>(g.numel());
            T* mean = g.data_ptr<T>();
            std::vector<const T*> from(static_cast<std::size_t>(ranks));
            for (int r = 0; r < ranks; ++r)
                from[static_cast<std::size_t>(r)] = r == me ? mean : reinterpret_cast<const T*>(shared_->staging(r, k));
            const T count = static_cast<T>(ranks);
            if (ranks == 2) { // the common case, a loop the compiler vectorises
                const T* a = from[0];
                const T* b = from[1];
                for (std::size_t i = 0; i < n; ++i)
                    mean[i] = (a[i] + b[i]) / count;
                return;
            }
            for (std::size_t i = 0; i < n; ++i) {
                T total = from[0][i];
                for (std::size_t r = 1; r < from.size(); ++r)
                    total += from[r][i];
                mean[i] = total / count;
            }
        });
    }
    opt.step();
    shared_->fence();
}

nn::StateDict DistributedDataParallel::optimizer_state_dict(nn::Optimizer& opt)
{
    check_optimizer(opt, "optimizer_state_dict");
    if (shared_ != nullptr && stepped_ == &opt)
        for (std::size_t k = 0; k < params_.size(); ++k)
            for (std::span<std::byte> bytes : opt.param_state(k))
                shared_->broadcast(bytes.data(), bytes.size(), shared_->owner(k));
    return opt.state_dict();
}

} // namespace dist
