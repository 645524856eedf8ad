// What training programs show and keep: the progress bar (one plain line when not on a terminal,
// one redrawn line on one), durations and counts as printed, the metrics CSV (and its column
// names' checks) and its SVG charts, on linear and log y axes.
#define BOOST_TEST_MODULE training_tools
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/metrics/metrics_log.hpp>
#include <nn/metrics/progress.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(formatting)
{
    BOOST_TEST(nn::format_duration(0) == "0:00");
    BOOST_TEST(nn::format_duration(62.4) == "1:02");
    BOOST_TEST(nn::format_duration(3723) == "1:02:03");
    BOOST_TEST(nn::group_thousands(12345678) == "12,345,678");
    BOOST_TEST(nn::group_thousands(999) == "999");
    BOOST_TEST(nn::group_thousands(-1000) == "-1,000");
}

BOOST_AUTO_TEST_CASE(one_plain_line_at_the_end)
{
    std::ostringstream out;
    nn::ProgressBar bar(out, 20, "epoch 1/2", false);
    for (std::size_t step = 1; step <= 20; ++step)
        bar.update(step, 16, {{"loss", 1.0 / static_cast<double>(step)}});
    BOOST_TEST(out.str().empty()); // nothing while the work goes on: a log gets one line per bar
    bar.finish();
    bar.finish(); // a second finish writes nothing more
    const std::string text = out.str();
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 1);
    BOOST_TEST(text.find('\r') == std::string::npos);
    BOOST_TEST(text.rfind("epoch 1/2 20/20 loss 0.05 ", 0) == 0);
    BOOST_TEST(contains(text, "samples/s"));
    BOOST_TEST(contains(text, " in 0:00\n"));
}

BOOST_AUTO_TEST_CASE(a_terminal_gets_one_redrawn_line)
{
    std::ostringstream out;
    nn::ProgressBar bar(out, 4, "train", true);
    bar.update(2, 8, {{"acc", 0.5}});
    BOOST_TEST(bar.line(true).rfind("train [##########..........] 2/4 acc 0.5", 0) == 0);
    bar.finish();
    const std::string text = out.str();
    BOOST_TEST(text.front() == '\r');
    BOOST_TEST(text.back() == '\n');
    BOOST_TEST(contains(text, "\033[K"));
}

BOOST_AUTO_TEST_CASE(metrics_csv_and_svg)
{
    nn::MetricsLog log({"epoch", "loss", "accuracy"});
    log.add({1, 0.5, 0.8});
    log.add({2, 0.25, 0.9});
    log.add({3, 0.125, 0.95});
    BOOST_TEST(log.to_csv() == "epoch,loss,accuracy\n1,0.5,0.8\n2,0.25,0.9\n3,0.125,0.95\n");
    BOOST_TEST(message_of<std::invalid_argument>([&] { log.add({1, 2}); }) == "MetricsLog: a row of 2 values for 3 columns");
    BOOST_TEST(message_of<std::out_of_range>([&] { (void)log.column("lr"); }) == "MetricsLog: no column 'lr'");

    const std::string svg = log.to_svg("epoch", {"loss", "accuracy"}, "a <run>");
    BOOST_TEST(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    BOOST_TEST(contains(svg, "a &lt;run&gt;"));
    // Two series of three points each; the first point of loss (x = 1, the left edge, y = 0.5,
    // near the top) and its last (x = 3, the right edge).
    std::size_t polylines = 0;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
        ++polylines;
    BOOST_TEST(polylines == 2u);
    BOOST_TEST(contains(svg, "points=\"70.0,"));
    BOOST_TEST(contains(svg, " 620.0,"));

    const auto dir = std::filesystem::temp_directory_path() / "backprop_test_metrics";
    std::filesystem::create_directories(dir);
    log.save_csv(dir / "m.csv");
    log.save_svg(dir / "m.svg", "epoch", {"loss"});
    std::ifstream in(dir / "m.csv");
    std::stringstream read;
    read << in.rdbuf();
    BOOST_TEST(read.str() == log.to_csv());
    BOOST_TEST(std::filesystem::file_size(dir / "m.svg") > 500u);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(metrics_column_names_are_checked)
{
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::MetricsLog({"epoch", "a,b"}); }) ==
               "MetricsLog: column 1 is 'a,b'; a name must be non-empty, without a comma, quote or line break");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { nn::MetricsLog({""}); }), "column 0 is ''"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { nn::MetricsLog({"x\"y"}); }), "column 0"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { nn::MetricsLog({"x\ny"}); }), "column 0"));
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::MetricsLog({"loss", "epoch", "loss"}); }) ==
               "MetricsLog: column 'loss' given twice");
    BOOST_TEST(nn::MetricsLog({"epoch", "grad_norm.0.weight"}).columns().size() == 2u); // dots are fine
}

