// GradientStats: the size of each parameter's gradient, step by step and per epoch, to see
// gradients vanish (the lower layers of a deep sigmoid net) or explode. It follows the
// update/compute/reset cycle of torchmetrics' metrics:
//
//   nn::GradientStats stats(model);                 // model.named_parameters(), by handle
//   for (int epoch = 1; epoch <= 10; ++epoch) {
//       for (const nn::Batch& b : loader) {
//           opt.zero_grad();
//           nn::cross_entropy(model(b.features), b.targets).backward();
//           stats.update();                         // reads every gradient once
//           opt.step();
//       }
//       for (const nn::GradientEpochStats& s : stats.compute())
//           fmt::print("{}: mean ||g|| {:.3g}, max |g| {:.3g}\n", s.name, s.mean_norm, s.max_max_abs);
//       stats.reset();                              // the next epoch starts from nothing
//   }
//
// Per step and parameter: the L2 norm sqrt(sum g^2), mean |g| and max |g|, summed in double
// whatever the dtype (a float32 sum of a million |g| loses the small ones). One pass over each
// gradient, read in place: nothing is copied. A NaN anywhere in a gradient makes all three NaN.
//
// Per epoch (compute(), over the steps since the last reset): the mean over the steps of each of
// the three, and the largest max |g| of any step.
//
// NOTE: A parameter whose grad() is undefined (no backward reached it since zero_grad) has no
// gradient, which is not a zero one: its step numbers are NaN with has_grad false, and the
// epoch's means are over the steps that had one (steps_with_grad), NaN if none did.
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/tensor.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace nn {

/// One parameter's gradient at one step.
struct GradientStat {
    bool has_grad = false; // false: grad() was undefined, and the numbers below are NaN
    double norm = std::numeric_limits<double>::quiet_NaN();     // sqrt(sum g^2)
    double mean_abs = std::numeric_limits<double>::quiet_NaN(); // sum |g| / numel
    double max_abs = std::numeric_limits<double>::quiet_NaN();  // max |g|
};

/// The statistics of one gradient, read in place in one pass (an empty one: 0, NaN, 0).
/// Undefined: has_grad false.
GradientStat gradient_stat(const autograd::Tensor& grad);

/// One parameter over the steps of an epoch.
struct GradientEpochStats {
    std::string name;
    std::size_t steps = 0;           // update() calls since the last reset
    std::size_t steps_with_grad = 0; // of those, the ones where the parameter had a gradient
    // Means over the steps_with_grad steps; NaN when there were none.
    double mean_norm = std::numeric_limits<double>::quiet_NaN();
    double mean_mean_abs = std::numeric_limits<double>::quiet_NaN();
    double mean_max_abs = std::numeric_limits<double>::quiet_NaN();
    double max_max_abs = std::numeric_limits<double>::quiet_NaN(); // the largest |g| of any step
};

class GradientStats {
public:
    /// Watches these tensors (handles: their gradients are read when update() runs); throws
    /// std::invalid_argument for an undefined tensor, naming it.
    explicit GradientStats(std::vector<std::pair<std::string, autograd::Tensor>> named_parameters);
    /// Watches model.named_parameters().
    explicit GradientStats(const Module& model);

    /// Reads every parameter's gradient as it is now (after backward(), before zero_grad()) and
    /// adds it to the epoch's sums; returns this step's numbers, one per parameter, in order.
    const std::vector<GradientStat>& update();
    /// The last update()'s numbers (empty before the first).
    const std::vector<GradientStat>& last() const { return last_; }
    /// The summary of every parameter over the steps since the last reset(), in order.
    std::vector<GradientEpochStats> compute() const;
    /// Forgets the steps so far (the start of an epoch).
    void reset();

    /// The parameters' names, in order ("0.weight", "0.bias", ...).
    const std::vector<std::string>& names() const { return names_; }

private:
    struct Sums {
        std::size_t with_grad = 0;
        double norm = 0, mean_abs = 0, max_abs = 0, max_max_abs = 0;
    };

    std::vector<std::string> names_;
    std::vector<autograd::Tensor> params_;
    std::vector<GradientStat> last_;
    std::vector<Sums> sums_;
    std::size_t steps_ = 0;
};

} // namespace nn
