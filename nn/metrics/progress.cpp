#include "nn/metrics/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace nn {

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

namespace {

constexpr std::size_t kFullBar = 20, kNarrowBar = 10;
// A terminal that reports no width (and no $COLUMNS) is taken to be the classic 80 columns.
constexpr std::size_t kDefaultColumns = 80;

enum class Speed { Long, Short, None };

// Which parts of a report one line shows.
struct Layout {
    std::size_t bar_cells; // 0: no bar
    Speed speed;
    std::size_t metrics;   // the first this many
    bool metric_names;
    bool eta;
};

std::string render(const ProgressReport& r, const Layout& l)
{
    std::string s = r.label;
    const auto part = [&s](const std::string& text) {
        if (!s.empty())
            s += ' ';
        s += text;
    };
    if (l.bar_cells > 0 && r.total > 0) {
        const std::size_t filled = std::min(l.bar_cells, r.step * l.bar_cells / r.total);
        part(fmt::format("[{}{}]", std::string(filled, '#'), std::string(l.bar_cells - filled, '.')));
    }
    part(fmt::format("{}/{}", r.step, r.total));
    for (std::size_t i = 0; i < std::min(l.metrics, r.metrics.size()); ++i) {
        const auto& [name, value] = r.metrics[i];
        part(l.metric_names ? fmt::format("{} {:.4g}", name, value) : fmt::format("{:.4g}", value));
    }
    if (l.speed != Speed::None && r.elapsed_seconds > 0 && r.samples > 0) {
        const std::string rate = group_thousands(static_cast<long long>(static_cast<double>(r.samples) / r.elapsed_seconds));
        part(l.speed == Speed::Long ? rate + " samples/s" : rate + "/s");
    }
    if (l.eta) {
        if (r.step > 0 && r.step < r.total)
            part("ETA " + format_duration(r.elapsed_seconds / static_cast<double>(r.step) *
                                          static_cast<double>(r.total - r.step)));
        else if (r.step >= r.total)
            part("in " + format_duration(r.elapsed_seconds));
    }
    return s;
}

} // namespace

std::string format_progress(const ProgressReport& report, std::size_t width, bool with_bar)
{
    // The layouts from the fullest to the barest, in the order format_progress's comment gives;
    // the first that fits is drawn.
    const std::size_t bar = with_bar ? kFullBar : 0, narrow = with_bar ? kNarrowBar : 0;
    const std::size_t all = report.metrics.size(), first = std::min<std::size_t>(all, 1);
    std::vector<Layout> layouts = {
        {bar, Speed::Long, all, true, true},
        {bar, Speed::Short, all, true, true},
        {bar, Speed::None, all, true, true},
        {narrow, Speed::None, all, true, true},
    };
    for (std::size_t m = all; m-- > first;)
        layouts.push_back({narrow, Speed::None, m, true, true});
    layouts.push_back({narrow, Speed::None, first, true, false});
    layouts.push_back({0, Speed::None, first, true, false});
    layouts.push_back({0, Speed::None, first, false, false});
    layouts.push_back({0, Speed::None, 0, false, false});

    std::string line;
    for (const Layout& layout : layouts) {
        line = render(report, layout);
        if (width == 0 || line.size() <= width)
            return line;
    }
    line.resize(width);
    return line;
}

ProgressBar::ProgressBar(std::ostream& out, std::size_t total_steps, std::string label)
    : ProgressBar(out, total_steps, std::move(label), is_terminal(out))
{
}

ProgressBar::ProgressBar(std::ostream& out, std::size_t total_steps, std::string label, bool interactive)
    : out_(out), total_(total_steps), label_(std::move(label)), interactive_(interactive)
{
}

ProgressReport ProgressBar::report() const
{
    return {.label = label_,
            .step = step_,
            .total = total_,
            .metrics = metrics_,
            .samples = samples_,
            .elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count()};
}

std::string ProgressBar::line(bool with_bar) const { return format_progress(report(), 0, with_bar); }

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
    if (!interactive_) {
        // One plain line for the whole bar: a log gets a line per epoch, not a line per redraw.
        if (final)
            out_ << format_progress(report(), 0, false) << '\n';
        return;
    }
    const auto now = Clock::now();
    if (!final && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_draw_ = now;
    // The width is read at every redraw, so that a resized window is followed. NOTE: the line
    // leaves the last column free: one that fills the row puts the cursor of some terminals in a
    // pending wrap, where the next character (or the erase below) starts a new row, and the
    // carriage return then redraws under the old line instead of over it.
    const std::size_t columns = terminal_width(out_).value_or(kDefaultColumns);
    out_ << '\r' << format_progress(report(), columns > 1 ? columns - 1 : 1, true)
         << "\033[K"; // erase what a longer previous line left
    if (final)
        out_ << '\n';
    out_.flush();
}

} // namespace nn
