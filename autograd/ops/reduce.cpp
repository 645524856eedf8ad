// Reductions: sum and mean, max and min (and the indices argmax/argmin give), var and std,
// logsumexp and prod, over all elements or one axis (sum and mean over several too), and cumsum;
// each op's forward and, under it, its backward.
//
// Conventions as in elementwise.cpp: g is the gradient of the output; backward formulas are
// Tensor expressions so create_graph records them. The gradient of a reduction over an axis is g
// with the axis put back and stretched (unreduce); the masks that say which element was the
// max are step functions of x, applied by step_scale (ops/elementwise.cpp): derivative 0.
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace autograd {
using detail::AxisView;
using detail::axis_view;
using detail::check_scalar_axis;
using detail::map_unary;
using detail::saved;

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

Shape reduced_shape(Shape s, std::int64_t axis, bool keepdim)
{
    if (keepdim)
        s[static_cast<std::size_t>(axis)] = 1;
    else
        s.erase(s.begin() + axis);
    return s;
}

// Columns [0, width) (width <= W) of n rows `stride` apart, summed into dst: blocks of eight rows
// in T, each block's sum added into a double. Inlined where width is the constant W, the loops
// have a fixed length.
constexpr std::int64_t kWidth = 16;
template <std::int64_t W, class T>
[[gnu::always_inline]] inline void sum_rows(const T* px, std::int64_t n, std::int64_t stride, std::int64_t width, T* dst)
{
    constexpr std::int64_t kBlock = 8;
    std::array<double, W> acc{};
    std::array<T, W> block;
    for (std::int64_t k0 = 0; k0 < n; k0 += kBlock) {
        const T* first = px + k0 * stride;
        for (std::int64_t i = 0; i < width; ++i)
            block[static_cast<std::size_t>(i)] = first[i];
        for (std::int64_t k = k0 + 1; k < std::min(n, k0 + kBlock); ++k) {
            const T* row = px + k * stride;
            for (std::int64_t i = 0; i < width; ++i)
                block[static_cast<std::size_t>(i)] += row[i];
        }
        for (std::int64_t i = 0; i < width; ++i)
            acc[static_cast<std::size_t>(i)] += static_cast<double>(block[static_cast<std::size_t>(i)]);
    }
    for (std::int64_t i = 0; i < width; ++i)
        dst[i] = static_cast<T>(acc[static_cast<std::size_t>(i)]);
}

// Sums x over `axis` (viewed as [outer, n, inner]), accumulating in double.
Tensor sum_axis_kernel(const Tensor& x, std::int64_t axis, bool keepdim)
{
    const Shape& s = x.shape();
    // NOTE: plain variables, not a structured binding: the lambda below captures them, which
    // clang before 16 (the fuzzing build's compiler) does not allow for bindings.
    const detail::AxisView view = detail::axis_view(s, axis);
    const std::int64_t outer = view.outer, n = view.size, inner = view.inner;
    Tensor out = detail::empty(reduced_shape(s, axis, keepdim), x.dtype());
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
        // added into double sums: one conversion per eight elements. The columns go in chunks of
        // kWidth with a fixed trip count, so that each row's part is a few whole vector adds
        // (a loop over all `inner` columns was left scalar by the compiler). Each column sees
        // the same additions in the same order either way.
        detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
            for (std::int64_t o = 0; o < outer; ++o) {
                const T* slab = px + o * n * inner;
                T* dst = po + o * inner;
                std::int64_t c = 0;
                for (; c + kWidth <= inner; c += kWidth)
                    sum_rows<kWidth>(slab + c, n, inner, kWidth, dst + c);
                if (c < inner)
                    sum_rows<kWidth>(slab + c, n, inner, inner - c, dst + c);
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
    return broadcast_to(g.reshape(reduced_shape(shape, axis, true)), shape);
}

void check_not_empty(std::string_view op, const Tensor& x)
{
    if (x.numel() == 0)
        throw std::invalid_argument(fmt::format("{}: the tensor of shape {} is empty", op, to_string(x.shape())));
}

// `axis` of x (at least 1-d) counted from 0, checked to be in range and not empty: a mean, max or
// var over no elements has no value.
std::int64_t nonempty_axis(std::string_view op, const Tensor& x, std::int64_t axis)
{
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    if (x.shape()[static_cast<std::size_t>(a)] == 0)
        throw std::invalid_argument(fmt::format("{}: axis {} of shape {} is empty", op, axis, to_string(x.shape())));
    return a;
}

template <class T> bool is_nan(T v)
{
    if constexpr (std::is_floating_point_v<T>)
        return std::isnan(v);
    return false;
}

// For every (outer, inner) position, the index along the axis of the first most extreme element
// (`better(a, b)`: a is more extreme than b); a NaN is the most extreme of all, as in PyTorch.
template <class Better> std::vector<std::int64_t> arg_extreme(const Tensor& x, const AxisView& l, Better better)
{
    std::vector<std::int64_t> index(static_cast<std::size_t>(l.outer * l.inner), 0);
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const T* row = px + o * l.size * l.inner + i;
                T best = row[0];
                std::int64_t at = 0;
                for (std::int64_t k = 1; k < l.size && !is_nan(best); ++k) {
                    const T v = row[k * l.inner];
                    if (is_nan(v) || better(v, best)) {
                        best = v;
                        at = k;
                    }
                }
                index[static_cast<std::size_t>(o * l.inner + i)] = at;
            }
    });
    return index;
}

