// Scaler: per-feature preprocessing fitted on the training rows and applied, unchanged, to every
// later row (validation, test, new data): scikit-learn's StandardScaler and MinMaxScaler.
//
//   nn::Scaler scaler(nn::ScalerKind::Standard);
//   scaler.fit(train.features);                       // mean and standard deviation per column
//   Tensor x = scaler.transform(test.features);       // (x - mean) / sd, with the training's numbers
//   nn::StateDict s = scaler.state_dict();            // "center", "scale": saved with the model
//
// A model trained on scaled features is only right on features scaled the same way, so the
// numbers travel with it (tools/train stores them in the checkpoint under "scaler.").
//   Standard: center = mean, scale = standard deviation (population, as scikit-learn's)
//   MinMax:   center = minimum, scale = maximum - minimum   (the training rows map onto [0, 1])
// A constant column gets scale 1 (scikit-learn's choice): it maps to 0 instead of dividing by 0.
#pragma once

#include "nn/io/state_dict.hpp"

#include <autograd/tensor.hpp>

#include <string>
#include <string_view>

namespace nn {

enum class ScalerKind { None, Standard, MinMax };

/// "none", "standard", "minmax".
std::string to_string(ScalerKind kind);
/// The inverse of to_string; throws std::invalid_argument naming the text and the kinds known.
ScalerKind parse_scaler_kind(std::string_view text);

class Scaler {
public:
    explicit Scaler(ScalerKind kind = ScalerKind::None) : kind_(kind) {}

    ScalerKind kind() const { return kind_; }
    bool fitted() const { return center_.defined(); }

    /// Fits on features [N, F]: N >= 1 rows, every value finite (std::invalid_argument otherwise,
    /// naming the row and column). A None scaler fits to center 0, scale 1.
    void fit(const autograd::Tensor& features);
    /// (x - center) / scale, in x's dtype; x is [M, F] with the F it was fitted on (or [F]).
    /// Throws std::logic_error before fit, std::invalid_argument for another feature count.
    autograd::Tensor transform(const autograd::Tensor& x) const;
    autograd::Tensor fit_transform(const autograd::Tensor& features)
    {
        fit(features);
        return transform(features);
    }

    /// Float64 tensors [F]: the fitted center and scale.
    const autograd::Tensor& center() const { return center_; }
    const autograd::Tensor& scale() const { return scale_; }

    /// "center" and "scale" (empty before fit).
    StateDict state_dict() const;
    /// Restores a fitted scaler of this kind; throws std::invalid_argument naming a missing entry,
    /// shapes that differ, or a scale that is not finite and positive.
    void load_state_dict(const StateDict& state);

private:
    ScalerKind kind_;
    autograd::Tensor center_, scale_;
};

} // namespace nn
