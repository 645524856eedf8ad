// Classification accuracy of a model: the share of rows whose largest score is at the label.
#pragma once

#include "nn/module.hpp"

namespace nn {

/// model(features) gives scores [N, C]; labels [N] hold class indices (as floats). Runs the
/// model without recording a graph. 0 for no rows; throws std::invalid_argument naming the
/// shapes when the counts differ.
double accuracy(Module& model, const autograd::Tensor& features, const autograd::Tensor& labels);

} // namespace nn
