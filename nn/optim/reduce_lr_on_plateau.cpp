#include "nn/optim/reduce_lr_on_plateau.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace nn {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, Options options)
    : optimizer_(optimizer), options_(options),
      best_(options.mode == Mode::Min ? std::numeric_limits<double>::infinity()
                                      : -std::numeric_limits<double>::infinity())
{
    const auto require = [](bool ok, std::string_view what, double value) {
        if (!ok)
            throw std::invalid_argument(fmt::format("ReduceLROnPlateau: {} (got {})", what, value));
    };
    require(options.factor >= 0.0 && options.factor < 1.0, "factor must be in [0, 1)", options.factor);
    require(options.patience >= 0, "patience must be >= 0", static_cast<double>(options.patience));
    require(options.threshold >= 0.0, "threshold must be >= 0", options.threshold);
    require(options.cooldown >= 0, "cooldown must be >= 0", static_cast<double>(options.cooldown));
    require(options.min_lr >= 0.0, "min_lr must be >= 0", options.min_lr);
    require(options.eps >= 0.0, "eps must be >= 0", options.eps);
    (void)optimizer.lr(); // fails now, not at the first reduction, for an optimizer without one
}

bool ReduceLROnPlateau::is_better(double metric) const
{
    const Options& o = options_;
    if (o.mode == Mode::Min)
        return o.threshold_mode == ThresholdMode::Rel ? metric < best_ * (1.0 - o.threshold) : metric < best_ - o.threshold;
    return o.threshold_mode == ThresholdMode::Rel ? metric > best_ * (o.threshold + 1.0) : metric > best_ + o.threshold;
}

void ReduceLROnPlateau::step(double metric)
{
    ++last_epoch_;
    if (is_better(metric)) {
        best_ = metric;
        num_bad_epochs_ = 0;
    } else {
        ++num_bad_epochs_;
    }
    if (cooldown_counter_ > 0) { // bad epochs right after a reduction do not count
        --cooldown_counter_;
        num_bad_epochs_ = 0;
    }
    if (num_bad_epochs_ > options_.patience) {
        const double old_lr = optimizer_.lr();
        const double new_lr = std::max(old_lr * options_.factor, options_.min_lr); // lr = max(lr factor, min_lr)
        if (old_lr - new_lr > options_.eps)
            optimizer_.set_lr(new_lr);
        cooldown_counter_ = options_.cooldown;
        num_bad_epochs_ = 0;
    }
}

std::vector<SchedulerField> ReduceLROnPlateau::fields() const
{
    using Kind = SchedulerField::Kind;
    const Options& o = options_;
    return {
        {"last_epoch", Kind::Count, static_cast<double>(last_epoch_)},
        {"best", Kind::Real, best_},
        {"num_bad_epochs", Kind::Count, static_cast<double>(num_bad_epochs_)},
        {"cooldown_counter", Kind::Count, static_cast<double>(cooldown_counter_)},
        {"last_lr", Kind::Real, last_lr()},
        {"mode", Kind::Setting, o.mode == Mode::Min ? 0.0 : 1.0, "0 = min, 1 = max"},
        {"factor", Kind::Setting, o.factor},
        {"patience", Kind::Setting, static_cast<double>(o.patience)},
        {"threshold", Kind::Setting, o.threshold},
        {"threshold_mode", Kind::Setting, o.threshold_mode == ThresholdMode::Rel ? 0.0 : 1.0, "0 = rel, 1 = abs"},
        {"cooldown", Kind::Setting, static_cast<double>(o.cooldown)},
        {"min_lr", Kind::Setting, o.min_lr},
        {"eps", Kind::Setting, o.eps},
    };
}

StateDict ReduceLROnPlateau::state_dict() const { return detail::save_fields(fields()); }

void ReduceLROnPlateau::load_state_dict(const StateDict& state)
{
    const std::vector<double> v = detail::load_fields("ReduceLROnPlateau", fields(), state);
    // Counters above their limits could not have come from these options: step() resets them.
    if (v[2] > static_cast<double>(options_.patience))
        throw std::invalid_argument(fmt::format("ReduceLROnPlateau: load_state_dict: 'num_bad_epochs' is {}, above the patience {}",
                                                v[2], options_.patience));
    if (v[3] > static_cast<double>(options_.cooldown))
        throw std::invalid_argument(fmt::format("ReduceLROnPlateau: load_state_dict: 'cooldown_counter' is {}, above the cooldown {}",
                                                v[3], options_.cooldown));
    optimizer_.set_lr(v[4]); // validates the lr; the first change made
    last_epoch_ = static_cast<std::int64_t>(v[0]);
    best_ = v[1];
    num_bad_epochs_ = static_cast<std::int64_t>(v[2]);
    cooldown_counter_ = static_cast<std::int64_t>(v[3]);
}

} // namespace nn
