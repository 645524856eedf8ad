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
    const std::int64_t n = data_->size();
    batch_ = options.batch_size == 0 || options.batch_size > n ? n : options.batch_size;
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

// The batch's slice of this epoch's order; the data set copies those samples.
Batch DataLoader::gather(std::size_t b) const
{
    const std::int64_t n = data_->size();
    const std::int64_t first = static_cast<std::int64_t>(b) * batch_;
    const std::int64_t rows = std::min(batch_, n - first);
    return data_->get_batch(std::span<const std::int64_t>(order_).subspan(static_cast<std::size_t>(first),
                                                                          static_cast<std::size_t>(rows)));
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
