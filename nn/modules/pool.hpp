// MaxPool2d, AvgPool2d and MaxUnpool2d, as torch.nn's: modules over autograd::max_pool2d,
// autograd::avg_pool2d and autograd::max_unpool2d, with no parameters.
//
//   nn::Sequential model{nn::Conv2d(1, 8, 3, gen), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
//                        nn::Linear(8 * 13 * 13, 10, gen)};   // [N, 1, 28, 28] -> [N, 10]
//   nn::AvgPool2d pool(3, 2, 1);                              // kernel 3, stride 2, padding 1
//   nn::MaxPool2d down(2);
//   nn::MaxUnpool2d up(2);
//   auto [y, at] = down.forward_with_indices(x);              // torch's return_indices=True
//   Tensor back = up(y, at);                                  // each maximum back in its place
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/ops/pool.hpp>
#include <autograd/ops/unpool.hpp>

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
    /// NOTE: a method rather than torch's return_indices flag: forward is virtual and returns one
    /// tensor (Sequential chains it), so a flag could not change what it returns; a second method
    /// keeps both return types fixed and the same module usable in a Sequential and beside a
    /// MaxUnpool2d.
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

/// The partial inverse of MaxPool2d (autograd::max_unpool2d). It needs the pooling's indices, so
/// it is called with two or three arguments; the one-argument forward of every Module throws
/// (a MaxUnpool2d in a Sequential is a mistake, as in PyTorch, where it lacks the indices).
class MaxUnpool2d : public Module {
public:
    /// stride defaults to the kernel size, as in PyTorch. Throws std::invalid_argument for a
    /// non-positive kernel or stride, or negative padding.
    explicit MaxUnpool2d(autograd::Size2 kernel_size, std::optional<autograd::Size2> stride = std::nullopt,
                         autograd::Size2 padding = 0);

    /// Throws std::invalid_argument: the indices are missing.
    autograd::Tensor forward(const autograd::Tensor& input) override;
    /// output_size (H, W) as torch's (the size before pooling, when the default is not it).
    autograd::Tensor forward(const autograd::Tensor& input, const autograd::Tensor& indices,
                             std::optional<autograd::Size2> output_size = std::nullopt);
    using Module::operator();
    autograd::Tensor operator()(const autograd::Tensor& input, const autograd::Tensor& indices,
                                std::optional<autograd::Size2> output_size = std::nullopt)
    {
        return forward(input, indices, output_size);
    }
    std::string type_name() const override { return "MaxUnpool2d"; }
    /// As PyTorch's, which prints every size as a pair: "kernel_size=(2, 2), stride=(2, 2),
    /// padding=(0, 0)".
    std::string extra_repr() const override;

private:
    autograd::Size2 kernel_, stride_, padding_;
};

} // namespace nn
