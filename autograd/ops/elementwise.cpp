// Elementwise tensor ops with broadcasting: each op's forward and, under it, its backward.
//
// Conventions: g is the gradient of the output. A broadcast input's gradient is summed back to
// its shape (sum_to). Backward formulas are Tensor expressions, so create_graph records them;
// where a formula reuses the output (exp, tanh, sigmoid, sqrt), the output is saved detached (a
// saved output with its graph would own itself), and under create_graph the formula is recomputed
// from the input instead so that second derivatives see the dependence. Masks that select where
// a gradient flows (relu, abs, clamp) are step functions of x: their derivative is 0, and the
// backward ops that apply them (relu_backward, step_scale) take x as an input of derivative 0, so
// that a gradient through them alone still depends on x under create_graph, as in PyTorch.
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace autograd {
using detail::broadcast_binary;
using detail::input_shape;
using detail::map_unary;
using detail::needs;
using detail::relu_backward;
using detail::saved;
using detail::step_scale;

// y = a + b;  da = g,  db = g   (summed to each input's shape)
Tensor operator+(const Tensor& a, const Tensor& b)
{
    if (a.defined() && b.defined() && detail::both_integral(a, b)) // int64, as PyTorch's (nothing to record)
        return detail::integer_binary(TensorOp::Add, a, b, detail::wrapping_add);
    Tensor out = broadcast_binary(TensorOp::Add, a, b, [](auto x, auto y) { return x + y; });
    return detail::record(TensorOp::Add, out, {&a, &b}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{needs(n, 0) ? sum_to(g, input_shape(n, 0)) : Tensor(),
                          needs(n, 1) ? sum_to(g, input_shape(n, 1)) : Tensor()};
    });
}

// y = a - b;  da = g,  db = -g
Tensor operator-(const Tensor& a, const Tensor& b)
{
    if (a.defined() && b.defined() && detail::both_integral(a, b))
        return detail::integer_binary(TensorOp::Sub, a, b, detail::wrapping_sub);
    Tensor out = broadcast_binary(TensorOp::Sub, a, b, [](auto x, auto y) { return x - y; });
    return detail::record(TensorOp::Sub, out, {&a, &b}, {}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{needs(n, 0) ? sum_to(g, input_shape(n, 0)) : Tensor(),
                          needs(n, 1) ? sum_to(-g, input_shape(n, 1)) : Tensor()};
    });
}

// y = a * b;  da = g*b,  db = g*a
Tensor operator*(const Tensor& a, const Tensor& b)
{
    if (a.defined() && b.defined() && detail::both_integral(a, b))
        return detail::integer_binary(TensorOp::Mul, a, b, detail::wrapping_mul);
    if (a.defined() && a.id() == b.id()) { // x * x (squared errors, L2 terms): one gradient, 2 g x
        Tensor out = map_unary(a, [](auto x) { return x * x; });
        return detail::record(TensorOp::Square, out, {&a}, {a}, [](const Tensor& g, const TensorNode& n) {
            if (is_grad_enabled()) // create_graph: recorded ops, differentiable in g and x
                return TensorList{g * saved(n, 0) * 2.0};
            return TensorList{
                broadcast_binary(TensorOp::Square, g, saved(n, 0), [](auto gv, auto xv) { return 2 * gv * xv; })};
        });
    }
    Tensor out = broadcast_binary(TensorOp::Mul, a, b, [](auto x, auto y) { return x * y; });
    return detail::record(TensorOp::Mul, out, {&a, &b}, {a, b}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& a = saved(n, 0);
        const Tensor& b = saved(n, 1);
        return TensorList{needs(n, 0) ? sum_to(g * b, a.shape()) : Tensor(),
                          needs(n, 1) ? sum_to(g * a, b.shape()) : Tensor()};
    });
}

// y = a / b;  da = g/b,  db = -g*a/b^2
Tensor operator/(const Tensor& a, const Tensor& b)
{
    Tensor out = broadcast_binary(TensorOp::Div, a, b, [](auto x, auto y) { return x / y; });
    return detail::record(TensorOp::Div, out, {&a, &b}, {a, b}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& a = saved(n, 0);
        const Tensor& b = saved(n, 1);
        return TensorList{needs(n, 0) ? sum_to(g / b, a.shape()) : Tensor(),
                          needs(n, 1) ? sum_to(-g * a / (b * b), b.shape()) : Tensor()};
    });
}

