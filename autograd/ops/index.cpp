// Selecting and joining ops: each op's forward and, under it, its backward.
//
// Most kernels see a tensor along one axis as [outer, size, inner] (the dimensions before the
// axis, the axis, the dimensions after it) and copy runs of `inner` contiguous elements.
// The backward of a selecting op (slice, index_select, gather) puts the gradient back into a
// tensor of zeros; that placing is an op of its own, recorded, whose backward is the selecting
// op again, so second derivatives go through.
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {
namespace {

using Indices = std::shared_ptr<const std::vector<std::int64_t>>; // shared by forward and backward nodes

using detail::AxisView;
using detail::axis_view;

Shape with_size(Shape shape, std::int64_t axis, std::int64_t size)
{
    shape[static_cast<std::size_t>(axis)] = size;
    return shape;
}

// The values of an index tensor: int64, or (accepted as before int64 tensors existed) floating
// point holding integers.
std::vector<std::int64_t> integral_values(std::string_view op, const Tensor& index)
{
    detail::check_defined(op, index);
    if (index.dtype() == Dtype::Int64)
        return index.to_vector_as<std::int64_t>();
    if (index.dtype() == Dtype::Bool)
        throw std::invalid_argument(fmt::format("{}: the index is a bool tensor; indices are int64", op));
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(index.numel()));
    const std::vector<double> values = index.to_vector();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9.0e15)
            throw std::invalid_argument(fmt::format("{}: index element {} is {}, not an integer", op, i, v));
        out.push_back(static_cast<std::int64_t>(v));
    }
    return out;
}

void check_index(std::string_view op, std::int64_t index, std::int64_t axis, std::int64_t size)
{
    if (index < 0 || index >= size)
        throw std::out_of_range(fmt::format("{}: index {} is out of range for axis {} of size {}", op, index, axis, size));
}

// --- slice, and its backward: placing a slice into zeros ---------------------------------------

// out[0, n) = in[0, n), one run of a slice: `n` elements (the size of the axes after the sliced
// one). Along the last axis a run is one element, which std::copy_n would hand to memmove, a call
// and its size tests to move 4 bytes: a tenth of split's time on tiny tensors (bench_ops tiny/split).
template <class T> void copy_run(const T* in, T* out, std::int64_t n)
{
    if (n == 1)
        *out = *in;
    else
        std::copy_n(in, n, out);
}

Tensor slice_backward(const Tensor& g, const Shape& shape, std::int64_t axis, std::int64_t start, std::int64_t step);

// y = x[start : start + len*step : step] along axis;  dx = g placed into zeros at those positions
Tensor slice_impl(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t len, std::int64_t step)
{
    const AxisView v = axis_view(x.shape(), axis);
    Tensor out = detail::empty(with_size(x.shape(), axis, len), x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < v.outer; ++o)
            for (std::int64_t k = 0; k < len; ++k)
                copy_run(px + (o * v.size + start + k * step) * v.inner, po + (o * len + k) * v.inner, v.inner);
    });
    // x's shape is g's with the axis at its old size: the closure keeps that size alone, so that it
    // fits in the node (a Shape would make it allocate).
    const std::int64_t size = v.size;
    return detail::record(TensorOp::Slice, out, {&x}, {}, [size, axis, start, step](const Tensor& g, const TensorNode&) {
        return TensorList{slice_backward(g, with_size(g.shape(), axis, size), axis, start, step)};
    });
}

// y = zeros(shape) with y[start::step] = g along axis;  dg = slice of the gradient
Tensor slice_backward(const Tensor& g, const Shape& shape, std::int64_t axis, std::int64_t start, std::int64_t step)
{
    const AxisView v = axis_view(shape, axis);
    const std::int64_t len = g.shape()[static_cast<std::size_t>(axis)];
    Tensor out = Tensor::zeros(shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < v.outer; ++o)
            for (std::int64_t k = 0; k < len; ++k)
                copy_run(pg + (o * len + k) * v.inner, po + (o * v.size + start + k * step) * v.inner, v.inner);
    });
    return detail::record(TensorOp::SliceBackward, out, {&g}, {},
                          [axis, start, len, step](const Tensor& gg, const TensorNode&) {
                              return TensorList{slice_impl(gg, axis, start, len, step)};
                          });
}

