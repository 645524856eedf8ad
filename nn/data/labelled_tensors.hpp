// LabelledTensors: a data set held as two tensors, features and class labels, as the loaders of
// MNIST (nn/data/idx.hpp) and of CSV files (nn/data/csv.hpp) return it.
//
//   nn::LabelledTensors train = nn::load_mnist("data/mnist-10k", "train");  // [8000, 784], [8000]
//   nn::TensorDataset data(train.features, train.labels);
#pragma once

#include <autograd/tensor.hpp>

namespace nn {

/// Features and class labels, row i of one belonging to element i of the other.
struct LabelledTensors {
    autograd::Tensor features; // [N, F]
    autograd::Tensor labels;   // [N], class indices, int64
};

} // namespace nn