// y = -a;  da = -g
Tensor operator-(const Tensor& a)
{
    detail::check_defined(TensorOp::Neg, a);
    if (!is_floating_point(a.dtype()))
        return detail::map_integer(a, [](std::int64_t x) { return detail::wrapping_sub(0, x); });
    Tensor out = map_unary(a, [](auto x) { return -x; });
    return detail::record(TensorOp::Neg, out, {&a}, {}, [](const Tensor& g, const TensorNode&) { return TensorList{-g}; });
}

// Arithmetic with a double: the number is held by the op (in the tensor's dtype), not made into a
// 0-d tensor, so these cost one kernel and one node (the weight decay and loss terms of a training
// step are full of them). Results are those of the tensor-tensor ops with a 0-d operand.
namespace {

template <class F> Tensor scalar_op(TensorOp op, const Tensor& x, F f, TensorBackward backward, bool save_x)
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
    return scalar_op(TensorOp::AddScalar, a, [s](auto x) { return x + as(s, x); },
                     [](const Tensor& g, const TensorNode&) { return TensorList{g}; }, false);
}
Tensor operator+(double s, const Tensor& b) { return b + s; }

// y = a - s;  da = g
Tensor operator-(const Tensor& a, double s)
{
    return scalar_op(TensorOp::SubScalar, a, [s](auto x) { return x - as(s, x); },
                     [](const Tensor& g, const TensorNode&) { return TensorList{g}; }, false);
}

// y = s - b;  db = -g
Tensor operator-(double s, const Tensor& b)
{
    return scalar_op(TensorOp::ScalarSub, b, [s](auto x) { return as(s, x) - x; },
                     [](const Tensor& g, const TensorNode&) { return TensorList{-g}; }, false);
}

// y = a * s;  da = g * s
Tensor operator*(const Tensor& a, double s)
{
    return scalar_op(TensorOp::MulScalar, a, [s](auto x) { return x * as(s, x); },
                     [s](const Tensor& g, const TensorNode&) { return TensorList{g * s}; }, false);
}
Tensor operator*(double s, const Tensor& b) { return b * s; }

// y = a / s;  da = g / s
Tensor operator/(const Tensor& a, double s)
{
    return scalar_op(TensorOp::DivScalar, a, [s](auto x) { return x / as(s, x); },
                     [s](const Tensor& g, const TensorNode&) { return TensorList{g / s}; }, false);
}

// y = s / b;  db = -g * s / b^2
Tensor operator/(double s, const Tensor& b)
{
    return scalar_op(TensorOp::ScalarDiv, b, [s](auto x) { return as(s, x) / x; },
                     [s](const Tensor& g, const TensorNode& n) {
                         const Tensor& b = saved(n, 0);
                         return TensorList{-g * s / (b * b)};
                     },
                     true);
}

namespace detail {

// Integer operands: int64 kernels, nothing recorded (no gradient through integers); a floating
// tensor takes the double operators, so that float_tensor * 2 is float_tensor * 2.0.
Tensor integer_scalar_op(char op, const Tensor& a, std::int64_t s, bool scalar_first)
{
    const auto d = static_cast<double>(s);
    if (a.defined() && is_floating_point(a.dtype())) {
        switch (op) {
        case '+': return a + d;
        case '-': return scalar_first ? d - a : a - d;
        default: return a * d;
        }
    }
    const TensorOp which = op == '+' ? TensorOp::AddScalar : op == '-' ? TensorOp::SubScalar : TensorOp::MulScalar;
    check_defined(which, a);
    return map_integer(a, [op, s, scalar_first](std::int64_t v) {
        switch (op) {
        case '+': return wrapping_add(v, s);
        case '-': return scalar_first ? wrapping_sub(s, v) : wrapping_sub(v, s);
        default: return wrapping_mul(v, s);
        }
    });
}

} // namespace detail

// y = e^x;  dx = g*y
Tensor exp(const Tensor& x)
{
    detail::check_defined(TensorOp::Exp, x);
    Tensor out = map_unary(x, [](auto v) { return detail::exp_of(v); });
    return detail::record(TensorOp::Exp, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g * (is_grad_enabled() ? exp(saved(n, 0)) : saved(n, 1))};
    });
}

