// max_unpool2d and its backward, each other's transposes (as max_pool2d and its backward are):
//   max_unpool2d:           y[p, at[p, o]] = x[p, o]    dx = g gathered at `at` (max_unpool2d_backward)
//   max_unpool2d_backward:  dx[p, o] = g[p, at[p, o]]   dg = h added back at `at` (max_unpool2d)
// p is a plane (one sample's channel), o a position in the input plane, `at` the indices, flat in
// the output plane. The indices are copied once, checked, and shared by every derivative.
#include "autograd/ops/unpool.hpp"
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace autograd {
namespace {

constexpr std::string_view kOp = op_name(TensorOp::MaxUnpool2d);

// The input seen as `planes` planes of in_plane elements, each scattered into a plane of
// out_plane elements of the output.
struct Planes {
    Shape input_shape, output_shape;
    std::int64_t planes = 0, in_plane = 0, out_plane = 0;
};

using Indices = std::shared_ptr<const std::int64_t[]>;

// Runs body(first plane, last plane) over blocks of planes on the thread pool: each plane is
// scattered or gathered alone.
template <class F> void for_planes(const Planes& s, F&& body)
{
    const std::int64_t per_plane = std::max<std::int64_t>(1, std::max(s.in_plane, s.out_plane));
    detail::parallel_for(s.planes, std::max<std::int64_t>(1, detail::kParallelGrain / per_plane), body);
}

Tensor gather(const Planes& s, const Tensor& g, const Indices& at);

// y[p, at[p, o]] = x[p, o] (with accumulate, +=);  dx = gather(g)
// The forward writes into zeros and keeps the last of equal indices, as PyTorch's; the transpose
// of the gather (accumulate) adds, so that it is the exact adjoint whatever the indices.
Tensor scatter(const Planes& s, const Tensor& x, const Indices& at, bool accumulate)
{
    Tensor out = Tensor::zeros(s.output_shape, x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const std::int64_t* pat = at.get();
        for_planes(s, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t p = first; p < last; ++p)
                for (std::int64_t o = 0; o < s.in_plane; ++o) {
                    T& dst = po[p * s.out_plane + pat[p * s.in_plane + o]];
                    if constexpr (std::is_same_v<T, bool>)
                        dst = accumulate ? (dst || px[p * s.in_plane + o]) : px[p * s.in_plane + o];
                    else
                        dst = accumulate ? dst + px[p * s.in_plane + o] : px[p * s.in_plane + o];
                }
        });
    });
    return detail::record(TensorOp::MaxUnpool2d, std::move(out), {&x}, {},
                          [s, at](const Tensor& g, const TensorNode&) { return TensorList{gather(s, g, at)}; });
}

// dx[p, o] = g[p, at[p, o]];  dg = scatter(h, accumulate)
Tensor gather(const Planes& s, const Tensor& g, const Indices& at)
{
    Tensor dx = detail::empty(s.input_shape, g.dtype());
    dispatch_any(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* pdx = dx.impl()->data<T>();
        const std::int64_t* pat = at.get();
        for_planes(s, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t p = first; p < last; ++p)
                for (std::int64_t o = 0; o < s.in_plane; ++o)
                    pdx[p * s.in_plane + o] = pg[p * s.out_plane + pat[p * s.in_plane + o]];
        });
    });
    return detail::record(TensorOp::MaxUnpool2dBackward, std::move(dx), {&g}, {},
                          [s, at](const Tensor& h, const TensorNode&) { return TensorList{scatter(s, h, at, true)}; });
}

std::string size_text(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }

