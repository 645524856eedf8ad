// --help that fits the terminal: CLI11 (2.1) prints each option's description on one line, so
// train's help ran to 230 columns and wrapped mid-word in an 80-column terminal. This formatter
// breaks descriptions at spaces to the terminal's width (80 when the output is not a terminal),
// continuing under the description column; CLI11 indents the continuation lines itself. The same
// breaking serves the other lines a tool prints that must fit (wrap_fields).
//
//   CLI::App app{"train: ..."};
//   tools::standard_help(app);   // also shows each option's default
#pragma once

#include <nn/metrics/terminal.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace tools {

/// The width of the terminal on standard output (nn::terminal_width: the terminal's, else
/// $COLUMNS), else 80; at least 40.
inline std::size_t help_width() { return std::max<std::size_t>(nn::terminal_width(std::cout).value_or(80), 40); }

/// `text` broken at spaces into lines of at most `width` characters (a longer word stands alone
/// on its line); the text's own line breaks are kept.
inline std::string wrap_text(const std::string& text, std::size_t width)
{
    std::string out, line;
    const auto flush = [&] {
        if (!out.empty())
            out += '\n';
        out += line;
        line.clear();
    };
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find_first_of(" \n", start), text.size());
        const std::string word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width)
            flush();
        line += (line.empty() ? "" : " ") + word;
        if (end < text.size() && text[end] == '\n')
            flush();
        start = end + 1;
    }
    if (!line.empty())
        flush();
    return out;
}

/// `head` and the fields after it, joined by ", " and broken after a comma into lines of at most
/// `width` characters, each continuation line indented by two spaces (a field too long for a line
/// stands alone on its own): train's per-epoch line in a narrow terminal.
inline std::string wrap_fields(const std::string& head, const std::vector<std::string>& fields, std::size_t width)
{
    std::string out = head, line = head;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string piece = fields[i] + (i + 1 < fields.size() ? "," : "");
        if (line.size() + 1 + piece.size() > width && line.size() > 2) {
            out += "\n  ";
            line = "  ";
        } else {
            out += ' ';
            line += ' ';
        }
        out += piece;
        line += piece;
    }
    return out;
}

class WrappedHelpFormatter : public CLI::Formatter {
public:
    explicit WrappedHelpFormatter(std::size_t width) : width_(width) { column_width(std::min<std::size_t>(30, width / 3)); }

    std::string make_option_desc(const CLI::Option* opt) const override
    {
        return wrap_text(CLI::Formatter::make_option_desc(opt), width_ - get_column_width());
    }
    // The first line is the title; the rest is one paragraph, its source line breaks undone.
    std::string make_description(const CLI::App* app) const override
    {
        const std::string text = app->get_description();
        const std::size_t title_end = std::min(text.find('\n'), text.size());
        std::string rest = title_end < text.size() ? text.substr(title_end + 1) : std::string{};
        std::replace(rest.begin(), rest.end(), '\n', ' ');
        return wrap_text(text.substr(0, title_end), width_) + "\n" + (rest.empty() ? "" : wrap_text(rest, width_) + "\n");
    }

private:
    std::size_t width_;
};

/// The --help of every tool and example: fitted to the terminal, with each option's default (the
/// value its variable holds when the option is added).
inline void standard_help(CLI::App& app)
{
    app.formatter(std::make_shared<WrappedHelpFormatter>(help_width() - 1));
    app.option_defaults()->always_capture_default();
}

} // namespace tools
