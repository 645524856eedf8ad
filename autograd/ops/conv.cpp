// conv2d, with its backward. Three recorded ops, each the adjoint of the others in one argument,
// so that every derivative of each is a call of another (and create_graph works to any order).
// Write y = conv(x, w) (bilinear, the bias aside), gx = input_grad(g, w) = the transpose of
// x -> conv(x, w) applied to g, gw = weight_grad(x, g) = the transpose of w -> conv(x, w) applied
// to g. Then, from <h, input_grad(g, w)> = <conv(h, w), g> = <weight_grad(h, g), w> and
// <k, weight_grad(x, g)> = <conv(x, k), g> = <input_grad(g, k), x>:
//   conv:         dx = input_grad(g, w),  dw = weight_grad(x, g),  db = g summed over N, OH, OW
//   input_grad:   dg = conv(h, w),        dw = weight_grad(h, g)
//   weight_grad:  dx = input_grad(g, k),  dg = conv(x, k)
//
// Each is im2col (the input's windows laid out as the columns of a [C/groups kH kW, OH OW] matrix)
// and one product per sample and group through detail::gemm; input_grad multiplies by the
// transposed weight and scatters the columns back (col2im). A 1x1 kernel with stride 1, no
// padding and no dilation needs no im2col: the input is the column matrix as it is. A batch whose
// samples are small (products gemm would not split) is split across threads by sample.
#include "autograd/ops/conv.hpp"
#include "autograd/cpu/gemm.hpp"
#include "autograd/ops/fused_activation.hpp"
#include "autograd/ops/kernels.hpp"
#include "autograd/ops/window.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace autograd {
namespace {

constexpr std::string_view kOp = op_name(TensorOp::Conv2d);

// The sizes of one convolution, shared by its three ops.
struct Geometry {
    std::int64_t n = 0, c = 0, h = 0, w = 0; // input [N, C, H, W]
    std::int64_t o = 0, kh = 0, kw = 0;      // weight [O, C/groups, kH, kW]
    Size2 stride = 1, padding = 0, dilation = 1;
    std::int64_t groups = 1;
    std::int64_t oh = 0, ow = 0; // output [N, O, OH, OW]

    std::int64_t cg() const { return c / groups; }
    std::int64_t og() const { return o / groups; }
    std::int64_t rows() const { return cg() * kh * kw; } // of the column matrix (and of a group's weight)
    std::int64_t spatial() const { return oh * ow; }
    bool direct() const // the input is its own column matrix
    {
        return kh == 1 && kw == 1 && stride == Size2(1) && padding == Size2(0) && dilation == Size2(1);
    }
    // Too small for products: a sample's multiply-adds cost less than a call of gemm and the
    // column matrix around it, so the loops of the definition run instead (window_loops below).
    // On [1, 1, 4, 4] with a 3x3 kernel (36 multiply-adds) the loops took conv2d's forward +
    // backward from 7.1x add's time to 2.7x (bench_ops tiny/). The bound, 1024, keeps well below
    // W5's convolutions (115K and 205K a sample), whose products are vectorised where these
    // scalar loops are not.
    bool tiny() const { return o * spatial() * rows() <= 1024; }
    // Every window inside the input, one group: the tiny loops' fast case (LeNet's convolutions).
    bool plain() const { return stride == Size2(1) && padding == Size2(0) && dilation == Size2(1) && groups == 1; }
    Shape input_shape() const { return {n, c, h, w}; }
    Shape weight_shape() const { return {o, cg(), kh, kw}; }
    Shape output_shape() const { return {n, o, oh, ow}; }
    void set_output_size()
    {
        oh = (h + 2 * padding.h - dilation.h * (kh - 1) - 1) / stride.h + 1;
        ow = (w + 2 * padding.w - dilation.w * (kw - 1) - 1) / stride.w + 1;
    }
};

// What conv2d's record keeps of its geometry besides the saved input and weight, whose shapes give
// the rest: 28 bytes, so that the backward closure (these and the activation) fits in the node's
// 32 inline bytes. A closure holding the whole Geometry (128 bytes) was a heap allocation and a
// free per call: conv2d 1450 -> 1390 ns forward + backward on tiny tensors (bench_ops tiny/, A/B,
// non-LTO builds). geometry() refuses values int32 cannot hold.
struct ConvArgs {
    std::int32_t stride_h, stride_w, padding_h, padding_w, dilation_h, dilation_w, groups;

