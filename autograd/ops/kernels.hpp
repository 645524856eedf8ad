// The loops under the tensor ops: elementwise maps, broadcasting binary ops, and the
// [outer, size, inner] view of a shape along one axis. Each runs for float and double (dispatch;
// integer operands are promoted to floating point first, or take the integer kernels),
// vectorised for this CPU (run_vectorized) and split across threads when large (parallel_for).
//
//   // y = x^2 elementwise, as a new tensor of x's shape and dtype
//   Tensor y = detail::map_unary(x, [](auto v) { return v * v; });
//   // y = a + b with broadcasting; the op (or a name) is what shape and dtype errors say
//   Tensor z = detail::broadcast_binary(TensorOp::Add, a, b, [](auto p, auto q) { return p + q; });
#pragma once

#include "autograd/cpu/parallel.hpp"
#include "autograd/cpu/simd.hpp"
#include "autograd/engine/record.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace autograd::detail {

/// Elements per thread below which an elementwise loop stays on one thread (measured: waking
/// the pool costs about what 64K additions do).
constexpr std::int64_t kParallelGrain = std::int64_t{1} << 16;

/// Runs loop(begin, end) over [0, n): vectorised as run_vectorized does, and split across
/// threads when n is large (parallel_for).
template <class F> void flat_loop(std::int64_t n, F&& loop)
{
    const auto run = [&](std::int64_t begin, std::int64_t end) {
        run_vectorized([&]() BACKPROP_INLINE_LAMBDA { loop(begin, end); });
    };
    if (n < 2 * kParallelGrain)
        run(0, n);
    else
        parallel_for(n, kParallelGrain, run);
}

/// The dtype a floating-point kernel computes an op over operands of dtypes a and b in: their
/// promotion (promote_types), and float32 when that is an integer dtype (true division and every
/// transcendental of integers give float32, as in PyTorch). Throws for float32 with float64.
inline Dtype floating_result(std::string_view op, Dtype a, Dtype b)
{
    const Dtype d = promote_types(a, b, op);
    return is_floating_point(d) ? d : Dtype::Float32;
}

/// Whether neither operand is floating-point: the ops that keep integers (add, sub, mul, the
/// comparisons) then take their integer kernels.
inline bool both_integral(const Tensor& a, const Tensor& b)
{
    return !is_floating_point(a.dtype()) && !is_floating_point(b.dtype());
}

/// out[i] = f(x[i]): the kernel of every elementwise unary op (f is called with float or double).
/// An int64 or bool x is converted to float32 first (PyTorch's exp, log, sqrt, ... of integers);
/// the few ops that keep integers (neg, abs) use map_integer instead.
template <class F> Tensor map_unary(const Tensor& x0, F f)
{
    // A reference, not a copy, for the floating case: no reference count changes on the path
    // every elementwise op takes.
    Tensor converted;
    const Tensor& x = is_floating_point(x0.dtype()) ? x0 : (converted = x0.to(Dtype::Float32));
    Tensor out = empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->template data<T>();
        T* po = out.impl()->template data<T>();
        flat_loop(x.numel(), [&](std::int64_t begin, std::int64_t end) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t i = begin; i < end; ++i)
                po[i] = f(px[i]);
        });
    });
    return out;
}

/// out[i] = f(x[i]) in int64 (a bool x is read as 0 and 1), for the ops that keep integers.
/// f gets and returns std::int64_t; it must not overflow (compute in std::uint64_t to wrap as
/// PyTorch does).
template <class F> Tensor map_integer(const Tensor& x0, F f)
{
    const Tensor x = x0.to(Dtype::Int64);
    Tensor out = empty(x.shape(), Dtype::Int64);
    const std::int64_t* px = x.impl()->template data<std::int64_t>();
    std::int64_t* po = out.impl()->template data<std::int64_t>();
    for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
        po[i] = f(px[i]);
    return out;
}

/// a + b, a - b, a * b on int64 as two's complement, wrapping on overflow as PyTorch's (and
/// without the undefined behaviour signed overflow is in C++).
inline std::int64_t wrapping_add(std::int64_t a, std::int64_t b)
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t wrapping_sub(std::int64_t a, std::int64_t b)
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t wrapping_mul(std::int64_t a, std::int64_t b)
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

