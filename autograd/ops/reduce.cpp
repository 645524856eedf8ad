// Reductions: sum and mean over all elements or one axis, each with its backward.
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace autograd {
namespace {

// The sum of n contiguous elements, in double. Eight running sums instead of one: a single sum
// is a chain of dependent additions (one per 4 cycles); independent lanes let the compiler use
// vector adds and keep the pipeline full. The order of additions differs from a plain loop only
// within double precision.
template <class T> double sum_contiguous(const T* p, std::int64_t n)
{
    constexpr std::int64_t kLanes = 8;
    std::array<double, kLanes> lanes{};
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::int64_t l = 0; l < kLanes; ++l)
            lanes[static_cast<std::size_t>(l)] += static_cast<double>(p[i + l]);
    double acc = 0.0;
    for (; i < n; ++i)
        acc += static_cast<double>(p[i]);
    for (double l : lanes)
        acc += l;
    return acc;
}

// Sums x over `axis` (viewed as [outer, n, inner]), accumulating in double.
Tensor sum_axis_kernel(const Tensor& x, std::int64_t axis, bool keepdim)
{
    const Shape& s = x.shape();
    const auto [outer, n, inner] = detail::axis_view(s, axis);
    Shape out_shape = s;
    if (keepdim)
        out_shape[axis] = 1;
    else
        out_shape.erase(out_shape.begin() + axis);
    Tensor out = detail::empty(out_shape, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        if (inner == 1) { // over the last axis: one running sum per row
            for (std::int64_t o = 0; o < outer; ++o)
                po[o] = static_cast<T>(sum_contiguous(px + o * n, n));
            return;
        }
        // Otherwise rows of `inner` elements are added up (a bias's gradient: the rows of a
        // batch). Eight rows at a time are summed in the element type, then that block sum is
        // added into double sums: one conversion per eight elements, and all of it vectorised.
        constexpr std::int64_t kBlock = 8;
        std::array<double, 256> small_acc;
        std::array<T, 256> small_block;
        std::vector<double> large_acc;
        std::vector<T> large_block;
        double* acc = small_acc.data();
        T* block = small_block.data();
        if (inner > static_cast<std::int64_t>(small_acc.size())) {
            large_acc.resize(static_cast<std::size_t>(inner));
            large_block.resize(static_cast<std::size_t>(inner));
            acc = large_acc.data();
            block = large_block.data();
        }
        detail::run_vectorized([&]() [[gnu::always_inline]] {
            for (std::int64_t o = 0; o < outer; ++o) {
                std::fill(acc, acc + inner, 0.0);
                for (std::int64_t k0 = 0; k0 < n; k0 += kBlock) {
                    const T* __restrict first = px + (o * n + k0) * inner;
                    for (std::int64_t i = 0; i < inner; ++i)
                        block[i] = first[i];
                    for (std::int64_t k = k0 + 1; k < std::min(n, k0 + kBlock); ++k) {
                        const T* __restrict row = px + (o * n + k) * inner;
                        for (std::int64_t i = 0; i < inner; ++i)
                            block[i] += row[i];
                    }
                    for (std::int64_t i = 0; i < inner; ++i)
                        acc[i] += static_cast<double>(block[i]);
                }
                for (std::int64_t i = 0; i < inner; ++i)
                    po[o * inner + i] = static_cast<T>(acc[i]);
            }
        });
    });
    return out;
}

// The gradient of a reduction over `axis`: g with the axis put back, stretched to `shape`.
Tensor unreduce(const Tensor& g, const Shape& shape, std::int64_t axis, bool keepdim)
{
    if (keepdim)
        return broadcast_to(g, shape);
    Shape kept = shape;
    kept[axis] = 1;
    return broadcast_to(g.reshape(kept), shape);
}

} // namespace

// y = sum_i x_i;  dx = g (stretched to x's shape)
Tensor sum(const Tensor& x)
{
    detail::check_defined("sum", x);
    Tensor out = detail::empty({}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        out.impl()->data<T>()[0] = static_cast<T>(sum_contiguous(px, x.numel()));
    });
    return detail::record("sum", out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{broadcast_to(g, detail::input_shape(n, 0))};
    });
}

// y_j = sum_k x_jk (over one axis);  dx = g with the axis restored, stretched
Tensor sum(const Tensor& x, std::int64_t axis, bool keepdim)
{
    detail::check_defined("sum", x);
    if (x.dim() == 0) { // PyTorch: a 0-d tensor has the one axis 0 (or -1), and its sum is itself
        normalize_axis("sum", axis, Shape{1});
        return sum(x);
    }
    const std::int64_t a = normalize_axis("sum", axis, x.shape());
    Tensor out = sum_axis_kernel(x, a, keepdim);
    return detail::record("sum", out, {&x}, {}, [a, keepdim](const Tensor& g, const TensorNode& n) {
        return TensorList{unreduce(g, detail::input_shape(n, 0), a, keepdim)};
    });
}

// y = sum(x) / n;  dx = g / n
Tensor mean(const Tensor& x)
{
    detail::check_defined("mean", x);
    if (x.numel() == 0)
        throw std::invalid_argument(fmt::format("mean: the tensor of shape {} is empty", to_string(x.shape())));
    // One op, not a sum and a product: y = sum(x) / n;  dx = g / n, stretched
    const double n = static_cast<double>(x.numel());
    Tensor out = detail::empty({}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        out.impl()->data<T>()[0] = static_cast<T>(sum_contiguous(x.impl()->data<T>(), x.numel()) / n);
    });
    return detail::record("mean", out, {&x}, {}, [n](const Tensor& g, const TensorNode& node) {
        return TensorList{broadcast_to(g / n, detail::input_shape(node, 0))};
    });
}

Tensor mean(const Tensor& x, std::int64_t axis, bool keepdim)
{
    detail::check_defined("mean", x);
    if (x.dim() == 0) {
        normalize_axis("mean", axis, Shape{1});
        return mean(x);
    }
    const std::int64_t a = normalize_axis("mean", axis, x.shape());
    if (x.shape()[a] == 0)
        throw std::invalid_argument(fmt::format("mean: axis {} of shape {} is empty", axis, to_string(x.shape())));
    return sum(x, a, keepdim) * (1.0 / static_cast<double>(x.shape()[a]));
}

Tensor Tensor::sum() const { return autograd::sum(*this); }
Tensor Tensor::sum(std::int64_t axis, bool keepdim) const { return autograd::sum(*this, axis, keepdim); }
Tensor Tensor::mean() const { return autograd::mean(*this); }
Tensor Tensor::mean(std::int64_t axis, bool keepdim) const { return autograd::mean(*this, axis, keepdim); }

} // namespace autograd