    explicit ConvArgs(const Geometry& g)
        : stride_h(static_cast<std::int32_t>(g.stride.h)), stride_w(static_cast<std::int32_t>(g.stride.w)),
          padding_h(static_cast<std::int32_t>(g.padding.h)), padding_w(static_cast<std::int32_t>(g.padding.w)),
          dilation_h(static_cast<std::int32_t>(g.dilation.h)), dilation_w(static_cast<std::int32_t>(g.dilation.w)),
          groups(static_cast<std::int32_t>(g.groups))
    {
    }
    Geometry with(const Shape& x, const Shape& w) const
    {
        Geometry g;
        g.n = x[0], g.c = x[1], g.h = x[2], g.w = x[3];
        g.o = w[0], g.kh = w[2], g.kw = w[3];
        g.stride = {stride_h, stride_w}, g.padding = {padding_h, padding_w}, g.dilation = {dilation_h, dilation_w};
        g.groups = groups;
        g.set_output_size();
        return g;
    }
};

// out[0, n) = in[0, n), for the short runs of im2col (a row of 8 or 24): in 32-byte pieces, each
// one load and one store of a vector of T (the last piece overlaps the one before it rather than
// looping over a tail), where std::copy would call memmove for each run. A vector of T, not
// memcpy: stores of T cannot change the sizes the loops around read (memcpy's may alias anything,
// so they would be reloaded after every run). The vector is aligned as T, so loads may be unaligned.
template <class T> [[gnu::always_inline]] inline void copy_run(const T* in, T* out, std::int64_t n)
{
    typedef T Piece __attribute__((vector_size(32), aligned(alignof(T))));
    constexpr std::int64_t piece = 32 / sizeof(T);
    if (n < piece) {
        for (std::int64_t i = 0; i < n; ++i)
            out[i] = in[i];
        return;
    }
    for (std::int64_t i = 0; i + piece <= n; i += piece)
        *reinterpret_cast<Piece*>(out + i) = *reinterpret_cast<const Piece*>(in + i);
    if (n % piece != 0)
        *reinterpret_cast<Piece*>(out + n - piece) = *reinterpret_cast<const Piece*>(in + n - piece);
}

// out[0, n) += in[0, n), for col2im's runs: as copy_run, in vectors of T, the tail element by
// element (a piece overlapping the one before would add twice).
template <class T> [[gnu::always_inline]] inline void add_run(const T* in, T* out, std::int64_t n)
{
    typedef T Piece __attribute__((vector_size(32), aligned(alignof(T))));
    constexpr std::int64_t piece = 32 / sizeof(T);
    std::int64_t i = 0;
    for (; i + piece <= n; i += piece)
        *reinterpret_cast<Piece*>(out + i) += *reinterpret_cast<const Piece*>(in + i);
    for (; i < n; ++i)
        out[i] += in[i];
}

// Calls f(i, j, y_off, x_off, rows, cols) for each kernel offset (i, j): output row y reads input
// row y sH + y_off, output column xo input column xo sW + x_off, and rows and cols are the output
// rows and columns for which those lie inside the input (detail::inside), found once per offset so
// that the loops over them need no test per element.
template <class F> [[gnu::always_inline]] inline void for_each_offset(const Geometry& g, F&& f)
{
    for (std::int64_t i = 0; i < g.kh; ++i) {
        const std::int64_t y_off = i * g.dilation.h - g.padding.h;
        const detail::Span rows = detail::inside(g.oh, g.h, g.stride.h, y_off);
        for (std::int64_t j = 0; j < g.kw; ++j) {
            const std::int64_t x_off = j * g.dilation.w - g.padding.w;
            f(i, j, y_off, x_off, rows, detail::inside(g.ow, g.w, g.stride.w, x_off));
        }
    }
}

// col[(ci kH + i) kW + j, oh OW + ow] = x[ci, oh sH - pH + i dH, ow sW - pW + j dW], 0 outside x;
// x is one sample's channels of one group, [C/groups, H, W]. At stride 1 each row's run is a
// plain copy.
template <class T> void im2col(const Geometry& geometry, const T* x, T* col)
{
    // A local copy of the sizes: the copies below store through memcpy, which may alias anything,
    // so sizes read through a reference would be reloaded after every store.
    const Geometry g = geometry;
    const std::int64_t sp = g.spatial();
    detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
        for_each_offset(g, [&](std::int64_t i, std::int64_t j, std::int64_t y_off, std::int64_t x_off,
                               detail::Span rows, detail::Span cols) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t ci = 0; ci < g.cg(); ++ci) {
                T* row = col + ((ci * g.kh + i) * g.kw + j) * sp;
                std::fill(row, row + rows.first * g.ow, T(0));
                std::fill(row + rows.last * g.ow, row + sp, T(0));
                const T* in = x + (ci * g.h + rows.first * g.stride.h + y_off) * g.w; // input row of row `first`
                T* out = row + rows.first * g.ow;
                for (std::int64_t y = rows.first; y < rows.last; ++y, in += g.stride.h * g.w, out += g.ow) {
                    if (cols.first > 0) // padding on the left (a call of memset even when empty)
                        std::fill(out, out + cols.first, T(0));
                    if (g.stride.w == 1)
                        copy_run(in + cols.first + x_off, out + cols.first, cols.last - cols.first);
                    else
                        for (std::int64_t xo = cols.first; xo < cols.last; ++xo)
                            out[xo] = in[xo * g.stride.w + x_off];
                    if (cols.last < g.ow)
                        std::fill(out + cols.last, out + g.ow, T(0));
                }
            }
        });
    });
}