// --- index_select, and its backward: adding rows into zeros ------------------------------------

Tensor index_select_backward(const Tensor& g, const Shape& shape, std::int64_t axis, const Indices& indices);

// y[.., k, ..] = x[.., i_k, ..];  dx[.., i, ..] = sum of g[.., k, ..] over k with i_k = i
Tensor index_select_impl(const Tensor& x, std::int64_t axis, const Indices& indices)
{
    const AxisView v = axis_view(x.shape(), axis);
    const auto m = static_cast<std::int64_t>(indices->size());
    Tensor out = detail::empty(with_size(x.shape(), axis, m), x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < v.outer; ++o)
            for (std::int64_t k = 0; k < m; ++k)
                std::copy_n(px + (o * v.size + (*indices)[static_cast<std::size_t>(k)]) * v.inner, v.inner,
                            po + (o * m + k) * v.inner);
    });
    const Shape shape = x.shape();
    return detail::record(TensorOp::IndexSelect, out, {&x}, {}, [shape, axis, indices](const Tensor& g, const TensorNode&) {
        return TensorList{index_select_backward(g, shape, axis, indices)};
    });
}

// y = zeros(shape) with y[.., i_k, ..] += g[.., k, ..];  dg = index_select of the gradient
Tensor index_select_backward(const Tensor& g, const Shape& shape, std::int64_t axis, const Indices& indices)
{
    const AxisView v = axis_view(shape, axis);
    const auto m = static_cast<std::int64_t>(indices->size());
    Tensor out = Tensor::zeros(shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < v.outer; ++o)
            for (std::int64_t k = 0; k < m; ++k) {
                const T* src = pg + (o * m + k) * v.inner;
                T* dst = po + (o * v.size + (*indices)[static_cast<std::size_t>(k)]) * v.inner;
                for (std::int64_t i = 0; i < v.inner; ++i)
                    dst[i] += src[i];
            }
    });
    return detail::record(TensorOp::IndexSelectBackward, out, {&g}, {},
                          [axis, indices](const Tensor& gg, const TensorNode&) {
                              return TensorList{index_select_impl(gg, axis, indices)};
                          });
}

// --- gather, and its backward: scatter-adding into zeros ---------------------------------------

// Calls f(position in the index, offset of the picked element of x) for every index element.
// x has `x_strides`; the index, of `index_shape`, may be smaller than x in every dimension.
template <class F>
void for_each_gathered(const Shape& index_shape, const Shape& x_strides, std::int64_t axis, const Indices& index, F f)
{
    const std::int64_t n = shape_numel(index_shape);
    const std::size_t d = index_shape.size();
    const auto a = static_cast<std::size_t>(axis);
    Shape pos(d, 0);
    std::int64_t base = 0; // offset in x of pos, without the axis term
    for (std::int64_t k = 0; k < n; ++k) {
        f(k, base + (*index)[static_cast<std::size_t>(k)] * x_strides[a]);
        for (std::size_t dim = d; dim-- > 0;) {
            const std::int64_t step = dim == a ? 0 : x_strides[dim];
            base += step;
            if (++pos[dim] < index_shape[dim])
                break;
            base -= step * index_shape[dim];
            pos[dim] = 0;
        }
    }
}

Tensor gather_backward(const Tensor& g, const Shape& shape, std::int64_t axis, const Indices& index);

