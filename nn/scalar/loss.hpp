// Losses on scalar outputs. Each takes a model's outputs and plain-number targets of the same
// length and returns one Value to call backward() on.
//
//   std::vector<Value> out = model({Value(0.5), Value(-1.0)});                 // nn/scalar/mlp.hpp
//   Value loss = nn::mse_loss(out, std::vector<double>{1.0}) + 1e-4 * nn::l2_penalty(model.parameters());
//   loss.backward();
#pragma once

#include <autograd/value.hpp>

#include <span>

namespace nn {

/// Mean squared error: (1/n) sum_i (out_i - target_i)^2 (PyTorch's MSELoss, reduction "mean").
/// For one output it is the tutorials' squared error (a - y)^2.
autograd::Value mse_loss(std::span<const autograd::Value> outputs, std::span<const double> targets);

/// Hinge loss for labels -1/+1: (1/n) sum_i max(0, 1 - y_i * score_i) (the moons demo's loss).
autograd::Value hinge_loss(std::span<const autograd::Value> scores, std::span<const double> labels);

/// Sum of squares of the parameters, for L2 regularisation: loss + alpha * l2_penalty(params).
autograd::Value l2_penalty(std::span<const autograd::Value> params);

} // namespace nn