// The transpose of im2col: adds each column entry into the input element it was read from.
template <class T> void col2im(const Geometry& geometry, const T* col, T* x)
{
    const Geometry g = geometry;
    const std::int64_t sp = g.spatial();
    detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
        for_each_offset(g, [&](std::int64_t i, std::int64_t j, std::int64_t y_off, std::int64_t x_off,
                               detail::Span rows, detail::Span cols) BACKPROP_INLINE_LAMBDA {
            for (std::int64_t ci = 0; ci < g.cg(); ++ci) {
                const T* in = col + ((ci * g.kh + i) * g.kw + j) * sp + rows.first * g.ow;
                T* out = x + (ci * g.h + rows.first * g.stride.h + y_off) * g.w; // input row of row `first`
                for (std::int64_t y = rows.first; y < rows.last; ++y, in += g.ow, out += g.stride.h * g.w)
                    if (g.stride.w == 1)
                        add_run(in + cols.first, out + cols.first + x_off, cols.last - cols.first);
                    else
                        for (std::int64_t xo = cols.first; xo < cols.last; ++xo)
                            out[xo * g.stride.w + x_off] += in[xo];
            }
        });
    });
}

// The definition's loops over one sample, for tiny() convolutions: f(x index, w index, y index)
// for every term y[o, oy, ox] += x[c, iy, ix] w[o, ci, i, j] whose input element lies inside x.
// x is [C, H, W], y [O, OH, OW], w [O, C/groups, kH, kW]. A test per term, not for_each_offset's
// spans: at these sizes computing the spans (a division per offset) cost more than the tests
// (conv2d's tiny forward + backward 1135 ns against 950, bench_ops tiny/).
template <class F> void window_loops(const Geometry& g, F&& f)
{
    if (g.plain()) { // every term inside x: no tests, and the indices step by one (tiny conv2d
                     // 640-657 -> 593-599 ns forward + backward, bench_ops, A/B)
        const std::int64_t c = g.c, h = g.h, w = g.w, kh = g.kh, kw = g.kw, oh = g.oh, ow = g.ow;
        for (std::int64_t oc = 0, y = 0; oc < g.o; ++oc)
            for (std::int64_t oy = 0; oy < oh; ++oy)
                for (std::int64_t ox = 0; ox < ow; ++ox, ++y)
                    for (std::int64_t ci = 0, wi = oc * c * kh * kw; ci < c; ++ci)
                        for (std::int64_t i = 0; i < kh; ++i) {
                            const std::int64_t xrow = (ci * h + oy + i) * w + ox;
                            for (std::int64_t j = 0; j < kw; ++j, ++wi)
                                f(xrow + j, wi, y);
                        }
        return;
    }
    for (std::int64_t oc = 0; oc < g.o; ++oc) {
        const std::int64_t c0 = oc / g.og() * g.cg(); // the group's first input channel
        for (std::int64_t oy = 0; oy < g.oh; ++oy)
            for (std::int64_t ox = 0; ox < g.ow; ++ox) {
                const std::int64_t y = (oc * g.oh + oy) * g.ow + ox;
                for (std::int64_t ci = 0; ci < g.cg(); ++ci)
                    for (std::int64_t i = 0; i < g.kh; ++i) {
                        const std::int64_t iy = oy * g.stride.h - g.padding.h + i * g.dilation.h;
                        if (iy < 0 || iy >= g.h)
                            continue;
                        for (std::int64_t j = 0; j < g.kw; ++j) {
                            const std::int64_t ix = ox * g.stride.w - g.padding.w + j * g.dilation.w;
                            if (ix >= 0 && ix < g.w)
                                f(((c0 + ci) * g.h + iy) * g.w + ix, ((oc * g.cg() + ci) * g.kh + i) * g.kw + j, y);
                        }
                    }
            }
    }
}

// One sample's share of a tiny() convolution's gradients, by the definition's loops: dx[xi] +=
// w[wi] g[yi] into dxn and dw[wi] += x[xi] g[yi] into dw, each skipped when its pointer is null
// (the test is per sample, not per term). xn, gn, dxn: the sample's planes.
template <class T> void tiny_sample_grads(const Geometry& g, const T* xn, const T* pw, const T* gn, T* dxn, T* dw);

