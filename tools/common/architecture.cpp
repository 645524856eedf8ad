#include "architecture.hpp"

#include <nn/modules/activation.hpp>
#include <nn/modules/conv.hpp>
#include <nn/modules/flatten.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/modules/pool.hpp>

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <stdexcept>

namespace tools {
namespace {

constexpr std::int64_t kKernel = 5, kPool = 2, kChannels1 = 8, kChannels2 = 16;
constexpr std::int64_t kMaxSide = 1 << 15; // far past any image; keeps H * W and the layers' sizes small
constexpr std::int64_t kMaxClasses = 1 << 24;

std::int64_t side(std::string_view text, std::string_view whole, std::string_view option)
{
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < 1 || v > kMaxSide)
        throw std::invalid_argument(fmt::format("{} '{}': want HEIGHTxWIDTH, two whole numbers from 1 to {} (such as 8x8)",
                                                option, whole, kMaxSide));
    return v;
}

} // namespace

ImageSize parse_image_size(std::string_view text, std::string_view option)
{
    const std::size_t x = text.find_first_of("xX");
    if (x == std::string_view::npos)
        throw std::invalid_argument(fmt::format("{} '{}': want HEIGHTxWIDTH (such as 8x8)", option, text));
    return {side(text.substr(0, x), text, option), side(text.substr(x + 1), text, option)};
}

std::string to_string(ImageSize size) { return fmt::format("{}x{}", size.height, size.width); }

autograd::ConvPadding parse_conv_padding(std::string_view text, std::string_view option)
{
    if (text == "valid")
        return autograd::ConvPadding::Valid;
    if (text == "same")
        return autograd::ConvPadding::Same;
    throw std::invalid_argument(fmt::format("{} '{}': valid or same", option, text));
}

std::int64_t Architecture::inputs() const { return kind == "cnn" ? image.height * image.width : sizes.front(); }
std::int64_t Architecture::outputs() const { return kind == "cnn" ? classes : sizes.back(); }

std::int64_t Architecture::cnn_features() const
{
    // Each layer's output size, as the ops compute it; the first that does not fit is named.
    ImageSize s = image;
    const bool same = padding == autograd::ConvPadding::Same;
    // The way out: same padding where it would fit (4x4 and up), else larger images or the mlp
    // (iris's four features make a 2x2 image, which no padding saves).
    const bool fits_same = image.height >= kPool * kPool && image.width >= kPool * kPool; // two pools
    const auto fail = [&](const std::string& where) {
        return std::invalid_argument(fmt::format(
            "--model cnn: images of {} are too small for its layers with --conv-padding {}: {}; give {}", to_string(image),
            autograd::to_string(padding), where,
            !fits_same ? "images of at least 4x4 (with --conv-padding same), or use --model mlp"
            : same     ? "images of at least 4x4"
                       : "--conv-padding same (images down to 4x4), or images of at least 16x16"));
    };
    for (int conv = 1; conv <= 2; ++conv) {
        if (!same) {
            if (s.height < kKernel || s.width < kKernel)
                throw fail(fmt::format("the {} {}x{} convolution gets {}", conv == 1 ? "first" : "second", kKernel,
                                       kKernel, to_string(s)));
            s = {s.height - kKernel + 1, s.width - kKernel + 1};
        }
        if (s.height < kPool || s.width < kPool)
            throw fail(fmt::format("the {} {}x{} max-pool gets {}", conv == 1 ? "first" : "second", kPool, kPool,
                                   to_string(s)));
        s = {s.height / kPool, s.width / kPool};
    }
    return kChannels2 * s.height * s.width;
}

void Architecture::check() const
{
    if (kind == "mlp") {
        if (sizes.size() < 2)
            throw std::invalid_argument("--layers: at least an input and an output size");
        return;
    }
    if (kind != "cnn")
        throw std::invalid_argument(fmt::format("--model '{}': mlp or cnn", kind));
    cnn_features();
    if (classes < 2 || classes > kMaxClasses)
        throw std::invalid_argument(fmt::format("--model cnn: {} classes (the largest label + 1); a classifier needs from two "
                                                "to {}",
                                                classes, kMaxClasses));
}

nn::Sequential build(const Architecture& a, autograd::Generator& gen, std::string_view output_activation)
{
    a.check();
    if (a.kind == "mlp")
        return nn::make_mlp(a.sizes, a.activation, gen, output_activation);
    // Valid as padding 0, the default, so that the model prints as W5's (and torch's nn.Conv2d(1, 8, 5)).
    const nn::Conv2dOptions conv{.padding = a.padding == autograd::ConvPadding::Same ? nn::Conv2dPadding(a.padding)
                                                                                     : nn::Conv2dPadding(0)};
    nn::Sequential model{nn::Unflatten(1, {1, a.image.height, a.image.width}),
                         nn::Conv2d(1, kChannels1, kKernel, gen, conv),
                         nn::ReLU(),
                         nn::MaxPool2d(kPool),
                         nn::Conv2d(kChannels1, kChannels2, kKernel, gen, conv),
                         nn::ReLU(),
                         nn::MaxPool2d(kPool),
                         nn::Flatten(),
                         nn::Linear(a.cnn_features(), a.classes, gen)};
    if (output_activation == "sigmoid")
        model.push_back(std::make_shared<nn::Sigmoid>());
    else if (output_activation != "none")
        throw std::invalid_argument(fmt::format("output activation '{}': none or sigmoid", output_activation));
    return model;
}

void write_metadata(const Architecture& a, std::map<std::string, std::string>& meta)
{
    meta["model"] = a.kind;
    if (a.kind == "cnn") {
        meta["image"] = to_string(a.image);
        meta["conv_padding"] = autograd::to_string(a.padding);
        meta["classes"] = std::to_string(a.classes);
    }
}

} // namespace tools