// Values of x at the (outer, index, inner) positions.
Tensor gather_values(const Tensor& x, const AxisView& l, const std::vector<std::int64_t>& index, Shape shape)
{
    Tensor out = detail::empty(std::move(shape), x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const std::int64_t k = index[static_cast<std::size_t>(o * l.inner + i)];
                po[o * l.inner + i] = px[(o * l.size + k) * l.inner + i];
            }
    });
    return out;
}

// A tensor of `shape` with 1 at the (outer, index, inner) positions and 0 elsewhere.
Tensor index_mask(const std::vector<std::int64_t>& index, const Shape& shape, std::int64_t axis, Dtype dtype)
{
    const AxisView l = axis_view(shape, axis);
    Tensor mask = Tensor::zeros(shape, dtype);
    dispatch(dtype, [&]<class T>() {
        T* pm = mask.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i)
                pm[(o * l.size + index[static_cast<std::size_t>(o * l.inner + i)]) * l.inner + i] = T(1);
    });
    return mask;
}

// The indices argmax and argmin return: int64, as torch's.
Tensor indices_tensor(std::vector<std::int64_t> index, Shape shape) { return Tensor(std::move(index), std::move(shape)); }

constexpr auto greater = [](auto a, auto b) { return a > b; };
constexpr auto less = [](auto a, auto b) { return a < b; };

// y = max (or min) of all elements;  dx = g/k at the k elements equal to y, 0 elsewhere
// (PyTorch's even split among ties; with a NaN, the NaNs share the gradient).
template <class Better> Tensor extreme_all(TensorOp op, const Tensor& x, Better better)
{
    detail::check_defined(op, x);
    check_not_empty(op_name(op), x);
    const AxisView all{1, x.numel(), 1};
    const Tensor out = gather_values(x, all, arg_extreme(x, all, better), {});
    return detail::record(op, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const double y = saved(n, 1).item();
        Tensor mask = map_unary(x, [y](auto v) {
            using T = decltype(v);
            return v == static_cast<T>(y) || (std::isnan(v) && std::isnan(y)) ? T(1) : T(0);
        });
        return TensorList{detail::step_scale(broadcast_to(g, x.shape()), mask / sum(mask).item(), x)};
    });
}

