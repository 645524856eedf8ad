// The progress bar's line fitted to a terminal's width: which parts give way, in which order, at
// 200, 80, 50, 40 and 20 columns (format_progress is a pure function of the report and the
// width), the width read from $COLUMNS when the stream has no terminal, and a bar that follows a
// change of width between two redraws.
#define BOOST_TEST_MODULE progress
#include <boost/test/unit_test.hpp>

#include <nn/metrics/progress.hpp>
#include <nn/metrics/terminal.hpp>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Step 250 of 500 after 2 s and 24,690 samples: 12,345 samples/s, 2 s to go.
nn::ProgressReport halfway()
{
    return {.label = "epoch 3/10",
            .step = 250,
            .total = 500,
            .metrics = {{"loss", 0.2314}, {"acc", 0.931}},
            .samples = 24690,
            .elapsed_seconds = 2.0};
}

// Sets an environment variable for one scope and puts back what was there.
class EnvVar {
public:
    EnvVar(const char* name, const char* value) : name_(name)
    {
        if (const char* old = std::getenv(name))
            old_ = old;
        if (value != nullptr)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~EnvVar()
    {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// The lines a bar drew on a terminal: the text between carriage returns, without the erase
// sequence and the final newline.
std::vector<std::string> redraws(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line, '\r')) {
        if (line.empty())
            continue;
        for (const std::string seq : {"\033[K", "\n"})
            if (const std::size_t at = line.find(seq); at != std::string::npos)
                line.erase(at, seq.size());
        lines.push_back(line);
    }
    return lines;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_line_at_each_width)
{
    const nn::ProgressReport r = halfway();
    const std::string full = "epoch 3/10 [##########..........] 250/500 loss 0.2314 acc 0.931 12,345 samples/s ETA 0:02";
    BOOST_TEST(nn::format_progress(r, 0, true) == full); // no limit
    BOOST_TEST(nn::format_progress(r, 200, true) == full);
    BOOST_TEST(nn::format_progress(r, full.size(), true) == full);
    // One column less: the speed shortens (81 columns with it), so at 80 it goes.
    BOOST_TEST(nn::format_progress(r, full.size() - 1, true) ==
               "epoch 3/10 [##########..........] 250/500 loss 0.2314 acc 0.931 12,345/s ETA 0:02");
    BOOST_TEST(nn::format_progress(r, 80, true) == "epoch 3/10 [##########..........] 250/500 loss 0.2314 acc 0.931 ETA 0:02");
    // Then the bar narrows, the second metric goes, then the ETA.
    BOOST_TEST(nn::format_progress(r, 62, true) == "epoch 3/10 [#####.....] 250/500 loss 0.2314 acc 0.931 ETA 0:02");
    BOOST_TEST(nn::format_progress(r, 52, true) == "epoch 3/10 [#####.....] 250/500 loss 0.2314 ETA 0:02");
    BOOST_TEST(nn::format_progress(r, 50, true) == "epoch 3/10 [#####.....] 250/500 loss 0.2314");
    // Then the bar, then the metric's name, then its value; the label and the count stay.
    BOOST_TEST(nn::format_progress(r, 40, true) == "epoch 3/10 250/500 loss 0.2314");
    BOOST_TEST(nn::format_progress(r, 25, true) == "epoch 3/10 250/500 0.2314");
    BOOST_TEST(nn::format_progress(r, 20, true) == "epoch 3/10 250/500");
    // Narrower than the label and the count: cut at the width, never wider.
    BOOST_TEST(nn::format_progress(r, 12, true) == "epoch 3/10 2");
    BOOST_TEST(nn::format_progress(r, 1, true) == "e");
    for (std::size_t width = 1; width <= 100; ++width)
        BOOST_TEST(nn::format_progress(r, width, true).size() <= width, "width " << width);
}

BOOST_AUTO_TEST_CASE(the_line_without_a_bar_and_when_done)
{
    nn::ProgressReport r = halfway();
    BOOST_TEST(nn::format_progress(r, 0, false) == "epoch 3/10 250/500 loss 0.2314 acc 0.931 12,345 samples/s ETA 0:02");
    BOOST_TEST(nn::format_progress(r, 50, false) == "epoch 3/10 250/500 loss 0.2314 acc 0.931 ETA 0:02");
    r.step = 500;
    r.elapsed_seconds = 4.0;
    r.samples = 49380;
    BOOST_TEST(nn::format_progress(r, 0, true) ==
               "epoch 3/10 [####################] 500/500 loss 0.2314 acc 0.931 12,345 samples/s in 0:04");
    BOOST_TEST(nn::format_progress(r, 50, true) == "epoch 3/10 [##########] 500/500 loss 0.2314");
    // Before any sample there is no speed, and no ETA at step 0.
    const nn::ProgressReport start{.label = "epoch 1", .step = 0, .total = 38, .metrics = {}, .samples = 0, .elapsed_seconds = 0};
    BOOST_TEST(nn::format_progress(start, 0, true) == "epoch 1 [....................] 0/38");
    BOOST_TEST(nn::format_progress(start, 20, true) == "epoch 1 0/38");
}

BOOST_AUTO_TEST_CASE(columns_from_the_environment)
{
    BOOST_TEST(nn::parse_columns("50").value_or(0) == 50u);
    BOOST_TEST(nn::parse_columns("10000").value_or(0) == 10000u);
    for (const char* bad : {"", "0", "-5", "80x", " 80", "abc", "10001", "99999999999999999999999"})
        BOOST_TEST(!nn::parse_columns(bad).has_value(), "COLUMNS '" << bad << "'");
    BOOST_TEST(!nn::parse_columns(nullptr).has_value());

    // A string stream has no terminal: $COLUMNS is the width, or there is none.
    std::ostringstream out;
    BOOST_TEST(!nn::is_terminal(out));
    {
        const EnvVar columns("COLUMNS", "64");
        BOOST_TEST(nn::terminal_width(out).value_or(0) == 64u);
    }
    {
        const EnvVar columns("COLUMNS", nullptr);
        BOOST_TEST(!nn::terminal_width(out).has_value());
    }
}

BOOST_AUTO_TEST_CASE(each_redraw_fits_the_width_of_its_moment)
{
    std::ostringstream out;
    nn::ProgressBar bar(out, 500, "epoch 3/10", true);
    {
        const EnvVar columns("COLUMNS", "30"); // the first redraw: 29 columns, the last one left free
        bar.update(250, 24690, {{"loss", 0.2314}, {"acc", 0.931}});
    }
    {
        const EnvVar columns("COLUMNS", "200"); // the window grew before the last one
        bar.update(500, 24690, {{"loss", 0.2}, {"acc", 0.95}});
        bar.finish();
    }
    const std::vector<std::string> lines = redraws(out.str());
    BOOST_TEST_REQUIRE(lines.size() == 2u); // the update at 500 came within 0.1 s: only finish drew it
    // "epoch 3/10 250/500 loss 0.2314" is 30 columns: one too many when the last is left free.
    BOOST_TEST(lines[0] == "epoch 3/10 250/500 0.2314");
    BOOST_TEST(lines[1].rfind("epoch 3/10 [####################] 500/500 loss 0.2 acc 0.95 ", 0) == 0);
    BOOST_TEST(lines[1].size() <= 199u);
    BOOST_TEST(out.str().back() == '\n');
}