// tiny_sample_grads of a plain() geometry: window_loops' fast case written out, with pointers that
// do not alias (__restrict), where through the lambdas the compiler could not know that and tested
// the pointers for overlap before each run of kW terms. The terms add in window_loops' order.
template <class T, bool DX, bool DW>
void plain_tiny_grads(const Geometry& g, const T* __restrict xn, const T* __restrict pw, const T* __restrict gn,
                      T* __restrict dxn, T* __restrict dw)
{
    const std::int64_t c = g.c, h = g.h, w = g.w, kh = g.kh, kw = g.kw, oh = g.oh, ow = g.ow;
    for (std::int64_t oc = 0, y = 0; oc < g.o; ++oc)
        for (std::int64_t oy = 0; oy < oh; ++oy)
            for (std::int64_t ox = 0; ox < ow; ++ox, ++y) {
                const T gy = gn[y];
                for (std::int64_t ci = 0, wi = oc * c * kh * kw; ci < c; ++ci)
                    for (std::int64_t i = 0; i < kh; ++i) {
                        const std::int64_t xrow = (ci * h + oy + i) * w + ox;
                        for (std::int64_t j = 0; j < kw; ++j, ++wi) {
                            if constexpr (DX)
                                dxn[xrow + j] += pw[wi] * gy;
                            if constexpr (DW)
                                dw[wi] += xn[xrow + j] * gy;
                        }
                    }
            }
}

template <class T> void tiny_sample_grads(const Geometry& g, const T* xn, const T* pw, const T* gn, T* dxn, T* dw)
{
    if (g.plain()) {
        if (dxn && dw)
            plain_tiny_grads<T, true, true>(g, xn, pw, gn, dxn, dw);
        else if (dxn)
            plain_tiny_grads<T, true, false>(g, xn, pw, gn, dxn, dw);
        else if (dw)
            plain_tiny_grads<T, false, true>(g, xn, pw, gn, dxn, dw);
        return;
    }
    if (dxn && dw)
        window_loops(g, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) {
            dxn[xi] += pw[wi] * gn[yi];
            dw[wi] += xn[xi] * gn[yi];
        });
    else if (dxn)
        window_loops(g, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { dxn[xi] += pw[wi] * gn[yi]; });
    else if (dw)
        window_loops(g, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { dw[wi] += xn[xi] * gn[yi]; });
}

// Samples per block of a loop over the batch: enough multiply-adds per block (as many as
// kParallelGrain elements of an elementwise loop) that handing it to a thread pays. A batch of
// small images (one sample's products too small for gemm to split) is split by sample instead.
std::int64_t samples_per_block(const Geometry& g)
{
    const std::int64_t per_sample = std::max<std::int64_t>(1, g.o * g.spatial() * g.rows());
    return std::max<std::int64_t>(1, detail::kParallelGrain / per_sample);
}

// parallel_for over the samples, for a body that may throw (parallel_for's may not): the first
// exception is rethrown here. Products inside run on the thread of their block (a parallel_for
// inside another runs inline).
template <class F> void for_sample_blocks(std::int64_t count, std::int64_t grain, F&& body)
{
    if (count < 2 * grain) { // one block, on this thread, as parallel_for would run it, without
        if (count > 0)       // its std::function and the catching below
            body(0, count);
        return;
    }
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    detail::parallel_for(count, grain, [&](std::int64_t begin, std::int64_t end) {
        try {
            body(begin, end);
        } catch (...) {
            if (!failed.exchange(true))
                failure = std::current_exception();
        }
    });
    if (failure)
        std::rethrow_exception(failure);
}

// Every sample's and group's column matrix, [N, groups, rows, OH OW]: kept by the forward for the
// weight gradient, which needs the same matrices (building them is a third of a small CNN's time).
Shape columns_shape(const Geometry& g) { return {g.n, g.groups * g.rows() * g.spatial()}; }

// y[n, group rows] = act(W_group [O/groups, rows] col(x[n, group channels]) [rows, OH OW] + the bias).
// With `columns` defined (of columns_shape), the column matrices are built there and kept. The
// bias and the activation are one pass over each sample's output while it is in cache.
Tensor forward_kernel(const Geometry& g, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& columns,
                      Activation act)
{
    Tensor out = detail::empty(g.output_shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        const T* pw = w.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const T* pb = b.defined() ? b.impl()->data<T>() : nullptr;
        T* pcols = columns.defined() ? columns.impl()->data<T>() : nullptr;
        const std::int64_t sp = g.spatial(), k = g.rows(), og = g.og();
        for_sample_blocks(g.n, samples_per_block(g), [&](std::int64_t begin, std::int64_t end) {
            std::vector<T> scratch(g.direct() || g.tiny() || pcols ? 0 : static_cast<std::size_t>(k * sp));
            for (std::int64_t n = begin; n < end; ++n) {
                if (g.tiny()) {
                    const T* xn = px + n * g.c * g.h * g.w;
                    T* yn = po + n * g.o * sp;
                    std::fill(yn, yn + g.o * sp, T(0));
                    window_loops(g, [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { yn[yi] += xn[xi] * pw[wi]; });
                } else {
                    for (std::int64_t gi = 0; gi < g.groups; ++gi) {
                        const T* xg = px + (n * g.c + gi * g.cg()) * g.h * g.w;
                        T* col = pcols ? pcols + (n * g.groups + gi) * k * sp : scratch.data();
                        if (!g.direct())
                            im2col(g, xg, col);
                        detail::gemm<T>({.m = og, .n = sp, .k = k, .a = pw + gi * og * k, .lda = k,
                                         .b = g.direct() ? xg : col, .ldb = sp,
                                         .c = po + (n * g.o + gi * og) * sp, .ldc = sp});
                    }
                }
                for (std::int64_t oc = 0; pb && oc < g.o; ++oc) {
                    T* plane = po + (n * g.o + oc) * sp;
                    for (std::int64_t s = 0; s < sp; ++s)
                        plane[s] += pb[oc];
                }
                detail::apply_epilogue<T>(g.o, sp, po + n * g.o * sp, sp, nullptr, detail::epilogue_of(act));
            }
        });
    });
    return out;
}

