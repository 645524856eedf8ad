// Shape ops: reshape (a view of the same data), transpose and permute (copies in this
// version), dtype conversion, (un)squeezing, expansion and broadcasting. Each op's forward and,
// under it, its backward; the backward of a rearrangement is the inverse rearrangement.
#include "autograd/cpu/object_cache.hpp"
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace autograd {
using detail::input_shape;

namespace {

// Copies src (of `shape`, read with `src_strides`) into contiguous dst, innermost axis in a
// tight loop.
template <class T> void strided_copy(const T* src, T* dst, const Shape& shape, const Shape& src_strides)
{
    const std::int64_t n = shape_numel(shape);
    if (n == 0)
        return;
    if (shape.empty()) {
        dst[0] = src[0];
        return;
    }
    const std::size_t d = shape.size();
    const std::int64_t inner = shape[d - 1], stride = src_strides[d - 1];
    Shape index(d, 0);
    std::int64_t offset = 0;
    for (std::int64_t o = 0; o < n; o += inner) {
        for (std::int64_t k = 0; k < inner; ++k)
            dst[o + k] = src[offset + k * stride];
        for (std::size_t dim = d - 1; dim-- > 0;) {
            offset += src_strides[dim];
            if (++index[dim] < shape[dim])
                break;
            offset -= src_strides[dim] * shape[dim];
            index[dim] = 0;
        }
    }
}

} // namespace


// y = x with another shape (same data);  dx = g reshaped back
Tensor Tensor::reshape(Shape new_shape) const
{
    constexpr std::string_view op = op_name(TensorOp::Reshape);
    const TensorImpl& x = checked();
    std::int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < new_shape.size(); ++i) {
        if (new_shape[i] == -1) {
            if (infer >= 0)
                throw std::invalid_argument(fmt::format("{}: more than one -1 in {}", op, autograd::to_string(new_shape)));
            infer = static_cast<int>(i);
        } else if (new_shape[i] < 0) {
            throw std::invalid_argument(fmt::format("{}: negative size in {}", op, autograd::to_string(new_shape)));
        } else if (__builtin_mul_overflow(known, new_shape[i], &known)) {
            throw std::invalid_argument(fmt::format("{}: shape {} has too many elements", op,
                                                    autograd::to_string(new_shape)));
        }
    }
    if (infer >= 0) {
        if (known == 0 || x.numel() % known != 0)
            throw std::invalid_argument(fmt::format("{}: shape {} cannot hold the {} elements of shape {}", op,
                                                    autograd::to_string(new_shape), x.numel(), autograd::to_string(x.shape)));
        new_shape[static_cast<std::size_t>(infer)] = x.numel() / known;
    }
    if (shape_numel(new_shape) != x.numel())
        throw std::invalid_argument(fmt::format("{}: shape {} has {} elements, shape {} has {}", op,
                                                autograd::to_string(x.shape), x.numel(), autograd::to_string(new_shape),
                                                shape_numel(new_shape)));
    auto impl = std::allocate_shared<TensorImpl>(detail::CachingAllocator<TensorImpl>{});
    impl->storage = x.storage;
    impl->shape = std::move(new_shape);
    impl->dtype = x.dtype;
    return detail::record(TensorOp::Reshape, Tensor(std::move(impl)), {this}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g.reshape(detail::input_shape(n, 0))};
    });
}

Tensor Tensor::flatten() const { return reshape({numel()}); }

// y = x with axes a and b swapped;  dx = g with them swapped back
Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const
{
    constexpr std::string_view op = op_name(TensorOp::Transpose);
    const Shape& s = shape();
    const std::int64_t ia = normalize_axis(op, a, s), ib = normalize_axis(op, b, s);
    Shape out_shape = s;
    std::swap(out_shape[ia], out_shape[ib]);
    Tensor out = detail::empty(out_shape, dtype());
    Shape strides = contiguous_strides(s); // input strides in the output's axis order
    std::swap(strides[ia], strides[ib]);
    dispatch_any(dtype(), [&]<class T>() { strided_copy(impl_->data<T>(), out.impl()->data<T>(), out_shape, strides); });
    return detail::record(TensorOp::Transpose, out, {this}, {}, [ia, ib](const Tensor& g, const TensorNode&) {
        return TensorList{g.transpose(ia, ib)};
    });
}

