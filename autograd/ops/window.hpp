// Where a window op (conv2d's im2col and col2im, the pools) reads real input rather than padding,
// one dimension at a time. Internal to the ops.
//
//   // output columns whose input column xo * 2 - 1 lies in [0, 28):
//   Span s = inside(14, 28, 2, -1);   // {1, 14}: column 0 reads the padding at -1
#pragma once

#include <algorithm>
#include <cstdint>

namespace autograd::detail {

/// Output positions [first, last).
struct Span {
    std::int64_t first = 0, last = 0;
};

/// The output positions o in [0, out) whose input position o * stride + offset lies in [0, in).
/// They are contiguous, so computing them once per row lets the inner loops run without a test
/// per element: those tests were most of the time of a small CNN's epoch.
constexpr Span inside(std::int64_t out, std::int64_t in, std::int64_t stride, std::int64_t offset)
{
    // o * stride + offset >= 0  <=>  o >= ceil(-offset / stride);  < in  <=>  o <= (in - 1 - offset) / stride
    const std::int64_t first = std::min(out, offset >= 0 ? 0 : (-offset + stride - 1) / stride);
    const std::int64_t last = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
    return {first, std::clamp(last, first, out)};
}

} // namespace autograd::detail