// dx[n, group channels] = col2im(W_group^T g[n, group rows]).
Tensor input_grad_kernel(const Geometry& g, const Tensor& grad, const Tensor& w)
{
    Tensor dx = Tensor::zeros(g.input_shape(), grad.dtype());
    dispatch(grad.dtype(), [&]<class T>() {
        const T* pg = grad.impl()->data<T>();
        const T* pw = w.impl()->data<T>();
        T* pdx = dx.impl()->data<T>();
        const std::int64_t sp = g.spatial(), k = g.rows(), og = g.og();
        for_sample_blocks(g.n, samples_per_block(g), [&](std::int64_t begin, std::int64_t end) {
            std::vector<T> col(g.direct() || g.tiny() ? 0 : static_cast<std::size_t>(k * sp));
            for (std::int64_t n = begin; n < end; ++n) {
                if (g.tiny()) {
                    tiny_sample_grads<T>(g, nullptr, pw, pg + n * g.o * sp, pdx + n * g.c * g.h * g.w, nullptr);
                    continue;
                }
                for (std::int64_t gi = 0; gi < g.groups; ++gi) {
                    T* xg = pdx + (n * g.c + gi * g.cg()) * g.h * g.w;
                    // Direct: each (sample, group) block of dx is written by this product alone.
                    detail::gemm<T>({.ta = true, .m = k, .n = sp, .k = og, .a = pw + gi * og * k, .lda = k,
                                     .b = pg + (n * g.o + gi * og) * sp, .ldb = sp,
                                     .c = g.direct() ? xg : col.data(), .ldc = sp});
                    if (!g.direct())
                        col2im(g, col.data(), xg);
                }
            }
        });
    });
    return dx;
}

// out = the weight gradient of samples [begin, end): out_group = sum over those n of
// g[n, group rows] col(x[n, group channels])^T. out is overwritten. pcols: the forward's column
// matrices (columns_shape), or null to build them here.
template <class T>
void weight_grad_of_samples(const Geometry& g, const T* px, const T* pcols, const T* pg, std::int64_t begin,
                            std::int64_t end, T* out)
{
    const std::int64_t sp = g.spatial(), k = g.rows(), og = g.og();
    if (begin == end || g.tiny())
        std::fill(out, out + g.o * k, T(0));
    if (g.tiny()) {
        for (std::int64_t n = begin; n < end; ++n)
            tiny_sample_grads<T>(g, px + n * g.c * g.h * g.w, nullptr, pg + n * g.o * sp, nullptr, out);
        return;
    }
    std::vector<T> scratch(g.direct() || pcols ? 0 : static_cast<std::size_t>(k * sp));
    std::vector<T> part(static_cast<std::size_t>(og * k)); // gemm overwrites: one sample's term
    for (std::int64_t gi = 0; gi < g.groups; ++gi)
        for (std::int64_t n = begin; n < end; ++n) {
            const T* xg = px + (n * g.c + gi * g.cg()) * g.h * g.w;
            const T* col = xg;
            if (pcols && !g.direct())
                col = pcols + (n * g.groups + gi) * k * sp;
            else if (!g.direct()) {
                im2col(g, xg, scratch.data());
                col = scratch.data();
            }
            T* dwg = out + gi * og * k;
            detail::gemm<T>({.tb = true, .m = og, .n = k, .k = sp, .a = pg + (n * g.o + gi * og) * sp, .lda = sp,
                             .b = col, .ldb = sp,
                             .c = n == begin ? dwg : part.data(), .ldc = k});
            if (n > begin)
                for (std::int64_t i = 0; i < og * k; ++i)
                    dwg[i] += part[static_cast<std::size_t>(i)];
        }
}

