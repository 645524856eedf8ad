#include "nn/metrics/progress.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>

#include <unistd.h>

namespace nn {

bool is_terminal(const std::ostream& out)
{
    if (&out == &std::cout)
        return ::isatty(STDOUT_FILENO) == 1;
    if (&out == &std::cerr || &out == &std::clog)
        return ::isatty(STDERR_FILENO) == 1;
    return false;
}

std::string format_duration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return "?";
    const auto s = static_cast<long long>(std::llround(seconds));
    if (s >= 3600)
        return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string group_thousands(long long n)
{
    const std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    if (n < 0)
        out += '-';
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

ProgressBar::ProgressBar(std::ostream& out, std::size_t total_steps, std::string label)
    : ProgressBar(out, total_steps, std::move(label), is_terminal(out))
{
}

ProgressBar::ProgressBar(std::ostream& out, std::size_t total_steps, std::string label, bool interactive)
    : out_(out), total_(total_steps), label_(std::move(label)), interactive_(interactive)
{
}

std::string ProgressBar::line(bool with_bar) const
{
    std::string s = label_;
    if (with_bar && total_ > 0) {
        constexpr std::size_t kWidth = 20;
        const std::size_t filled = std::min(kWidth, step_ * kWidth / total_);
        s += fmt::format(" [{}{}]", std::string(filled, '#'), std::string(kWidth - filled, '.'));
    }
    s += fmt::format(" {}/{}", step_, total_);
    for (const auto& [name, value] : metrics_)
        s += fmt::format(" {} {:.4g}", name, value);
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    if (elapsed > 0 && samples_ > 0)
        s += fmt::format(" {} samples/s", group_thousands(static_cast<long long>(static_cast<double>(samples_) / elapsed)));
    if (step_ > 0 && step_ < total_)
        s += fmt::format(" ETA {}", format_duration(elapsed / static_cast<double>(step_) * static_cast<double>(total_ - step_)));
    else if (step_ >= total_)
        s += fmt::format(" in {}", format_duration(elapsed));
    return s;
}

void ProgressBar::update(std::size_t step, std::size_t samples, const Metrics& metrics)
{
    step_ = step;
    samples_ += samples;
    metrics_ = metrics;
    draw(false);
}

void ProgressBar::finish()
{
    if (finished_)
        return;
    draw(true);
    finished_ = true;
}

void ProgressBar::draw(bool final)
{
    if (interactive_) {
        const auto now = Clock::now();
        if (!final && now - last_draw_ < std::chrono::milliseconds(100))
            return;
        last_draw_ = now;
        out_ << '\r' << line(true) << "\033[K"; // erase what a longer previous line left
        if (final)
            out_ << '\n';
        out_.flush();
        return;
    }
    // Plain lines: at each tenth of the work, and at the end.
    if (final || (total_ > 0 && step_ * 10 >= next_plain_ * total_ && step_ < total_)) {
        while (total_ > 0 && next_plain_ * total_ <= step_ * 10)
            ++next_plain_;
        out_ << line(false) << '\n';
    }
}

} // namespace nn
