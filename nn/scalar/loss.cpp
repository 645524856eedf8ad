#include "nn/scalar/loss.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

namespace nn {
namespace {

void check_sizes(std::string_view loss, std::size_t outputs, std::size_t targets)
{
    if (outputs != targets)
        throw std::invalid_argument(fmt::format("{}: {} outputs but {} targets", loss, outputs, targets));
    if (outputs == 0)
        throw std::invalid_argument(fmt::format("{}: no outputs (the mean of nothing is undefined)", loss));
}

} // namespace

autograd::Value mse_loss(std::span<const autograd::Value> outputs, std::span<const double> targets)
{
    check_sizes("mse_loss", outputs.size(), targets.size());
    autograd::Value total = pow(outputs[0] - targets[0], 2.0);
    for (std::size_t i = 1; i < outputs.size(); ++i)
        total = total + pow(outputs[i] - targets[i], 2.0);
    return outputs.size() == 1 ? total : total * (1.0 / static_cast<double>(outputs.size()));
}

autograd::Value hinge_loss(std::span<const autograd::Value> scores, std::span<const double> labels)
{
    check_sizes("hinge_loss", scores.size(), labels.size());
    for (double y : labels)
        if (y != 1.0 && y != -1.0)
            throw std::invalid_argument(fmt::format("hinge_loss: labels must be -1 or +1 (got {})", y));
    // -y*s + 1 folds both numbers into the nodes: two nodes and the relu per sample.
    autograd::Value total = relu(-labels[0] * scores[0] + 1.0);
    for (std::size_t i = 1; i < scores.size(); ++i)
        total = total + relu(-labels[i] * scores[i] + 1.0);
    return total * (1.0 / static_cast<double>(scores.size()));
}

autograd::Value l2_penalty(std::span<const autograd::Value> params)
{
    if (params.empty())
        return autograd::Value::constant(0.0);
    autograd::Value total = params[0] * params[0];
    for (std::size_t i = 1; i < params.size(); ++i)
        total = total + params[i] * params[i];
    return total;
}

} // namespace nn