// dW = sum over n of each sample's term. The batch is cut into at most one block per thread,
// each summed into its own buffer, then the blocks added in order: the same result on every run
// for a given thread count, as the library's products (README: Threads).
Tensor weight_grad_kernel(const Geometry& g, const Tensor& x, const Tensor& grad, const Tensor& columns)
{
    Tensor dw = detail::empty(g.weight_shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        const T* pcols = columns.defined() ? columns.impl()->data<T>() : nullptr;
        const T* pg = grad.impl()->data<T>();
        T* pdw = dw.impl()->data<T>();
        const std::int64_t size = dw.numel();
        const std::int64_t blocks =
            std::clamp<std::int64_t>(g.n / samples_per_block(g), 1, detail::max_threads());
        std::vector<T> partial(static_cast<std::size_t>((blocks - 1) * size)); // block 0 writes dw
        const auto block_begin = [&](std::int64_t b) { return g.n * b / blocks; };
        for_sample_blocks(blocks, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b)
                weight_grad_of_samples(g, px, pcols, pg, block_begin(b), block_begin(b + 1),
                                       b == 0 ? pdw : partial.data() + (b - 1) * size);
        });
        for (std::int64_t b = 1; b < blocks; ++b) {
            const T* p = partial.data() + (b - 1) * size;
            for (std::int64_t i = 0; i < size; ++i)
                pdw[i] += p[i];
        }
    });
    return dw;
}

// db[o] = g[n, o, :, :] summed over n and the plane, for tiny() convolutions: one pass, where the
// recorded sums (which create_graph needs, and whose vectorised kernels pay on larger planes) make
// two tensors and a reshape.
Tensor tiny_bias_grad(const Geometry& g, const Tensor& grad)
{
    Tensor db = detail::empty({g.o}, grad.dtype());
    dispatch(grad.dtype(), [&]<class T>() {
        const T* pg = grad.impl()->data<T>();
        T* pdb = db.impl()->data<T>();
        const std::int64_t sp = g.spatial();
        for (std::int64_t oc = 0; oc < g.o; ++oc) {
            double total = 0; // in double, as the recorded sums add
            for (std::int64_t n = 0; n < g.n; ++n) {
                const T* plane = pg + (n * g.o + oc) * sp;
                for (std::int64_t s = 0; s < sp; ++s)
                    total += static_cast<double>(plane[s]);
            }
            pdb[oc] = static_cast<T>(total);
        }
    });
    return db;
}

// dx and dw (each undefined unless wanted) of a tiny() convolution whose batch is one block of
// samples, outside create_graph: one pass of the definition's loops makes both, where
// input_grad_kernel and weight_grad_kernel would each dispatch, loop and (through input_grad and
// weight_grad) build a record that grad mode then drops. That cost, not the arithmetic, is a
// tiny convolution's backward. Every sum runs in the order of those kernels (weight_grad's over
// the samples in turn), so the numbers are theirs.
std::pair<Tensor, Tensor> tiny_input_and_weight_grads(const Geometry& g, const Tensor& x, const Tensor& w,
                                                      const Tensor& grad, bool want_dx, bool want_dw)
{
    Tensor dx = want_dx ? Tensor::zeros(g.input_shape(), grad.dtype()) : Tensor();
    Tensor dw = want_dw ? Tensor::zeros(g.weight_shape(), grad.dtype()) : Tensor();
    dispatch(grad.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        const T* pw = w.impl()->data<T>();
        const T* pg = grad.impl()->data<T>();
        T* pdw = want_dw ? dw.impl()->data<T>() : nullptr;
        for (std::int64_t n = 0; n < g.n; ++n)
            tiny_sample_grads<T>(g, px + n * g.c * g.h * g.w, pw, pg + n * g.o * g.spatial(),
                                 want_dx ? dx.impl()->data<T>() + n * g.c * g.h * g.w : nullptr, pdw);
    });
    return {std::move(dx), std::move(dw)};
}

Tensor apply_conv(const Geometry& g, const Tensor& x, const Tensor& w, const Tensor& b,
                  Activation act = Activation::None);
Tensor input_grad(const Geometry& g, const Tensor& grad, const Tensor& w);
Tensor weight_grad(const Geometry& g, const Tensor& x, const Tensor& grad, const Tensor& columns = Tensor());

constexpr TensorOp conv_op(Activation act)
{
    switch (act) {
    case Activation::Relu: return TensorOp::Conv2dRelu;
    case Activation::Sigmoid: return TensorOp::Conv2dSigmoid;
    case Activation::Tanh: return TensorOp::Conv2dTanh;
    case Activation::None: break;
    }
    return TensorOp::Conv2d;
}

