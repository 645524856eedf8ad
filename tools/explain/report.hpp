// The tables `explain` prints: the forward pass, the backward pass one edge per line, and a
// gradient descent, laid out for a terminal of a given width (rows become short blocks of lines
// when a table would not fit).
//
//   explain::print_forward(std::cout, graph, {.width = 80});
//   explain::print_backward(std::cout, graph, {.width = 80});
#pragma once

#include "document.hpp"
#include "explained_graph.hpp"

#include <cstddef>
#include <iosfwd>
#include <vector>

namespace explain {

struct Layout {
    std::size_t width = 0; // terminal columns; 0: as wide as the table needs
    int digits = 6;        // significant digits of the numbers
};

void print_forward(std::ostream& out, const ExplainedGraph& g, const Layout& layout);
void print_backward(std::ostream& out, const ExplainedGraph& g, const Layout& layout);
void print_descent(std::ostream& out, const Descent& d, const std::vector<Binding>& bindings, const Layout& layout);

/// The columns of the terminal standard output writes to, or 0 when it is not a terminal
/// (COLUMNS is used when set, as shells set it).
std::size_t terminal_width();

} // namespace explain
