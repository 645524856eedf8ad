// Elementwise tensor ops with broadcasting: each op's forward and, under it, its backward.
//
// Conventions: g is the gradient of the output. A broadcast input's gradient is summed back to
// its shape (sum_to). Backward formulas are Tensor expressions, so create_graph records them;
// where a formula reuses the output (exp, tanh, sigmoid), the output is saved detached (a saved
// output with its graph would own itself), and under create_graph the formula is recomputed from
// the input instead so that second derivatives see the dependence.
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace autograd {
using detail::broadcast_binary;
using detail::map_unary;
using detail::input_shape;
using detail::needs;
using detail::saved;

// Broadcasting forward, and its backward: sum_to and broadcast_to are each other's gradient.
Tensor sum_to(const Tensor& x, std::span<const std::int64_t> shape)
{
    detail::check_defined("sum_to", x);
    if (std::equal(x.shape().begin(), x.shape().end(), shape.begin(), shape.end()))
        return x;
    const Shape target(shape.begin(), shape.end());
    if (broadcast_shapes("sum_to", x.shape(), target) != x.shape())
        throw std::invalid_argument(fmt::format("sum_to: shape {} does not broadcast to {}", to_string(target),
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
    return detail::record("sum_to", out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{broadcast_to(g, input_shape(n, 0))};
    });
}

Tensor broadcast_to(const Tensor& x, std::span<const std::int64_t> shape)
{
    detail::check_defined("broadcast_to", x);
    if (std::equal(x.shape().begin(), x.shape().end(), shape.begin(), shape.end()))
        return x;
    const Shape target(shape.begin(), shape.end());
    if (broadcast_shapes("broadcast_to", x.shape(), target) != target)
        throw std::invalid_argument(fmt::format("broadcast_to: shape {} cannot be broadcast to {}", to_string(x.shape()),
                                                to_string(target)));
    Tensor out = detail::empty(target, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        detail::for_each_broadcast<1>(target, {x.shape()},
                                      [&](std::int64_t o, const std::array<std::int64_t, 1>& at) { po[o] = px[at[0]]; });
    });
    return detail::record("broadcast_to", out, {&x}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{sum_to(g, input_shape(n, 0))};
    });
}

// y = a + b;  da = g,  db = g   (summed to each input's shape)
Tensor operator+(const Tensor& a, const Tensor& b)
{
    Tensor out = broadcast_binary("add", a, b, [](auto x, auto y) { return x + y; });
    return detail::record("add", out, {&a, &b}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{needs(n, 0) ? sum_to(g, input_shape(n, 0)) : Tensor(),
                          needs(n, 1) ? sum_to(g, input_shape(n, 1)) : Tensor()};
    });
}

// y = a - b;  da = g,  db = -g
Tensor operator-(const Tensor& a, const Tensor& b)
{
    Tensor out = broadcast_binary("sub", a, b, [](auto x, auto y) { return x - y; });
    return detail::record("sub", out, {&a, &b}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{needs(n, 0) ? sum_to(g, input_shape(n, 0)) : Tensor(),
                          needs(n, 1) ? sum_to(-g, input_shape(n, 1)) : Tensor()};
    });
}

// y = a * b;  da = g*b,  db = g*a
Tensor operator*(const Tensor& a, const Tensor& b)
{
    if (a.defined() && a.id() == b.id()) { // x * x (squared errors, L2 terms): one gradient, 2 g x
        Tensor out = map_unary(a, [](auto x) { return x * x; });
        return detail::record("mul", out, {&a}, {a}, [](const Tensor& g, const TensorNode& n) {
            if (is_grad_enabled()) // create_graph: recorded ops, differentiable in g and x
                return TensorList{g * saved(n, 0) * 2.0};
            return TensorList{broadcast_binary("mul", g, saved(n, 0), [](auto gv, auto xv) { return 2 * gv * xv; })};
        });
    }
    Tensor out = broadcast_binary("mul", a, b, [](auto x, auto y) { return x * y; });
    return detail::record("mul", out, {&a, &b}, {a, b}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& a = saved(n, 0);
        const Tensor& b = saved(n, 1);
        return TensorList{needs(n, 0) ? sum_to(g * b, a.shape()) : Tensor(),
                                   needs(n, 1) ? sum_to(g * a, b.shape()) : Tensor()};
    });
}

// y = a / b;  da = g/b,  db = -g*a/b^2
Tensor operator/(const Tensor& a, const Tensor& b)
{
    Tensor out = broadcast_binary("div", a, b, [](auto x, auto y) { return x / y; });
    return detail::record("div", out, {&a, &b}, {a, b}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& a = saved(n, 0);
        const Tensor& b = saved(n, 1);
        return TensorList{needs(n, 0) ? sum_to(g / b, a.shape()) : Tensor(),
                                   needs(n, 1) ? sum_to(-g * a / (b * b), b.shape()) : Tensor()};
    });
}

// y = -a;  da = -g
Tensor operator-(const Tensor& a)
{
    detail::check_defined("neg", a);
    Tensor out = map_unary(a, [](auto x) { return -x; });
    return detail::record("neg", out, {&a}, {}, [](const Tensor& g, const TensorNode&) { return TensorList{-g}; });
}

// Arithmetic with a double: the number is held by the op (in the tensor's dtype), not made into a
// 0-d tensor, so these cost one kernel and one node (the weight decay and loss terms of a training
// step are full of them). Results are those of the tensor-tensor ops with a 0-d operand.
namespace {

template <class F> Tensor scalar_op(std::string_view op, const Tensor& x, F f, TensorBackward backward, bool save_x)
{
    detail::check_defined(op, x);
    Tensor out = map_unary(x, f);
    return detail::record(op, out, {&x}, save_x ? TensorList{x} : TensorList{}, std::move(backward));
}

template <class T> T as(double v, T) { return static_cast<T>(v); }

} // namespace

