// ProgressBar: what a long training run shows while it works.
//
//   nn::ProgressBar bar(std::cout, loader.size(), "epoch 3/10");
//   for (...) { ...; bar.update(step + 1, batch_size, {{"loss", loss}, {"acc", accuracy}}); }
//   bar.finish();
//
// On a terminal it redraws one line in place (at most ten times a second), fitted to the
// terminal's width, read again before each redraw so that a resized window is followed:
//   epoch 3/10 [##########..........] 250/500 loss 0.2314 acc 0.931 12,345 samples/s ETA 0:02
// and in 50 columns
//   epoch 3/10 [#####.....] 250/500 loss 0.2314
// Anywhere else (a pipe, a log file, CI) it writes one plain line when the work is done (no
// carriage returns), so that a log holds one line per epoch.
#pragma once

#include "nn/metrics/terminal.hpp"

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace nn {

/// What one report of a progress bar says at one moment; format_progress lays it out.
struct ProgressReport {
    std::string label;
    std::size_t step = 0, total = 0;
    std::vector<std::pair<std::string, double>> metrics;
    std::size_t samples = 0;     ///< processed so far; with elapsed_seconds, the speed
    double elapsed_seconds = 0;
};

/// The report as one line (no carriage return or newline) of at most `width` characters; 0 is
/// no limit. `with_bar` adds a bar of '#' and '.' after the label. The full line is
///   LABEL [BAR] STEP/TOTAL NAME VALUE... SPEED samples/s ETA 0:02   ("in 0:05" once done)
/// and when it is wider than `width`, parts give way in this order: the speed shortens to
/// "SPEED/s", then goes; the bar narrows from 20 cells to 10; the metrics after the first go, last
/// first; the ETA goes; the bar goes; the first metric's name goes, then its value. A line still
/// too wide (the label and the step count alone) is cut at `width`, so the label, the step count
/// and the first metric, the numbers a reader needs, are the last to go, and a metric's value is shown
/// whole or not at all. Characters are counted as columns (labels are ASCII).
std::string format_progress(const ProgressReport& report, std::size_t width, bool with_bar);

class ProgressBar {
public:
    using Clock = std::chrono::steady_clock;
    using Metrics = std::vector<std::pair<std::string, double>>;

    ProgressBar(std::ostream& out, std::size_t total_steps, std::string label);
    /// The same, with the mode forced (tests, or a caller that knows better).
    ProgressBar(std::ostream& out, std::size_t total_steps, std::string label, bool interactive);

    /// Reports that `step` of the total steps are done, `samples` more samples processed, and
    /// the current metrics.
    void update(std::size_t step, std::size_t samples, const Metrics& metrics);
    /// Draws the final state and ends the line.
    void finish();

    /// The current state, timed now.
    ProgressReport report() const;
    /// The text of one report at full length (no carriage return or newline), for tests and logs.
    std::string line(bool with_bar) const;

private:
    void draw(bool final);

    std::ostream& out_;
    std::size_t total_;
    std::string label_;
    bool interactive_;
    std::size_t step_ = 0, samples_ = 0;
    Metrics metrics_;
    Clock::time_point start_ = Clock::now(), last_draw_{};
    bool finished_ = false;
};

/// "1:02:03" or "2:03" for a duration in seconds.
std::string format_duration(double seconds);
/// 12345678 -> "12,345,678".
std::string group_thousands(long long n);

} // namespace nn