// y = ln x;  dx = g/x
Tensor log(const Tensor& x)
{
    detail::check_defined(TensorOp::Log, x);
    Tensor out = map_unary(x, [](auto v) { return std::log(v); });
    return detail::record(TensorOp::Log, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g / saved(n, 0)};
    });
}

// y = tanh x;  dx = g*(1 - y^2)
Tensor tanh(const Tensor& x)
{
    detail::check_defined(TensorOp::Tanh, x);
    Tensor out = map_unary(x, [](auto v) { return detail::tanh_of(v); });
    return detail::record(TensorOp::Tanh, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? tanh(saved(n, 0)) : saved(n, 1);
        return TensorList{g * (1.0 - y * y)};
    });
}

// y = 1/(1 + e^-x);  dx = g*y*(1 - y)
Tensor sigmoid(const Tensor& x)
{
    detail::check_defined(TensorOp::Sigmoid, x);
    Tensor out = map_unary(x, [](auto v) { return detail::sigmoid_of(v); });
    return detail::record(TensorOp::Sigmoid, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? sigmoid(saved(n, 0)) : saved(n, 1);
        return TensorList{g * y * (1.0 - y)};
    });
}

// relu's backward, g where x > 0 and 0 elsewhere, as an op of its own: one pass and one tensor
// instead of a mask and a product. Its gradient in g is the same masking, so create_graph works
// through it; in x it is 0 (relu'' = 0 away from the kink). x is an input all the same, as in
// PyTorch's threshold_backward: without it a gradient that reaches x only through relu (a hinge
// loss) would not depend on x under create_graph, and differentiating it again would throw
// "does not require a gradient" where PyTorch gives zeros.
// y = g * [x > 0];  dg = gg * [x > 0],  dx = 0
Tensor detail::relu_backward(const Tensor& g, const Tensor& x)
{
    Tensor out = broadcast_binary(TensorOp::ReluBackward, g, x,
                                  [](auto gv, auto xv) { return xv > 0 ? gv : decltype(gv)(0); });
    return detail::record(TensorOp::ReluBackward, out, {&g, &x}, {x}, [](const Tensor& gg, const TensorNode& n) {
        return TensorList{needs(n, 0) ? relu_backward(gg, saved(n, 0)) : Tensor(),
                          needs(n, 1) ? Tensor::zeros(detail::input_shape(n, 1), gg.dtype()) : Tensor()};
    });
}

// The backward of abs, leaky_relu, clamp, max and min: g times their derivative s, a step
// function of x (see relu_backward for why x is an input).
// y = g * s  (0 where s == 0);  dg = gg * s,  dx = 0
Tensor detail::step_scale(const Tensor& g, const Tensor& s, const Tensor& x)
{
    constexpr std::string_view op = op_name(TensorOp::StepScale);
    if (g.shape() != s.shape())
        throw std::logic_error(fmt::format("{}: the gradient {} and the derivative {} must have one shape", op,
                                           to_string(g.shape()), to_string(s.shape())));
    Tensor out = broadcast_binary(op, g, s, [](auto gv, auto sv) {
        using T = decltype(gv);
        return sv == T(0) ? T(0) : gv * sv; // an infinite g where the op is flat stays out, as where() keeps it
    });
    return detail::record(TensorOp::StepScale, out, {&g, &x}, {s, x}, [](const Tensor& gg, const TensorNode& n) {
        return TensorList{needs(n, 0) ? step_scale(gg, saved(n, 0), saved(n, 1)) : Tensor(),
                          needs(n, 1) ? Tensor::zeros(detail::input_shape(n, 1), gg.dtype()) : Tensor()};
    });
}

// y = max(x, 0);  dx = g where x > 0, else 0
Tensor relu(const Tensor& x)
{
    detail::check_defined(TensorOp::Relu, x);
    if (x.dtype() == Dtype::Int64) // stays int64, as torch.relu (nothing to record)
        return detail::map_integer(x, [](std::int64_t v) { return v < 0 ? std::int64_t{0} : v; });
    Tensor out = map_unary(x, [](auto v) { return v < decltype(v)(0) ? decltype(v)(0) : v; });
    return detail::record(TensorOp::Relu, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{relu_backward(g, saved(n, 0))};
    });
}

