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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autograd::detail {

enum class NodeRole { Input, Parameter, Constant, Intermediate, Output };

struct GraphNode {
    std::string title;               // label, or empty
    std::vector<std::string> fields; // "data 0.8000", "grad 2.100"
    NodeRole role = NodeRole::Intermediate;
    std::string op;                  // op symbol; empty for a leaf
    std::vector<std::size_t> inputs; // indices of input nodes in the full topological order
    std::vector<std::string> input_labels; // empty, or one edge label per input
    std::optional<double> grad_size;       // |grad| or a gradient's norm; nothing where none flows
};

/// Draws `nodes` (inputs before the nodes that use them, the output last). When there are more
/// than options.max_nodes, the ones nearest the output are drawn and a note says how many were cut.
/// With options.color_by_grad, nodes are filled by grad_size and a legend is drawn, which says
/// what the edge labels mean (`edge_meaning`) when there are any.
void emit_dot(const std::vector<GraphNode>& nodes, std::ostream& out, const DotOptions& options,
              std::string_view edge_meaning = {});

/// Escapes text for a DOT record label: { } | < > " \ and newlines.
std::string escape_record_text(std::string_view text);

/// Formats a number for a label with options.precision significant digits.
std::string format_number(double x, int precision);

} // namespace autograd::detail