// One output size: PyTorch's default, or the one asked for if strictly within a stride of it.
template <class At>
std::int64_t output_extent(const char* dim, std::int64_t in, std::int64_t kernel, std::int64_t stride,
                           std::int64_t pad, std::optional<std::int64_t> asked, const At& at)
{
    const std::int64_t fallback = (in - 1) * stride - 2 * pad + kernel;
    if (!asked)
        return fallback;
    if (!(fallback - stride < *asked && *asked < fallback + stride))
        throw std::invalid_argument(fmt::format("{}: output_size {} {} must be between {} and {}, exclusive ({})", kOp,
                                                dim, *asked, fallback - stride, fallback + stride, at()));
    return *asked;
}

} // namespace

Tensor max_unpool2d(const Tensor& input, const Tensor& indices, Size2 kernel, std::optional<Size2> stride_opt,
                    Size2 padding, std::optional<Size2> output_size)
{
    detail::check_defined(kOp, input);
    detail::check_defined(kOp, indices);
    const Size2 stride = stride_opt.value_or(kernel);
    // The arguments as messages give them, built only for a message (formatting them every call
    // was a tenth of a tiny op's time).
    const auto at = [&] {
        return fmt::format("input {}, kernel {}, stride {}, padding {}{}", to_string(input.shape()), size_text(kernel),
                           size_text(stride), size_text(padding),
                           output_size ? ", output_size " + size_text(*output_size) : "");
    };
    if (input.dim() != 3 && input.dim() != 4)
        throw std::invalid_argument(fmt::format("{}: want input [N, C, H, W] or [C, H, W] ({})", kOp, at()));
    if (indices.dtype() != Dtype::Int64)
        throw std::invalid_argument(
            fmt::format("{}: indices must be int64, not {} (max_pool2d_with_indices gives them)", kOp, to_string(indices.dtype())));
    if (indices.shape() != input.shape())
        throw std::invalid_argument(fmt::format("{}: indices {} and input {} differ in shape", kOp,
                                                to_string(indices.shape()), to_string(input.shape())));
    if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0)
        throw std::invalid_argument(fmt::format("{}: kernel and stride must be positive ({})", kOp, at()));
    if (padding.h < 0 || padding.w < 0)
        throw std::invalid_argument(fmt::format("{}: padding must not be negative ({})", kOp, at()));

    Planes s;
    s.input_shape = input.shape();
    const std::int64_t h = input.shape()[input.dim() - 2], w = input.shape()[input.dim() - 1];
    const std::int64_t oh = output_extent("height", h, kernel.h, stride.h, padding.h,
                                          output_size ? std::optional(output_size->h) : std::nullopt, at);
    const std::int64_t ow = output_extent("width", w, kernel.w, stride.w, padding.w,
                                          output_size ? std::optional(output_size->w) : std::nullopt, at);
    if (oh <= 0 || ow <= 0)
        throw std::invalid_argument(fmt::format("{}: the output plane {}x{} is empty ({})", kOp, oh, ow, at()));
    s.output_shape = input.shape();
    s.output_shape[s.output_shape.size() - 2] = oh;
    s.output_shape[s.output_shape.size() - 1] = ow;
    s.in_plane = h * w;
    s.out_plane = oh * ow;
    s.planes = s.in_plane == 0 ? 0 : input.numel() / s.in_plane;

    // A copy, checked once: what the backward reads stays what the forward scattered by, whatever
    // the caller does with its tensor, and every index is known to be inside its plane.
    const std::int64_t n = indices.numel();
    auto copy = std::make_shared_for_overwrite<std::int64_t[]>(static_cast<std::size_t>(std::max<std::int64_t>(n, 1)));
    const std::int64_t* src = indices.impl()->data<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) {
        if (src[i] < 0 || src[i] >= s.out_plane)
            throw std::invalid_argument(fmt::format("{}: index {} (element {} of indices {}) is outside the output "
                                                    "plane {}x{} (indices 0 to {})",
                                                    kOp, src[i], i, to_string(indices.shape()), oh, ow, s.out_plane - 1));
        copy[static_cast<std::size_t>(i)] = src[i];
    }
    return scatter(s, input, std::move(copy), false);
}

} // namespace autograd
