// Graphviz DOT export of computation graphs, and SVG/PNG rendering when Graphviz is installed.
//
//   Value loss = ...;
//   loss.backward();
//   autograd::write_dot(loss, std::cout);                 // DOT text, always available
//   autograd::write_dot(loss, "loss.dot");                // written atomically
//   autograd::render_graph(loss, "loss.svg");             // needs Graphviz (throws if absent)
//
// Each value is a record {label | data | grad}; each op is a separate small node between its
// inputs and its result. Colours give roles: inputs blue, parameters orange, constants grey,
// the output green. Node ids follow the topological order, so the same graph gives the same text.
//
// To see gradients flow, colour by gradient size and label the edges from a trace:
//   autograd::BackwardTrace trace;
//   loss.backward();
//   autograd::write_dot(loss, "flow.dot", {.color_by_grad = true, .scalar_steps = trace.scalar_steps()});
#pragma once

#include "autograd/trace.hpp"

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

namespace autograd {

class Value;
class Tensor;

enum class RankDir { LeftToRight, TopToBottom };

struct DotOptions {
    RankDir rankdir = RankDir::LeftToRight;
    bool show_data = true;
    bool show_grad = true;
    std::size_t max_nodes = 1000; // values drawn at most; those nearest the output are kept
    int precision = 4;            // significant digits of data and grad
    // Gradient flow: fill each node by the size of its gradient (|grad| of a scalar, the norm of a
    // tensor's) on a log scale, with a legend; roles are then shown by the border instead.
    bool color_by_grad = false;
    // Steps of a BackwardTrace of this graph. Scalar graphs: each edge is labelled with its local
    // derivative d(node)/d(operand). Tensor graphs: each edge with the norm of the gradient it
    // carried, and op results, whose gradients are not kept, take their size from the trace.
    std::span<const ScalarTraceStep> scalar_steps{};
    std::span<const TensorTraceStep> tensor_steps{};
};

void write_dot(const Value& root, std::ostream& out, const DotOptions& options = {});
void write_dot(const Value& root, const std::filesystem::path& file, const DotOptions& options = {});
std::string to_dot(const Value& root, const DotOptions& options = {});

/// The same for tensor graphs: a record per tensor (label, shape, dtype, and with show_data /
/// show_grad the norms of its data and gradient), a node per op; leaves needing a gradient are
/// drawn as parameters. Constants (inputs needing no gradient) are not part of the graph.
void write_dot(const Tensor& root, std::ostream& out, const DotOptions& options = {});
void write_dot(const Tensor& root, const std::filesystem::path& file, const DotOptions& options = {});
std::string to_dot(const Tensor& root, const DotOptions& options = {});
void render_graph(const Tensor& root, const std::filesystem::path& file, const DotOptions& options = {});

/// True when this build can render DOT to SVG/PNG itself (built with Graphviz's libgvc).
bool graphviz_available();

/// Renders DOT text to SVG or PNG bytes ("svg" or "png"). Throws std::runtime_error when
/// Graphviz is missing from the build or the DOT text does not parse.
std::string render_dot(std::string_view dot, std::string_view format);

/// Renders a graph to `file`, the format taken from its extension (.svg or .png); atomic write.
void render_graph(const Value& root, const std::filesystem::path& file, const DotOptions& options = {});
/// Renders DOT text to `file` the same way.
void render_dot_file(std::string_view dot, const std::filesystem::path& file);

} // namespace autograd