/// relu's backward as a recorded op: g where x > 0, 0 elsewhere (ops/elementwise.cpp). The fused
/// linear + ReLU's backward uses it too. Recorded with x as an input of derivative 0, as
/// PyTorch's threshold_backward: under create_graph the gradient depends on x (it requires a
/// gradient, and differentiating it again gives zeros rather than "does not require a gradient").
Tensor relu_backward(const Tensor& g, const Tensor& x);

/// The backward of the other piecewise-linear ops: g * s, where s (g's shape) holds the
/// derivative of the op at each element (abs's sign, leaky_relu's slope, clamp's mask, the
/// elements max picked, maximum's 1, 1/2 or 0). Where s is 0 the result is 0 even for an infinite
/// g (PyTorch's where). s is a step function of the op's input x (any shape: maximum's operands
/// broadcast), so the result's derivative in x is 0; it is recorded with x as an input for the
/// reason relu_backward is (ops/elementwise.cpp).
Tensor step_scale(const Tensor& g, const Tensor& s, const Tensor& x);

/// A 0-d zero of t's dtype: the "elsewhere" operand of where() in backward formulas.
inline Tensor zero_like(const Tensor& t) { return Tensor::scalar(0.0, t.dtype()); }

/// A shape seen along one axis as [outer, size, inner]: how reductions and index ops walk it.
struct AxisView {
    std::int64_t outer = 1, size = 1, inner = 1;
};
inline AxisView axis_view(const Shape& shape, std::int64_t axis)
{
    AxisView v;
    for (std::int64_t i = 0; i < axis; ++i)
        v.outer *= shape[static_cast<std::size_t>(i)];
    v.size = shape[static_cast<std::size_t>(axis)];
    for (auto i = static_cast<std::size_t>(axis) + 1; i < shape.size(); ++i)
        v.inner *= shape[i];
    return v;
}

/// Calls f(o, offsets) for every element o (row-major) of `shape`, with the offsets of the
/// elements of the N inputs (whose shapes broadcast to `shape`) that meet there.
template <std::size_t N, class F> void for_each_broadcast(const Shape& shape, const std::array<Shape, N>& in, F&& f)
{
    const std::size_t d = shape.size();
    const std::int64_t total = shape_numel(shape);
    std::array<Shape, N> strides;
    bool simple = true; // every input has the output's shape or one element: no multi-index needed
    std::array<std::int64_t, N> step{};
    for (std::size_t k = 0; k < N; ++k) {
        step[k] = in[k] == shape ? 1 : 0;
        simple = simple && (step[k] == 1 || shape_numel(in[k]) == 1);
        strides[k] = Shape(d, 0);
        const Shape c = contiguous_strides(in[k]);
        for (std::size_t i = 0; i < in[k].size(); ++i)
            if (in[k][i] != 1)
                strides[k][i + d - in[k].size()] = c[i];
    }
    std::array<std::int64_t, N> off{};
    if (total == 0)
        return;
    if (simple) {
        for (std::int64_t o = 0; o < total; ++o) {
            for (std::size_t k = 0; k < N; ++k)
                off[k] = o * step[k];
            f(o, off);
        }
        return;
    }
    // Row by row: the innermost dimension in a tight loop, then advance the outer multi-index.
    const std::int64_t inner = shape[d - 1];
    std::array<std::int64_t, N> inner_stride{};
    for (std::size_t k = 0; k < N; ++k)
        inner_stride[k] = strides[k][d - 1];
    Shape index(d, 0);
    std::array<std::int64_t, N> at{};
    for (std::int64_t o = 0; o < total; o += inner) {
        for (std::int64_t j = 0; j < inner; ++j) {
            for (std::size_t k = 0; k < N; ++k)
                at[k] = off[k] + j * inner_stride[k];
            f(o + j, at);
        }
        for (std::size_t dim = d - 1; dim-- > 0;) {
            for (std::size_t k = 0; k < N; ++k)
                off[k] += strides[k][dim];
            if (++index[dim] < shape[dim])
                break;
            for (std::size_t k = 0; k < N; ++k)
                off[k] -= strides[k][dim] * shape[dim];
            index[dim] = 0;
        }
    }
}


/// Whether `part` (leading 1s aside) is the trailing dimensions of `whole`, so that broadcasting
/// it repeats one contiguous block: a bias [16] against [100, 16].
inline bool is_trailing_block(const Shape& part, const Shape& whole)
{
    std::size_t lead = 0;
    while (lead < part.size() && part[lead] == 1)
        ++lead;
    const std::size_t k = part.size() - lead;
    if (k > whole.size() || shape_numel(part) == 0)
        return false;
    return std::equal(part.begin() + static_cast<std::ptrdiff_t>(lead), part.end(),
                      whole.end() - static_cast<std::ptrdiff_t>(k));
}

