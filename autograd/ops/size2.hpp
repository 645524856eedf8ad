// A pair of sizes for the two spatial dimensions (height, width) of the 2-d window ops: conv2d's
// and the pools' kernel, stride, padding and dilation. As in PyTorch, one number stands for both.
//
//   conv2d(x, w, b, 2, 1);            // stride 2, padding 1 in both dimensions
//   conv2d(x, w, b, {2, 1}, {0, 1});  // stride 2 down, 1 across; padding 0 and 1
#pragma once

#include <cstdint>

namespace autograd {

struct Size2 {
    std::int64_t h = 0, w = 0;
    constexpr Size2(std::int64_t both) : h(both), w(both) {} // NOLINT: implicit, as PyTorch's int
    constexpr Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
    friend constexpr bool operator==(Size2, Size2) = default;
};

} // namespace autograd
