// max_pool2d and avg_pool2d, with their backward. Both are linear maps once the windows are known
// (for max pooling, once each window's chosen position is), so each forward op and its backward op
// are each other's transposes, and each one's backward is a call of the other:
//   max_pool2d:           y[p, o] = x[p, at[p, o]]           dx = scatter g to at (max_pool2d_backward)
//   max_pool2d_backward:  dx[p, at[p, o]] += g[p, o]         dg = h gathered from at (max_pool2d)
//   avg_pool2d:           y[p, o] = sum of window(o) / div   dx = avg_pool2d_backward(g)
//   avg_pool2d_backward:  dx[window(o)] += g[p, o] / div     dg = avg_pool2d(h)
// p is a plane (one sample's channel), `at` the flat index in the plane of each window's maximum,
// found by the forward and shared (never recomputed) by every derivative of it.
#include "autograd/ops/pool.hpp"
#include "autograd/ops/kernels.hpp"
#include "autograd/ops/window.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace autograd {
namespace {

// The sizes of one pooling: the input seen as `planes` planes of h x w.
struct Geometry {
    Shape input_shape, output_shape;
    std::int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
    Size2 kernel = 1, stride = 1, padding = 0, dilation = 1;
    bool count_include_pad = true;
    // Kernel 2 and stride 2 with no padding or dilation, every window whole (ceil_mode can add a
    // partial one): the common case, with loops of its own.
    bool two_by_two() const
    {
        return kernel == Size2(2) && stride == Size2(2) && padding == Size2(0) && dilation == Size2(1) && 2 * oh <= h &&
               2 * ow <= w;
    }
};

// The number of windows along one dimension: PyTorch's rule. With ceil_mode a last, partial window
// is kept when it starts inside the input or its left padding (never wholly in the right padding).
std::int64_t windows(std::int64_t span, std::int64_t stride, std::int64_t in, std::int64_t pad, bool ceil_mode)
{
    std::int64_t n = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (n - 1) * stride >= in + pad)
        --n;
    return n;
}

Geometry geometry(std::string_view op, const Tensor& x, Size2 kernel, std::optional<Size2> stride_opt, Size2 padding,
                  Size2 dilation, bool ceil_mode)
{
    detail::check_defined(op, x);
    const Size2 stride = stride_opt.value_or(kernel);
    // The arguments as the messages give them, formatted only for a message: every call, that
    // was a tenth of a tiny pool's forward and backward (bench_ops tiny/max_pool2d).
    const auto at = [&] {
        return fmt::format("input {}, kernel ({}, {}), stride ({}, {}), padding ({}, {}), dilation ({}, {}){}",
                           to_string(x.shape()), kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w,
                           dilation.h, dilation.w, ceil_mode ? ", ceil_mode" : "");
    };
    if (x.dim() != 3 && x.dim() != 4)
        throw std::invalid_argument(fmt::format("{}: want input [N, C, H, W] or [C, H, W] ({})", op, at()));
    if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0)
        throw std::invalid_argument(fmt::format("{}: kernel, stride and dilation must be positive ({})", op, at()));
    // PyTorch refuses these too: a window could then lie wholly in the padding.
    if (padding.h < 0 || padding.w < 0 || padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
        throw std::invalid_argument(fmt::format("{}: padding must be between 0 and half the kernel ({})", op, at()));
    Geometry g;
    g.input_shape = x.shape();
    g.h = x.shape()[x.dim() - 2];
    g.w = x.shape()[x.dim() - 1];
    g.planes = g.h * g.w == 0 ? 0 : x.numel() / (g.h * g.w);
    g.kernel = kernel, g.stride = stride, g.padding = padding, g.dilation = dilation;
    const std::int64_t span_h = g.h + 2 * padding.h - dilation.h * (kernel.h - 1) - 1;
    const std::int64_t span_w = g.w + 2 * padding.w - dilation.w * (kernel.w - 1) - 1;
    if (span_h < 0 || span_w < 0)
        throw std::invalid_argument(fmt::format("{}: input too small for one window ({})", op, at()));
    g.oh = windows(span_h, stride.h, g.h, padding.h, ceil_mode);
    g.ow = windows(span_w, stride.w, g.w, padding.w, ceil_mode);
    g.output_shape = x.shape();
    g.output_shape[g.output_shape.size() - 2] = g.oh;
    g.output_shape[g.output_shape.size() - 1] = g.ow;
    return g;
}

// at[p, o], flat in the plane; -1 for a window with no input element (dilation can step over
// the whole input: kernel 2, dilation 5, padding 1 on 4 rows reads rows -1 and 4), whose output
// is -inf with no gradient.
using Positions = std::shared_ptr<const std::int64_t[]>;

