// MetricsLog: the numbers of a training run, one row per epoch (or step), saved as CSV and drawn
// as an SVG line chart (the loss curve) at the end.
//
//   nn::MetricsLog log({"epoch", "train_loss", "test_accuracy"});
//   log.add({1, 0.41, 0.93});
//   log.save_csv("runs/metrics.csv");                       // atomic: temporary file, then rename
//   log.save_svg("runs/loss.svg", "epoch", {"train_loss"}); // a self-contained picture
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nn {

class MetricsLog {
public:
    explicit MetricsLog(std::vector<std::string> columns);

    /// Appends a row; throws std::invalid_argument unless it has one value per column.
    void add(std::vector<double> row);

    const std::vector<std::string>& columns() const { return columns_; }
    const std::vector<std::vector<double>>& rows() const { return rows_; }
    /// The values of one column; throws std::out_of_range naming an unknown column.
    std::vector<double> column(const std::string& name) const;

    std::string to_csv() const;
    void save_csv(const std::filesystem::path& path) const;
    /// A line chart of the `y` columns against the `x` column, with axes, ticks and a legend.
    std::string to_svg(const std::string& x, const std::vector<std::string>& y, const std::string& title = {}) const;
    void save_svg(const std::filesystem::path& path, const std::string& x, const std::vector<std::string>& y,
                  const std::string& title = {}) const;

private:
    std::size_t index_of(const std::string& name) const;

    std::vector<std::string> columns_;
    std::vector<std::vector<double>> rows_;
};

} // namespace nn
