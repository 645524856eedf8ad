// clip_grad_norm_: rescales gradients so that their joint norm is at most max_norm, PyTorch's
// torch.nn.utils.clip_grad_norm_. Call it between backward() and step():
//
//   loss.backward();
//   double norm = nn::clip_grad_norm_(model.parameters(), 1.0);   // the norm before clipping
//   opt.step();
//
// It takes the parameters in every form an optimizer does (Params), opt.params() too.
//
// The norm is over all gradients as one vector, computed as PyTorch does, per parameter first:
//   total = || (||g_1||_p, ..., ||g_n||_p) ||_p        (p = inf: the largest |g|)
//   clip_coef = max_norm / (total + 1e-6), and when clip_coef < 1 every gradient is multiplied by it.
// Tensors without a gradient are left out (as PyTorch's p.grad is None); with none at all the
// norm is 0.
#pragma once

#include "nn/optim/param_ref.hpp"

#include <limits>
#include <vector>

namespace nn {

/// Returns the total norm of the gradients before clipping. norm_type must be > 0 (or infinity).
/// With error_if_nonfinite, a NaN or infinite total norm throws std::runtime_error and leaves the
/// gradients alone; without it they are scaled by the (then meaningless) coefficient, as PyTorch does.
double clip_grad_norm_(const Params& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

inline constexpr double inf_norm = std::numeric_limits<double>::infinity();

} // namespace nn