// y = x converted to another dtype;  dx = g converted back (between floating dtypes only: an
// integer result records nothing, and an integer input has no gradient to take)
Tensor Tensor::to(Dtype target) const
{
    const TensorImpl& x = checked();
    if (x.dtype == target)
        return *this;
    Tensor out = detail::empty(x.shape, target);
    dispatch_any(x.dtype, [&]<class S>() {
        dispatch_any(target, [&]<class D>() {
            const S* px = impl_->data<S>();
            D* po = out.impl()->data<D>();
            for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
                if (!convert_element(px[i], po[i]))
                    throw std::invalid_argument(fmt::format("to: element {} of shape {} is {}, which {} cannot hold", i,
                                                            to_string(x.shape), static_cast<double>(px[i]),
                                                            to_string(target)));
        });
    });
    const Dtype from = x.dtype;
    return detail::record(TensorOp::To, out, {this}, {}, [from](const Tensor& g, const TensorNode&) {
        return TensorList{g.to(from)};
    });
}

// Broadcasting forward, and its backward: sum_to and broadcast_to are each other's gradient.
Tensor sum_to(const Tensor& x, std::span<const std::int64_t> shape)
{
    constexpr std::string_view op = op_name(TensorOp::SumTo);
    detail::check_defined(op, x);
    if (std::equal(x.shape().begin(), x.shape().end(), shape.begin(), shape.end()))
        return x;
    const Shape target(shape.begin(), shape.end());
    if (broadcast_shapes(op, x.shape(), target) != x.shape())
        throw std::invalid_argument(fmt::format("{}: shape {} does not broadcast to {}", op, to_string(target),
                                                to_string(x.shape())));
    // Sum over the leading dimensions broadcasting added, then over stretched ones (kept as 1).
    const std::size_t lead = x.shape().size() - target.size();
    Tensor out = x;
    {
        NoGradGuard no_grad; // the whole reduction is recorded as one sum_to node below
        for (std::size_t i = 0; i < lead; ++i)
            out = sum(out, 0);
        for (std::size_t i = 0; i < target.size(); ++i)
            if (target[i] == 1 && out.shape()[i] != 1)
                out = sum(out, static_cast<std::int64_t>(i), true);
        out = out.reshape(target).detach();
    }
    return detail::record(TensorOp::SumTo, out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{broadcast_to(g, input_shape(n, 0))};
    });
}

Tensor broadcast_to(const Tensor& x, std::span<const std::int64_t> shape)
{
    constexpr std::string_view op = op_name(TensorOp::BroadcastTo);
    detail::check_defined(op, x);
    if (std::equal(x.shape().begin(), x.shape().end(), shape.begin(), shape.end()))
        return x;
    const Shape target(shape.begin(), shape.end());
    if (broadcast_shapes(op, x.shape(), target) != target)
        throw std::invalid_argument(fmt::format("{}: shape {} cannot be broadcast to {}", op, to_string(x.shape()),
                                                to_string(target)));
    Tensor out = detail::empty(target, x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() { // a copy: expand and repeat of int64 too
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        if (x.numel() == 1) // the gradient of a sum or a mean: a fill, without the index walk
            std::fill(po, po + out.numel(), px[0]);
        else
            detail::for_each_broadcast<1>(target, {x.shape()},
                                          [&](std::int64_t o, const std::array<std::int64_t, 1>& at) { po[o] = px[at[0]]; });
    });
    return detail::record(TensorOp::BroadcastTo, out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{sum_to(g, input_shape(n, 0))};
    });
}

// y = x with axes reordered (y axis i = x axis dims[i]);  dx = g permuted by the inverse order
Tensor permute(const Tensor& x, const Shape& dims)
{
    constexpr std::string_view op = op_name(TensorOp::Permute);
    detail::check_defined(op, x);
    const Shape& s = x.shape();
    if (dims.size() != s.size())
        throw std::invalid_argument(fmt::format("{}: dims {} name {} axes, but shape {} has {}", op, to_string(dims),
                                                dims.size(), to_string(s), s.size()));
    Shape order(dims.size()), inverse(dims.size(), -1);
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const std::int64_t a = normalize_axis(op, dims[i], s);
        if (inverse[static_cast<std::size_t>(a)] >= 0)
            throw std::invalid_argument(fmt::format("{}: dims {} name axis {} twice (shape {})", op, to_string(dims), a,
                                                    to_string(s)));
        order[i] = a;
        inverse[static_cast<std::size_t>(a)] = static_cast<std::int64_t>(i);
    }
    Shape out_shape(s.size()), strides(s.size());
    const Shape in_strides = contiguous_strides(s);
    for (std::size_t i = 0; i < order.size(); ++i) {
        out_shape[i] = s[static_cast<std::size_t>(order[i])];
        strides[i] = in_strides[static_cast<std::size_t>(order[i])];
    }
    Tensor out = detail::empty(out_shape, x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() { strided_copy(x.impl()->data<T>(), out.impl()->data<T>(), out_shape, strides); });
    return detail::record(TensorOp::Permute, out, {&x}, {}, [inverse](const Tensor& g, const TensorNode&) {
        return TensorList{permute(g, inverse)};
    });
}

