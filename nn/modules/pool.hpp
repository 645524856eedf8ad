// MaxPool2d and AvgPool2d, as torch.nn's: modules over autograd::max_pool2d and
// autograd::avg_pool2d, with no parameters.
//
//   nn::Sequential model{nn::Conv2d(1, 8, 3, gen), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
//                        nn::Linear(8 * 13 * 13, 10, gen)};   // [N, 1, 28, 28] -> [N, 10]
//   nn::AvgPool2d pool(3, 2, 1);                              // kernel 3, stride 2, padding 1
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/ops/pool.hpp>

#include <optional>
#include <utility>

namespace nn {

class MaxPool2d : public Module {
public:
    /// stride defaults to the kernel size, as in PyTorch. Throws std::invalid_argument for a
    /// non-positive kernel, stride or dilation, or padding over half the kernel.
    explicit MaxPool2d(autograd::Size2 kernel_size, std::optional<autograd::Size2> stride = std::nullopt,
                       autograd::Size2 padding = 0, autograd::Size2 dilation = 1, bool ceil_mode = false);

    autograd::Tensor forward(const autograd::Tensor& input) override;
    /// The pooled input and where each maximum came from (autograd::max_pool2d_with_indices): what
    /// torch.nn.MaxPool2d(return_indices=True) returns from forward.
    std::pair<autograd::Tensor, autograd::Tensor> forward_with_indices(const autograd::Tensor& input);
    std::string type_name() const override { return "MaxPool2d"; }
    /// As PyTorch's for sizes given as one number: "kernel_size=2, stride=2, padding=0,
    /// dilation=1, ceil_mode=False" (a size of two different numbers prints as "(2, 3)").
    std::string extra_repr() const override;

private:
    autograd::Size2 kernel_, stride_, padding_, dilation_;
    bool ceil_mode_;
};

class AvgPool2d : public Module {
public:
    /// count_include_pad before ceil_mode, as autograd::avg_pool2d (which says why).
    explicit AvgPool2d(autograd::Size2 kernel_size, std::optional<autograd::Size2> stride = std::nullopt,
                       autograd::Size2 padding = 0, bool count_include_pad = true, bool ceil_mode = false);

    autograd::Tensor forward(const autograd::Tensor& input) override;
    std::string type_name() const override { return "AvgPool2d"; }
    /// As PyTorch's: "kernel_size=2, stride=2, padding=0".
    std::string extra_repr() const override;

private:
    autograd::Size2 kernel_, stride_, padding_;
    bool count_include_pad_, ceil_mode_;
};

} // namespace nn
