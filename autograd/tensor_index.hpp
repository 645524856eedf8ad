// Tensor ops that select, join and rearrange elements: slicing, indexing, concatenation,
// stacking, permutation, (un)squeezing and expansion. Included by tensor.hpp.
#pragma once

namespace autograd {
} // namespace autograd
