// Flatten: merges the dimensions start_dim..end_dim into one, as torch.nn.Flatten (by default
// every dimension but the batch's: [N, C, H, W] -> [N, C H W]), for a Linear after convolutions.
// Unflatten: the inverse, one dimension split into several, as torch.nn.Unflatten: rows of
// pixels made images for a convolution.
//
//   nn::Flatten flat;                        // start_dim 1, end_dim -1
//   Tensor y = flat(x);                      // [8, 16, 5, 5] -> [8, 400]
//   nn::Unflatten images(1, {1, 28, 28});
//   Tensor z = images(rows);                 // [64, 784] -> [64, 1, 28, 28]
#pragma once

#include "nn/modules/module.hpp"

namespace nn {

class Flatten : public Module {
public:
    /// Negative dimensions count from the end, as in PyTorch.
    explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1);

    /// Throws std::invalid_argument naming Flatten and the shape if a dimension is out of range or
    /// start_dim comes after end_dim.
    autograd::Tensor forward(const autograd::Tensor& input) override;
    std::string type_name() const override { return "Flatten"; }
    /// As PyTorch's: "start_dim=1, end_dim=-1".
    std::string extra_repr() const override;

private:
    std::int64_t start_, end_;
};

class Unflatten : public Module {
public:
    /// dim may count from the end. Throws std::invalid_argument naming Unflatten unless every size
    /// is positive.
    Unflatten(std::int64_t dim, autograd::Shape unflattened_size);

    /// Throws std::invalid_argument naming Unflatten and the shape if dim is out of range or its
    /// size is not the product of unflattened_size.
    autograd::Tensor forward(const autograd::Tensor& input) override;
    std::string type_name() const override { return "Unflatten"; }
    /// As PyTorch's: "dim=1, unflattened_size=(1, 28, 28)".
    std::string extra_repr() const override;

private:
    std::int64_t dim_;
    autograd::Shape sizes_;
};

} // namespace nn
