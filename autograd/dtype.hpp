// Element types of tensors: float32 (the default, as in PyTorch), float64 (gradient checks),
// int64 (class labels and indices) and bool (masks read from and written to safetensors files).
//
//   Tensor t = Tensor::zeros({2, 3}, Dtype::Float64);
//   dispatch(t.dtype(), [&]<class T>() { T* p = t.data_ptr<T>(); p[0] = T(1); });   // T = double
//   dispatch_any(Dtype::Int64, [&]<class T>() { ... });                             // T = std::int64_t
//   promote_types(Dtype::Int64, Dtype::Float32);   // Float32, as torch.promote_types
//   itemsize(Dtype::Float32);   // 4
//
// Two dispatchers, because most kernels are floating-point arithmetic (exp, matmul, softmax):
// dispatch() instantiates them for float and double only, and throws for an integer dtype rather
// than read int64 bits as doubles. dispatch_any() serves the few kernels that only move or compare
// elements (copies, reshape, permute, slice, index_select, cat, to(), printing), for every dtype.
//
// NOTE: Bool is stored as one byte (C++ bool), as torch.bool. It is here so that BOOL entries of
// safetensors files (attention masks, flags saved by torch) load and save unchanged and so that
// masks cost a byte rather than eight; arithmetic on it goes through promotion to int64 or float.
// The comparisons still return 0/1 tensors of their operands' dtype (as before this dtype existed),
// not Bool: their callers multiply by them, and where() takes any dtype as its condition.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace autograd {

enum class Dtype : std::uint8_t { Float32, Float64, Int64, Bool };

constexpr std::size_t itemsize(Dtype d)
{
    switch (d) {
    case Dtype::Float32: return 4;
    case Dtype::Float64: return 8;
    case Dtype::Int64: return 8;
    case Dtype::Bool: return 1;
    }
    return 0;
}

constexpr std::string_view to_string(Dtype d)
{
    switch (d) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
    case Dtype::Bool: return "bool";
    }
    return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, Dtype d) { return os << to_string(d); }

/// Whether elements are floating-point numbers: only these tensors can require a gradient.
constexpr bool is_floating_point(Dtype d) { return d == Dtype::Float32 || d == Dtype::Float64; }

template <class T> inline constexpr Dtype dtype_of = Dtype::Float32;
template <> inline constexpr Dtype dtype_of<double> = Dtype::Float64;
template <> inline constexpr Dtype dtype_of<std::int64_t> = Dtype::Int64;
template <> inline constexpr Dtype dtype_of<bool> = Dtype::Bool;

/// The dtype of the result of an op over operands of dtypes a and b (torch.promote_types): a
/// floating dtype wins over int64 and bool, int64 over bool. float32 with float64 is refused
/// (std::invalid_argument naming `op`): this library never widens silently, since a float64
/// operand in a float32 model is almost always a mistake that torch would hide.
inline Dtype promote_types(Dtype a, Dtype b, std::string_view op = "promote_types")
{
    if (a == b)
        return a;
    if (is_floating_point(a) && is_floating_point(b))
        throw std::invalid_argument(std::string(op) + ": dtypes " + std::string(to_string(a)) + " and " +
                                    std::string(to_string(b)) + " differ (convert one with .to())");
    if (is_floating_point(a))
        return a;
    if (is_floating_point(b))
        return b;
    return Dtype::Int64; // int64 with bool
}

/// Converts one element to type D as PyTorch's to() does: toward zero from floating point to
/// int64, nonzero (NaN included) to true for bool. Returns false, leaving `out` unset, where C++
/// would be undefined: a NaN, an infinity or a value beyond int64's range converted to int64
/// (PyTorch gives an unspecified number there; callers throw instead).
template <class D, class S> constexpr bool convert_element(S v, D& out)
{
    if constexpr (std::is_same_v<D, bool>) {
        out = v != S(0);
    } else if constexpr (std::is_same_v<D, std::int64_t> && std::is_floating_point_v<S>) {
        constexpr double kLimit = 9223372036854775808.0; // 2^63
        if (!(static_cast<double>(v) >= -kLimit && static_cast<double>(v) < kLimit))
            return false;
        out = static_cast<D>(v);
    } else {
        out = static_cast<D>(v);
    }
    return true;
}

namespace detail {
[[noreturn]] inline void throw_not_floating(Dtype d)
{
    throw std::invalid_argument("an " + std::string(to_string(d)) +
                                " tensor reached an op that computes in floating point only; convert it with "
                                ".to(Dtype::Float32)");
}
} // namespace detail

/// Calls f.template operator()<T>() with T = float or double for the dtype: the one place where a
/// runtime dtype becomes a compile-time element type for arithmetic. Throws std::invalid_argument
/// for int64 and bool (ops promote those before they get here; one that does not says so).
template <class F> decltype(auto) dispatch(Dtype d, F&& f)
{
    if (d == Dtype::Float64)
        return f.template operator()<double>();
    if (d != Dtype::Float32) [[unlikely]]
        detail::throw_not_floating(d);
    return f.template operator()<float>();
}

/// The same for every dtype: T = float, double, std::int64_t or bool. For kernels that move,
/// convert or compare elements, never for arithmetic.
template <class F> decltype(auto) dispatch_any(Dtype d, F&& f)
{
    switch (d) {
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: return f.template operator()<std::int64_t>();
    case Dtype::Bool: return f.template operator()<bool>();
    case Dtype::Float32: break;
    }
    return f.template operator()<float>();
}

} // namespace autograd
