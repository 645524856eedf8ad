#include "nn/modules/pool.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace nn {

using autograd::Size2;
using autograd::Tensor;

namespace {

// PyTorch prints the sizes as given: an int as "2", a pair as "(2, 3)". A Size2 does not
// remember which, so equal sizes print as the one number.
std::string size_repr(Size2 s) { return s.h == s.w ? fmt::format("{}", s.h) : fmt::format("({}, {})", s.h, s.w); }

// torch.nn.MaxUnpool2d stores its sizes as pairs (_pair), so it prints "(2, 2)" for 2.
std::string pair_repr(Size2 s) { return fmt::format("({}, {})", s.h, s.w); }

// The checks autograd's pools make at each call, made once here so that a bad module fails where
// it is built.
void check_sizes(std::string_view module, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation)
{
    if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0)
        throw std::invalid_argument(fmt::format("{}: kernel_size {}, stride {} and dilation {} must be positive", module,
                                                size_repr(kernel), size_repr(stride), size_repr(dilation)));
    if (padding.h < 0 || padding.w < 0 || padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
        throw std::invalid_argument(fmt::format("{}: padding {} must be between 0 and half the kernel_size {}", module,
                                                size_repr(padding), size_repr(kernel)));
}

} // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding, Size2 dilation, bool ceil_mode)
    : kernel_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding), dilation_(dilation),
      ceil_mode_(ceil_mode)
{
    check_sizes("MaxPool2d", kernel_, stride_, padding_, dilation_);
}

Tensor MaxPool2d::forward(const Tensor& input)
{
    return autograd::max_pool2d(input, kernel_, stride_, padding_, dilation_, ceil_mode_);
}

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input)
{
    return autograd::max_pool2d_with_indices(input, kernel_, stride_, padding_, dilation_, ceil_mode_);
}

std::string MaxPool2d::extra_repr() const
{
    return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", size_repr(kernel_),
                       size_repr(stride_), size_repr(padding_), size_repr(dilation_), ceil_mode_ ? "True" : "False");
}

AvgPool2d::AvgPool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding, bool count_include_pad,
                     bool ceil_mode)
    : kernel_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding),
      count_include_pad_(count_include_pad), ceil_mode_(ceil_mode)
{
    check_sizes("AvgPool2d", kernel_, stride_, padding_, 1);
}

Tensor AvgPool2d::forward(const Tensor& input)
{
    return autograd::avg_pool2d(input, kernel_, stride_, padding_, count_include_pad_, ceil_mode_);
}

std::string AvgPool2d::extra_repr() const
{
    return fmt::format("kernel_size={}, stride={}, padding={}", size_repr(kernel_), size_repr(stride_),
                       size_repr(padding_));
}

MaxUnpool2d::MaxUnpool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding)
    : kernel_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding)
{
    if (kernel_.h <= 0 || kernel_.w <= 0 || stride_.h <= 0 || stride_.w <= 0)
        throw std::invalid_argument(fmt::format("MaxUnpool2d: kernel_size {} and stride {} must be positive",
                                                pair_repr(kernel_), pair_repr(stride_)));
    if (padding_.h < 0 || padding_.w < 0)
        throw std::invalid_argument(fmt::format("MaxUnpool2d: padding {} must not be negative", pair_repr(padding_)));
}

Tensor MaxUnpool2d::forward(const Tensor& input)
{
    throw std::invalid_argument(fmt::format("MaxUnpool2d: forward needs the indices of the pooling (input {}): call "
                                            "it as unpool(input, indices[, output_size])",
                                            autograd::to_string(input.shape())));
}

Tensor MaxUnpool2d::forward(const Tensor& input, const Tensor& indices, std::optional<Size2> output_size)
{
    return autograd::max_unpool2d(input, indices, kernel_, stride_, padding_, output_size);
}

std::string MaxUnpool2d::extra_repr() const
{
    return fmt::format("kernel_size={}, stride={}, padding={}", pair_repr(kernel_), pair_repr(stride_),
                       pair_repr(padding_));
}

} // namespace nn
