#include "nn/optimizer.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace nn {

Optimizer::Optimizer(std::vector<ParamRef> params) : params_(std::move(params))
{
    for (const ParamRef& p : params_)
        numel_ += p.numel();
}

void Optimizer::zero_grad()
{
    for (const ParamRef& p : params_)
        p.zero_grad();
}

void Optimizer::require(bool ok, std::string_view optimizer, std::string_view what, double value)
{
    if (!ok)
        throw std::invalid_argument(fmt::format("{}: {} (got {})", optimizer, what, value));
}

} // namespace nn
