// Element types of tensors: float32 (the default, as in PyTorch) and float64 (gradient checks).
//
//   Tensor t = Tensor::zeros({2, 3}, Dtype::Float64);
//   dispatch(t.dtype(), [&]<class T>() { T* p = t.data_ptr<T>(); p[0] = T(1); });   // T = double
//   itemsize(Dtype::Float32);   // 4
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace autograd {

enum class Dtype : std::uint8_t { Float32, Float64 };

constexpr std::size_t itemsize(Dtype d) { return d == Dtype::Float32 ? 4 : 8; }
constexpr std::string_view to_string(Dtype d) { return d == Dtype::Float32 ? "float32" : "float64"; }

inline std::ostream& operator<<(std::ostream& os, Dtype d) { return os << to_string(d); }

template <class T> inline constexpr Dtype dtype_of = Dtype::Float32;
template <> inline constexpr Dtype dtype_of<double> = Dtype::Float64;

/// Calls f.template operator()<T>() with T = float or double for the dtype: the one place where a
/// runtime dtype becomes a compile-time element type.
template <class F> decltype(auto) dispatch(Dtype d, F&& f)
{
    if (d == Dtype::Float64)
        return f.template operator()<double>();
    return f.template operator()<float>();
}

} // namespace autograd