// y_j = max (or min) along the axis;  dx = g at the element argmax (argmin) picks, 0 elsewhere
template <class Better> Tensor extreme_axis(TensorOp op, const Tensor& x, std::int64_t axis, bool keepdim, Better better)
{
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        check_scalar_axis(op, axis);
        return extreme_axis(op, x.reshape({1}), 0, false, better);
    }
    const std::int64_t a = nonempty_axis(op_name(op), x, axis);
    const AxisView l = axis_view(x.shape(), a);
    auto index = std::make_shared<const std::vector<std::int64_t>>(arg_extreme(x, l, better));
    Tensor out = gather_values(x, l, *index, reduced_shape(x.shape(), a, keepdim));
    const Shape shape = x.shape();
    // NOTE: x is saved only for step_scale to name it as the input the gradient depends on (with
    // derivative 0) under create_graph; the values come from the indices.
    return detail::record(op, out, {&x}, {x}, [index, shape, a, keepdim](const Tensor& g, const TensorNode& n) {
        return TensorList{
            detail::step_scale(unreduce(g, shape, a, keepdim), index_mask(*index, shape, a, g.dtype()), saved(n, 0))};
    });
}

template <class Better> Tensor arg_all(std::string_view op, const Tensor& x, Better better)
{
    detail::check_defined(op, x);
    check_not_empty(op, x);
    return indices_tensor(arg_extreme(x, {1, x.numel(), 1}, better), {});
}

template <class Better> Tensor arg_axis(std::string_view op, const Tensor& x, std::int64_t axis, bool keepdim, Better better)
{
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        check_scalar_axis(op, axis);
        return Tensor::scalar(0.0, Dtype::Int64);
    }
    const std::int64_t a = nonempty_axis(op, x, axis);
    return indices_tensor(arg_extreme(x, axis_view(x.shape(), a), better), reduced_shape(x.shape(), a, keepdim));
}

double divisor(std::int64_t n, Correction c) { return static_cast<double>(std::max<std::int64_t>(0, n - c.value)); }

// The sums of an int64 (or bool) x over the axis of view l, in int64 (PyTorch's dtype for the
// sum of integers), wrapping on overflow as PyTorch does.
Tensor integer_sum(const Tensor& x0, const AxisView& l, Shape shape)
{
    const Tensor x = x0.to(Dtype::Int64);
    Tensor out = Tensor::zeros(std::move(shape), Dtype::Int64);
    const std::int64_t* px = x.impl()->data<std::int64_t>();
    std::int64_t* po = out.impl()->data<std::int64_t>();
    for (std::int64_t o = 0; o < l.outer; ++o)
        for (std::int64_t k = 0; k < l.size; ++k)
            for (std::int64_t i = 0; i < l.inner; ++i)
                po[o * l.inner + i] = detail::wrapping_add(po[o * l.inner + i], px[(o * l.size + k) * l.inner + i]);
    return out;
}

} // namespace

// y = sum_i x_i;  dx = g (stretched to x's shape)
Tensor sum(const Tensor& x)
{
    detail::check_defined(TensorOp::Sum, x);
    if (!is_floating_point(x.dtype()))
        return integer_sum(x, {1, x.numel(), 1}, {});
    Tensor out = detail::empty({}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        out.impl()->data<T>()[0] = static_cast<T>(sum_contiguous(px, x.numel()));
    });
    return detail::record(TensorOp::Sum, out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{broadcast_to(g, detail::input_shape(n, 0))};
    });
}

// y_j = sum_k x_jk (over one axis);  dx = g with the axis restored, stretched
Tensor sum(const Tensor& x, std::int64_t axis, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::SumAxis);
    detail::check_defined(op, x);
    if (x.dim() == 0) { // PyTorch: a 0-d tensor has the one axis 0 (or -1), and its sum is itself
        normalize_axis(op, axis, Shape{1});
        return sum(x);
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    if (!is_floating_point(x.dtype()))
        return integer_sum(x, axis_view(x.shape(), a), reduced_shape(x.shape(), a, keepdim));
    Tensor out = sum_axis_kernel(x, a, keepdim);
    return detail::record(TensorOp::SumAxis, out, {&x}, {}, [a, keepdim](const Tensor& g, const TensorNode& n) {
        return TensorList{unreduce(g, detail::input_shape(n, 0), a, keepdim)};
    });
}