// y = act(z), z = conv(x, w) + b;  with ga = g act'(z) (fused_activation.hpp; ga = g without one):
// dx = input_grad(ga, w),  dw = weight_grad(x, ga),  db = ga summed over N, OH, OW.
// When the weight will want a gradient, the forward's column matrices are saved for it: a cache
// of a function of x, not an input, so every derivative stays the same. With an activation the
// output is saved too (detached: saved with its graph it would own itself), and the bias, to
// recompute z under create_graph.
Tensor apply_conv(const Geometry& geo, const Tensor& x, const Tensor& w, const Tensor& b, Activation act)
{
    const Tensor none;
    const bool keep_columns = !geo.direct() && !geo.tiny() && is_grad_enabled() && w.requires_grad();
    const Tensor columns = keep_columns ? detail::empty(columns_shape(geo), x.dtype()) : Tensor();
    const Tensor y = forward_kernel(geo, x, w, b, columns, act);
    TensorList saved{x, w, columns};
    if (act != Activation::None) {
        saved.push_back(y.detach());
        saved.push_back(b);
    }
    return detail::record(conv_op(act), y, {&x, &w, b.defined() ? &b : &none}, std::move(saved),
                          [args = ConvArgs(geo), act](const Tensor& g, const TensorNode& node) {
        const Geometry geo = args.with(detail::saved(node, 0).shape(), detail::saved(node, 1).shape());
        const Tensor ga = act == Activation::None ? g : detail::activation_backward(
            op_name(conv_op(act)), act, g, detail::saved(node, 3),
            [&] { return apply_conv(geo, detail::saved(node, 0), detail::saved(node, 1), detail::saved(node, 4)); });
        Tensor dx, dw, db;
        const bool tiny_pass = geo.tiny() && !is_grad_enabled(); // nothing to record
        if (tiny_pass && geo.n <= samples_per_block(geo))
            std::tie(dx, dw) = tiny_input_and_weight_grads(geo, detail::saved(node, 0), detail::saved(node, 1), ga,
                                                           detail::needs(node, 0), detail::needs(node, 1));
        else {
            if (detail::needs(node, 0))
                dx = input_grad(geo, ga, detail::saved(node, 1));
            if (detail::needs(node, 1))
                dw = weight_grad(geo, detail::saved(node, 0), ga, detail::saved(node, 2));
        }
        if (detail::needs(node, 2))
            db = tiny_pass ? tiny_bias_grad(geo, ga) : sum(sum(ga, 0).reshape({geo.o, geo.spatial()}), 1);
        return TensorList{std::move(dx), std::move(dw), std::move(db)};
    });
}

// y = input_grad(g, w);  dg = conv(h, w),  dw = weight_grad(h, g)
Tensor input_grad(const Geometry& geo, const Tensor& grad, const Tensor& w)
{
    return detail::record(TensorOp::Conv2dBackwardInput, input_grad_kernel(geo, grad, w), {&grad, &w}, {grad, w},
                          [geo](const Tensor& h, const TensorNode& node) {
        Tensor dg, dw;
        if (detail::needs(node, 0))
            dg = apply_conv(geo, h, detail::saved(node, 1), Tensor());
        if (detail::needs(node, 1))
            dw = weight_grad(geo, h, detail::saved(node, 0));
        return TensorList{dg, dw};
    });
}

// y = weight_grad(x, g);  dx = input_grad(g, k),  dg = conv(x, k). columns: the column matrices of
// x if the forward kept them (or undefined).
Tensor weight_grad(const Geometry& geo, const Tensor& x, const Tensor& grad, const Tensor& columns)
{
    return detail::record(TensorOp::Conv2dBackwardWeight, weight_grad_kernel(geo, x, grad, columns), {&x, &grad},
                          {x, grad},
                          [geo](const Tensor& k, const TensorNode& node) {
        Tensor dx, dg;
        if (detail::needs(node, 0))
            dx = input_grad(geo, detail::saved(node, 1), k);
        if (detail::needs(node, 1))
            dg = apply_conv(geo, detail::saved(node, 0), k, Tensor());
        return TensorList{dx, dg};
    });
}

std::string describe(const Tensor& x, const Tensor& w)
{
    return fmt::format("input {}, weight {}", to_string(x.shape()), to_string(w.shape()));
}

