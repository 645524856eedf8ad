#include "nn/metrics/metrics_log.hpp"

#include <autograd/atomic_file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nn {

MetricsLog::MetricsLog(std::vector<std::string> columns) : columns_(std::move(columns))
{
    if (columns_.empty())
        throw std::invalid_argument("MetricsLog: no columns");
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        const std::string& name = columns_[i];
        if (name.empty() || name.find_first_of(",\"\r\n") != std::string::npos)
            throw std::invalid_argument(fmt::format(
                "MetricsLog: column {} is '{}'; a name must be non-empty, without a comma, quote or line break", i, name));
        if (std::count(columns_.begin(), columns_.end(), name) > 1)
            throw std::invalid_argument(fmt::format("MetricsLog: column '{}' given twice", name));
    }
}

void MetricsLog::add(std::vector<double> row)
{
    if (row.size() != columns_.size())
        throw std::invalid_argument(
            fmt::format("MetricsLog: a row of {} values for {} columns", row.size(), columns_.size()));
    rows_.push_back(std::move(row));
}

std::size_t MetricsLog::index_of(const std::string& name) const
{
    const auto it = std::find(columns_.begin(), columns_.end(), name);
    if (it == columns_.end())
        throw std::out_of_range(fmt::format("MetricsLog: no column '{}'", name));
    return static_cast<std::size_t>(it - columns_.begin());
}

std::vector<double> MetricsLog::column(const std::string& name) const
{
    const std::size_t c = index_of(name);
    std::vector<double> out;
    for (const auto& row : rows_)
        out.push_back(row[c]);
    return out;
}

std::string MetricsLog::to_csv() const
{
    std::string out = fmt::format("{}\n", fmt::join(columns_, ","));
    for (const auto& row : rows_)
        out += fmt::format("{}\n", fmt::join(row, ","));
    return out;
}

MetricsLog MetricsLog::read_csv(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(fmt::format("MetricsLog::read_csv: cannot open {}", path.string()));
    const auto fields = [](const std::string& line) {
        std::vector<std::string> out;
        std::size_t start = 0;
        for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
            out.push_back(line.substr(start, comma - start));
        out.push_back(line.substr(start));
        return out;
    };
    std::string line;
    if (!std::getline(in, line) || line.empty())
        throw std::runtime_error(fmt::format("MetricsLog::read_csv: {}: no header line", path.string()));
    MetricsLog log(fields(line));
    for (std::size_t line_no = 2; std::getline(in, line); ++line_no) {
        if (line.empty())
            continue;
        std::vector<double> row;
        for (const std::string& f : fields(line)) {
            double v = 0;
            const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
            if (ec != std::errc() || ptr != f.data() + f.size())
                throw std::runtime_error(fmt::format("MetricsLog::read_csv: {}:{}: '{}' is not a number", path.string(), line_no, f));
            row.push_back(v);
        }
        if (row.size() != log.columns_.size())
            throw std::runtime_error(fmt::format("MetricsLog::read_csv: {}:{}: {} values for {} columns", path.string(),
                                                 line_no, row.size(), log.columns_.size()));
        log.rows_.push_back(std::move(row));
    }
    return log;
}

void MetricsLog::keep_rows_below(const std::string& column, double limit)
{
    const std::size_t j = index_of(column);
    std::erase_if(rows_, [&](const std::vector<double>& row) { return !(row[j] < limit); });
}

void MetricsLog::save_csv(const std::filesystem::path& path) const
{
    autograd::write_file_atomically(path, to_csv(), false, autograd::Durability::Unsynced); // rewritten each epoch
}