// y = x^c;  dx = g*c*x^(c-1), and 0 where c == 0 (PyTorch's rule)
Tensor pow(const Tensor& x, double c)
{
    detail::check_defined(TensorOp::PowScalar, x);
    Tensor out = map_unary(x, [c](auto v) { return static_cast<decltype(v)>(std::pow(v, c)); });
    return detail::record(TensorOp::PowScalar, out, {&x}, {x}, [c](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (c == 0.0)
            return TensorList{g * 0.0};
        return TensorList{g * c * pow(x, c - 1.0)};
    });
}

// y = sqrt x;  dx = g / (2 y)
Tensor sqrt(const Tensor& x)
{
    detail::check_defined(TensorOp::Sqrt, x);
    Tensor out = map_unary(x, [](auto v) { return std::sqrt(v); });
    return detail::record(TensorOp::Sqrt, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? sqrt(saved(n, 0)) : saved(n, 1);
        return TensorList{g / (2.0 * y)};
    });
}

// y = |x|;  dx = g * sign(x)  (0 at 0)
Tensor abs(const Tensor& x)
{
    detail::check_defined(TensorOp::Abs, x);
    if (!is_floating_point(x.dtype())) // |INT64_MIN| wraps to itself, as in PyTorch
        return detail::map_integer(x, [](std::int64_t v) { return v < 0 ? detail::wrapping_sub(0, v) : v; });
    Tensor out = map_unary(x, [](auto v) { return std::abs(v); });
    return detail::record(TensorOp::Abs, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor sign = map_unary(x, [](auto v) {
            using T = decltype(v);
            return v > T(0) ? T(1) : v < T(0) ? T(-1) : T(0);
        });
        return TensorList{step_scale(g, sign, x)};
    });
}

// y = x if x > 0 else slope*x;  dx = g if x > 0 else g*slope
Tensor leaky_relu(const Tensor& x, double slope)
{
    detail::check_defined(TensorOp::LeakyRelu, x);
    Tensor out = map_unary(x, [slope](auto v) {
        using T = decltype(v);
        return v > T(0) ? v : v * static_cast<T>(slope);
    });
    return detail::record(TensorOp::LeakyRelu, out, {&x}, {x}, [slope](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor factor = map_unary(x, [slope](auto v) {
            using T = decltype(v);
            return v > T(0) ? T(1) : static_cast<T>(slope);
        });
        return TensorList{step_scale(g, factor, x)};
    });
}

// y = min(max(x, lo), hi);  dx = g where lo <= x <= hi, else 0
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max)
{
    constexpr std::string_view op = op_name(TensorOp::Clamp);
    detail::check_defined(op, x);
    if (!min && !max)
        throw std::invalid_argument(fmt::format("{}: at least one of min and max must be given", op));
    const double lo = min.value_or(-INFINITY), hi = max.value_or(INFINITY);
    Tensor out = map_unary(x, [lo, hi](auto v) {
        using T = decltype(v);
        return std::min(std::max(v, static_cast<T>(lo)), static_cast<T>(hi)); // NaN stays NaN
    });
    return detail::record(TensorOp::Clamp, out, {&x}, {x}, [lo, hi](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor inside = map_unary(x, [lo, hi](auto v) {
            using T = decltype(v);
            return v >= static_cast<T>(lo) && v <= static_cast<T>(hi) ? T(1) : T(0);
        });
        return TensorList{step_scale(g, inside, x)};
    });
}

namespace detail {

// The integer-bound clamp (elementwise.hpp's template): int64 arithmetic for an integer x, the
// double clamp for a floating one.
Tensor clamp_to_integers(const Tensor& x, std::optional<std::int64_t> min, std::optional<std::int64_t> max)
{
    constexpr std::string_view op = op_name(TensorOp::Clamp);
    check_defined(op, x);
    if (is_floating_point(x.dtype()))
        return clamp(x, min ? std::optional(static_cast<double>(*min)) : std::nullopt,
                     max ? std::optional(static_cast<double>(*max)) : std::nullopt);
    if (!min && !max)
        throw std::invalid_argument(fmt::format("{}: at least one of min and max must be given", op));
    const std::int64_t lo = min.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t hi = max.value_or(std::numeric_limits<std::int64_t>::max());
    return map_integer(x, [lo, hi](std::int64_t v) { return std::min(std::max(v, lo), hi); });
}

} // namespace detail

