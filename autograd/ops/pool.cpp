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

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace autograd {
namespace {

// The sizes of one pooling: the input seen as `planes` planes of h x w.
struct Geometry {
    Shape input_shape, output_shape;
    std::int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
    Size2 kernel = 1, stride = 1, padding = 0, dilation = 1;
    bool count_include_pad = true;
};

Geometry geometry(std::string_view op, const Tensor& x, Size2 kernel, std::optional<Size2> stride_opt, Size2 padding,
                  Size2 dilation)
{
    detail::check_defined(op, x);
    const Size2 stride = stride_opt.value_or(kernel);
    const std::string at = fmt::format("input {}, kernel ({}, {}), stride ({}, {}), padding ({}, {}), dilation ({}, {})",
                                       to_string(x.shape()), kernel.h, kernel.w, stride.h, stride.w, padding.h,
                                       padding.w, dilation.h, dilation.w);
    if (x.dim() != 3 && x.dim() != 4)
        throw std::invalid_argument(fmt::format("{}: want input [N, C, H, W] or [C, H, W] ({})", op, at));
    if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0)
        throw std::invalid_argument(fmt::format("{}: kernel, stride and dilation must be positive ({})", op, at));
    // PyTorch refuses these too: a window could then lie wholly in the padding.
    if (padding.h < 0 || padding.w < 0 || padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
        throw std::invalid_argument(fmt::format("{}: padding must be between 0 and half the kernel ({})", op, at));
    Geometry g;
    g.input_shape = x.shape();
    g.h = x.shape()[x.dim() - 2];
    g.w = x.shape()[x.dim() - 1];
    g.planes = g.h * g.w == 0 ? 0 : x.numel() / (g.h * g.w);
    g.kernel = kernel, g.stride = stride, g.padding = padding, g.dilation = dilation;
    const std::int64_t span_h = g.h + 2 * padding.h - dilation.h * (kernel.h - 1) - 1;
    const std::int64_t span_w = g.w + 2 * padding.w - dilation.w * (kernel.w - 1) - 1;
    if (span_h < 0 || span_w < 0)
        throw std::invalid_argument(fmt::format("{}: input too small for one window ({})", op, at));
    g.oh = span_h / stride.h + 1;
    g.ow = span_w / stride.w + 1;
    g.output_shape = x.shape();
    g.output_shape[g.output_shape.size() - 2] = g.oh;
    g.output_shape[g.output_shape.size() - 1] = g.ow;
    return g;
}

// at[p, o], flat in the plane; -1 for a window with no input element (dilation can step over
// the whole input: kernel 2, dilation 5, padding 1 on 4 rows reads rows -1 and 4), whose output
// is -inf with no gradient.
using Positions = std::shared_ptr<const std::vector<std::int64_t>>;

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
        for (std::int64_t p = 0; p < geo.planes; ++p)
            for (std::int64_t o = 0; o < op; ++o)
            {
                const std::int64_t a = (*at)[static_cast<std::size_t>(p * op + o)];
                po[p * op + o] = a < 0 ? -std::numeric_limits<T>::infinity() : px[p * plane + a];
            }
    });
    return record_gather(geo, std::move(out), x, at);
}

// dx[p, at[p, o]] += g[p, o];  dg = gather_at(h)
Tensor scatter_at(const Geometry& geo, const Tensor& g, const Positions& at)
{
    Tensor dx = Tensor::zeros(geo.input_shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* pdx = dx.impl()->data<T>();
        const std::int64_t plane = geo.h * geo.w, op = geo.oh * geo.ow;
        for (std::int64_t p = 0; p < geo.planes; ++p)
            for (std::int64_t o = 0; o < op; ++o)
                if (const std::int64_t a = (*at)[static_cast<std::size_t>(p * op + o)]; a >= 0)
                    pdx[p * plane + a] += pg[p * op + o];
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

} // namespace

Tensor max_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, Size2 dilation)
{
    const Geometry g = geometry(op_name(TensorOp::MaxPool2d), input, kernel, stride, padding, dilation);
    Tensor out = detail::empty(g.output_shape, input.dtype());
    auto at = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(g.planes * g.oh * g.ow));
    dispatch(input.dtype(), [&]<class T>() {
        const T* px = input.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const std::int64_t plane = g.h * g.w, op = g.oh * g.ow;
        for (std::int64_t p = 0; p < g.planes; ++p)
            for (std::int64_t oy = 0; oy < g.oh; ++oy)
                for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                    const std::int64_t y0 = oy * g.stride.h - g.padding.h, x0 = ox * g.stride.w - g.padding.w;
                    T best = -std::numeric_limits<T>::infinity();
                    std::int64_t best_at = -1; // no input element seen yet
                    for (std::int64_t i = 0; i < g.kernel.h; ++i) {
                        const std::int64_t y = y0 + i * g.dilation.h;
                        if (y < 0 || y >= g.h)
                            continue;
                        for (std::int64_t j = 0; j < g.kernel.w; ++j) {
                            const std::int64_t xi = x0 + j * g.dilation.w;
                            if (xi < 0 || xi >= g.w)
                                continue;
                            const T v = px[p * plane + y * g.w + xi];
                            // Strictly greater: the first of tied maxima wins. A NaN wins too (as in
                            // PyTorch: the last NaN); an all -inf window keeps its first element.
                            if (best_at < 0 || v > best || std::isnan(v)) {
                                best = v;
                                best_at = y * g.w + xi;
                            }
                        }
                    }
                    po[p * op + oy * g.ow + ox] = best;
                    (*at)[static_cast<std::size_t>(p * op + oy * g.ow + ox)] = best_at;
                }
    });
    return record_gather(g, std::move(out), input, std::move(at));
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, bool count_include_pad)
{
    Geometry g = geometry(op_name(TensorOp::AvgPool2d), input, kernel, stride, padding, 1);
    g.count_include_pad = count_include_pad;
    return avg_apply(g, input);
}

} // namespace autograd