namespace {

std::string escape_xml(const std::string& s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// Tick values: about five round numbers (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> ticks(double lo, double hi)
{
    const double span = hi - lo;
    const double raw = span / 5.0;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    std::vector<double> out;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
        out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return out;
}

// Ticks of a log axis whose ends are 10^lo and 10^hi: the powers of ten in between (every
// second or third one when there are many), and 2 and 5 times them when fewer than three fit.
std::vector<double> log_ticks(double lo, double hi)
{
    std::vector<double> out;
    const double first = std::ceil(lo - 1e-9), last = std::floor(hi + 1e-9);
    const double every = last - first >= 14 ? 3 : last - first >= 8 ? 2 : 1;
    for (double d = first; d <= last; d += every)
        out.push_back(std::pow(10.0, d));
    if (out.size() >= 3)
        return out;
    out.clear();
    for (double d = std::floor(lo); d <= last; ++d)
        for (double m : {1.0, 2.0, 5.0}) {
            const double t = m * std::pow(10.0, d);
            if (std::log10(t) >= lo - 1e-9 && std::log10(t) <= hi + 1e-9)
                out.push_back(t);
        }
    return out;
}

} // namespace

std::string MetricsLog::to_svg(const std::string& x, const std::vector<std::string>& y, const ChartOptions& options) const
{
    constexpr double kW = 640, kH = 400, kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;
    static constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    const std::vector<double> xs = column(x);
    std::vector<std::vector<double>> ys;
    for (const std::string& name : y)
        ys.push_back(column(name));

    bool log_y = options.y_scale == AxisScale::Log;
    if (options.y_scale == AxisScale::Auto) {
        double lo = std::numeric_limits<double>::infinity(), hi = 0;
        bool positive = true;
        for (const auto& series : ys)
            for (double v : series)
                if (std::isfinite(v)) {
                    positive = positive && v > 0;
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
        log_y = positive && hi >= 100 * lo;
    }
    // Values as placed on the y axis: their logarithm on a log axis, where v <= 0 has no place.
    const auto drawable = [&](double v) { return std::isfinite(v) && (!log_y || v > 0); };
    const auto axis = [&](double v) { return log_y ? std::log10(v) : v; };

    double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
    for (double v : xs)
        if (std::isfinite(v)) {
            x_lo = std::min(x_lo, v);
            x_hi = std::max(x_hi, v);
        }
    for (const auto& series : ys)
        for (double v : series)
            if (drawable(v)) {
                y_lo = std::min(y_lo, axis(v));
                y_hi = std::max(y_hi, axis(v));
            }
    if (!std::isfinite(x_lo)) { // nothing to draw: an empty frame
        x_lo = 0;
        x_hi = 1;
    }
    if (!std::isfinite(y_lo)) {
        y_lo = 0;
        y_hi = 1;
    }
    if (x_hi == x_lo)
        x_hi = x_lo + 1;
    if (y_hi == y_lo)
        y_hi = y_lo + 1;
    const double pad = (y_hi - y_lo) * 0.05;
    y_lo -= pad;
    y_hi += pad;
    const auto px = [&](double v) { return kLeft + (v - x_lo) / (x_hi - x_lo) * (kW - kLeft - kRight); };
    const auto py = [&](double v) { return kH - kBottom - (axis(v) - y_lo) / (y_hi - y_lo) * (kH - kTop - kBottom); };

    // The legend goes to the right of the plot, never over its lines: the picture widens by it.
    std::size_t longest = 0;
    for (const std::string& name : y)
        longest = std::max(longest, name.size());
    const double width = kW + (y.empty() ? 0.0 : 36 + 7.0 * static_cast<double>(longest));
    std::string svg = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                                  "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n",
                                  width, kH);
    svg += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"white\"/>\n", width, kH);
    if (!options.title.empty())
        svg += fmt::format("<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n", kW / 2,
                           escape_xml(options.title));
    const std::vector<double> y_ticks = log_y ? log_ticks(y_lo, y_hi) : ticks(y_lo, y_hi);
    for (double t : y_ticks) {
        svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft,
                           py(t), kW - kRight, py(t));
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.4g}</text>\n", kLeft - 6, py(t) + 4, t);
    }
    for (double t : ticks(x_lo, x_hi))
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.4g}</text>\n", px(t),
                           kH - kBottom + 18, t);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", kLeft, kTop,
                       kW - kLeft - kRight, kH - kTop - kBottom);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", (kLeft + kW - kRight) / 2,
                       kH - 12, escape_xml(x));
    if (!options.y_label.empty())
        svg += fmt::format("<text transform=\"translate(16,{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}{}</text>\n",
                           (kTop + kH - kBottom) / 2, escape_xml(options.y_label), log_y ? " (log scale)" : "");
    for (std::size_t s = 0; s < ys.size(); ++s) {
        std::string points;
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (std::isfinite(xs[i]) && drawable(ys[s][i]))
                points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", px(xs[i]), py(ys[s][i]));
        svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                           kColours[s % std::size(kColours)], points);
    }
    for (std::size_t s = 0; s < ys.size(); ++s) {
        const double row = kTop + 12 + 18.0 * static_cast<double>(s);
        svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                           kW - kRight + 12, row - 4, kW - kRight + 32, row - 4, kColours[s % std::size(kColours)]);
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">{}</text>\n", kW - kRight + 38, row,
                           kColours[s % std::size(kColours)], escape_xml(y[s]));
    }
    svg += "</svg>\n";
    return svg;
}

std::string MetricsLog::to_svg(const std::string& x, const std::vector<std::string>& y, const std::string& title) const
{
    ChartOptions options;
    options.title = title;
    return to_svg(x, y, options);
}

void MetricsLog::save_svg(const std::filesystem::path& path, const std::string& x, const std::vector<std::string>& y,
                          const ChartOptions& options) const
{
    autograd::write_file_atomically(path, to_svg(x, y, options), false, autograd::Durability::Unsynced);
}

void MetricsLog::save_svg(const std::filesystem::path& path, const std::string& x, const std::vector<std::string>& y,
                          const std::string& title) const
{
    ChartOptions options;
    options.title = title;
    save_svg(path, x, y, options);
}

} // namespace nn
