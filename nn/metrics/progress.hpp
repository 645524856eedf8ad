// ProgressBar: what a long training run shows while it works.
//
//   nn::ProgressBar bar(std::cout, loader.size(), "epoch 3/10");
//   for (...) { ...; bar.update(step + 1, batch_size, {{"loss", loss}, {"acc", accuracy}}); }
//   bar.finish();
//
// On a terminal it redraws one line in place (at most ten times a second):
//   epoch 3/10 [##########..........] 250/500 loss 0.2314 acc 0.931 12,345 samples/s ETA 0:02
// Anywhere else (a log file, CI) it writes plain lines, one per tenth of the work and one at the
// end, so logs stay readable.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace nn {

/// Whether the stream is an interactive terminal (std::cout or std::cerr on a tty).
bool is_terminal(const std::ostream& out);

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

    /// The text of one report (no carriage return or newline), for tests and logs.
    std::string line(bool with_bar) const;

private:
    void draw(bool final);

    std::ostream& out_;
    std::size_t total_;
    std::string label_;
    bool interactive_;
    std::size_t step_ = 0, samples_ = 0, next_plain_ = 1;
    Metrics metrics_;
    Clock::time_point start_ = Clock::now(), last_draw_{};
    bool finished_ = false;
};

/// "1:02:03" or "2:03" for a duration in seconds.
std::string format_duration(double seconds);
/// 12345678 -> "12,345,678".
std::string group_thousands(long long n);

} // namespace nn