// Runs body(first plane, last plane) over blocks of planes on the thread pool: pooling and its
// transpose touch each plane alone.
template <class F> void for_planes(const Geometry& g, F&& body)
{
    const std::int64_t per_plane = std::max<std::int64_t>(1, g.h * g.w);
    detail::parallel_for(g.planes, std::max<std::int64_t>(1, detail::kParallelGrain / per_plane), body);
}

Tensor scatter_at(const Geometry& geo, const Tensor& g, const Positions& at);

// y[p, o] = x[p, at[p, o]];  dx = scatter_at(g)
Tensor record_gather(const Geometry& geo, Tensor out, const Tensor& x, const Positions& at)
{
    return detail::record(TensorOp::MaxPool2d, std::move(out), {&x}, {},
                          [geo, at](const Tensor& g, const TensorNode&) { return TensorList{scatter_at(geo, g, at)}; });
}

Tensor gather_at(const Geometry& geo, const Tensor& x, const Positions& at)
{
    Tensor out = detail::empty(geo.output_shape, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow;
        const std::int64_t* pat = at.get();
        for_planes(geo, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t p = first; p < last; ++p)
                for (std::int64_t o = 0; o < op; ++o) {
                    const std::int64_t a = pat[p * op + o];
                    po[p * op + o] = a < 0 ? -std::numeric_limits<T>::infinity() : px[p * plane + a];
                }
        });
    });
    return record_gather(geo, std::move(out), x, at);
}

// dx[p, at[p, o]] += g[p, o];  dg = gather_at(h)
// One row of windows of a 2x2, stride-2 max pool's transpose: each window of input rows d0 and d1
// (rows r0 and r0 + w of the plane) gets g at its maximum and 0 elsewhere, written in one pass
// rather than zeroing the whole input first and adding.
template <class T>
[[gnu::always_inline]] inline void scatter_row_2x2(const T* __restrict g, const std::int64_t* __restrict at,
                                                   T* __restrict d0, T* __restrict d1, std::int64_t ow,
                                                   std::int64_t r0, std::int64_t w)
{
    for (std::int64_t ox = 0; ox < ow; ++ox) {
        const std::int64_t k = at[ox] - r0 - 2 * ox; // 0, 1, w or w + 1
        const T v = g[ox];
        d0[2 * ox] = k == 0 ? v : T(0);
        d0[2 * ox + 1] = k == 1 ? v : T(0);
        d1[2 * ox] = k == w ? v : T(0);
        d1[2 * ox + 1] = k == w + 1 ? v : T(0);
    }
}

// The 2x2, stride-2 case of scatter_at (windows that do not overlap), and the rows and columns no
// window covers (the last of an odd size) set to 0.
template <class T> void scatter_2x2(const Geometry& geo, const T* pg, const std::int64_t* pat, T* pdx)
{
    const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow, w = geo.w, oh = geo.oh, ow = geo.ow;
    for_planes(geo, [&](std::int64_t first, std::int64_t last) {
        detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
            for (std::int64_t p = first; p < last; ++p) {
                T* d = pdx + p * plane;
                for (std::int64_t oy = 0; oy < oh; ++oy) {
                    const std::int64_t r0 = 2 * oy * w;
                    scatter_row_2x2(pg + p * op + oy * ow, pat + p * op + oy * ow, d + r0, d + r0 + w, ow, r0, w);
                    for (std::int64_t c = 2 * ow; c < w; ++c)
                        d[r0 + c] = d[r0 + w + c] = T(0);
                }
                std::fill(d + 2 * oh * w, d + plane, T(0));
            }
        });
    });
}

Tensor scatter_at(const Geometry& geo, const Tensor& g, const Positions& at)
{
    // scatter_2x2 writes every element; the general loop adds into zeros.
    Tensor dx = geo.two_by_two() ? detail::empty(geo.input_shape, g.dtype()) : Tensor::zeros(geo.input_shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* pdx = dx.impl()->data<T>();
        if (geo.two_by_two()) {
            scatter_2x2(geo, pg, at.get(), pdx);
            return;
        }
        const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow;
        const std::int64_t* pat = at.get();
        for_planes(geo, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t p = first; p < last; ++p)
                for (std::int64_t o = 0; o < op; ++o)
                    if (const std::int64_t a = pat[p * op + o]; a >= 0)
                        pdx[p * plane + a] += pg[p * op + o];
        });
    });
    return detail::record(TensorOp::MaxPool2dBackward, std::move(dx), {&g}, {},
                          [geo, at](const Tensor& h, const TensorNode&) { return TensorList{gather_at(geo, h, at)}; });
}

