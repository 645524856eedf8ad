// ReduceLROnPlateau: lowers the learning rate when a watched metric stops improving, PyTorch's
// torch.optim.lr_scheduler.ReduceLROnPlateau, for any Optimizer.
//
//   nn::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 5});
//   for (...) {
//       train_one_epoch(opt);
//       plateau.step(validation_loss());
//   }
//
// A metric is better than the best so far when (mode min / max, threshold_mode rel / abs)
//   min rel: metric < best * (1 - threshold)     max rel: metric > best * (1 + threshold)
//   min abs: metric < best - threshold           max abs: metric > best + threshold
// Otherwise the epoch is bad. After more than `patience` bad epochs in a row,
//   lr = max(lr * factor, min_lr)   (skipped when that changes lr by eps or less)
// and the next `cooldown` epochs are not counted as bad.
//
// state_dict() saves where it is, to resume from a checkpoint: "last_epoch", "best",
// "num_bad_epochs", "cooldown_counter", "last_lr" (PyTorch's names, 0-d float64 tensors) and the
// options, which load_state_dict() checks rather than restores (see nn/optim/scheduler_state.hpp).
#pragma once

#include "nn/optim/optimizer.hpp"
#include "nn/optim/scheduler_state.hpp"

#include <cstdint>
#include <vector>

namespace nn {

struct ReduceLROnPlateauOptions {
    enum class Mode { Min, Max };
    enum class ThresholdMode { Rel, Abs };
    Mode mode = Mode::Min;
    double factor = 0.1;
    std::int64_t patience = 10;
    double threshold = 1e-4;
    ThresholdMode threshold_mode = ThresholdMode::Rel;
    std::int64_t cooldown = 0;
    double min_lr = 0.0;
    double eps = 1e-8;
};

class ReduceLROnPlateau {
public:
    using Options = ReduceLROnPlateauOptions;
    using Mode = Options::Mode;
    using ThresholdMode = Options::ThresholdMode;

    ReduceLROnPlateau(Optimizer& optimizer, Options options = {});

    /// Records one epoch's metric and lowers the lr if it has stopped improving.
    void step(double metric);

    const Options& options() const { return options_; }
    /// The best metric so far (+inf in min mode, -inf in max mode before the first step).
    double best() const { return best_; }
    std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
    std::int64_t cooldown_counter() const { return cooldown_counter_; }
    std::int64_t last_epoch() const { return last_epoch_; }
    /// The optimizer's lr now.
    double last_lr() const { return optimizer_.lr(); }

    /// The counters, best, last_lr and the options ("mode" 0 = min, 1 = max; "threshold_mode"
    /// 0 = rel, 1 = abs), as 0-d float64 tensors (copies).
    StateDict state_dict() const;
    /// Restores what state_dict() saved from a ReduceLROnPlateau with the same options, and sets
    /// the optimizer's lr to the saved last_lr. Checks everything first; throws
    /// std::invalid_argument naming the entry for a missing or unexpected name, a wrong shape or
    /// dtype, a bad value, or an option that differs from this one's.
    void load_state_dict(const StateDict& state);

private:
    bool is_better(double metric) const;
    std::vector<SchedulerField> fields() const;

    Optimizer& optimizer_;
    Options options_;
    double best_;
    std::int64_t num_bad_epochs_ = 0;
    std::int64_t cooldown_counter_ = 0;
    std::int64_t last_epoch_ = 0;
};

} // namespace nn