// y[p] = x[p with axis coordinate index[p]];  dx = g scatter-added at those positions
Tensor gather_impl(const Tensor& x, std::int64_t axis, const Indices& index, const Shape& index_shape)
{
    Tensor out = detail::empty(index_shape, x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for_each_gathered(index_shape, x.strides(), axis, index, [&](std::int64_t k, std::int64_t at) { po[k] = px[at]; });
    });
    const Shape shape = x.shape();
    return detail::record(TensorOp::Gather, out, {&x}, {}, [shape, axis, index](const Tensor& g, const TensorNode&) {
        return TensorList{gather_backward(g, shape, axis, index)};
    });
}

// y = zeros(shape) with y[p with axis coordinate index[p]] += g[p];  dg = gather of the gradient
Tensor gather_backward(const Tensor& g, const Shape& shape, std::int64_t axis, const Indices& index)
{
    Tensor out = Tensor::zeros(shape, g.dtype());
    dispatch(g.dtype(), [&]<class T>() {
        const T* pg = g.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for_each_gathered(g.shape(), out.strides(), axis, index, [&](std::int64_t k, std::int64_t at) { po[at] += pg[k]; });
    });
    const Shape index_shape = g.shape();
    return detail::record(TensorOp::GatherBackward, out, {&g}, {},
                          [axis, index, index_shape](const Tensor& gg, const TensorNode&) {
                              return TensorList{gather_impl(gg, axis, index, index_shape)};
                          });
}

} // namespace

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step)
{
    constexpr std::string_view op = op_name(TensorOp::Slice);
    detail::check_defined(op, x);
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    if (step <= 0)
        throw std::invalid_argument(fmt::format("{}: step must be positive (got {})", op, step));
    const std::int64_t n = x.shape()[static_cast<std::size_t>(a)];
    const auto clamp = [n](std::int64_t i) { return std::clamp(i < 0 ? i + n : i, std::int64_t{0}, n); };
    start = clamp(start);
    end = clamp(end);
    const std::int64_t len = end > start ? (end - start - 1) / step + 1 : 0; // no overflow for any step
    return slice_impl(x, a, start, len, step);
}

Tensor index_select(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& indices)
{
    constexpr std::string_view op = op_name(TensorOp::IndexSelect);
    detail::check_defined(op, x);
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    for (std::int64_t i : indices)
        check_index(op, i, a, x.shape()[static_cast<std::size_t>(a)]);
    return index_select_impl(x, a, std::make_shared<const std::vector<std::int64_t>>(indices));
}

Tensor detail::index_select_by_tensor(const Tensor& x, std::int64_t axis, const Tensor& indices)
{
    constexpr std::string_view op = op_name(TensorOp::IndexSelect);
    detail::check_defined(op, indices);
    if (indices.dim() > 1)
        throw std::invalid_argument(fmt::format("{}: the indices have shape {}; they must be 0-d or 1-d", op,
                                                to_string(indices.shape())));
    return index_select(x, axis, integral_values(op, indices));
}

Tensor gather(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& index, const Shape& index_shape)
{
    constexpr std::string_view op = op_name(TensorOp::Gather);
    detail::check_defined(op, x);
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    const Shape& s = x.shape();
    if (shape_numel(index_shape) != static_cast<std::int64_t>(index.size()))
        throw std::invalid_argument(fmt::format("{}: {} index values do not fill the index shape {} ({} elements)", op,
                                                index.size(), to_string(index_shape), shape_numel(index_shape)));
    if (index_shape.size() != s.size())
        throw std::invalid_argument(fmt::format("{}: the index has shape {} but the tensor has shape {}; they need "
                                                "the same number of dimensions", op,
                                                to_string(index_shape), to_string(s)));
    for (std::size_t d = 0; d < s.size(); ++d)
        if (static_cast<std::int64_t>(d) != a && index_shape[d] > s[d])
            throw std::invalid_argument(fmt::format("{}: index shape {} is larger than shape {} in dimension {} "
                                                    "(only axis {} may be larger)", op,
                                                    to_string(index_shape), to_string(s), d, a));
    for (std::int64_t i : index)
        check_index(op, i, a, s[static_cast<std::size_t>(a)]);
    return gather_impl(x, a, std::make_shared<const std::vector<std::int64_t>>(index), index_shape);
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index)
{
    constexpr std::string_view op = op_name(TensorOp::Gather);
    detail::check_defined(op, index);
    return gather(x, axis, integral_values(op, index), index.shape());
}

