// Copying a state dict into existing tensors in place: what loading weights into a model means.
//
//   nn::load_state_dict(model.state_dict(), nn::load_safetensors("model.safetensors"));
//
// The destination's tensors are the model's own (a StateDict holds handles that share data), so
// writing into them updates the model; the optimizer's references to the parameters stay valid.
#pragma once

#include "nn/io/state_dict.hpp"

#include <string>
#include <vector>

namespace nn {

/// The names that did not match, as PyTorch's load_state_dict returns them (in the order of the
/// destination for missing names, of the source for unexpected ones).
struct IncompatibleKeys {
    std::vector<std::string> missing_keys;    // in the destination, not in the source
    std::vector<std::string> unexpected_keys; // in the source, not in the destination
};

/// Copies the data of every source tensor into the destination tensor of the same name, in
/// place and without recording a graph (parameters that require a gradient stay leaves).
/// With `strict`, the two must have the same names: otherwise std::invalid_argument lists every
/// missing and every unexpected name. Without it, unmatched names are returned and skipped.
/// Shapes and dtypes of matched names must be equal (no broadcasting, no conversion): the error
/// names the tensor and both shapes and dtypes. Everything is checked before anything is
/// written, so a failed load leaves the destination as it was.
IncompatibleKeys load_state_dict(const StateDict& destination, const StateDict& source, bool strict = true);

} // namespace nn