// squeeze and unsqueeze are reshapes (same storage): their backward is reshape's.
Tensor squeeze(const Tensor& x)
{
    detail::check_defined("squeeze", x);
    Shape shape;
    for (std::int64_t s : x.shape())
        if (s != 1)
            shape.push_back(s);
    return x.reshape(std::move(shape));
}

Tensor squeeze(const Tensor& x, std::int64_t axis)
{
    detail::check_defined("squeeze", x);
    if (x.dim() == 0) {
        detail::check_scalar_axis("squeeze", axis);
        return x.reshape({});
    }
    const std::int64_t a = normalize_axis("squeeze", axis, x.shape());
    Shape shape = x.shape();
    if (shape[static_cast<std::size_t>(a)] == 1)
        shape.erase(shape.begin() + a);
    return x.reshape(std::move(shape));
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis)
{
    detail::check_defined("unsqueeze", x);
    const std::int64_t dim = x.dim() + 1; // axes of the result
    if (axis < -dim || axis >= dim)
        throw std::invalid_argument(fmt::format("unsqueeze: axis {} is out of range for shape {} (valid: {} to {})", axis,
                                                to_string(x.shape()), -dim, dim - 1));
    Shape shape = x.shape();
    shape.insert(shape.begin() + (axis < 0 ? axis + dim : axis), 1);
    return x.reshape(std::move(shape));
}

// y = x stretched along size-1 and new leading axes;  dx = g summed back (broadcast_to's backward)
Tensor expand(const Tensor& x, const Shape& shape)
{
    detail::check_defined("expand", x);
    const Shape& s = x.shape();
    if (shape.size() < s.size())
        throw std::invalid_argument(fmt::format("expand: shape {} has fewer dimensions than the tensor's shape {}",
                                                to_string(shape), to_string(s)));
    const std::size_t lead = shape.size() - s.size();
    Shape target = shape;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            if (i < lead)
                throw std::invalid_argument(fmt::format("expand: -1 in {} at new leading dimension {}; only existing "
                                                        "dimensions of {} can keep their size",
                                                        to_string(shape), i, to_string(s)));
            target[i] = s[i - lead];
        } else if (shape[i] < 0) {
            throw std::invalid_argument(fmt::format("expand: negative size {} in {}", shape[i], to_string(shape)));
        } else if (i >= lead && s[i - lead] != 1 && s[i - lead] != shape[i]) {
            throw std::invalid_argument(fmt::format("expand: shape {} cannot be expanded to {} (dimension {}: size {} is "
                                                    "not 1 and differs from {})",
                                                    to_string(s), to_string(shape), i, s[i - lead], shape[i]));
        }
    }
    return broadcast_to(x, target);
}

// y = x, in storage of its own;  dx = g
Tensor clone(const Tensor& x)
{
    detail::check_defined(TensorOp::Clone, x);
    Tensor out = detail::empty(x.shape(), x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() { std::copy_n(x.impl()->data<T>(), x.numel(), out.impl()->data<T>()); });
    return detail::record(TensorOp::Clone, out, {&x}, {}, [](const Tensor& g, const TensorNode&) { return TensorList{g}; });
}

