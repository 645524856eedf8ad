#include "nn/metrics/terminal.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <ostream>

#include <sys/ioctl.h>
#include <unistd.h>

namespace nn {

namespace {

// The file descriptor behind one of the standard streams; -1 for any other stream (a file
// stream, a string stream), whose descriptor the standard library does not expose.
int descriptor_of(const std::ostream& out)
{
    if (&out == &std::cout)
        return STDOUT_FILENO;
    if (&out == &std::cerr || &out == &std::clog)
        return STDERR_FILENO;
    return -1;
}

} // namespace

bool is_terminal(const std::ostream& out)
{
    const int fd = descriptor_of(out);
    return fd >= 0 && ::isatty(fd) == 1;
}

std::optional<std::size_t> parse_columns(const char* text)
{
    if (text == nullptr || *text == '\0')
        return std::nullopt;
    const char* end = text + std::strlen(text);
    std::size_t columns = 0;
    const auto [ptr, ec] = std::from_chars(text, end, columns);
    if (ec != std::errc() || ptr != end || columns < 1 || columns > 10000)
        return std::nullopt;
    return columns;
}

std::optional<std::size_t> terminal_width(const std::ostream& out)
{
    const int fd = descriptor_of(out);
    winsize size{};
    // NOTE: a pseudo-terminal that nobody sized (some CI runners, `script` without a window)
    // answers the ioctl with 0 columns; that is no width, so $COLUMNS gets its turn.
    if (fd >= 0 && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return static_cast<std::size_t>(size.ws_col);
    return parse_columns(std::getenv("COLUMNS"));
}

} // namespace nn