// Calls f(p, o, first row, row end, first column, column end, divisor) for every window of an
// average pooling: the window clipped to the input, and what its sum is divided by.
template <class F> void for_each_avg_window(const Geometry& g, F&& f)
{
    for (std::int64_t p = 0; p < g.planes; ++p)
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                std::int64_t y0 = oy * g.stride.h - g.padding.h, x0 = ox * g.stride.w - g.padding.w;
                std::int64_t y1 = std::min(y0 + g.kernel.h, g.h + g.padding.h);
                std::int64_t x1 = std::min(x0 + g.kernel.w, g.w + g.padding.w);
                const std::int64_t padded = (y1 - y0) * (x1 - x0);
                y0 = std::max<std::int64_t>(y0, 0), x0 = std::max<std::int64_t>(x0, 0);
                y1 = std::min(y1, g.h), x1 = std::min(x1, g.w);
                const std::int64_t div = g.count_include_pad ? padded : (y1 - y0) * (x1 - x0);
                f(p, oy * g.ow + ox, y0, y1, x0, x1, div);
            }
}

Tensor avg_transpose(const Geometry& geo, const Tensor& g);

// y[p, o] = sum of x over window o / div;  dx = avg_transpose(g)
Tensor avg_apply(const Geometry& geo, const Tensor& x)
{
    Tensor out = detail::empty(geo.output_shape, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow;
        for_each_avg_window(geo, [&](std::int64_t p, std::int64_t o, std::int64_t y0, std::int64_t y1, std::int64_t x0,
                                     std::int64_t x1, std::int64_t div) {
            T s(0);
            for (std::int64_t y = y0; y < y1; ++y)
                for (std::int64_t xi = x0; xi < x1; ++xi)
                    s += px[p * plane + y * geo.w + xi];
            po[p * op + o] = s / static_cast<T>(div);
        });
    });
    return detail::record(TensorOp::AvgPool2d, std::move(out), {&x}, {},
                          [geo](const Tensor& g, const TensorNode&) { return TensorList{avg_transpose(geo, g)}; });
}

// dx[window o] += g[p, o] / div;  dg = avg_apply(h)
Tensor avg_transpose(const Geometry& geo, const Tensor& g)
{
    Tensor dx = Tensor::zeros(geo.input_shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* pdx = dx.impl()->data<T>();
        const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow;
        for_each_avg_window(geo, [&](std::int64_t p, std::int64_t o, std::int64_t y0, std::int64_t y1, std::int64_t x0,
                                     std::int64_t x1, std::int64_t div) {
            const T share = pg[p * op + o] / static_cast<T>(div);
            for (std::int64_t y = y0; y < y1; ++y)
                for (std::int64_t xi = x0; xi < x1; ++xi)
                    pdx[p * plane + y * geo.w + xi] += share;
        });
    });
    return detail::record(TensorOp::AvgPool2dBackward, std::move(dx), {&g}, {},
                          [geo](const Tensor& h, const TensorNode&) { return TensorList{avg_apply(geo, h)}; });
}

// The maximum of each window of the planes [first, last) and its position, for any geometry: the
// kernel rows and columns inside the input are found once per output row and column.
template <class T>
void max_windows(const Geometry& g, const T* px, T* po, std::int64_t* at, std::int64_t first, std::int64_t last)
{
    const std::int64_t plane = g.h * g.w, op = g.oh * g.ow;
    std::vector<detail::Span> cols(static_cast<std::size_t>(g.ow));
    for (std::int64_t ox = 0; ox < g.ow; ++ox)
        cols[static_cast<std::size_t>(ox)] = detail::inside(g.kernel.w, g.w, g.dilation.w, ox * g.stride.w - g.padding.w);
    for (std::int64_t p = first; p < last; ++p)
        for (std::int64_t oy = 0; oy < g.oh; ++oy) {
            const std::int64_t y0 = oy * g.stride.h - g.padding.h;
            const detail::Span rows = detail::inside(g.kernel.h, g.h, g.dilation.h, y0);
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                const detail::Span c = cols[static_cast<std::size_t>(ox)];
                const std::int64_t x0 = ox * g.stride.w - g.padding.w;
                T best = -std::numeric_limits<T>::infinity();
                std::int64_t best_at = -1; // no input element in the window
                if (rows.first < rows.last && c.first < c.last) {
                    best_at = (y0 + rows.first * g.dilation.h) * g.w + x0 + c.first * g.dilation.w;
                    best = px[p * plane + best_at];
                }
                for (std::int64_t i = rows.first; i < rows.last; ++i)
                    for (std::int64_t j = c.first; j < c.last; ++j) {
                        const std::int64_t a = (y0 + i * g.dilation.h) * g.w + x0 + j * g.dilation.w;
                        const T v = px[p * plane + a];
                        // Strictly greater: the first of tied maxima wins. A NaN wins too (as in
                        // PyTorch: the last NaN); an all -inf window keeps its first element.
                        if (v > best || std::isnan(v)) {
                            best = v;
                            best_at = a;
                        }
                    }
                po[p * op + oy * g.ow + ox] = best;
                at[p * op + oy * g.ow + ox] = best_at;
            }
        }
}

