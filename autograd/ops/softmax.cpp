// softmax and log_softmax along an axis: one kernel for both forwards (the max-shifted
// exponentials), and under each op its backward.
//
// Conventions as in elementwise.cpp: g is the gradient of the output; the output is saved
// detached and recomputed from the input under create_graph, so second derivatives see it.
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <algorithm>
#include <cmath>

namespace autograd {
using detail::check_scalar_axis;
using detail::saved;

namespace {

// y = x - max - log(sum(exp(x - max))) (log) or exp(x - max) / sum(exp(x - max)) along the axis.
Tensor normalize_kernel(const Tensor& x, std::int64_t axis, bool log)
{
    const detail::AxisView l = detail::axis_view(x.shape(), axis);
    Tensor out = detail::empty(x.shape(), x.dtype());
    if (l.size == 0) // nothing to normalise (and no first element to start the max from)
        return out;
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const std::int64_t base = o * l.size * l.inner + i;
                T m = px[base]; // an infinite max gives NaN (inf - inf), as in PyTorch
                for (std::int64_t k = 1; k < l.size; ++k)
                    m = std::max(m, px[base + k * l.inner]);
                double s = 0.0;
                for (std::int64_t k = 0; k < l.size; ++k)
                    s += static_cast<double>(detail::exp_of(px[base + k * l.inner] - m));
                const double log_s = std::log(s);
                for (std::int64_t k = 0; k < l.size; ++k) {
                    const std::int64_t at = base + k * l.inner;
                    po[at] = log ? static_cast<T>(static_cast<double>(px[at] - m) - log_s)
                                 : static_cast<T>(static_cast<double>(detail::exp_of(px[at] - m)) / s);
                }
            }
    });
    return out;
}

// The op `op` (softmax, or log_softmax when `log`) of x along `axis`: the checks, a 0-d x seen as
// [1], the kernel, and the node, whose backward backward_for(a) makes for the axis a counted from 0.
template <class MakeBackward>
Tensor normalize(TensorOp op, const Tensor& x, std::int64_t axis, bool log, MakeBackward backward_for)
{
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        check_scalar_axis(op, axis);
        return normalize(op, x.reshape({1}), 0, log, backward_for).reshape({});
    }
    const std::int64_t a = normalize_axis(op_name(op), axis, x.shape());
    Tensor out = normalize_kernel(x, a, log);
    return detail::record(op, out, {&x}, {x, out.detach()}, backward_for(a));
}

} // namespace

// y = e^x / sum(e^x);  dx = y * (g - sum(g*y))  (sums along the axis)
Tensor softmax(const Tensor& x, std::int64_t axis)
{
    return normalize(TensorOp::Softmax, x, axis, false, [](std::int64_t a) {
        return [a](const Tensor& g, const TensorNode& n) {
            const Tensor y = is_grad_enabled() ? softmax(saved(n, 0), a) : saved(n, 1);
            return TensorList{y * (g - sum(g * y, a, true))};
        };
    });
}

// y = x - log(sum(e^x));  dx = g - e^y * sum(g)  (sums along the axis; e^y = softmax(x))
Tensor log_softmax(const Tensor& x, std::int64_t axis)
{
    return normalize(TensorOp::LogSoftmax, x, axis, true, [](std::int64_t a) {
        return [a](const Tensor& g, const TensorNode& n) {
            const Tensor p = is_grad_enabled() ? softmax(saved(n, 0), a) : exp(saved(n, 1));
            return TensorList{g - p * sum(g, a, true)};
        };
    });
}

Tensor Tensor::softmax(std::int64_t axis) const { return autograd::softmax(*this, axis); }
Tensor Tensor::log_softmax(std::int64_t axis) const { return autograd::log_softmax(*this, axis); }

} // namespace autograd
