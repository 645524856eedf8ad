#include "nn/modules/activation.hpp"

#include <fmt/format.h>

namespace nn {

std::string LeakyReLU::extra_repr() const { return fmt::format("negative_slope={}", slope_); }
std::string Softmax::extra_repr() const { return fmt::format("dim={}", dim_); }
std::string LogSoftmax::extra_repr() const { return fmt::format("dim={}", dim_); }

} // namespace nn
