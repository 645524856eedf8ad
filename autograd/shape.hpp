// Shapes of n-d tensors: sizes, contiguous strides, broadcasting, and their printing.
//
// Broadcasting follows NumPy and PyTorch: align shapes at the right; each pair of sizes must be
// equal or contain a 1, and the result takes the larger; a missing dimension counts as 1.
//   [3, 1, 5] with [4, 1] -> [3, 4, 5]
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

using Shape = std::vector<std::int64_t>;

/// "[3, 4]"; "[]" for a scalar (0-d) shape.
std::string to_string(std::span<const std::int64_t> shape);

/// Product of the sizes (1 for a 0-d shape). Throws std::invalid_argument on a negative size.
std::int64_t shape_numel(std::span<const std::int64_t> shape);

/// Row-major strides, in elements.
Shape contiguous_strides(std::span<const std::int64_t> shape);

/// The broadcast of two shapes; throws std::invalid_argument naming `op` and both shapes.
Shape broadcast_shapes(std::string_view op, std::span<const std::int64_t> a, std::span<const std::int64_t> b);

/// An axis in [-dim, dim) as [0, dim); throws std::invalid_argument naming `op`, the axis and the shape.
std::int64_t normalize_axis(std::string_view op, std::int64_t axis, std::span<const std::int64_t> shape);

} // namespace autograd
