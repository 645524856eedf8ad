// What training programs show and keep: the progress bar (plain lines when not on a terminal,
// one redrawn line on one), durations and counts as printed, the metrics CSV and the loss-curve
// SVG.
#define BOOST_TEST_MODULE training_tools
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/metrics/metrics_log.hpp>
#include <nn/metrics/progress.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using test_util::contains;
using test_util::message_of;

BOOST_AUTO_TEST_CASE(formatting)
{
    BOOST_TEST(nn::format_duration(0) == "0:00");
    BOOST_TEST(nn::format_duration(62.4) == "1:02");
    BOOST_TEST(nn::format_duration(3723) == "1:02:03");
    BOOST_TEST(nn::group_thousands(12345678) == "12,345,678");
    BOOST_TEST(nn::group_thousands(999) == "999");
    BOOST_TEST(nn::group_thousands(-1000) == "-1,000");
}

BOOST_AUTO_TEST_CASE(plain_lines_at_each_tenth_and_at_the_end)
{
    std::ostringstream out;
    nn::ProgressBar bar(out, 20, "epoch 1/2", false);
    for (std::size_t step = 1; step <= 20; ++step)
        bar.update(step, 16, {{"loss", 1.0 / static_cast<double>(step)}});
    bar.finish();
    std::string text = out.str();
    std::size_t lines = 0;
    for (char c : text)
        lines += c == '\n' ? 1 : 0;
    BOOST_TEST(lines == 10u); // steps 2, 4, ..., 18 and the final line
    BOOST_TEST(text.find('\r') == std::string::npos);
    BOOST_TEST(contains(text, "epoch 1/2 2/20 loss 0.5 "));
    BOOST_TEST(contains(text, "epoch 1/2 20/20 loss 0.05 "));
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
