#include "nn/modules/conv.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace nn {

using autograd::Size2;
using autograd::Tensor;

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, autograd::Generator& gen,
               Conv2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel_size), options_(options)
{
    const auto fail = [&](std::string_view why) {
        return std::invalid_argument(fmt::format("Conv2d({}, {}, kernel_size=({}, {})): {}", in_channels, out_channels,
                                                 kernel_size.h, kernel_size.w, why));
    };
    if (in_channels <= 0 || out_channels <= 0 || kernel_size.h <= 0 || kernel_size.w <= 0)
        throw fail("channels and kernel size must be positive");
    if (options.groups <= 0 || in_channels % options.groups != 0 || out_channels % options.groups != 0)
        throw fail(fmt::format("groups={} must be positive and divide both channel counts", options.groups));
    const Size2 pad = options.padding.size;
    if (options.stride.h <= 0 || options.stride.w <= 0 || options.dilation.h <= 0 || options.dilation.w <= 0 ||
        pad.h < 0 || pad.w < 0)
        throw fail(fmt::format("stride ({}, {}) and dilation ({}, {}) must be positive, padding ({}, {}) not negative",
                               options.stride.h, options.stride.w, options.dilation.h, options.dilation.w, pad.h, pad.w));
    // PyTorch refuses this when the module is built, not at its first call.
    if (options.padding.rule == autograd::ConvPadding::Same && options.stride != Size2(1))
        throw fail(fmt::format("padding='same' is not supported for strided convolutions (stride ({}, {}))",
                               options.stride.h, options.stride.w));
    const std::int64_t fan_in = in_channels / options.groups * kernel_size.h * kernel_size.w;
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    weight_ = register_parameter(
        "weight", Tensor::rand({out_channels, in_channels / options.groups, kernel_size.h, kernel_size.w}, gen, -bound,
                               bound, options.dtype));
    if (options.bias)
        bias_ = register_parameter("bias", Tensor::rand({out_channels}, gen, -bound, bound, options.dtype));
}

Tensor Conv2d::forward(const Tensor& input) { return forward(input, autograd::Activation::None); }

Tensor Conv2d::forward(const Tensor& input, autograd::Activation act)
{
    if (options_.padding.rule)
        return autograd::conv2d(input, weight_, bias_, options_.stride, *options_.padding.rule, options_.dilation,
                                options_.groups, act);
    return autograd::conv2d(input, weight_, bias_, options_.stride, options_.padding.size, options_.dilation,
                            options_.groups, act);
}

std::string Conv2d::extra_repr() const
{
    const auto pair = [](Size2 s) { return fmt::format("({}, {})", s.h, s.w); };
    std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", in_, out_, pair(kernel_), pair(options_.stride));
    if (options_.padding.rule)
        s += fmt::format(", padding={}", autograd::to_string(*options_.padding.rule));
    else if (options_.padding.size != Size2(0))
        s += ", padding=" + pair(options_.padding.size);
    if (options_.dilation != Size2(1))
        s += ", dilation=" + pair(options_.dilation);
    if (options_.groups != 1)
        s += fmt::format(", groups={}", options_.groups);
    if (!bias_.defined())
        s += ", bias=False";
    return s;
}

} // namespace nn