// The sizes of conv2d(x, w, ...), or std::invalid_argument naming conv2d and the shapes.
Geometry geometry(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding, Size2 dilation,
                  std::int64_t groups)
{
    if (x.dim() != 4 || w.dim() != 4)
        throw std::invalid_argument(fmt::format("{}: {}: want input [N, C, H, W] (or [C, H, W]) and weight "
                                                "[O, C/groups, kH, kW]", kOp, describe(x, w)));
    Geometry g;
    g.n = x.shape()[0], g.c = x.shape()[1], g.h = x.shape()[2], g.w = x.shape()[3];
    g.o = w.shape()[0], g.kh = w.shape()[2], g.kw = w.shape()[3];
    g.stride = stride, g.padding = padding, g.dilation = dilation, g.groups = groups;
    if (groups <= 0)
        throw std::invalid_argument(fmt::format("{}: groups must be positive, got {} ({})", kOp, groups, describe(x, w)));
    if (stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0 || padding.h < 0 || padding.w < 0)
        throw std::invalid_argument(fmt::format("{}: stride ({}, {}) and dilation ({}, {}) must be positive and padding "
                                                "({}, {}) not negative ({})", kOp, stride.h, stride.w, dilation.h,
                                                dilation.w, padding.h, padding.w, describe(x, w)));
    if (g.o <= 0 || w.shape()[1] <= 0 || g.kh <= 0 || g.kw <= 0)
        throw std::invalid_argument(fmt::format("{}: weight {} has an empty dimension ({})", kOp,
                                                to_string(w.shape()), describe(x, w)));
    if (g.c % groups != 0 || g.o % groups != 0)
        throw std::invalid_argument(fmt::format("{}: groups={} must divide the input's {} channels and the weight's {} "
                                                "output channels ({})", kOp, groups, g.c, g.o, describe(x, w)));
    if (w.shape()[1] != g.c / groups)
        throw std::invalid_argument(fmt::format("{}: input has {} channels but weight expects {} (weight.shape[1] {} x "
                                                "groups {}) ({})", kOp, g.c, w.shape()[1] * groups, w.shape()[1], groups,
                                                describe(x, w)));
    if (b.defined() && (b.dim() != 1 || b.shape()[0] != g.o))
        throw std::invalid_argument(fmt::format("{}: bias {} must be [{}], one per output channel ({})", kOp,
                                                to_string(b.shape()), g.o, describe(x, w)));
    const std::int64_t ph = g.h + 2 * padding.h, pw = g.w + 2 * padding.w;
    const std::int64_t ekh = dilation.h * (g.kh - 1) + 1, ekw = dilation.w * (g.kw - 1) + 1;
    if (ph < ekh || pw < ekw)
        throw std::invalid_argument(fmt::format("{}: input padded to {}x{} is smaller than the kernel {}x{} (dilated: "
                                                "{}x{}) ({})", kOp, ph, pw, g.kh, g.kw, ekh, ekw, describe(x, w)));
    constexpr std::int64_t limit = std::numeric_limits<std::int32_t>::max();
    if (std::max({stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, groups}) > limit)
        throw std::invalid_argument(fmt::format("{}: stride ({}, {}), padding ({}, {}), dilation ({}, {}) and groups {} "
                                                "must be below 2^31 ({})", kOp, stride.h, stride.w, padding.h,
                                                padding.w, dilation.h, dilation.w, groups, describe(x, w)));
    g.set_output_size();
    return g;
}

} // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
              Size2 dilation, std::int64_t groups)
{
    return conv2d(input, weight, bias, stride, padding, dilation, groups, Activation::None);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, Size2 padding,
              Size2 dilation, std::int64_t groups, Activation act)
{
    detail::check_same_dtype(kOp, input, weight);
    if (bias.defined())
        detail::check_same_dtype(kOp, input, bias);
    if (input.dim() == 3 && weight.dim() == 4) { // unbatched, as PyTorch: a batch of one
        const Shape& s = input.shape();
        const Tensor y =
            conv2d(input.reshape({1, s[0], s[1], s[2]}), weight, bias, stride, padding, dilation, groups, act);
        return y.reshape({y.shape()[1], y.shape()[2], y.shape()[3]});
    }
    const Geometry g = geometry(input, weight, bias, stride, padding, dilation, groups);
    return apply_conv(g, input, weight, bias, act);
}

Tensor conv2d(const Tensor& input, const Tensor& weight) { return conv2d(input, weight, Tensor()); }

const char* to_string(ConvPadding padding) { return padding == ConvPadding::Same ? "same" : "valid"; }

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride, ConvPadding padding,
              Size2 dilation, std::int64_t groups, Activation act)
{
    if (padding == ConvPadding::Valid)
        return conv2d(input, weight, bias, stride, 0, dilation, groups, act);
    if (stride != Size2(1))
        throw std::invalid_argument(fmt::format("{}: padding='same' is not supported for strided convolutions (stride "
                                                "({}, {}), {})", kOp, stride.h, stride.w, describe(input, weight)));
    if (weight.dim() != 4)
        return conv2d(input, weight, bias, stride, 0, dilation, groups, act); // its error names the shapes
    // The total padding of each dimension, dilation (k - 1), as the smaller half on both sides;
    // an odd total leaves one row (column) to add at the bottom (right). Padding the larger half on
    // both sides instead makes one row too many at the top, which the slice drops: the geometry
    // stays symmetric, and the gradient flows back through the slice.
    const std::int64_t total_h = dilation.h * (weight.shape()[2] - 1), total_w = dilation.w * (weight.shape()[3] - 1);
    const Size2 pad((total_h + 1) / 2, (total_w + 1) / 2);
    Tensor y = conv2d(input, weight, bias, stride, pad, dilation, groups, act); // act before the slice: elementwise
    const std::int64_t h_axis = y.dim() - 2, w_axis = y.dim() - 1; // unbatched input gives [O, OH, OW]
    if (total_h % 2 != 0)
        y = y.slice(h_axis, 1, y.size(h_axis));
    if (total_w % 2 != 0)
        y = y.slice(w_axis, 1, y.size(w_axis));
    return y;
}

} // namespace autograd
