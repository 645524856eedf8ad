// The DOT text of a graph, written once for scalar and tensor graphs: each engine describes its
// nodes as GraphNodes (in topological order) and this file draws them.
//
//   std::vector<detail::GraphNode> nodes = {{.title = "w", .fields = {"data 0.8000"}, .role = NodeRole::Parameter},
//                                           {.title = "a", .op = "*", .inputs = {0}}};
//   detail::emit_dot(nodes, out, {});
#pragma once

#include "autograd/dot.hpp"

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace autograd::detail {

enum class NodeRole { Input, Parameter, Constant, Intermediate, Output };

struct GraphNode {
    std::string title;               // label, or empty
    std::vector<std::string> fields; // "data 0.8000", "grad 2.100"
    NodeRole role = NodeRole::Intermediate;
    std::string op;                  // op symbol; empty for a leaf
    std::vector<std::size_t> inputs; // indices of input nodes in the full topological order
};

/// Draws `nodes` (inputs before the nodes that use them, the output last). When there are more
/// than options.max_nodes, the ones nearest the output are drawn and a note says how many were cut.
void emit_dot(const std::vector<GraphNode>& nodes, std::ostream& out, const DotOptions& options);

/// Escapes text for a DOT record label: { } | < > " \ and newlines.
std::string escape_record_text(std::string_view text);

/// Formats a number for a label with options.precision significant digits.
std::string format_number(double x, int precision);

} // namespace autograd::detail