/// out[i] = f(a[i], b[i]) over the broadcast shape, for a, b and out of element type T.
/// Equal shapes and a one-element operand take flat loops the compiler vectorises.
template <class T, class F> void binary_kernel(const Tensor& a, const Tensor& b, Tensor& out, F& f)
{
    const Shape& shape = out.shape();
    const T* pa = a.impl()->template data<T>();
    const T* pb = b.impl()->template data<T>();
    T* po = out.impl()->template data<T>();
    const std::int64_t n = out.numel();
    if (a.numel() == n && b.numel() == n) {
        flat_loop(n, [&](std::int64_t begin, std::int64_t end) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t i = begin; i < end; ++i)
                po[i] = f(pa[i], pb[i]);
        });
    } else if (b.numel() == 1 && a.numel() == n) {
        const T s = pb[0];
        flat_loop(n, [&](std::int64_t begin, std::int64_t end) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t i = begin; i < end; ++i)
                po[i] = f(pa[i], s);
        });
    } else if (a.numel() == 1 && b.numel() == n) {
        const T s = pa[0];
        flat_loop(n, [&](std::int64_t begin, std::int64_t end) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t i = begin; i < end; ++i)
                po[i] = f(s, pb[i]);
        });
    } else if (a.numel() == n && is_trailing_block(b.shape(), shape)) { // x + bias: row by row
        const std::int64_t m = b.numel();
        for (std::int64_t r = 0; r < n; r += m)
            for (std::int64_t i = 0; i < m; ++i)
                po[r + i] = f(pa[r + i], pb[i]);
    } else if (b.numel() == n && is_trailing_block(a.shape(), shape)) {
        const std::int64_t m = a.numel();
        for (std::int64_t r = 0; r < n; r += m)
            for (std::int64_t i = 0; i < m; ++i)
                po[r + i] = f(pa[i], pb[r + i]);
    } else {
        for_each_broadcast<2>(shape, {a.shape(), b.shape()},
                              [&](std::int64_t o, const std::array<std::int64_t, 2>& at) { po[o] = f(pa[at[0]], pb[at[1]]); });
    }
}

/// out[i] = f(a[i], b[i]) over the broadcast shape: the kernel of every binary op, in floating
/// point. Operands of different dtypes are promoted first (PyTorch's rules, floating_result): an
/// int64 or bool operand is converted to the other's float dtype, two integer operands to
/// float32; float32 with float64 throws (check_same_dtype's message).
template <class F> Tensor broadcast_binary(std::string_view op, const Tensor& a, const Tensor& b, F f)
{
    check_defined(op, a);
    check_defined(op, b);
    if (a.dtype() != b.dtype() || !is_floating_point(a.dtype())) [[unlikely]] {
        const Dtype d = floating_result(op, a.dtype(), b.dtype());
        return broadcast_binary(op, a.to(d), b.to(d), f);
    }
    Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(op, a.shape(), b.shape());
    Tensor out = empty(std::move(shape), a.dtype());
    dispatch(a.dtype(), [&]<class T>() { binary_kernel<T>(a, b, out, f); });
    return out;
}

/// The same in int64, for two operands of which neither is floating-point (both_integral; bools
/// are read as 0 and 1): f gets two std::int64_t and returns one (add, sub and mul wrap, as the
/// wrapping_* functions do; the comparisons return 0 or 1).
template <class F> Tensor integer_binary(std::string_view op, const Tensor& a0, const Tensor& b0, F f)
{
    const Tensor a = a0.to(Dtype::Int64), b = b0.to(Dtype::Int64);
    Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(op, a.shape(), b.shape());
    Tensor out = empty(std::move(shape), Dtype::Int64);
    binary_kernel<std::int64_t>(a, b, out, f);
    return out;
}
template <class F> Tensor integer_binary(TensorOp op, const Tensor& a, const Tensor& b, F f)
{
    return integer_binary(op_name(op), a, b, f);
}

/// The same, the errors naming `op`.
template <class F> Tensor broadcast_binary(TensorOp op, const Tensor& a, const Tensor& b, F f)
{
    return broadcast_binary(op_name(op), a, b, f);
}

} // namespace autograd::detail
