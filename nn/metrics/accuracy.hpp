// Classification accuracy of a model: the share of rows whose largest score is at the label.
//
//   double acc = nn::accuracy(model, test.features, test.labels);             // LabelledTensors
//   double acc = nn::accuracy(model, nn::load_mnist_bytes("data/mnist-10k", "test"));  // by batches
#pragma once

#include "nn/data/dataset.hpp"
#include "nn/modules/module.hpp"

#include <cstddef>
#include <cstdint>

namespace nn {

/// model(features) gives scores [N, C]; labels [N] hold class indices: int64 (argmax's dtype,
/// torch's), or floats holding integers as before int64 tensors existed. Runs the
/// model without recording a graph. 0 for no rows; throws std::invalid_argument naming the
/// shapes when the counts differ.
double accuracy(Module& model, const autograd::Tensor& features, const autograd::Tensor& labels);

/// Rows of scores [N, C] whose largest score is at their label ([N], class indices, int64 or float): for
/// a caller that already has the model's outputs (a training step, a loss on the same rows).
/// Throws std::invalid_argument naming the shapes when they do not fit.
std::size_t count_correct(const autograd::Tensor& scores, const autograd::Tensor& labels);

/// The same over a data set, batch_size samples at a time in order, so that a large set is never
/// held whole as floats (a ByteImageDataset's bytes stay bytes). Throws std::invalid_argument
/// for a batch size below 1.
double accuracy(Module& model, const Dataset& data, std::int64_t batch_size = 256);

} // namespace nn
