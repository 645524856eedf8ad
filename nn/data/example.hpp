// Example: one sample of plain numbers, an input and its target, as the scalar networks of
// nn/scalar/ train on them (nn::train) and as labelled data sets make them (one_hot_examples).
//
//   std::vector<nn::Example> xor_data = {{{0, 0}, {0}}, {{0, 1}, {1}}, {{1, 0}, {1}}, {{1, 1}, {0}}};
#pragma once

#include <vector>

namespace nn {

struct Example {
    std::vector<double> input;
    std::vector<double> target;
};

} // namespace nn
