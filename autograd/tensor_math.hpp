// More tensor math: elementwise functions beyond the basics, max/min/var/std reductions,
// softmax and log_softmax, comparisons, where, one_hot. Included by tensor.hpp.
#pragma once

namespace autograd {
} // namespace autograd
