// How PyTorch prints the values in a module's description (extra_repr), for the modules that
// print a tuple of sizes: LayerNorm's normalized_shape, Unflatten's unflattened_size.
//
//   python_tuple({784});         // "(784,)": a tuple of one keeps its comma, as Python prints it
//   python_tuple({1, 28, 28});   // "(1, 28, 28)"
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace nn {

inline std::string python_tuple(std::span<const std::int64_t> sizes)
{
    // Appended piece by piece: GCC 12 warns (-Wstringop-overflow, a false positive, at the LTO
    // link) on the same built as ("" or ", ") + std::to_string(...).
    std::string out = "(";
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += std::to_string(sizes[i]);
    }
    if (sizes.size() == 1)
        out += ",";
    return out + ")";
}

} // namespace nn
