// Conv2d: 2-d convolution with a learned kernel, as torch.nn.Conv2d (weight [out, in/groups, kH, kW],
// bias [out]; zero padding).
//
//   autograd::Generator gen(0);
//   nn::Conv2d conv(3, 16, 3, gen, {.padding = 1});   // weight [16, 3, 3, 3], bias [16]
//   Tensor y = conv(x);                               // x [N, 3, H, W] -> y [N, 16, H, W]
//   nn::Conv2d dw(16, 16, 3, gen, {.groups = 16, .bias = false});   // depthwise
//   nn::Conv2d same(3, 16, 4, gen, {.padding = autograd::ConvPadding::Same});  // y [N, 16, H, W]
//
// Initialised as PyTorch does: weight and bias uniform in +-1/sqrt(fan_in), fan_in =
// in/groups * kH * kW (its kaiming_uniform_ with a = sqrt(5), and the bias rule), weight first,
// from the generator given. Computed by autograd::conv2d.
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/ops/conv.hpp>
#include <autograd/random.hpp>

#include <optional>

namespace nn {

/// Conv2d's padding, as torch.nn.Conv2d's: sizes (one number for both dimensions, or height and
/// width), or a rule, autograd::ConvPadding::Valid or Same ('valid', 'same').
struct Conv2dPadding {
    autograd::Size2 size = 0;
    std::optional<autograd::ConvPadding> rule; // when set, size is unused
    constexpr Conv2dPadding(std::int64_t both) : size(both) {} // NOLINT: implicit, as PyTorch's int
    constexpr Conv2dPadding(std::int64_t height, std::int64_t width) : size(height, width) {}
    constexpr Conv2dPadding(autograd::Size2 sizes) : size(sizes) {}           // NOLINT: implicit
    constexpr Conv2dPadding(autograd::ConvPadding by_rule) : rule(by_rule) {} // NOLINT: implicit
};

struct Conv2dOptions {
    autograd::Size2 stride = 1;
    Conv2dPadding padding = 0;
    autograd::Size2 dilation = 1;
    std::int64_t groups = 1;
    bool bias = true;
    autograd::Dtype dtype = autograd::Dtype::Float32;
};

class Conv2d : public Module {
public:
    Conv2d(std::int64_t in_channels, std::int64_t out_channels, autograd::Size2 kernel_size, autograd::Generator& gen,
           Conv2dOptions options = {});

    autograd::Tensor forward(const autograd::Tensor& input) override;
    /// act(forward(input)) as one op (autograd::conv2d with an activation): what Sequential runs
    /// for a Conv2d followed by ReLU, Sigmoid or Tanh.
    autograd::Tensor forward(const autograd::Tensor& input, autograd::Activation act);
    std::string type_name() const override { return "Conv2d"; }
    /// As PyTorch's: "3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)" (padding,
    /// dilation, groups and bias=False only when not the default; a rule as padding=same).
    std::string extra_repr() const override;

    const autograd::Tensor& weight() const { return weight_; }
    /// Undefined when built without a bias.
    const autograd::Tensor& bias() const { return bias_; }
    std::int64_t in_channels() const { return in_; }
    std::int64_t out_channels() const { return out_; }
    autograd::Size2 kernel_size() const { return kernel_; }
    const Conv2dOptions& options() const { return options_; }

private:
    std::int64_t in_, out_;
    autograd::Size2 kernel_;
    Conv2dOptions options_;
    autograd::Tensor weight_, bias_;
};

} // namespace nn