// y = [x_0, x_1, ...] along axis;  dx_i = the slice of g where x_i went
Tensor concat(const std::vector<Tensor>& tensors, std::int64_t axis)
{
    constexpr std::string_view op = op_name(TensorOp::Concat);
    if (tensors.empty())
        throw std::invalid_argument(fmt::format("{}: no tensors to join", op));
    Dtype dtype = tensors[0].dtype();
    for (const Tensor& t : tensors) {
        detail::check_defined(op, t);
        dtype = promote_types(dtype, t.dtype(), op);
    }
    // Mixed dtypes join in their promotion, as torch.cat's (int64 with float32 gives float32);
    // float32 with float64 is refused by promote_types, as everywhere in this library.
    for (const Tensor& t : tensors)
        if (t.dtype() != dtype) {
            std::vector<Tensor> promoted;
            for (const Tensor& u : tensors)
                promoted.push_back(u.dtype() == dtype ? u : u.to(dtype));
            return concat(promoted, axis);
        }
    const Tensor& first = tensors[0];
    const Shape& s0 = first.shape();
    const std::int64_t a = normalize_axis(op, axis, s0);
    const auto au = static_cast<std::size_t>(a);
    std::int64_t total = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const Shape& s = tensors[i].shape();
        bool match = s.size() == s0.size();
        for (std::size_t d = 0; match && d < s.size(); ++d)
            match = d == au || s[d] == s0[d];
        if (!match) {
            std::vector<std::string> pattern;
            for (std::size_t d = 0; d < s0.size(); ++d)
                pattern.push_back(d == au ? "*" : std::to_string(s0[d]));
            throw std::invalid_argument(fmt::format("{}: tensor {} has shape {}, expected [{}] matching {} except axis {}",
                                                    op, i, to_string(s), fmt::join(pattern, ", "), to_string(s0), a));
        }
        total += s[au];
    }
    const AxisView v = axis_view(with_size(s0, a, total), a);
    Tensor out = detail::empty(with_size(s0, a, total), first.dtype());
    Shape offsets; // where each input starts along the axis
    dispatch_any(first.dtype(), [&]<class T>() {
        T* po = out.impl()->data<T>();
        std::int64_t offset = 0;
        for (const Tensor& t : tensors) {
            const std::int64_t m = t.shape()[au];
            const T* pt = t.impl()->data<T>();
            for (std::int64_t o = 0; o < v.outer; ++o)
                std::copy_n(pt + o * m * v.inner, m * v.inner, po + (o * total + offset) * v.inner);
            offsets.push_back(offset);
            offset += m;
        }
        offsets.push_back(offset);
    });
    std::vector<const Tensor*> inputs;
    for (const Tensor& t : tensors)
        inputs.push_back(&t);
    return detail::record(TensorOp::Concat, out, inputs, {}, [a, offsets](const Tensor& g, const TensorNode& n) {
        std::vector<Tensor> grads(n.inputs.size());
        for (std::size_t i = 0; i < grads.size(); ++i)
            if (n.inputs[i].needed())
                grads[i] = slice_impl(g, a, offsets[i], offsets[i + 1] - offsets[i], 1);
        return grads;
    });
}

