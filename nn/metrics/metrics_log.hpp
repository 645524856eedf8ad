// MetricsLog: the numbers of a training run, one row per epoch (or step), saved as CSV and drawn
// as an SVG line chart (the loss curve) at the end.
//
//   nn::MetricsLog log({"epoch", "train_loss", "test_accuracy"});
//   log.add({1, 0.41, 0.93});
//   log.save_csv("runs/metrics.csv");                       // atomic: temporary file, then rename
//   log.save_svg("runs/loss.svg", "epoch", {"train_loss"}); // a self-contained picture
//   nn::MetricsLog more = nn::MetricsLog::read_csv("runs/metrics.csv"); // and add to it
//   log.save_svg("runs/grad.svg", "epoch", {"grad_norm.0.weight", "grad_norm.1.weight"},
//                {.title = "gradient norms", .y_label = "||g||", .y_scale = nn::AxisScale::Auto});
//
// A column name is a CSV header field and an SVG legend: non-empty, unique, without a comma,
// quote or line break (the constructor checks). A value that is not finite is written as
// "nan"/"inf" in the CSV and left out of the chart.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nn {

/// How a chart's y axis maps values: Log puts powers of ten evenly apart (values <= 0 are left
/// out); Auto is Log when every value drawn is positive and the largest is at least 100 times the
/// smallest (they span two decades or more, and a linear axis would flatten the small ones to
/// its floor), Linear otherwise.
enum class AxisScale { Linear, Log, Auto };

struct ChartOptions {
    std::string title{};   // above the chart
    std::string y_label{}; // beside the y axis
    AxisScale y_scale = AxisScale::Linear;
};

class MetricsLog {
public:
    /// Throws std::invalid_argument for no columns, or a name that is empty, repeated, or holds
    /// a comma, quote or line break.
    explicit MetricsLog(std::vector<std::string> columns);

    /// Appends a row; throws std::invalid_argument unless it has one value per column.
    void add(std::vector<double> row);

    const std::vector<std::string>& columns() const { return columns_; }
    const std::vector<std::vector<double>>& rows() const { return rows_; }
    /// The values of one column; throws std::out_of_range naming an unknown column.
    std::vector<double> column(const std::string& name) const;

    /// A log as save_csv wrote it (a header of names, then rows of numbers; "nan"/"inf" read
    /// back as such), so that a resumed run appends to it. Throws std::runtime_error naming the
    /// file and line of a malformed row.
    static MetricsLog read_csv(const std::filesystem::path& path);
    /// Drops the rows whose value in `column` is not below `limit` (a resumed run's epochs that
    /// an earlier run had already logged past its checkpoint).
    void keep_rows_below(const std::string& column, double limit);

    std::string to_csv() const;
    void save_csv(const std::filesystem::path& path) const;
    /// A line chart of the `y` columns against the `x` column, with axes, ticks and a legend.
    std::string to_svg(const std::string& x, const std::vector<std::string>& y, const ChartOptions& options) const;
    std::string to_svg(const std::string& x, const std::vector<std::string>& y, const std::string& title = {}) const;
    void save_svg(const std::filesystem::path& path, const std::string& x, const std::vector<std::string>& y,
                  const ChartOptions& options) const;
    void save_svg(const std::filesystem::path& path, const std::string& x, const std::vector<std::string>& y,
                  const std::string& title = {}) const;

private:
    std::size_t index_of(const std::string& name) const;

    std::vector<std::string> columns_;
    std::vector<std::vector<double>> rows_;
};

} // namespace nn
