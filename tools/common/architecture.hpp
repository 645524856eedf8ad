// The model train builds and evaluate and predict rebuild (--model): an MLP of --layers, or the
// small CNN of workload W5 (examples/mnist_cnn.cpp) on one-channel images whose pixels are the
// data's rows. A checkpoint's metadata holds what rebuilding it takes (write_metadata).
//
//   Architecture a;
//   a.kind = "cnn", a.image = {28, 28}, a.classes = 10;
//   a.check();                                  // the sizes fit the network, or an error naming them
//   nn::Sequential model = build(a, gen);       // Unflatten, Conv2d(1, 8, 5), ReLU, MaxPool2d(2), ...
//
// The CNN: Unflatten(1, {1, H, W}), Conv2d(1, 8, 5), ReLU, MaxPool2d(2), Conv2d(8, 16, 5), ReLU,
// MaxPool2d(2), Flatten, Linear(16 * h * w, classes), h x w what the pools leave: 4x4 for MNIST's
// 28x28 with padding valid (W5 exactly). With padding valid an image must be at least 16x16 for
// the second convolution to fit; padding same keeps each convolution's output the size of its
// input, so images down to 4x4 fit (8x8 digits leave 2x2).
#pragma once

#include <nn/modules/sequential.hpp>

#include <autograd/ops/conv.hpp>
#include <autograd/random.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

/// An image's height and width.
struct ImageSize {
    std::int64_t height = 0, width = 0;
    friend bool operator==(const ImageSize&, const ImageSize&) = default;
};

/// "8x8" (or "8X8") -> {8, 8}; std::invalid_argument naming `option` and the text otherwise.
ImageSize parse_image_size(std::string_view text, std::string_view option = "--image");
/// {8, 8} -> "8x8".
std::string to_string(ImageSize size);

/// "valid" or "same"; std::invalid_argument naming `option` and the text otherwise.
autograd::ConvPadding parse_conv_padding(std::string_view text, std::string_view option = "--conv-padding");

struct Architecture {
    std::string kind = "mlp";                 // mlp or cnn
    std::vector<std::int64_t> sizes;          // mlp: --layers, input first
    std::string activation = "relu";          // mlp: between the layers (the CNN's is ReLU)
    ImageSize image;                          // cnn
    autograd::ConvPadding padding = autograd::ConvPadding::Valid; // cnn: of both convolutions
    std::int64_t classes = 0;                 // cnn: outputs

    /// Features per row the model takes, and its outputs.
    std::int64_t inputs() const;
    std::int64_t outputs() const;
    /// cnn: the features after Flatten (16 * h * w). std::invalid_argument naming --model cnn,
    /// the image, --conv-padding and the size at which a layer no longer fits.
    std::int64_t cnn_features() const;
    /// The sizes make a network: mlp at least two sizes, cnn an image the layers fit and two
    /// classes or more. std::invalid_argument naming the options otherwise.
    void check() const;
};

/// The network, weights drawn from gen in layer order (as examples/mnist_cnn draws them), and
/// `output_activation` ("none" or "sigmoid") after the last layer.
nn::Sequential build(const Architecture& a, autograd::Generator& gen, std::string_view output_activation = "none");

/// The metadata keys that describe `a`: "model", and for a cnn "image", "conv_padding" and
/// "classes". An mlp's "layers" and "activation" are train's options as the user wrote them (a
/// resumed run compares them as text), written by train itself.
void write_metadata(const Architecture& a, std::map<std::string, std::string>& meta);

} // namespace tools