// y = concat of the tensors, each given a size-1 axis;  dx_i = the slices of g (concat's backward)
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t axis)
{
    if (tensors.empty())
        throw std::invalid_argument("stack: no tensors to join");
    for (const Tensor& t : tensors) { // mixed dtypes promote in concat, as torch.stack's
        detail::check_defined("stack", t);
        (void)promote_types(tensors[0].dtype(), t.dtype(), "stack");
    }
    const Shape& s0 = tensors[0].shape();
    for (std::size_t i = 1; i < tensors.size(); ++i)
        if (tensors[i].shape() != s0)
            throw std::invalid_argument(fmt::format("stack: tensor {} has shape {}, expected {} like tensor 0", i,
                                                    to_string(tensors[i].shape()), to_string(s0)));
    const auto dim = static_cast<std::int64_t>(s0.size()) + 1;
    if (axis < -dim || axis >= dim)
        throw std::invalid_argument(fmt::format("stack: axis {} is out of range for stacking shape {} (valid: {} to {})",
                                                axis, to_string(s0), -dim, dim - 1));
    std::vector<Tensor> parts;
    parts.reserve(tensors.size());
    for (const Tensor& t : tensors)
        parts.push_back(unsqueeze(t, axis));
    return concat(parts, axis);
}


Tensor Tensor::slice(std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step) const
{
    return autograd::slice(*this, axis, start, end, step);
}
Tensor Tensor::index_select(std::int64_t axis, const std::vector<std::int64_t>& indices) const
{
    return autograd::index_select(*this, axis, indices);
}
Tensor Tensor::gather(std::int64_t axis, const Tensor& index) const { return autograd::gather(*this, axis, index); }

namespace {

// `axis` of x's in [0, dim), or an error naming the op, the axis and the shape.
std::int64_t split_axis(std::string_view op, const Tensor& x, std::int64_t axis)
{
    detail::check_defined(op, x);
    const std::int64_t dim = x.dim();
    if (dim == 0 || axis < -dim || axis >= dim)
        throw std::invalid_argument(fmt::format("{}: axis {} is out of range for shape {}{}", op, axis,
                                                to_string(x.shape()),
                                                dim == 0 ? std::string(" (a 0-d tensor has no axis to split)")
                                                         : fmt::format(" (valid: {} to {})", -dim, dim - 1)));
    return axis < 0 ? axis + dim : axis;
}

// The parts of x along a normalised axis, of the sizes size_of(k) for k in [0, count) (checked
// by the caller to add up to the axis), without that axis if `drop_axis` (unbind's parts, each of
// size 1). One node with an output per part, as PyTorch's SplitBackward and UnbindBackward:
//   y_k = x[.., s_k : s_k + n_k, ..];  dx = concat of the dy_k along the axis (stack for unbind),
//   zeros for a part that received no gradient.
// Under create_graph that is concat (or stack) itself, recorded, so that second derivatives go
// through; otherwise one pass writes the gradients side by side.
Tensor split_backward(std::span<const Tensor> g, const TensorNode& n, std::int64_t axis, bool drop_axis)
{
    if (is_grad_enabled()) {
        std::vector<Tensor> grads(g.begin(), g.end());
        for (std::size_t k = 0; k < grads.size(); ++k)
            if (!grads[k].defined())
                grads[k] = Tensor::zeros(n.outputs[k].shape, n.dtype);
        return drop_axis ? stack(grads, axis) : concat(grads, axis);
    }
    const Shape& shape = detail::input_shape(n, 0);
    const AxisView v = axis_view(shape, axis);
    Tensor out = detail::empty(shape, n.dtype);
    dispatch(n.dtype, [&]<class T>() {
        T* po = out.impl()->data<T>();
        std::int64_t start = 0;
        for (std::size_t k = 0; k < g.size(); ++k) {
            const std::int64_t len = drop_axis ? 1 : n.outputs[k].shape[static_cast<std::size_t>(axis)];
            const T* pg = g[k].defined() ? g[k].impl()->data<T>() : nullptr;
            for (std::int64_t o = 0; o < v.outer; ++o) {
                T* to = po + (o * v.size + start) * v.inner;
                if (pg != nullptr)
                    copy_run(pg + o * len * v.inner, to, len * v.inner);
                else
                    std::fill_n(to, len * v.inner, T(0));
            }
            start += len;
        }
    });
    return out;
}

template <class SizeOf>
std::vector<Tensor> split_parts(const Tensor& x, std::int64_t axis, std::size_t count, SizeOf size_of, bool drop_axis)
{
    const AxisView v = axis_view(x.shape(), axis);
    std::vector<Tensor> parts;
    parts.reserve(count);
    dispatch_any(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        std::int64_t start = 0;
        for (std::size_t k = 0; k < count; ++k) {
            const std::int64_t len = size_of(k);
            Shape shape = x.shape();
            if (drop_axis)
                shape.erase(shape.begin() + axis);
            else
                shape[static_cast<std::size_t>(axis)] = len;
            Tensor part = detail::empty(std::move(shape), x.dtype());
            T* po = part.impl()->data<T>();
            for (std::int64_t o = 0; o < v.outer; ++o)
                copy_run(px + (o * v.size + start) * v.inner, po + o * len * v.inner, len * v.inner);
            parts.push_back(std::move(part));
            start += len;
        }
    });
    const TensorOp op = drop_axis ? TensorOp::Unbind : TensorOp::Split;
    const Tensor* const input = &x;
    detail::record_outputs(op, parts, {&input, 1}, {}, [axis, drop_axis](std::span<const Tensor> g, const TensorNode& n) {
        return TensorList{split_backward(g, n, axis, drop_axis)};
    });
    return parts;
}

} // namespace

