#include "nn/data/tensor_dataset.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace nn {

using autograd::Tensor;

namespace {

std::string shape_of(const Tensor& t) { return t.defined() ? autograd::to_string(t.shape()) : "undefined"; }

// Rows `indices` of src, copied whole (a memcpy of a row's contiguous elements, tensors being
// row-major and contiguous) into a fresh tensor from the engine's buffer cache: no graph, no
// per-element work beyond the copy. The source is read, not recorded, even if it requires a
// gradient.
Tensor take_rows(const Tensor& src, std::span<const std::int64_t> indices)
{
    const auto rows = static_cast<std::int64_t>(indices.size());
    autograd::Shape shape = src.shape();
    const std::int64_t row_elems = shape[0] == 0 ? 0 : src.numel() / shape[0];
    shape[0] = rows;
    Tensor out = Tensor::empty(shape, src.dtype()); // every row is copied in below
    autograd::dispatch_any(src.dtype(), [&]<class T>() { // int64 labels too
        const T* ps = src.data_ptr<T>();
        T* po = out.data_ptr<T>();
        if (row_elems == 1) // class labels: one element a row
            for (std::int64_t r = 0; r < rows; ++r)
                po[r] = ps[indices[static_cast<std::size_t>(r)]];
        else
            for (std::int64_t r = 0; r < rows; ++r)
                std::memcpy(po + r * row_elems, ps + indices[static_cast<std::size_t>(r)] * row_elems,
                            static_cast<std::size_t>(row_elems) * sizeof(T));
    });
    return out;
}

} // namespace

TensorDataset::TensorDataset(Tensor features, Tensor targets) : features_(std::move(features)), targets_(std::move(targets))
{
    if (!features_.defined() || !targets_.defined() || features_.dim() < 1 || targets_.dim() < 1 ||
        features_.size(0) != targets_.size(0))
        throw std::invalid_argument(
            fmt::format("TensorDataset: features {} and targets {} must have the same number of rows", shape_of(features_),
                        shape_of(targets_)));
}

Batch TensorDataset::gather(std::span<const std::int64_t> indices) const
{
    return {take_rows(features_, indices), take_rows(targets_, indices)};
}

} // namespace nn