// y = sum(x) / n;  dx = g / n
Tensor mean(const Tensor& x)
{
    constexpr std::string_view op = op_name(TensorOp::Mean);
    detail::check_defined(op, x);
    check_not_empty(op, x);
    // One op, not a sum and a product: y = sum(x) / n;  dx = g / n, stretched
    const double n = static_cast<double>(x.numel());
    Tensor out = detail::empty({}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        out.impl()->data<T>()[0] = static_cast<T>(sum_contiguous(x.impl()->data<T>(), x.numel()) / n);
    });
    return detail::record(TensorOp::Mean, out, {&x}, {}, [n](const Tensor& g, const TensorNode& node) {
        return TensorList{broadcast_to(g / n, detail::input_shape(node, 0))};
    });
}

Tensor mean(const Tensor& x, std::int64_t axis, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::Mean);
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        normalize_axis(op, axis, Shape{1});
        return mean(x);
    }
    const std::int64_t a = nonempty_axis(op, x, axis);
    return sum(x, a, keepdim) * (1.0 / static_cast<double>(x.shape()[a]));
}

namespace {

// The axes of `x` that `axes` names, from 0, in increasing order; throws naming the op, the
// axes and the shape for an empty list, an axis out of range or one given twice.
std::vector<std::int64_t> checked_axes(std::string_view op, const Tensor& x, const Shape& axes)
{
    if (axes.empty())
        throw std::invalid_argument(fmt::format("{}: no axes given for shape {} (call {}(x) to reduce every element)",
                                                op, to_string(x.shape()), op));
    std::vector<std::int64_t> out;
    for (std::int64_t axis : axes) {
        const std::int64_t a = normalize_axis(op, axis, x.shape());
        if (std::find(out.begin(), out.end(), a) != out.end())
            throw std::invalid_argument(fmt::format("{}: axes {} name axis {} twice (shape {})", op, to_string(axes), a,
                                                    to_string(x.shape())));
        out.push_back(a);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// `shape` with the size of each of `axes` (sorted) set to 1, or those axes removed.
Shape reduced_shape(Shape s, const std::vector<std::int64_t>& axes, bool keepdim)
{
    for (auto it = axes.rbegin(); it != axes.rend(); ++it)
        s = reduced_shape(std::move(s), *it, keepdim);
    return s;
}

} // namespace

// y = sum of x over the axes;  dx = g with the axes restored, stretched. One node: the kernel
// runs once per axis, on plain tensors (the innermost axis first).
Tensor sum(const Tensor& x, const Shape& axes, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::SumAxes);
    detail::check_defined(op, x);
    if (x.dim() == 0) { // a 0-d tensor's one axis, named once: the sum is itself
        if (axes.size() != 1)
            throw std::invalid_argument(fmt::format("{}: axes {} for a 0-d tensor, which has the one axis 0 (or -1)", op,
                                                    to_string(axes)));
        return sum(x, axes[0], keepdim);
    }
    const std::vector<std::int64_t> sorted = checked_axes(op, x, axes);
    Tensor out = x;
    for (auto it = sorted.rbegin(); it != sorted.rend(); ++it)
        out = sum_axis_kernel(out, *it, true);
    if (!keepdim)
        out = out.reshape(reduced_shape(x.shape(), sorted, false));
    const Shape kept = reduced_shape(x.shape(), sorted, true);
    return detail::record(TensorOp::SumAxes, out, {&x}, {}, [kept](const Tensor& g, const TensorNode& n) {
        return TensorList{broadcast_to(g.reshape(kept), detail::input_shape(n, 0))};
    });
}

Tensor mean(const Tensor& x, const Shape& axes, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::Mean);
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        if (axes.size() != 1)
            throw std::invalid_argument(fmt::format("{}: axes {} for a 0-d tensor, which has the one axis 0 (or -1)", op,
                                                    to_string(axes)));
        return mean(x, axes[0], keepdim);
    }
    double n = 1.0;
    for (std::int64_t a : checked_axes(op, x, axes)) {
        if (x.shape()[static_cast<std::size_t>(a)] == 0)
            throw std::invalid_argument(fmt::format("{}: axis {} of shape {} is empty", op, a, to_string(x.shape())));
        n *= static_cast<double>(x.shape()[static_cast<std::size_t>(a)]);
    }
    return sum(x, axes, keepdim) * (1.0 / n);
}