std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis)
{
    const std::int64_t a = split_axis("split", x, axis);
    const std::int64_t total = x.size(a);
    // PyTorch accepts a size of 0 only for an empty axis (one empty part); so does this.
    if (size < 0 || (size == 0 && total != 0))
        throw std::invalid_argument(fmt::format("split: part size {} along axis {} of shape {} (must be > 0)", size,
                                                axis, to_string(x.shape())));
    if (total == 0)
        return split_parts(x, a, 1, [](std::size_t) { return std::int64_t{0}; }, false);
    const auto count = static_cast<std::size_t>((total + size - 1) / size);
    return split_parts(
        x, a, count, [&](std::size_t k) { return std::min(size, total - static_cast<std::int64_t>(k) * size); }, false);
}

std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<std::int64_t>& sizes, std::int64_t axis)
{
    const std::int64_t a = split_axis("split_with_sizes", x, axis);
    std::int64_t sum = 0;
    for (std::int64_t n : sizes) {
        if (n < 0)
            throw std::invalid_argument(fmt::format("split_with_sizes: negative size {} in [{}]", n, fmt::join(sizes, ", ")));
        sum += n;
    }
    if (sum != x.size(a))
        throw std::invalid_argument(fmt::format("split_with_sizes: sizes [{}] add up to {}, not to the size {} of axis {} "
                                                "of shape {}",
                                                fmt::join(sizes, ", "), sum, x.size(a), axis, to_string(x.shape())));
    return split_parts(x, a, sizes.size(), [&](std::size_t k) { return sizes[k]; }, false);
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t axis)
{
    const std::int64_t a = split_axis("chunk", x, axis);
    if (chunks <= 0)
        throw std::invalid_argument(fmt::format("chunk: {} chunks of shape {} (must be > 0)", chunks, to_string(x.shape())));
    const std::int64_t total = x.size(a);
    if (total == 0) // an empty axis: `chunks` empty parts (PyTorch's), where split would give one
        return split_parts(x, a, static_cast<std::size_t>(chunks), [](std::size_t) { return std::int64_t{0}; }, false);
    return split(x, (total + chunks - 1) / chunks, a);
}

std::vector<Tensor> unbind(const Tensor& x, std::int64_t axis)
{
    const std::int64_t a = split_axis("unbind", x, axis);
    return split_parts(x, a, static_cast<std::size_t>(x.size(a)), [](std::size_t) { return std::int64_t{1}; }, true);
}

} // namespace autograd
