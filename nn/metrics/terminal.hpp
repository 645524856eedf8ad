// What a program's output stream is attached to: an interactive terminal or not, and how many
// columns that terminal has now. A window can be resized while a program runs, so a caller that
// fits its output to the width asks again before each redraw (the question is one ioctl).
//
//   if (nn::is_terminal(std::cout))
//       std::size_t columns = nn::terminal_width(std::cout).value_or(80);
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>

namespace nn {

/// Whether the stream is an interactive terminal (std::cout or std::cerr on a tty).
bool is_terminal(const std::ostream& out);

/// The width in columns of the terminal that `out` writes to: the kernel's (TIOCGWINSZ on
/// std::cout's or std::cerr's file descriptor), else $COLUMNS when it holds a width, else
/// nothing (another stream, or a terminal that reports no size).
std::optional<std::size_t> terminal_width(const std::ostream& out);

/// $COLUMNS's text as a width: a whole number from 1 to 10000, digits only; anything else
/// (empty, "abc", "0", "80x") is no width. Null reads as unset.
std::optional<std::size_t> parse_columns(const char* text);

} // namespace nn
