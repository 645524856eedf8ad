#include "nn/data/data_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace nn {

DataLoader::DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options)
    : data_(std::move(data)), options_(options), gen_(options.seed)
{
    if (data_ == nullptr)
        throw std::invalid_argument("DataLoader: no data set (a null pointer)");
    if (options.batch_size < 0)
        throw std::invalid_argument(fmt::format("DataLoader: batch_size must be >= 0 (got {})", options.batch_size));
    if (options.num_replicas < 1)
        throw std::invalid_argument(
            fmt::format("DataLoader: num_replicas must be >= 1 (got {})", options.num_replicas));
    if (options.rank < 0 || options.rank >= options.num_replicas)
        throw std::invalid_argument(fmt::format("DataLoader: rank {} is not in [0, {}) (num_replicas {})",
                                                options.rank, options.num_replicas, options.num_replicas));
    const std::int64_t n = data_->size();
    batch_ = options.batch_size == 0 || options.batch_size > n ? n : options.batch_size;
    if (batch_ % options.num_replicas != 0)
        throw std::invalid_argument(fmt::format(
            "DataLoader: the batch size {} is not a multiple of the world size {} (num_replicas): each of "
            "the {} processes must get an equal share of every batch",
            batch_, options.num_replicas, options.num_replicas));
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
}

std::size_t DataLoader::size() const
{
    const std::int64_t n = data_->size();
    if (n == 0 || batch_ == 0)
        return 0;
    return static_cast<std::size_t>(options_.drop_last ? n / batch_ : (n + batch_ - 1) / batch_);
}

DataLoader::Iterator DataLoader::begin()
{
    if (options_.shuffle)
        gen_.shuffle(std::span<std::int64_t>(order_));
    return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() { return Iterator(this, size()); }

// The batch's slice of this epoch's order (this replica's block of it, see "Shards" in the
// header); the data set copies those samples.
Batch DataLoader::gather(std::size_t b) const
{
    const std::int64_t n = data_->size();
    const std::int64_t replicas = options_.num_replicas;
    const std::int64_t rows = std::min(batch_, n - static_cast<std::int64_t>(b) * batch_);
    const std::int64_t mine = (rows + replicas - 1) / replicas; // a short last batch padded to a multiple
    const std::int64_t first = static_cast<std::int64_t>(b) * batch_ + options_.rank * mine;
    if (first + mine <= n)
        return data_->get_batch(std::span<const std::int64_t>(order_).subspan(static_cast<std::size_t>(first),
                                                                              static_cast<std::size_t>(mine)));
    // Past the end: the padding repeats the order from its start (as torch's DistributedSampler).
    std::vector<std::int64_t> indices(static_cast<std::size_t>(mine));
    for (std::int64_t j = 0; j < mine; ++j)
        indices[static_cast<std::size_t>(j)] = order_[static_cast<std::size_t>((first + j) % n)];
    return data_->get_batch(indices);
}

DataLoader::Iterator::Iterator(const DataLoader* loader, std::size_t index) : loader_(loader), index_(index) { load(); }

void DataLoader::Iterator::load()
{
    if (index_ < loader_->size())
        batch_ = loader_->gather(index_);
    else
        batch_ = {}; // past the end: release the last batch's buffers
}

DataLoader::Iterator& DataLoader::Iterator::operator++()
{
    ++index_;
    load();
    return *this;
}

} // namespace nn
