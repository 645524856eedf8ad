#include "nn/data_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? autograd::to_string(t.shape()) : "undefined"; }

} // namespace

TensorDataset::TensorDataset(Tensor features, Tensor targets) : features_(std::move(features)), targets_(std::move(targets))
{
    if (!features_.defined() || !targets_.defined() || features_.dim() < 1 || targets_.dim() < 1 ||
        features_.size(0) != targets_.size(0))
        throw std::invalid_argument(
            fmt::format("TensorDataset: features {} and targets {} must have the same number of rows", shape_of(features_),
                        shape_of(targets_)));
}

DataLoader::DataLoader(TensorDataset data, DataLoaderOptions options)
    : data_(std::move(data)), options_(options), gen_(options.seed)
{
    if (options.batch_size < 0)
        throw std::invalid_argument(fmt::format("DataLoader: batch_size must be >= 0 (got {})", options.batch_size));
    const std::int64_t n = data_.size();
    batch_ = options.batch_size == 0 || options.batch_size > n ? n : options.batch_size;
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), std::int64_t{0});
}

std::size_t DataLoader::size() const
{
    const std::int64_t n = data_.size();
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

// Rows are copied whole (a memcpy of a row's contiguous elements, tensors being row-major and
// contiguous) into fresh tensors from the engine's buffer cache: no graph, no per-element work
// beyond the copy.
Batch DataLoader::gather(std::size_t b) const
{
    const std::int64_t n = data_.size();
    const std::int64_t first = static_cast<std::int64_t>(b) * batch_;
    const std::int64_t rows = std::min(batch_, n - first);
    const std::int64_t* order = order_.data() + first;
    const auto take = [&](const Tensor& src) {
        autograd::Shape shape = src.shape();
        shape[0] = rows;
        Tensor out = Tensor::empty(shape, src.dtype()); // every row is copied in below
        const std::int64_t row_elems = src.numel() / n;
        autograd::dispatch(src.dtype(), [&]<class T>() {
            const T* ps = src.data_ptr<T>();
            T* po = out.data_ptr<T>();
            if (row_elems == 1) // class labels: one element a row
                for (std::int64_t r = 0; r < rows; ++r)
                    po[r] = ps[order[r]];
            else
                for (std::int64_t r = 0; r < rows; ++r)
                    std::memcpy(po + r * row_elems, ps + order[r] * row_elems,
                                static_cast<std::size_t>(row_elems) * sizeof(T));
        });
        return out;
    };
    return {take(data_.features()), take(data_.targets())};
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