// y_k = x_0 + ... + x_k along the axis;  dx_j = g_j + ... + g_last: the running sum of g from the
// end (flip, cumsum, flip)
Tensor cumsum(const Tensor& x, std::int64_t axis)
{
    constexpr std::string_view op = op_name(TensorOp::CumSum);
    detail::check_defined(op, x);
    if (x.dim() == 0) { // PyTorch: the one axis of a 0-d tensor; the running sum of one element
        check_scalar_axis(op, axis);
        return cumsum(x.reshape({1}), 0).reshape({});
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    const AxisView l = axis_view(x.shape(), a);
    Tensor out = detail::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        std::vector<double> acc(static_cast<std::size_t>(l.inner));
        for (std::int64_t o = 0; o < l.outer; ++o) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (std::int64_t k = 0; k < l.size; ++k) {
                const std::int64_t base = (o * l.size + k) * l.inner;
                for (std::int64_t i = 0; i < l.inner; ++i) {
                    acc[static_cast<std::size_t>(i)] += static_cast<double>(px[base + i]);
                    po[base + i] = static_cast<T>(acc[static_cast<std::size_t>(i)]);
                }
            }
        }
    });
    return detail::record(TensorOp::CumSum, out, {&x}, {}, [a](const Tensor& g, const TensorNode&) {
        return TensorList{flip(cumsum(flip(g, {a}), a), {a})};
    });
}

namespace {

// For every element of x, the product of the other elements of its slice along `axis`: the
// product of those before it times that of those after it, so no division (exact with zeros).
Tensor product_of_others(const Tensor& x, std::int64_t axis)
{
    const AxisView l = axis_view(x.shape(), axis);
    Tensor out = detail::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        std::vector<double> before(static_cast<std::size_t>(l.size));
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const std::int64_t base = o * l.size * l.inner + i;
                double p = 1.0;
                for (std::int64_t k = 0; k < l.size; ++k) {
                    before[static_cast<std::size_t>(k)] = p;
                    p *= static_cast<double>(px[base + k * l.inner]);
                }
                p = 1.0;
                for (std::int64_t k = l.size; k-- > 0;) {
                    po[base + k * l.inner] = static_cast<T>(before[static_cast<std::size_t>(k)] * p);
                    p *= static_cast<double>(px[base + k * l.inner]);
                }
            }
    });
    return out;
}

// The same times gu (g stretched to x's shape), as recorded ops for create_graph, so that second
// derivatives are exact where x has zeros too. Per slice, with p the product of its non-zero
// elements and c the number of zeros:
//   c = 0: x_i gets p / x_i.
//   c = 1: the zero gets p; x_i gets z p / x_i, z the zero itself (0, but its derivative in z is
//          the product of the others but x_i, as it must be).
//   c = 2: each zero gets the other zero times p; the rest 0 (every product left has a zero).
//   c > 2: all 0, first and second derivatives alike.
Tensor product_of_others_recorded(const Tensor& gu, const Tensor& x, std::int64_t axis)
{
    const Tensor zero = Tensor::scalar(0.0, x.dtype()), one = Tensor::scalar(1.0, x.dtype());
    const Tensor is_zero = eq(x, 0.0);             // constants: where the zeros are, and how many
    const Tensor count = sum(is_zero, axis, true); // per slice
    const Tensor safe = where(is_zero, one, x);
    const Tensor p = prod(safe, axis, true);
    const Tensor z = sum(where(is_zero, x, zero), axis, true); // the zeros, summed: 0, differentiable
    const Tensor at_zero = where(eq(count, 1.0), p, where(eq(count, 2.0), (z - x) * p, zero));
    const Tensor elsewhere = where(eq(count, 0.0), p / safe, where(eq(count, 1.0), z * p / safe, zero));
    return gu * where(is_zero, at_zero, elsewhere);
}

