// Elementwise tensor ops: arithmetic with broadcasting, and functions applied to each element.
// Included by tensor.hpp.
//
//   Tensor y = (x - mu) / sqrt(sigma2 + 1e-5) * gamma + beta;  // [N, C] with [C]: broadcast
//   Tensor h = clamp(leaky_relu(x, 0.1), -1.0, std::nullopt);
//   Tensor p = pow(base, exponent);                            // both differentiable
//
// Semantics are PyTorch's (1.13), gradients included:
// - Binary ops broadcast their operands (NumPy's rules) and need one dtype; a double operand is
//   a scalar of the tensor's dtype (an int64 tensor becomes float32), an integer operand of + - *
//   keeps an int64 tensor int64 (the templates below). A broadcast input's gradient is summed
//   back to its shape.
// - relu'(0) = 0; abs has gradient sign(x), 0 at 0; clamp passes the gradient where
//   min <= x <= max (inclusive) and 0 elsewhere; leaky_relu's gradient at 0 is the slope.
// - Domain edges as in PyTorch: log(0) = -inf, log(-1) = NaN, sqrt'(0) = inf, log1p(-1) = -inf.
// - maximum/minimum split the gradient half and half where a == b (PyTorch's rule); a NaN in
//   either operand gives NaN, and both operands its gradient.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>

namespace autograd {

class Tensor;

// Arithmetic with broadcasting; a double operand is a scalar of the tensor's dtype.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);

namespace detail {
/// An integer number as an operand (not bool, which reads as a flag, not a number).
template <class I>
concept IntegerScalar = std::integral<I> && !std::same_as<I, bool>;
/// a op s (or s op a with scalar_first) for op '+', '-' or '*': int64 arithmetic (wrapping, as
/// torch's) for an int64 or bool a, the double operators for a floating a.
Tensor integer_scalar_op(char op, const Tensor& a, std::int64_t s, bool scalar_first);
} // namespace detail

/// Arithmetic with an integer, torch's rule: int64_tensor + 2 stays int64 (int64_tensor + 2.0
/// is float32, as above), float_tensor + 2 stays float. Templates, so that an int operand picks
/// them over the double overloads (which it would convert to as readily as to std::int64_t).
/// Division has no integer form: int64_tensor / 2 is true division, float32, as in torch.
template <detail::IntegerScalar I> Tensor operator+(const Tensor& a, I s)
{
    return detail::integer_scalar_op('+', a, static_cast<std::int64_t>(s), false);
}
template <detail::IntegerScalar I> Tensor operator+(I s, const Tensor& a)
{
    return detail::integer_scalar_op('+', a, static_cast<std::int64_t>(s), true);
}
template <detail::IntegerScalar I> Tensor operator-(const Tensor& a, I s)
{
    return detail::integer_scalar_op('-', a, static_cast<std::int64_t>(s), false);
}
template <detail::IntegerScalar I> Tensor operator-(I s, const Tensor& a)
{
    return detail::integer_scalar_op('-', a, static_cast<std::int64_t>(s), true);
}
template <detail::IntegerScalar I> Tensor operator*(const Tensor& a, I s)
{
    return detail::integer_scalar_op('*', a, static_cast<std::int64_t>(s), false);
}
template <detail::IntegerScalar I> Tensor operator*(I s, const Tensor& a)
{
    return detail::integer_scalar_op('*', a, static_cast<std::int64_t>(s), true);
}

Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);

/// sqrt(x); gradient g / (2 sqrt(x)) (inf at 0, as PyTorch).
Tensor sqrt(const Tensor& x);
/// |x|; gradient g * sign(x), 0 at x == 0.
Tensor abs(const Tensor& x);
/// x where x > 0, slope * x elsewhere.
Tensor leaky_relu(const Tensor& x, double slope = 0.01);
/// min(max(x, min), max); either bound may be absent (not both). With min > max every element
/// becomes max, as in PyTorch. Double bounds make an int64 x float32 (torch.clamp's promotion);
/// integer bounds, the overload below, keep it int64.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);

namespace detail {
Tensor clamp_to_integers(const Tensor& x, std::optional<std::int64_t> min, std::optional<std::int64_t> max);
/// An integer or an absent bound: what makes clamp(x, 0, 6) and clamp(x, 0, std::nullopt) keep
/// an int64 x int64, as torch.clamp with int bounds.
template <class B>
concept IntegerBound = std::integral<B> || std::same_as<B, std::nullopt_t>;
} // namespace detail

/// clamp with integer bounds (one may be std::nullopt): an int64 x stays int64 (bool reads as 0
/// and 1 and gives int64); a floating x is clamped as with the bounds as doubles. A template so
/// that clamp(x, 0, 1) picks it over the double overload, and clamp(x, 0, 2.5) does not (torch
/// promotes an int64 x to float32 there, and so does the double overload).
template <detail::IntegerBound Lo, detail::IntegerBound Hi>
    requires(!(std::same_as<Lo, std::nullopt_t> && std::same_as<Hi, std::nullopt_t>))
Tensor clamp(const Tensor& x, Lo min, Hi max)
{
    const auto bound = []<class B>(B b) -> std::optional<std::int64_t> {
        if constexpr (std::same_as<B, std::nullopt_t>)
            return std::nullopt;
        else
            return static_cast<std::int64_t>(b);
    };
    return detail::clamp_to_integers(x, bound(min), bound(max));
}
/// x^exponent elementwise with broadcasting, both differentiable. As PyTorch: d/dx is 0 where
/// the exponent is 0, d/dexponent = x^e ln x is 0 where x == 0 and e >= 0.
Tensor pow(const Tensor& x, const Tensor& exponent);

Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
/// ln(1 + x), accurate for small x (std::log1p).
Tensor log1p(const Tensor& x);
/// e^x - 1, accurate for small x (std::expm1).
Tensor expm1(const Tensor& x);
/// ln(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch.nn.functional.softplus:
/// there the two agree to the last digit and the exponential would overflow). beta must be a
/// non-zero finite number.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
/// GELU's formula: exact x Φ(x) (Φ the normal CDF, through erf), or PyTorch's tanh form
/// 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x^3))) (approximate='tanh').
enum class GeluApproximation { None, Tanh };
/// x Φ(x), as torch.nn.functional.gelu (approximate='none' or 'tanh').
Tensor gelu(const Tensor& x, GeluApproximation approximation = GeluApproximation::None);
/// x * sigmoid(x) (SiLU, "swish").
Tensor silu(const Tensor& x);
/// x where x > 0, alpha (e^x - 1) elsewhere; gradient alpha e^x for x <= 0 (PyTorch's, at 0 too).
Tensor elu(const Tensor& x, double alpha = 1.0);
/// The larger (smaller) of a and b elementwise, with broadcasting; on a tie each gets half the
/// gradient, as in PyTorch. Two int64 (or bool) operands give int64 (bool for two bools, as
/// torch); int64 with a float dtype gives that dtype (promote_types).
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

} // namespace autograd