// y = x^e;  dx = g*e*x^(e-1) (0 where e == 0),  de = g*y*ln x (0 where x == 0 and e >= 0)
Tensor pow(const Tensor& x, const Tensor& e)
{
    Tensor out = broadcast_binary(TensorOp::Pow, x, e, [](auto a, auto b) { return std::pow(a, b); });
    return detail::record(TensorOp::Pow, out, {&x, &e}, {x, e, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor& e = saved(n, 1);
        const Tensor zero = detail::zero_like(g);
        std::vector<Tensor> grads(2);
        if (needs(n, 0))
            grads[0] = sum_to(where(eq(e, 0.0), zero, g * e * pow(x, e - 1.0)), x.shape());
        if (needs(n, 1)) {
            const Tensor y = is_grad_enabled() ? pow(x, e) : saved(n, 2);
            grads[1] = sum_to(where(eq(x, 0.0) * ge(e, 0.0), zero, g * y * log(x)), e.shape());
        }
        return grads;
    });
}

// y = sin x;  dx = g cos x
Tensor sin(const Tensor& x)
{
    detail::check_defined(TensorOp::Sin, x);
    Tensor out = map_unary(x, [](auto v) { return std::sin(v); });
    return detail::record(TensorOp::Sin, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g * cos(saved(n, 0))};
    });
}

// y = cos x;  dx = -g sin x
Tensor cos(const Tensor& x)
{
    detail::check_defined(TensorOp::Cos, x);
    Tensor out = map_unary(x, [](auto v) { return std::cos(v); });
    return detail::record(TensorOp::Cos, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{-(g * sin(saved(n, 0)))};
    });
}

// y = ln(1 + x);  dx = g / (1 + x)
Tensor log1p(const Tensor& x)
{
    detail::check_defined(TensorOp::Log1p, x);
    Tensor out = map_unary(x, [](auto v) { return std::log1p(v); });
    return detail::record(TensorOp::Log1p, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        return TensorList{g / (saved(n, 0) + 1.0)};
    });
}

// y = e^x - 1;  dx = g (y + 1) = g e^x
Tensor expm1(const Tensor& x)
{
    detail::check_defined(TensorOp::Expm1, x);
    Tensor out = map_unary(x, [](auto v) { return std::expm1(v); });
    return detail::record(TensorOp::Expm1, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        if (is_grad_enabled()) // create_graph: from x, so that the next pass sees e^x
            return TensorList{g * exp(saved(n, 0))};
        return TensorList{broadcast_binary(TensorOp::Expm1, g, saved(n, 1),
                                           [](auto gv, auto yv) { return gv * (yv + decltype(yv)(1)); })};
    });
}

// y = ln(1 + e^(b x)) / b, or x where b x > threshold;  dx = g σ(b x), or g there
Tensor softplus(const Tensor& x, double beta, double threshold)
{
    constexpr std::string_view op = op_name(TensorOp::Softplus);
    detail::check_defined(op, x);
    if (beta == 0.0 || !std::isfinite(beta))
        throw std::invalid_argument(fmt::format("{}: beta must be a non-zero finite number (got {})", op, beta));
    Tensor out = map_unary(x, [beta, threshold](auto v) {
        using T = decltype(v);
        const T bx = v * static_cast<T>(beta);
        return bx > static_cast<T>(threshold) ? v : std::log1p(detail::exp_of(bx)) / static_cast<T>(beta);
    });
    return detail::record(TensorOp::Softplus, out, {&x}, {x}, [beta, threshold](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (is_grad_enabled()) { // create_graph: σ(b x) recorded (its derivative b σ (1 - σ) is softplus'')
            const Tensor bx = x * beta;
            return TensorList{g * where(gt(bx, threshold), Tensor::scalar(1.0, x.dtype()), sigmoid(bx))};
        }
        return TensorList{broadcast_binary(TensorOp::Softplus, g, x, [beta, threshold](auto gv, auto xv) {
            using T = decltype(gv);
            const T bx = xv * static_cast<T>(beta);
            return bx > static_cast<T>(threshold) ? gv : gv * detail::sigmoid_of(bx);
        })};
    });
}

namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;    // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi): the normal density at 0
constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2/pi)
constexpr double kGeluCubic = 0.044715;                 // the tanh form's cubic term

