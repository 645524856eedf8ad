#include "autograd/shape.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ostream>
#include <stdexcept>

namespace autograd {

std::string to_string(std::span<const std::int64_t> shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << to_string(shape); }

std::int64_t shape_numel(std::span<const std::int64_t> shape)
{
    std::int64_t n = 1;
    for (std::int64_t s : shape)
        if (s < 0)
            throw std::invalid_argument("shape " + to_string(shape) + " has a negative size");
    for (std::int64_t s : shape)
        if (__builtin_mul_overflow(n, s, &n)) // a product past 2^63 would be undefined behaviour
            throw std::invalid_argument("shape " + to_string(shape) + " has too many elements");
    return n;
}

Shape contiguous_strides(std::span<const std::int64_t> shape)
{
    Shape strides(shape.size());
    std::int64_t stride = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = stride;
        stride *= std::max<std::int64_t>(shape[i], 1);
    }
    return strides;
}

Shape broadcast_shapes(std::string_view op, std::span<const std::int64_t> a, std::span<const std::int64_t> b)
{
    const std::size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
        const std::int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
        if (sa != sb && sa != 1 && sb != 1)
            throw std::invalid_argument(fmt::format("{}: shapes {} and {} cannot be broadcast together (dimension {}: {} vs {})",
                                                    op, to_string(a), to_string(b), i, sa, sb));
        out[i] = sa == 1 ? sb : sa;
    }
    return out;
}

std::int64_t normalize_axis(std::string_view op, std::int64_t axis, std::span<const std::int64_t> shape)
{
    const auto dim = static_cast<std::int64_t>(shape.size());
    if (dim == 0)
        throw std::invalid_argument(fmt::format("{}: axis {} given for a 0-d tensor, which has no axes", op, axis));
    if (axis < -dim || axis >= dim)
        throw std::invalid_argument(fmt::format("{}: axis {} is out of range for shape {} (valid: {} to {})", op, axis,
                                                to_string(shape), -dim, dim - 1));
    return axis < 0 ? axis + dim : axis;
}

} // namespace autograd