// y = a + s;  da = g
Tensor operator+(const Tensor& a, double s)
{
    return scalar_op("add", a, [s](auto x) { return x + as(s, x); },
                     [](const Tensor& g, const TensorNode&) { return TensorList{g}; }, false);
}
Tensor operator+(double s, const Tensor& b) { return b + s; }

// y = a - s;  da = g
Tensor operator-(const Tensor& a, double s)
{
    return scalar_op("sub", a, [s](auto x) { return x - as(s, x); },
                     [](const Tensor& g, const TensorNode&) { return TensorList{g}; }, false);
}

// y = s - b;  db = -g
Tensor operator-(double s, const Tensor& b)
{
    return scalar_op("sub", b, [s](auto x) { return as(s, x) - x; },
                     [](const Tensor& g, const TensorNode&) { return TensorList{-g}; }, false);
}

// y = a * s;  da = g * s
Tensor operator*(const Tensor& a, double s)
{
    return scalar_op("mul", a, [s](auto x) { return x * as(s, x); },
                     [s](const Tensor& g, const TensorNode&) { return TensorList{g * s}; }, false);
}
Tensor operator*(double s, const Tensor& b) { return b * s; }

// y = a / s;  da = g / s
Tensor operator/(const Tensor& a, double s)
{
    return scalar_op("div", a, [s](auto x) { return x / as(s, x); },
                     [s](const Tensor& g, const TensorNode&) { return TensorList{g / s}; }, false);
}

// y = s / b;  db = -g * s / b^2
Tensor operator/(double s, const Tensor& b)
{
    return scalar_op("div", b, [s](auto x) { return as(s, x) / x; },
                     [s](const Tensor& g, const TensorNode& n) {
                         const Tensor& b = saved(n, 0);
                         return TensorList{-g * s / (b * b)};
                     },
                     true);
}

// y = e^x;  dx = g*y
Tensor exp(const Tensor& x)
{
    detail::check_defined("exp", x);
    Tensor out = map_unary(x, [](auto v) { return detail::exp_of(v); });
    return detail::record("exp", out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g * (is_grad_enabled() ? exp(saved(n, 0)) : saved(n, 1))};
    });
}

// y = ln x;  dx = g/x
Tensor log(const Tensor& x)
{
    detail::check_defined("log", x);
    Tensor out = map_unary(x, [](auto v) { return std::log(v); });
    return detail::record("log", out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g / saved(n, 0)};
    });
}

// y = tanh x;  dx = g*(1 - y^2)
Tensor tanh(const Tensor& x)
{
    detail::check_defined("tanh", x);
    Tensor out = map_unary(x, [](auto v) { return detail::tanh_of(v); });
    return detail::record("tanh", out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? tanh(saved(n, 0)) : saved(n, 1);
        return TensorList{g * (1.0 - y * y)};
    });
}

// y = 1/(1 + e^-x);  dx = g*y*(1 - y)
Tensor sigmoid(const Tensor& x)
{
    detail::check_defined("sigmoid", x);
    Tensor out = map_unary(x, [](auto v) { return detail::sigmoid_of(v); });
    return detail::record("sigmoid", out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? sigmoid(saved(n, 0)) : saved(n, 1);
        return TensorList{g * y * (1.0 - y)};
    });
}

namespace {

// relu's backward, g where x > 0 and 0 elsewhere, as an op of its own: one pass and one tensor
// instead of a mask and a product. Its input is g alone (the mask is a constant: relu'' = 0),
// and its own gradient is the same masking, so create_graph works through it.
Tensor relu_backward(const Tensor& g, const Tensor& x)
{
    Tensor out = broadcast_binary("relu_backward", g, x, [](auto gv, auto xv) { return xv > 0 ? gv : decltype(gv)(0); });
    return detail::record("relu_backward", out, {&g}, {x}, [](const Tensor& gg, const TensorNode& n) {
        return TensorList{relu_backward(gg, saved(n, 0))};
    });
}

} // namespace

// y = max(x, 0);  dx = g where x > 0, else 0
Tensor relu(const Tensor& x)
{
    detail::check_defined("relu", x);
    Tensor out = map_unary(x, [](auto v) { return v < decltype(v)(0) ? decltype(v)(0) : v; });
    return detail::record("relu", out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{relu_backward(g, saved(n, 0))};
    });
}

// y = x^c;  dx = g*c*x^(c-1), and 0 where c == 0 (PyTorch's rule)
Tensor pow(const Tensor& x, double c)
{
    detail::check_defined("pow", x);
    Tensor out = map_unary(x, [c](auto v) { return static_cast<decltype(v)>(std::pow(v, c)); });
    return detail::record("pow", out, {&x}, {x}, [c](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (c == 0.0)
            return TensorList{g * 0.0};
        return TensorList{g * c * pow(x, c - 1.0)};
    });
}

Tensor Tensor::relu() const { return autograd::relu(*this); }
Tensor Tensor::sigmoid() const { return autograd::sigmoid(*this); }
Tensor Tensor::tanh() const { return autograd::tanh(*this); }
Tensor Tensor::exp() const { return autograd::exp(*this); }
Tensor Tensor::log() const { return autograd::log(*this); }
Tensor Tensor::pow(double exponent) const { return autograd::pow(*this, exponent); }

} // namespace autograd
