// Learning-rate schedules by epoch count, PyTorch's torch.optim.lr_scheduler, for any Optimizer
// (through its lr()/set_lr()):
//
//   nn::Adam opt(model.parameters(), {.lr = 0.01});
//   nn::CosineAnnealingLR sched(opt, /*T_max=*/100);
//   for (int epoch = 0; epoch < 100; ++epoch) {
//       train_one_epoch(opt);                 // opt.step() calls
//       sched.step();                         // then the schedule moves on
//   }
//
// As in PyTorch, the schedules are written recursively: each step multiplies or shifts the
// optimizer's current lr, so a change made to it from outside (another scheduler, set_lr) is
// carried along. Set only by the scheduler, the lr follows the closed forms in the comments.
// Construction counts as epoch 0 and leaves the lr as it is (PyTorch's initial step); the
// optimizer's lr then is base_lr (PyTorch's initial_lr).
// NOTE: Rprop's lr is the initial step size of parameters not yet updated (see nn/optim/rprop.hpp).
//
// state_dict() saves where the schedule is, to resume it from a checkpoint (PyTorch's names,
// one 0-d float64 tensor each): "last_epoch", "base_lr", "last_lr", and the schedule's settings
// ("step_size", "gamma", "T_max", "eta_min"), which load_state_dict() checks rather than restores
// (see nn/optim/scheduler_state.hpp):
//
//   nn::StateDict saved = sched.state_dict();          // after k step()s
//   nn::CosineAnnealingLR again(other_opt, 100);
//   again.load_state_dict(saved);                      // step() goes on from epoch k
#pragma once

#include "nn/optim/optimizer.hpp"
#include "nn/optim/scheduler_state.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace nn {

class LRScheduler {
public:
    explicit LRScheduler(Optimizer& optimizer);
    virtual ~LRScheduler() = default;
    LRScheduler(const LRScheduler&) = delete;
    LRScheduler& operator=(const LRScheduler&) = delete;

    /// Moves to the next epoch and sets the optimizer's lr for it.
    void step();
    /// The epoch the lr is set for: 0 after construction, +1 per step().
    std::int64_t last_epoch() const { return last_epoch_; }
    /// The lr the optimizer had when the scheduler was made.
    double base_lr() const { return base_lr_; }
    /// The optimizer's lr now (PyTorch's get_last_lr()).
    double last_lr() const { return optimizer_.lr(); }
    /// "StepLR", ...: the name error messages start with. (Not pure: a schedule written outside
    /// the library needs only next_lr.)
    virtual std::string_view name() const { return "LRScheduler"; }

    /// last_epoch, base_lr, last_lr and the settings, as 0-d float64 tensors (copies).
    StateDict state_dict() const;
    /// Restores what state_dict() saved from a scheduler of the same kind and settings, and sets
    /// the optimizer's lr to the saved last_lr, so the schedule goes on even where the
    /// optimizer's own state is not loaded. Checks everything first; throws std::invalid_argument
    /// naming the entry for a missing or unexpected name, a wrong shape or dtype, a bad value, or
    /// a setting that differs from this scheduler's.
    void load_state_dict(const StateDict& state);

protected:
    /// The lr for epoch last_epoch() (already advanced), from the optimizer's current lr.
    virtual double next_lr(double lr) const = 0;
    /// The schedule's own settings, as fields of kind Setting, saved with the state and checked
    /// when it is loaded; none unless a schedule lists them.
    virtual std::vector<SchedulerField> settings() const { return {}; }

    Optimizer& optimizer_;

private:
    double base_lr_;
    std::int64_t last_epoch_ = 0;
};

/// Multiplies the lr by gamma every step_size epochs: lr = base_lr * gamma^floor(epoch / step_size).
class StepLR : public LRScheduler {
public:
    StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
    std::string_view name() const override { return "StepLR"; }

protected:
    double next_lr(double lr) const override;
    std::vector<SchedulerField> settings() const override;

private:
    std::int64_t step_size_;
    double gamma_;
};

/// Multiplies the lr by gamma every epoch: lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
public:
    ExponentialLR(Optimizer& optimizer, double gamma);
    std::string_view name() const override { return "ExponentialLR"; }

protected:
    double next_lr(double lr) const override;
    std::vector<SchedulerField> settings() const override;

private:
    double gamma_;
};

/// Cosine annealing from base_lr down to eta_min over T_max epochs, then back up over the next
/// T_max (the cosine continues; SGDR's restarts are not part of it):
///   lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2
/// computed with PyTorch's recursive form, so its values are torch's to the last bits:
///   lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t - 1) / T_max))
///   and where that divides by 0 (t - 1 - T_max a multiple of 2 T_max, the bottom of the cosine):
///   lr_t = lr_{t-1} + (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2
class CosineAnnealingLR : public LRScheduler {
public:
    CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0); // NOLINT: PyTorch's name
    std::string_view name() const override { return "CosineAnnealingLR"; }

protected:
    double next_lr(double lr) const override;
    std::vector<SchedulerField> settings() const override;

private:
    std::int64_t t_max_;
    double eta_min_;
};

} // namespace nn
