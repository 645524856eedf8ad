#include "dist/data_parallel.hpp"

#include "dist/collectives.hpp"

#include <autograd/shape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <sstream>
#include <stdexcept>

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

} // namespace

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
    // parameter would take them past bucket_bytes (a larger parameter gets a bucket of its own).
    params_ = module_->named_parameters();
    std::int64_t bytes = 0;
    for (std::size_t k = params_.size(); k-- > 0;) {
        const autograd::Tensor& p = params_[k].second;
        const auto size = p.numel() * static_cast<std::int64_t>(autograd::itemsize(p.dtype()));
        if (buckets_.empty() || buckets_.back().dtype != p.dtype() ||
            (bytes + size > options_.bucket_bytes && !buckets_.back().params.empty())) {
            buckets_.push_back({p.dtype(), {}, 0});
            bytes = 0;
        }
        buckets_.back().params.push_back(k);
        buckets_.back().numel += p.numel();
        bytes += size;
    }
}

std::string DistributedDataParallel::extra_repr() const
{
    return fmt::format("world_size={}, buckets={}, bucket_bytes={}", group_->world_size(), buckets_.size(),
                       options_.bucket_bytes);
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

template <class T> void DistributedDataParallel::sync_bucket(const Bucket& bucket, const std::vector<float>& has_grad)
{
    std::vector<T> flat(static_cast<std::size_t>(bucket.numel), T(0));
    std::size_t at = 0;
    for (std::size_t k : bucket.params) {
        const autograd::Tensor g = params_[k].second.grad();
        const auto n = static_cast<std::size_t>(params_[k].second.numel());
        if (g.defined())
            std::copy_n(g.data_ptr<T>(), n, flat.begin() + static_cast<std::ptrdiff_t>(at));
        at += n;
    }
    all_reduce(*group_, std::span<T>(flat), ReduceOp::Mean);
    at = 0;
    for (std::size_t k : bucket.params) {
        const autograd::Tensor& p = params_[k].second;
        const auto n = static_cast<std::size_t>(p.numel());
        // NOTE: a fresh tensor rather than writing into the old gradient: that one may share its
        // storage with a tensor of the graph (the engine hands a leaf the gradient it computed).
        if (has_grad[k] != 0.0f)
            p.set_grad(autograd::Tensor(std::vector<T>(flat.begin() + static_cast<std::ptrdiff_t>(at),
                                                       flat.begin() + static_cast<std::ptrdiff_t>(at + n)),
                                        p.shape()));
        at += n;
    }
}

void DistributedDataParallel::sync_gradients()
{
    // Which parameters got a gradient on some rank: one small message for all of them.
    std::vector<float> has_grad(params_.size());
    for (std::size_t k = 0; k < params_.size(); ++k)
        has_grad[k] = params_[k].second.grad().defined() ? 1.0f : 0.0f;
    all_reduce(*group_, std::span<float>(has_grad), ReduceOp::Max);
    for (const Bucket& b : buckets_)
        autograd::dispatch(b.dtype, [&]<class T>() { sync_bucket<T>(b, has_grad); });
}

} // namespace dist