// The product of each slice of x along `axis` (as [outer, size, inner]), in double.
Tensor prod_kernel(const Tensor& x, const AxisView& l, Shape shape)
{
    Tensor out = detail::empty(std::move(shape), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                double p = 1.0;
                for (std::int64_t k = 0; k < l.size; ++k)
                    p *= static_cast<double>(px[(o * l.size + k) * l.inner + i]);
                po[o * l.inner + i] = static_cast<T>(p);
            }
    });
    return out;
}

} // namespace

// y = prod_i x_i;  dx_i = g prod_{j != i} x_j
Tensor prod(const Tensor& x)
{
    detail::check_defined(TensorOp::Prod, x);
    const std::int64_t n = x.numel();
    Tensor out = prod_kernel(x, {1, n, 1}, {});
    return detail::record(TensorOp::Prod, out, {&x}, {x}, [n](const Tensor& g, const TensorNode& node) {
        const Tensor& x = saved(node, 0);
        const Tensor flat = x.reshape({n});
        if (is_grad_enabled())
            return TensorList{product_of_others_recorded(broadcast_to(g.reshape({1}), Shape{n}), flat, 0).reshape(x.shape())};
        return TensorList{(g * product_of_others(flat, 0)).reshape(x.shape())};
    });
}

// y_j = prod_k x_jk (along one axis);  dx_jk = g_j prod_{l != k} x_jl
Tensor prod(const Tensor& x, std::int64_t axis, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::ProdAxis);
    detail::check_defined(op, x);
    if (x.dim() == 0) { // the one axis of a 0-d tensor: the product of one element is itself
        check_scalar_axis(op, axis);
        return prod(x.reshape({1}), 0, false);
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    Tensor out = prod_kernel(x, axis_view(x.shape(), a), reduced_shape(x.shape(), a, keepdim));
    return detail::record(TensorOp::ProdAxis, out, {&x}, {x}, [a, keepdim](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor gu = unreduce(g, x.shape(), a, keepdim);
        if (is_grad_enabled())
            return TensorList{product_of_others_recorded(gu, x, a)};
        return TensorList{gu * product_of_others(x, a)};
    });
}

