// Shape ops: reshape (a view of the same data), transpose (a copy in this version), dtype
// conversion. Each with its backward.
#include "autograd/cpu/object_cache.hpp"
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <utility>

namespace autograd {

// y = x with another shape (same data);  dx = g reshaped back
Tensor Tensor::reshape(Shape new_shape) const
{
    const TensorImpl& x = checked();
    std::int64_t known = 1;
    int infer = -1;
    for (std::size_t i = 0; i < new_shape.size(); ++i) {
        if (new_shape[i] == -1) {
            if (infer >= 0)
                throw std::invalid_argument(fmt::format("reshape: more than one -1 in {}", autograd::to_string(new_shape)));
            infer = static_cast<int>(i);
        } else if (new_shape[i] < 0) {
            throw std::invalid_argument(fmt::format("reshape: negative size in {}", autograd::to_string(new_shape)));
        } else if (__builtin_mul_overflow(known, new_shape[i], &known)) {
            throw std::invalid_argument(fmt::format("reshape: shape {} has too many elements",
                                                    autograd::to_string(new_shape)));
        }
    }
    if (infer >= 0) {
        if (known == 0 || x.numel() % known != 0)
            throw std::invalid_argument(fmt::format("reshape: shape {} cannot hold the {} elements of shape {}",
                                                    autograd::to_string(new_shape), x.numel(), autograd::to_string(x.shape)));
        new_shape[static_cast<std::size_t>(infer)] = x.numel() / known;
    }
    if (shape_numel(new_shape) != x.numel())
        throw std::invalid_argument(fmt::format("reshape: shape {} has {} elements, shape {} has {}",
                                                autograd::to_string(x.shape), x.numel(), autograd::to_string(new_shape),
                                                shape_numel(new_shape)));
    auto impl = std::allocate_shared<TensorImpl>(detail::CachingAllocator<TensorImpl>{});
    impl->storage = x.storage;
    impl->shape = std::move(new_shape);
    impl->dtype = x.dtype;
    return detail::record("reshape", Tensor(std::move(impl)), {this}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g.reshape(detail::input_shape(n, 0))};
    });
}

Tensor Tensor::flatten() const { return reshape({numel()}); }

// y = x with axes a and b swapped;  dx = g with them swapped back
Tensor Tensor::transpose(std::int64_t a, std::int64_t b) const
{
    const Shape& s = shape();
    const std::int64_t ia = normalize_axis("transpose", a, s), ib = normalize_axis("transpose", b, s);
    Shape out_shape = s;
    std::swap(out_shape[ia], out_shape[ib]);
    Tensor out = detail::empty(out_shape, dtype());
    const Shape in_strides = contiguous_strides(s);
    Shape strides = in_strides; // input strides in the output's axis order
    std::swap(strides[ia], strides[ib]);
    dispatch(dtype(), [&]<class T>() {
        const T* px = impl_->data<T>();
        T* po = out.impl()->data<T>();
        const std::size_t d = out_shape.size();
        Shape index(d, 0);
        for (std::int64_t o = 0, n = numel(); o < n; ++o) {
            std::int64_t offset = 0;
            for (std::size_t k = 0; k < d; ++k)
                offset += index[k] * strides[k];
            po[o] = px[offset];
            for (std::size_t k = d; k-- > 0;) {
                if (++index[k] < out_shape[k])
                    break;
                index[k] = 0;
            }
        }
    });
    return detail::record("transpose", out, {this}, {}, [ia, ib](const Tensor& g, const TensorNode&) {
        return TensorList{g.transpose(ia, ib)};
    });
}

// y = x converted to another dtype;  dx = g converted back
Tensor Tensor::to(Dtype target) const
{
    const TensorImpl& x = checked();
    if (x.dtype == target)
        return *this;
    Tensor out = detail::empty(x.shape, target);
    dispatch(x.dtype, [&]<class S>() {
        dispatch(target, [&]<class D>() {
            const S* px = impl_->data<S>();
            D* po = out.impl()->data<D>();
            for (std::int64_t i = 0, n = x.numel(); i < n; ++i)
                po[i] = static_cast<D>(px[i]);
        });
    });
    const Dtype from = x.dtype;
    return detail::record("to", out, {this}, {}, [from](const Tensor& g, const TensorNode&) {
        return TensorList{g.to(from)};
    });
}

} // namespace autograd
