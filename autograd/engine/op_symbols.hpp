// The symbols DOT draws for the ops both engines have. The scalar table (scalar_ops.hpp) and the
// tensor table (tensor_ops.hpp) both take them from here, so that an op looks the same in a Value
// graph and in a Tensor graph: mul is "*" in both, sigmoid "σ".
//
//   static constexpr OpInfo info{"mul", op_symbol::mul, 2};   // scalar_ops.hpp
//   X(Mul, "mul", op_symbol::mul, true)                        // tensor_ops.hpp
#pragma once

#include <string_view>

namespace autograd::op_symbol {

inline constexpr std::string_view add = "+";
inline constexpr std::string_view sub = "-";
inline constexpr std::string_view mul = "*";
inline constexpr std::string_view div = "/";
inline constexpr std::string_view pow = "^";
inline constexpr std::string_view neg = "-";
inline constexpr std::string_view exp = "exp";
inline constexpr std::string_view log = "log";
inline constexpr std::string_view tanh = "tanh";
inline constexpr std::string_view sigmoid = "σ";
inline constexpr std::string_view relu = "ReLU";

} // namespace autograd::op_symbol
