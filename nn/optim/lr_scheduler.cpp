#include "nn/optim/lr_scheduler.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

namespace nn {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lr_(optimizer.lr()) {}

void LRScheduler::step()
{
    ++last_epoch_;
    optimizer_.set_lr(next_lr(optimizer_.lr()));
}

namespace {

using Kind = SchedulerField::Kind;

// The fields every schedule keeps, then its settings.
std::vector<SchedulerField> fields(std::int64_t last_epoch, double base_lr, double last_lr, std::vector<SchedulerField> settings)
{
    std::vector<SchedulerField> out = {{"last_epoch", Kind::Count, static_cast<double>(last_epoch)},
                                       {"base_lr", Kind::Real, base_lr},
                                       {"last_lr", Kind::Real, last_lr}};
    for (SchedulerField& s : settings)
        out.push_back(std::move(s));
    return out;
}

} // namespace

StateDict LRScheduler::state_dict() const
{
    return detail::save_fields(fields(last_epoch_, base_lr_, last_lr(), settings()));
}

void LRScheduler::load_state_dict(const StateDict& state)
{
    const std::vector<double> v = detail::load_fields(name(), fields(last_epoch_, base_lr_, last_lr(), settings()), state);
    const double base_lr = v[1];
    if (!(std::isfinite(base_lr) && base_lr >= 0.0))
        throw std::invalid_argument(fmt::format("{}: load_state_dict: 'base_lr' must be finite and >= 0, got {}", name(), base_lr));
    optimizer_.set_lr(v[2]); // validates the lr; the first change made
    last_epoch_ = static_cast<std::int64_t>(v[0]);
    base_lr_ = base_lr;
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma)
{
    if (step_size < 1)
        throw std::invalid_argument(fmt::format("StepLR: step_size must be >= 1 (got {})", step_size));
    if (!(gamma >= 0.0))
        throw std::invalid_argument(fmt::format("StepLR: gamma must be >= 0 (got {})", gamma));
}

double StepLR::next_lr(double lr) const
{
    return last_epoch() % step_size_ == 0 ? lr * gamma_ : lr; // every step_size epochs: lr *= gamma
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma)
{
    if (!(gamma >= 0.0))
        throw std::invalid_argument(fmt::format("ExponentialLR: gamma must be >= 0 (got {})", gamma));
}

std::vector<SchedulerField> StepLR::settings() const
{
    return {{"step_size", Kind::Setting, static_cast<double>(step_size_)}, {"gamma", Kind::Setting, gamma_}};
}

double ExponentialLR::next_lr(double lr) const { return lr * gamma_; } // lr *= gamma

std::vector<SchedulerField> ExponentialLR::settings() const { return {{"gamma", Kind::Setting, gamma_}}; }

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), t_max_(T_max), eta_min_(eta_min)
{
    if (T_max < 1)
        throw std::invalid_argument(fmt::format("CosineAnnealingLR: T_max must be >= 1 (got {})", T_max));
    if (!(eta_min >= 0.0))
        throw std::invalid_argument(fmt::format("CosineAnnealingLR: eta_min must be >= 0 (got {})", eta_min));
}

std::vector<SchedulerField> CosineAnnealingLR::settings() const
{
    return {{"T_max", Kind::Setting, static_cast<double>(t_max_)}, {"eta_min", Kind::Setting, eta_min_}};
}

double CosineAnnealingLR::next_lr(double lr) const
{
    constexpr double pi = std::numbers::pi;
    const std::int64_t t = last_epoch();
    const double t_max = static_cast<double>(t_max_);
    // NOTE: C++'s % keeps the sign where Python's does not, but both give 0 exactly for multiples.
    if ((t - 1 - t_max_) % (2 * t_max_) == 0) // the step after the bottom: the ratio below is 0/0
        return lr + (base_lr() - eta_min_) * (1.0 - std::cos(pi / t_max)) / 2.0;
    const double td = static_cast<double>(t);
    return (1.0 + std::cos(pi * td / t_max)) / (1.0 + std::cos(pi * (td - 1.0) / t_max)) * (lr - eta_min_) + eta_min_;
}

} // namespace nn