// gelu'(x). Exact: Φ(x) + x φ(x). Tanh form, u = k (x + c x^3), t = tanh u:
// 0.5 (1 + t) + 0.5 x (1 - t^2) u'  with u' = k (1 + 3 c x^2).
template <GeluApproximation A, class T> T gelu_derivative(T x)
{
    if constexpr (A == GeluApproximation::Tanh) {
        const T t = detail::tanh_of(T(kSqrt2OverPi) * (x + T(kGeluCubic) * x * x * x));
        return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCubic) * x * x);
    } else {
        return T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf))) + x * T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
    }
}

// gelu''(x) as recorded ops (for the gradient of gelu_backward in x). Exact: φ(x) (2 - x^2).
// Tanh form: (1 - t^2) (u' - x t u'^2 + 0.5 x u''), with u'' = 6 k c x.
Tensor gelu_second_derivative(const Tensor& x, GeluApproximation a)
{
    if (a == GeluApproximation::Tanh) {
        const Tensor du = (1.0 + x * x * (3 * kGeluCubic)) * kSqrt2OverPi;
        const Tensor t = tanh((x + x * x * x * kGeluCubic) * kSqrt2OverPi);
        return (1.0 - t * t) * (du - x * t * du * du + x * x * (3 * kSqrt2OverPi * kGeluCubic));
    }
    return exp(x * x * -0.5) * kInvSqrt2Pi * (2.0 - x * x);
}

// gelu's backward as an op: its derivative has erf in it, which is no op of its own here.
// y = g gelu'(x);  dg = gg gelu'(x),  dx = gg g gelu''(x)
Tensor gelu_backward(const Tensor& g, const Tensor& x, GeluApproximation a)
{
    Tensor out;
    if (a == GeluApproximation::Tanh)
        out = broadcast_binary(TensorOp::GeluBackward, g, x,
                               [](auto gv, auto xv) { return gv * gelu_derivative<GeluApproximation::Tanh>(xv); });
    else
        out = broadcast_binary(TensorOp::GeluBackward, g, x,
                               [](auto gv, auto xv) { return gv * gelu_derivative<GeluApproximation::None>(xv); });
    return detail::record(TensorOp::GeluBackward, out, {&g, &x}, {g, x}, [a](const Tensor& gg, const TensorNode& n) {
        const Tensor& g = saved(n, 0);
        const Tensor& x = saved(n, 1);
        return TensorList{needs(n, 0) ? gelu_backward(gg, x, a) : Tensor(),
                          needs(n, 1) ? gg * g * gelu_second_derivative(x, a) : Tensor()};
    });
}

} // namespace

// y = x Φ(x) = 0.5 x (1 + erf(x / sqrt 2)), or the tanh form;  dx = g gelu'(x) (gelu_backward)
Tensor gelu(const Tensor& x, GeluApproximation approximation)
{
    detail::check_defined(TensorOp::Gelu, x);
    if (approximation != GeluApproximation::None && approximation != GeluApproximation::Tanh)
        throw std::invalid_argument(fmt::format("{}: unknown approximation {}", op_name(TensorOp::Gelu),
                                                static_cast<int>(approximation)));
    Tensor out;
    if (approximation == GeluApproximation::Tanh)
        out = map_unary(x, [](auto v) {
            using T = decltype(v);
            return T(0.5) * v * (T(1) + detail::tanh_of(T(kSqrt2OverPi) * (v + T(kGeluCubic) * v * v * v)));
        });
    else
        out = map_unary(x, [](auto v) {
            using T = decltype(v);
            return T(0.5) * v * (T(1) + std::erf(v * T(kSqrtHalf)));
        });
    return detail::record(TensorOp::Gelu, out, {&x}, {x}, [approximation](const Tensor& g, const TensorNode& n) {
        return TensorList{gelu_backward(g, saved(n, 0), approximation)};
    });
}

// y = x σ(x);  dx = g σ(x) (1 + x (1 - σ(x)))
Tensor silu(const Tensor& x)
{
    detail::check_defined(TensorOp::Silu, x);
    Tensor out = map_unary(x, [](auto v) { return v * detail::sigmoid_of(v); });
    return detail::record(TensorOp::Silu, out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (is_grad_enabled()) { // create_graph: recorded ops, differentiable in g and x
            const Tensor s = sigmoid(x);
            return TensorList{g * s * (1.0 + x * (1.0 - s))};
        }
        return TensorList{broadcast_binary(TensorOp::Silu, g, x, [](auto gv, auto xv) {
            using T = decltype(gv);
            const T s = detail::sigmoid_of(xv);
            return gv * s * (T(1) + xv * (T(1) - s));
        })};
    });
}

