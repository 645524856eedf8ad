#include "nn/modules/flatten.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

Flatten::Flatten(std::int64_t start_dim, std::int64_t end_dim) : start_(start_dim), end_(end_dim) {}

// A reshape: no copy, and its gradient is the reshape back.
Tensor Flatten::forward(const Tensor& input)
{
    // As PyTorch, a 0-d tensor counts as one dimension: it flattens to [1].
    const std::int64_t d = std::max<std::int64_t>(input.dim(), 1);
    const std::int64_t s = start_ < 0 ? start_ + d : start_, e = end_ < 0 ? end_ + d : end_;
    if (s < 0 || s >= d || e < 0 || e >= d || s > e)
        throw std::invalid_argument(fmt::format("Flatten(start_dim={}, end_dim={}): does not fit input {}", start_,
                                                end_, autograd::to_string(input.shape())));
    if (input.dim() == 0)
        return input.reshape({1});
    autograd::Shape shape;
    std::int64_t merged = 1;
    for (std::int64_t i = 0; i < input.dim(); ++i) {
        const std::int64_t size = input.shape()[static_cast<std::size_t>(i)];
        if (i < s || i > e)
            shape.push_back(size);
        else {
            merged *= size;
            if (i == e)
                shape.push_back(merged);
        }
    }
    return input.reshape(shape);
}

std::string Flatten::extra_repr() const { return fmt::format("start_dim={}, end_dim={}", start_, end_); }

} // namespace nn
