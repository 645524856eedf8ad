// The IDX format of MNIST: a magic number (two zero bytes, a type code, the number of
// dimensions), the dimensions as big-endian 32-bit integers, then the data row-major and
// big-endian. Files may be gzipped (told apart by their first bytes, not their names).
//
//   Tensor images = nn::load_idx("data/mnist-10k/train-images-idx3-ubyte.gz");  // [8000, 28, 28]
//   nn::LabelledTensors train = nn::load_mnist("data/mnist-10k", "train");      // [8000, 784] in [0, 1]
//   nn::ByteImageDataset bytes = nn::load_mnist_bytes("data/mnist-10k", "train"); // the same, as bytes
//
// NOTE: class labels are held in a float tensor of integer values (3.0f for class 3), the
// engine's convention: gather, one_hot and the losses take their indices so.
#pragma once

#include "nn/data/byte_image_dataset.hpp"
#include "nn/data/labelled_tensors.hpp"

#include <autograd/tensor.hpp>

#include <filesystem>
#include <string>

namespace nn {

/// The IDX file as a tensor of its shape, converted to `dtype`. Types: unsigned byte (0x08),
/// signed byte (0x09), short (0x0B), int (0x0C), float (0x0D), double (0x0E). Throws
/// std::runtime_error naming the file and the byte offset: a wrong magic number, an unknown type,
/// a file that ends inside the header or the data, bytes after the data (the dimensions'
/// product must match the data's length exactly), corrupt gzip data, a NaN or infinite value in a
/// float or double file, or one beyond the range of `dtype`.
autograd::Tensor load_idx(const std::filesystem::path& path, autograd::Dtype dtype = autograd::Dtype::Float32);

/// `split` ("train" or "test") of an MNIST folder: {split}-images-idx3-ubyte[.gz] and
/// {split}-labels-idx1-ubyte[.gz] (for "test", LeCun's names t10k-... are found too). Images are
/// flattened to [N, 784] and scaled to [0, 1]; labels are [N]. Throws std::runtime_error unless
/// both files are unsigned bytes, the images [N, 28, 28], the labels [N] with every label 0..9.
LabelledTensors load_mnist(const std::filesystem::path& dir, const std::string& split,
                           autograd::Dtype dtype = autograd::Dtype::Float32);

/// The same files with the same checks (messages start "load_mnist_bytes"), the images kept as
/// bytes [N, 784] and converted to `dtype` batch by batch: a quarter of the memory of
/// load_mnist's float32 images, and batches equal to its rows bit for bit.
ByteImageDataset load_mnist_bytes(const std::filesystem::path& dir, const std::string& split,
                                  autograd::Dtype dtype = autograd::Dtype::Float32);

} // namespace nn
