#include "nn/modules/flatten.hpp"
#include "nn/modules/python_repr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

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

Unflatten::Unflatten(std::int64_t dim, autograd::Shape unflattened_size) : dim_(dim), sizes_(std::move(unflattened_size))
{
    if (sizes_.empty() || std::any_of(sizes_.begin(), sizes_.end(), [](std::int64_t s) { return s < 1; }))
        throw std::invalid_argument(fmt::format("Unflatten(dim={}): unflattened_size {} must be one or more positive "
                                                "sizes",
                                                dim, autograd::to_string(sizes_)));
}

// A reshape too: dim's size must be the product of the new sizes.
Tensor Unflatten::forward(const Tensor& input)
{
    const std::int64_t d = input.dim();
    const std::int64_t dim = dim_ < 0 ? dim_ + d : dim_;
    std::int64_t product = 1;
    for (std::int64_t s : sizes_)
        product *= s;
    if (dim < 0 || dim >= d || input.size(dim) != product)
        throw std::invalid_argument(fmt::format("Unflatten(dim={}, unflattened_size={}): does not fit input {} (want "
                                                "a dimension {} of size {})",
                                                dim_, autograd::to_string(sizes_), autograd::to_string(input.shape()),
                                                dim_, product));
    autograd::Shape shape;
    for (std::int64_t i = 0; i < d; ++i)
        if (i == dim)
            for (std::int64_t s : sizes_)
                shape.push_back(s);
        else
            shape.push_back(input.size(i));
    return input.reshape(shape);
}

std::string Unflatten::extra_repr() const
{
    return fmt::format("dim={}, unflattened_size={}", dim_, python_tuple(sizes_));
}

} // namespace nn
