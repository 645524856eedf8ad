// cross_entropy as one op: log-softmax and the negative log-likelihood of the labels in one pass
// over the logits, and a backward that is softmax minus one-hot in one pass (the recorded
// composition takes six tensors for the same). The classifiers' loss, on every training step.
// Not included by tensor.hpp (nn::cross_entropy and the other losses of nn/modules/loss.hpp are
// what models call); autograd.hpp includes it.
//
//   Tensor loss = cross_entropy(logits, labels);                  // logits [N, C], labels [N]
//   Tensor each = binary_cross_entropy(p, y, Reduction::None);    // per element
#pragma once

namespace autograd {

class Tensor;

enum class Reduction { Mean, Sum, None };

/// A loss's per-element values reduced as asked: their mean, their sum, or themselves (None), as
/// a recorded op. The losses of this file and of nn/modules/loss.hpp end in it. Throws
/// std::invalid_argument for a value outside the enum.
Tensor reduce(const Tensor& per_element, Reduction reduction);

/// Per row i of logits [N, C]: lse(logits_i) - logits_i[labels_i], with labels [N] holding class
/// indices: int64 (torch's), or floats of the logits' dtype holding integers (accepted as before
/// int64 tensors existed). Stable for any finite logits (1e4 included). Reduction over the rows:
/// mean (PyTorch's default), sum, or none ([N]). Throws std::invalid_argument naming the shapes,
/// or the row and value of a label that is not an integer in [0, C).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction = Reduction::Mean);

/// -(y log p + (1 - y) log(1 - p)) per element, each log clamped at -100, with PyTorch's gradient
/// (p - y) / max(p (1 - p), 1e-12): finite at p = 0 and p = 1 where the composed ops would give
/// infinities times zero. Shapes of p and y must be equal.
Tensor binary_cross_entropy(const Tensor& p, const Tensor& y, Reduction reduction = Reduction::Mean);

} // namespace autograd
