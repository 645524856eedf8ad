// The IDX format of MNIST: a magic number (two zero bytes, a type code, the number of
// dimensions), the dimensions as big-endian 32-bit integers, then the data row-major and
// big-endian. Files may be gzipped.
//
//   Tensor images = nn::load_idx("data/mnist-10k/train-images-idx3-ubyte.gz");  // [8000, 28, 28]
//   nn::LabelledTensors train = nn::load_mnist("data/mnist-10k", "train");      // [8000, 784] in [0, 1]
//
// Class labels are held in a float tensor of integer values, the engine's convention (gather,
// one_hot and the losses take them so).
#pragma once

#include <autograd/tensor.hpp>

#include <filesystem>
#include <string>

namespace nn {

/// The IDX file as a tensor of its shape, converted to `dtype`. Types: unsigned byte (08),
/// signed byte (09), short (0B), int (0C), float (0D), double (0E). Throws std::runtime_error
/// naming the file and the byte offset: a wrong magic number, an unknown type, a truncated file,
/// trailing bytes.
autograd::Tensor load_idx(const std::filesystem::path& path, autograd::Dtype dtype = autograd::Dtype::Float32);

/// Features and class labels, row i of one belonging to element i of the other.
struct LabelledTensors {
    autograd::Tensor features; // [N, F]
    autograd::Tensor labels;   // [N], class indices held as floats
};

/// `split` ("train" or "test") of an MNIST folder ({split}-images-idx3-ubyte[.gz] and
/// {split}-labels-idx1-ubyte[.gz]): images flattened to 784 features scaled to [0, 1]; the
/// counts must agree and every label be 0..9.
LabelledTensors load_mnist(const std::filesystem::path& dir, const std::string& split);

} // namespace nn
