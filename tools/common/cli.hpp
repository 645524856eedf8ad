// Option checks for the tools' command lines (CLI11 validators) whose messages print numbers as
// they were meant ("1e+300", not CLI11's 300 digits) and say what is wanted.
//
//   app.add_option("--lr", lr)->check(tools::finite_above(0));
//   app.add_option("--momentum", m)->check(tools::number_in(0, 1, tools::Bound::Open));
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <new>
#include <string>
#include <string_view>

namespace tools {

enum class Bound { Closed, Open };

namespace detail {
inline bool parse_double(const std::string& text, double& out)
{
    const char* begin = text.data();
    if (!text.empty() && text.front() == '+')
        ++begin;
    const auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}
} // namespace detail

/// A finite number x with lo <= x <= hi (or lo <= x < hi when `upper` is Open).
inline CLI::Validator number_in(double lo, double hi, Bound upper = Bound::Closed)
{
    const std::string want = fmt::format("a number from {} to {}{}", lo, hi, upper == Bound::Open ? " (not included)" : "");
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            double x = 0;
            if (!detail::parse_double(text, x) || !std::isfinite(x) || x < lo || x > hi || (upper == Bound::Open && x == hi))
                return fmt::format("'{}' is not {}", text, want);
            return {};
        },
        fmt::format("[{}, {}{}", lo, hi, upper == Bound::Open ? ")" : "]"));
}

/// A finite number above lo.
inline CLI::Validator finite_above(double lo)
{
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            double x = 0;
            if (!detail::parse_double(text, x) || !std::isfinite(x) || !(x > lo))
                return fmt::format("'{}' is not a finite number above {}", text, lo);
            return {};
        },
        fmt::format("> {}", lo));
}

/// A whole number from lo to hi, written in digits ("1e6" is refused: it reads as a float). A hi
/// of the type's largest value means no upper bound, and the message says so rather than print
/// 9223372036854775807.
inline CLI::Validator whole_in(long long lo, long long hi)
{
    const bool unbounded = hi == std::numeric_limits<long long>::max();
    const std::string want = unbounded ? fmt::format("a whole number of at least {}", lo)
                                       : fmt::format("a whole number from {} to {}", lo, hi);
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            long long x = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
            if (ec != std::errc() || ptr != text.data() + text.size() || x < lo || x > hi)
                return fmt::format("'{}' is not {}", text, want);
            return {};
        },
        unbounded ? fmt::format(">= {}", lo) : fmt::format("{}..{}", lo, hi));
}

/// A file the tool will write: not a folder, in a folder that exists. Checked when the options
/// are read, so a typo in a path fails at once rather than after the first epoch's work.
inline CLI::Validator output_file()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            namespace fs = std::filesystem;
            std::error_code ec;
            const fs::path path(text);
            if (text.empty())
                return "the file name is empty";
            if (fs::is_directory(path, ec))
                return fmt::format("'{}' is a folder; give a file name", text);
            const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
            if (!fs::is_directory(parent, ec))
                return fmt::format("'{}': the folder '{}' does not exist", text, parent.string());
            return {};
        },
        "FILE");
}

/// The message of the exception being handled (call from `catch (...)`): "<tool>: <what>". Out
/// of memory gets a sentence of its own (`what` is only "std::bad_alloc"), with the hint of what
/// was too large.
inline std::string failure_message(std::string_view tool, std::string_view out_of_memory_hint = {})
{
    try {
        throw;
    } catch (const std::bad_alloc&) {
        return fmt::format("{}: out of memory{}", tool, out_of_memory_hint);
    } catch (const std::exception& e) {
        return fmt::format("{}: {}", tool, e.what());
    } catch (...) {
        return fmt::format("{}: unknown error", tool);
    }
}

/// What a tool's main does with an exception that reached it, called from `catch (...)`:
/// failure_message on stderr, and exit status 1.
inline int report_failure(std::string_view tool, std::string_view out_of_memory_hint = {})
{
    std::cerr << failure_message(tool, out_of_memory_hint) << '\n';
    return 1;
}

} // namespace tools