// One output row of a 2x2, stride-2 max pool: the windows of input rows x0 and x1 (rows r0 and
// r0 + w of the plane). Which of a window's four elements wins, 0-3 in row-major order, is chosen
// by selects of same-width values (float and int32) with no branch, so that the loop vectorises
// (which element is largest is a coin toss the branch predictor loses). Ties and NaNs as
// max_windows: a later element wins only when greater, or when it is a NaN.
template <class T>
[[gnu::always_inline]] inline void max_row_2x2(const T* __restrict x0, const T* __restrict x1, T* __restrict out,
                                               std::int64_t* __restrict pos, std::int64_t ow, std::int64_t r0,
                                               std::int64_t w)
{
    for (std::int64_t ox = 0; ox < ow; ++ox) {
        T best = x0[2 * ox];
        std::int32_t k = 0;
        const T v1 = x0[2 * ox + 1], v2 = x1[2 * ox], v3 = x1[2 * ox + 1];
        bool wins = (v1 > best) | (v1 != v1); // v != v: a NaN; | rather than ||, which would branch
        best = wins ? v1 : best;
        k = wins ? 1 : k;
        wins = (v2 > best) | (v2 != v2);
        best = wins ? v2 : best;
        k = wins ? 2 : k;
        wins = (v3 > best) | (v3 != v3);
        best = wins ? v3 : best;
        k = wins ? 3 : k;
        out[ox] = best;
        pos[ox] = r0 + 2 * ox + (k >> 1) * w + (k & 1);
    }
}

// The common case, kernel 2 and stride 2 with no padding or dilation (every window whole).
template <class T>
void max_windows_2x2(const Geometry& g, const T* px, T* po, std::int64_t* at, std::int64_t first, std::int64_t last)
{
    const std::int64_t plane = g.h * g.w, op = g.oh * g.ow, w = g.w, oh = g.oh, ow = g.ow;
    detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
        for (std::int64_t p = first; p < last; ++p)
            for (std::int64_t oy = 0; oy < oh; ++oy) {
                const std::int64_t r0 = 2 * oy * w;
                max_row_2x2(px + p * plane + r0, px + p * plane + r0 + w, po + p * op + oy * ow, at + p * op + oy * ow,
                            ow, r0, w);
            }
    });
}

} // namespace

namespace {

// The pooled tensor, and with want_indices a copy of the positions as an int64 tensor (a copy: the
// positions the backward reads stay the forward's whatever the caller does with its tensor).
// `op` is the function the caller called, for the errors.
std::pair<Tensor, Tensor> max_pool(std::string_view op, const Tensor& input, Size2 kernel, std::optional<Size2> stride,
                                   Size2 padding, Size2 dilation, bool ceil_mode, bool want_indices)
{
    const Geometry g = geometry(op, input, kernel, stride, padding, dilation, ceil_mode);
    Tensor out = detail::empty(g.output_shape, input.dtype());
    // Every element is written below: no need to clear the positions first.
    auto at = std::make_shared_for_overwrite<std::int64_t[]>(static_cast<std::size_t>(g.planes * g.oh * g.ow));
    dispatch(input.dtype(), [&]<class T>() {
        const T* px = input.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for_planes(g, [&](std::int64_t first, std::int64_t last) {
            if (g.two_by_two())
                max_windows_2x2(g, px, po, at.get(), first, last);
            else
                max_windows(g, px, po, at.get(), first, last);
        });
    });
    Tensor indices;
    if (want_indices) {
        indices = detail::empty(g.output_shape, Dtype::Int64);
        std::copy(at.get(), at.get() + indices.numel(), indices.data_ptr<std::int64_t>());
    }
    return {record_gather(g, std::move(out), input, std::move(at)), indices};
}

} // namespace

Tensor max_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, Size2 dilation,
                  bool ceil_mode)
{
    return max_pool(op_name(TensorOp::MaxPool2d), input, kernel, stride, padding, dilation, ceil_mode, false).first;
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel, std::optional<Size2> stride,
                                                  Size2 padding, Size2 dilation, bool ceil_mode)
{
    return max_pool("max_pool2d_with_indices", input, kernel, stride, padding, dilation, ceil_mode, true);
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, bool count_include_pad,
                  bool ceil_mode)
{
    Geometry g = geometry(op_name(TensorOp::AvgPool2d), input, kernel, stride, padding, 1, ceil_mode);
    g.count_include_pad = count_include_pad;
    return avg_apply(g, input);
}

} // namespace autograd