// y = x if x > 0, else alpha (e^x - 1);  dx = g if x > 0, else g alpha e^x
Tensor elu(const Tensor& x, double alpha)
{
    detail::check_defined(TensorOp::Elu, x);
    Tensor out = map_unary(x, [alpha](auto v) {
        using T = decltype(v);
        return v > T(0) ? v : static_cast<T>(alpha) * (detail::exp_of(v) - T(1)); // PyTorch's e^x - 1 too
    });
    return detail::record(TensorOp::Elu, out, {&x}, {x}, [alpha](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        if (is_grad_enabled()) { // create_graph: alpha e^x recorded; the factor depends on x even where it is 1
            // e^min(x, 0): where() does not use it for x > 0, and it must not overflow there
            const Tensor e = exp(clamp(x, std::nullopt, 0.0)) * alpha;
            return TensorList{g * where(gt(x, 0.0), Tensor::scalar(1.0, x.dtype()), e)};
        }
        return TensorList{broadcast_binary(TensorOp::Elu, g, x, [alpha](auto gv, auto xv) {
            using T = decltype(gv);
            return xv > T(0) ? gv : gv * static_cast<T>(alpha) * detail::exp_of(xv);
        })};
    });
}

namespace {

// maximum (better = greater) or minimum (less) of two tensors. A NaN wins (PyTorch's). The
// gradient share of `self` against `other`: 1/2 on a tie, 0 where other is better, 1 elsewhere
// (NaNs included), as PyTorch's masked_fill formula.
template <class Better> Tensor extreme_of_two(TensorOp op, const Tensor& a, const Tensor& b, Better better)
{
    if (a.defined() && b.defined() && detail::both_integral(a, b)) { // exact in int64 (nothing to record)
        Tensor out = detail::integer_binary(op, a, b, [better](std::int64_t x, std::int64_t y) {
            return better(y, x) ? y : x;
        });
        return a.dtype() == Dtype::Bool && b.dtype() == Dtype::Bool ? out.to(Dtype::Bool) : out;
    }
    Tensor out = broadcast_binary(op, a, b, [better](auto x, auto y) {
        return std::isnan(x) ? x : std::isnan(y) ? y : better(y, x) ? y : x;
    });
    return detail::record(op, out, {&a, &b}, {a, b}, [op, better](const Tensor& g, const TensorNode& n) {
        const Tensor& a = saved(n, 0);
        const Tensor& b = saved(n, 1);
        const auto share = [&](const Tensor& self, const Tensor& other) {
            return broadcast_binary(op, self, other, [better](auto s, auto o) {
                using T = decltype(s);
                return s == o ? T(0.5) : better(o, s) ? T(0) : T(1);
            });
        };
        return TensorList{needs(n, 0) ? sum_to(step_scale(g, share(a, b), a), a.shape()) : Tensor(),
                          needs(n, 1) ? sum_to(step_scale(g, share(b, a), b), b.shape()) : Tensor()};
    });
}

} // namespace

// y = max(a, b);  da = g where a > b, g/2 where a == b, 0 elsewhere (db likewise)
Tensor maximum(const Tensor& a, const Tensor& b)
{
    return extreme_of_two(TensorOp::Maximum, a, b, [](auto p, auto q) { return p > q; });
}

// y = min(a, b);  da = g where a < b, g/2 where a == b, 0 elsewhere (db likewise)
Tensor minimum(const Tensor& a, const Tensor& b)
{
    return extreme_of_two(TensorOp::Minimum, a, b, [](auto p, auto q) { return p < q; });
}

Tensor Tensor::relu() const { return autograd::relu(*this); }
Tensor Tensor::sigmoid() const { return autograd::sigmoid(*this); }
Tensor Tensor::tanh() const { return autograd::tanh(*this); }
Tensor Tensor::exp() const { return autograd::exp(*this); }
Tensor Tensor::log() const { return autograd::log(*this); }
Tensor Tensor::pow(double exponent) const { return autograd::pow(*this, exponent); }
Tensor Tensor::sqrt() const { return autograd::sqrt(*this); }
Tensor Tensor::abs() const { return autograd::abs(*this); }

} // namespace autograd