namespace {

// The "x,y" pairs of the svg's polylines, one string per line drawn.
std::vector<std::string> polylines(const std::string& svg)
{
    std::vector<std::string> out;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) {
        const std::size_t from = svg.find("points=\"", at) + 8;
        out.push_back(svg.substr(from, svg.find('"', from) - from));
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_log_y_axis_for_values_that_span_decades)
{
    nn::MetricsLog log({"epoch", "g", "h"});
    log.add({1, 1e-4, 1});
    log.add({2, 1e-2, 0});
    log.add({3, 1, 2});
    // The plot area is x 70..620 and y 40..350 (top to bottom). On a log axis g's values sit at
    // log10 = -4, -2, 0, padded by 5% of the 4 decades each side: the axis runs from -4.2 to 0.2,
    // so 1e-2 is at the middle, y = 350 - (2.2 / 4.4) * 310 = 195, and 1e-4 at
    // 350 - (0.2 / 4.4) * 310 = 335.9; 1 at 350 - (4.2 / 4.4) * 310 = 54.1.
    const std::string log_svg = log.to_svg("epoch", {"g"}, {.title = "", .y_label = "||g||", .y_scale = nn::AxisScale::Log});
    BOOST_TEST(polylines(log_svg) == (std::vector<std::string>{"70.0,335.9 345.0,195.0 620.0,54.1"}), tt::per_element());
    // A grid line and a label at each power of ten from 1e-4 to 1; the axis says it is a log one.
    for (const char* label : {">0.0001<", ">0.001<", ">0.01<", ">0.1<", ">1<"})
        BOOST_TEST(contains(log_svg, label), label);
    BOOST_TEST(contains(log_svg, "y1=\"195.0\""));
    BOOST_TEST(contains(log_svg, "||g|| (log scale)"));
    // Auto: g spans four decades and is positive, so the same picture.
    BOOST_TEST(log.to_svg("epoch", {"g"}, {.title = "", .y_label = "||g||", .y_scale = nn::AxisScale::Auto}) == log_svg);

    // Linear: the axis runs from 1e-4 - 0.049995 to 1 + 0.049995 (5% of the span each side), and
    // 1e-2 sits near the floor: y = 350 - (0.01 + 0.049895) / 1.09989 * 310 = 333.1.
    const std::string linear = log.to_svg("epoch", {"g"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Linear});
    BOOST_TEST(contains(polylines(linear).at(0), " 345.0,333.1 "), polylines(linear).at(0));
    BOOST_TEST(!contains(linear, "log scale"));
    // Auto with a zero among the values (h at epoch 2) cannot be log: linear.
    BOOST_TEST(log.to_svg("epoch", {"g", "h"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Auto}) ==
               log.to_svg("epoch", {"g", "h"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Linear}));
    // Log anyway: h's zero is left out of its line (two points, not three).
    const std::vector<std::string> both =
        polylines(log.to_svg("epoch", {"g", "h"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Log}));
    BOOST_TEST_REQUIRE(both.size() == 2u);
    BOOST_TEST(std::count(both[1].begin(), both[1].end(), ',') == 2);

    // Less than two decades: Auto stays linear.
    nn::MetricsLog narrow({"epoch", "g"});
    narrow.add({1, 1});
    narrow.add({2, 50});
    BOOST_TEST(narrow.to_svg("epoch", {"g"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Auto}) == narrow.to_svg("epoch", {"g"}));
    // Log on it anyway: the axis runs from 10^-0.085 to 10^1.784 (1 to 50 padded by 5% of 1.699
    // decades), holding only two powers of ten, so 2 and 5 times them are ticks too: 1 to 50.
    const std::string narrow_log = narrow.to_svg("epoch", {"g"}, {.title = "", .y_label = "", .y_scale = nn::AxisScale::Log});
    for (const char* label : {">1<", ">2<", ">5<", ">10<", ">20<", ">50<"})
        BOOST_TEST(contains(narrow_log, label), label);
    BOOST_TEST(!contains(narrow_log, ">0.5<"));
    BOOST_TEST(!contains(narrow_log, ">100<"));
}