// y = x reversed along dims;  dx = g reversed along the same dims
Tensor flip(const Tensor& x, const Shape& dims)
{
    constexpr std::string_view op = op_name(TensorOp::Flip);
    detail::check_defined(op, x);
    const Shape& s = x.shape();
    // Read x from its last element along each flipped axis, with that axis's stride negated.
    Shape strides = contiguous_strides(s), axes;
    std::int64_t start = 0;
    for (std::int64_t d : dims) {
        // A 0-d tensor has the one axis 0 (or -1), as PyTorch's flip allows; flipping it is a copy.
        const std::int64_t a = s.empty() ? (detail::check_scalar_axis(op, d), 0) : normalize_axis(op, d, s);
        if (std::find(axes.begin(), axes.end(), a) != axes.end())
            throw std::invalid_argument(fmt::format("{}: dims {} name axis {} twice (shape {})", op, to_string(dims), a,
                                                    to_string(s)));
        axes.push_back(a);
        if (s.empty())
            continue;
        const auto ua = static_cast<std::size_t>(a);
        start += std::max<std::int64_t>(s[ua] - 1, 0) * strides[ua];
        strides[ua] = -strides[ua];
    }
    Tensor out = detail::empty(s, x.dtype());
    if (out.numel() > 0)
        dispatch_any(x.dtype(), [&]<class T>() { strided_copy(x.impl()->data<T>() + start, out.impl()->data<T>(), s, strides); });
    return detail::record(TensorOp::Flip, out, {&x}, {}, [axes](const Tensor& g, const TensorNode&) {
        return TensorList{flip(g, axes)};
    });
}

Tensor Tensor::permute(Shape dims) const { return autograd::permute(*this, dims); }
Tensor Tensor::squeeze() const { return autograd::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t axis) const { return autograd::squeeze(*this, axis); }
Tensor Tensor::unsqueeze(std::int64_t axis) const { return autograd::unsqueeze(*this, axis); }
Tensor Tensor::expand(Shape shape) const { return autograd::expand(*this, shape); }

// x of shape s (padded with leading 1s to reps' length) as repeat reads it, [1, s0, 1, s1, ...],
// and its tiled result as [r0, s0, r1, s1, ...]: element (k s0 + i, ...) of the result is
// x[i, ...], the copies outermost as torch.repeat lays them out.
struct RepeatViews {
    Shape pairs, expanded;
};
RepeatViews repeat_views(const Shape& s, const Shape& reps)
{
    const std::size_t lead = reps.size() - s.size();
    RepeatViews v;
    for (std::size_t i = 0; i < reps.size(); ++i) {
        const std::int64_t si = i < lead ? 1 : s[i - lead];
        v.pairs.push_back(1);
        v.pairs.push_back(si);
        v.expanded.push_back(reps[i]);
        v.expanded.push_back(si);
    }
    return v;
}

// y = x tiled reps times: x read as `expanded` with stride 0 along each r axis;
// dx = the copies' gradients added: g as `expanded` summed to `pairs`, reshaped to x's shape.
// One recorded op, not the reshape, expand and reshape it equals: those were three nodes each
// way, 1.8x add's time on tiny tensors (bench_ops tiny/repeat).
Tensor repeat(const Tensor& x, const Shape& reps)
{
    constexpr std::string_view op = op_name(TensorOp::Repeat);
    detail::check_defined(op, x);
    const Shape& s = x.shape();
    if (reps.size() < s.size())
        throw std::invalid_argument(fmt::format("{}: {} repetitions {} for shape {} (need at least one per "
                                                "dimension)", op, reps.size(), to_string(reps), to_string(s)));
    for (std::int64_t r : reps)
        if (r < 0)
            throw std::invalid_argument(fmt::format("{}: negative repetition {} in {} for shape {}", op, r,
                                                    to_string(reps), to_string(s)));
    const RepeatViews v = repeat_views(s, reps);
    Shape out_shape, strides = contiguous_strides(v.pairs);
    for (std::size_t i = 0; i < reps.size(); ++i) {
        out_shape.push_back(v.expanded[2 * i] * v.expanded[2 * i + 1]);
        strides[2 * i] = 0;
    }
    Tensor out = detail::empty(out_shape, x.dtype());
    dispatch_any(x.dtype(), [&]<class T>() { strided_copy(x.impl()->data<T>(), out.impl()->data<T>(), v.expanded, strides); });
    return detail::record(TensorOp::Repeat, out, {&x}, {}, [s, reps](const Tensor& g, const TensorNode&) {
        const RepeatViews v = repeat_views(s, reps);
        return TensorList{sum_to(g.reshape(v.expanded), v.pairs).reshape(s)};
    });
}

Tensor tile(const Tensor& x, const Shape& reps)
{
    detail::check_defined("tile", x);
    Shape full = reps;
    while (full.size() < x.shape().size())
        full.insert(full.begin(), 1);
    return repeat(x, full);
}

} // namespace autograd