// y = log sum_k e^(x_k) along the axis, as m + log sum_k e^(x_k - m) with m the largest x_k (no
// overflow; an infinite m is taken as 0, so that a row of -inf gives -inf and a +inf gives +inf,
// as PyTorch);  dx = g e^(x - y) = g softmax(x) along the axis
Tensor logsumexp(const Tensor& x, std::int64_t axis, bool keepdim)
{
    constexpr std::string_view op = op_name(TensorOp::LogSumExp);
    detail::check_defined(op, x);
    if (x.dim() == 0) { // PyTorch: the one axis of a 0-d tensor; logsumexp of one element is itself
        check_scalar_axis(op, axis);
        return logsumexp(x.reshape({1}), 0, false);
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    const AxisView l = axis_view(x.shape(), a);
    Tensor out = detail::empty(reduced_shape(x.shape(), a, keepdim), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const T* row = px + o * l.size * l.inner + i;
                T m = -std::numeric_limits<T>::infinity();
                for (std::int64_t k = 0; k < l.size; ++k)
                    m = std::max(m, row[k * l.inner]); // a NaN is skipped here and propagates below
                if (std::isinf(m))
                    m = T(0);
                double s = 0.0;
                for (std::int64_t k = 0; k < l.size; ++k)
                    s += static_cast<double>(detail::exp_of(row[k * l.inner] - m));
                po[o * l.inner + i] = static_cast<T>(std::log(s) + static_cast<double>(m));
            }
    });
    // Outside create_graph, dx = g e^(x - y) is one pass (PyTorch's formula), where the recorded
    // form makes four tensors: a tenth of logsumexp's time on tiny tensors (bench_ops tiny/).
    return detail::record(TensorOp::LogSumExp, out, {&x}, {x, out.detach()},
                          [a, keepdim](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (is_grad_enabled())
            return TensorList{unreduce(g, x.shape(), a, keepdim) * softmax(x, a)};
        const Tensor& y = saved(n, 1);
        const AxisView l = axis_view(x.shape(), a);
        Tensor dx = detail::empty(x.shape(), x.dtype());
        dispatch(x.dtype(), [&]<class T>() {
            const T* px = x.impl()->data<T>();
            const T* py = y.impl()->data<T>();
            const T* pg = g.impl()->data<T>();
            T* pd = dx.impl()->data<T>();
            for (std::int64_t o = 0; o < l.outer; ++o)
                for (std::int64_t k = 0; k < l.size; ++k)
                    for (std::int64_t i = 0; i < l.inner; ++i) {
                        const std::int64_t at = (o * l.size + k) * l.inner + i, row = o * l.inner + i;
                        pd[at] = pg[row] * detail::exp_of(px[at] - py[row]);
                    }
        });
        return TensorList{dx};
    });
}

Tensor max(const Tensor& x) { return extreme_all(TensorOp::Max, x, greater); }
Tensor min(const Tensor& x) { return extreme_all(TensorOp::Min, x, less); }
Tensor max(const Tensor& x, std::int64_t axis, bool keepdim)
{
    return extreme_axis(TensorOp::MaxAxis, x, axis, keepdim, greater);
}
Tensor min(const Tensor& x, std::int64_t axis, bool keepdim)
{
    return extreme_axis(TensorOp::MinAxis, x, axis, keepdim, less);
}
Tensor argmax(const Tensor& x) { return arg_all("argmax", x, greater); }
Tensor argmin(const Tensor& x) { return arg_all("argmin", x, less); }
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_axis("argmax", x, axis, keepdim, greater); }
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_axis("argmin", x, axis, keepdim, less); }

// y = sum((x - mean x)^2) / (n - c);  dx = 2 g (x - mean x) / (n - c)  (composed of recorded ops)
Tensor var(const Tensor& x, Correction correction)
{
    detail::check_defined("var", x);
    check_not_empty("var", x);
    const Tensor d = x - mean(x);
    return sum(d * d) / divisor(x.numel(), correction);
}

Tensor var(const Tensor& x, std::int64_t axis, bool keepdim, Correction correction)
{
    detail::check_defined("var", x);
    if (x.dim() == 0) {
        check_scalar_axis("var", axis);
        return var(x.reshape({1}), 0, false, correction);
    }
    const std::int64_t a = nonempty_axis("var", x, axis);
    const std::int64_t n = x.shape()[static_cast<std::size_t>(a)];
    const Tensor d = x - mean(x, a, true);
    return sum(d * d, a, keepdim) / divisor(n, correction);
}

// y = sqrt(var x);  dx = g (x - mean x) / ((n - c) y)  (through sqrt and var)
Tensor std(const Tensor& x, Correction correction) { return sqrt(var(x, correction)); }
Tensor std(const Tensor& x, std::int64_t axis, bool keepdim, Correction correction)
{
    return sqrt(var(x, axis, keepdim, correction));
}

Tensor Tensor::sum() const { return autograd::sum(*this); }
Tensor Tensor::sum(std::int64_t axis, bool keepdim) const { return autograd::sum(*this, axis, keepdim); }
Tensor Tensor::mean() const { return autograd::mean(*this); }
Tensor Tensor::mean(std::int64_t axis, bool keepdim) const { return autograd::mean(*this, axis, keepdim); }

} // namespace autograd
