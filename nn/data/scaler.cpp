#include "nn/data/scaler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace nn {

std::string to_string(ScalerKind kind)
{
    switch (kind) {
    case ScalerKind::None:
        return "none";
    case ScalerKind::Standard:
        return "standard";
    case ScalerKind::MinMax:
        return "minmax";
    }
    return "?";
}

ScalerKind parse_scaler_kind(std::string_view text)
{
    for (ScalerKind k : {ScalerKind::None, ScalerKind::Standard, ScalerKind::MinMax})
        if (text == to_string(k))
            return k;
    throw std::invalid_argument(fmt::format("scaler '{}': want none, standard or minmax", text));
}

void Scaler::fit(const autograd::Tensor& features)
{
    if (features.dim() != 2 || features.size(0) < 1)
        throw std::invalid_argument(fmt::format("Scaler::fit: features must be [N, F] with N >= 1, got {}",
                                                autograd::to_string(features.shape())));
    const auto rows = static_cast<std::size_t>(features.size(0)), cols = static_cast<std::size_t>(features.size(1));
    const std::vector<double> x = features.to_vector();
    // Accumulated in double whatever the features' dtype, as scikit-learn does.
    std::vector<double> center(cols, 0.0), scale(cols, 1.0);
    for (std::size_t j = 0; j < cols; ++j) {
        double lo = x[j], hi = x[j], sum = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const double v = x[i * cols + j];
            if (!std::isfinite(v))
                throw std::invalid_argument(fmt::format("Scaler::fit: the value at row {}, column {} is {}", i, j, v));
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        }
        if (kind_ == ScalerKind::Standard) {
            const double mean = sum / static_cast<double>(rows);
            double ss = 0.0;
            for (std::size_t i = 0; i < rows; ++i)
                ss += (x[i * cols + j] - mean) * (x[i * cols + j] - mean);
            const double sd = std::sqrt(ss / static_cast<double>(rows));
            center[j] = mean;
            scale[j] = sd > 0.0 ? sd : 1.0;
        } else if (kind_ == ScalerKind::MinMax) {
            center[j] = lo;
            scale[j] = hi > lo ? hi - lo : 1.0;
        }
    }
    const autograd::Shape shape{static_cast<std::int64_t>(cols)};
    center_ = autograd::Tensor(std::move(center), shape).to(autograd::Dtype::Float64);
    scale_ = autograd::Tensor(std::move(scale), shape).to(autograd::Dtype::Float64);
}

autograd::Tensor Scaler::transform(const autograd::Tensor& x) const
{
    if (kind_ == ScalerKind::None)
        return x; // nothing to fit, nothing to apply
    if (!fitted())
        throw std::logic_error("Scaler::transform: the scaler is not fitted (call fit or load_state_dict first)");
    const std::int64_t width = center_.size(0);
    if (x.dim() < 1 || x.dim() > 2 || x.size(x.dim() - 1) != width)
        throw std::invalid_argument(fmt::format("Scaler::transform: fitted on {} features, got a tensor of shape {}",
                                                width, autograd::to_string(x.shape())));
    autograd::NoGradGuard no_grad; // preprocessing: no gradient flows into the data
    return (x - center_.to(x.dtype())) / scale_.to(x.dtype());
}

StateDict Scaler::state_dict() const
{
    StateDict s;
    if (fitted()) {
        s.insert("center", center_);
        s.insert("scale", scale_);
    }
    return s;
}

void Scaler::load_state_dict(const StateDict& state)
{
    for (const char* name : {"center", "scale"})
        if (!state.contains(name))
            throw std::invalid_argument(fmt::format("Scaler::load_state_dict: no entry '{}'", name));
    const autograd::Tensor center = state.at("center").to(autograd::Dtype::Float64);
    const autograd::Tensor scale = state.at("scale").to(autograd::Dtype::Float64);
    if (center.dim() != 1 || scale.shape() != center.shape())
        throw std::invalid_argument(fmt::format("Scaler::load_state_dict: center {} and scale {} must be the same [F]",
                                                autograd::to_string(center.shape()), autograd::to_string(scale.shape())));
    for (double s : scale.to_vector())
        if (!(std::isfinite(s) && s > 0.0))
            throw std::invalid_argument(fmt::format("Scaler::load_state_dict: a scale of {} (want finite and > 0)", s));
    for (double c : center.to_vector())
        if (!std::isfinite(c))
            throw std::invalid_argument(fmt::format("Scaler::load_state_dict: a center of {} (want finite)", c));
    center_ = center;
    scale_ = scale;
}

} // namespace nn
