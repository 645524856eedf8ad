// DOT text for computation graphs: the shared writer, and the description of scalar graphs.
#include "autograd/dot.hpp"

#include "autograd/atomic_file.hpp"
#include "autograd/graph/dot_writer.hpp"
#include "autograd/engine/scalar_label.hpp"
#include "autograd/engine/scalar_topo.hpp"
#include "autograd/value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>
#include <unordered_map>

namespace autograd {
namespace detail {
namespace {

struct RoleStyle {
    const char* fill;
    const char* name;
};
RoleStyle style_of(NodeRole role)
{
    switch (role) {
    case NodeRole::Input: return {"#cfe2ff", "input"};
    case NodeRole::Parameter: return {"#ffd8a8", "parameter"};
    case NodeRole::Constant: return {"#e9ecef", "constant"};
    case NodeRole::Output: return {"#b2f2bb", "output"};
    case NodeRole::Intermediate: break;
    }
    return {"#ffffff", "intermediate"};
}

} // namespace

std::string escape_record_text(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '{': case '}': case '|': case '<': case '>': case '"': case '\\':
            out += '\\';
            out += c;
            break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
    return out;
}

std::string format_number(double x, int precision) { return fmt::format("{:.{}g}", x, precision); }

namespace {

// The gradient-size scale: five fills from pale to dark on a log scale between the smallest and
// the largest nonzero size in the graph (ColorBrewer's "Oranges", readable in print and by
// people with red-green colour blindness).
constexpr const char* kGradFills[] = {"#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"};
constexpr int kGradBins = 5;
constexpr const char* kNonfiniteFill = "#c92a2a"; // NaN or infinite: off the scale, in its own colour

struct GradScale {
    double lo = 0.0, hi = 0.0; // log10 of the smallest and largest nonzero finite sizes
    bool any = false;
    explicit GradScale(const std::vector<GraphNode>& nodes, std::size_t first)
    {
        for (std::size_t i = first; i < nodes.size(); ++i) {
            const auto& g = nodes[i].grad_size;
            if (!g || *g == 0.0 || !std::isfinite(*g))
                continue;
            const double l = std::log10(std::fabs(*g));
            lo = any ? std::min(lo, l) : l;
            hi = any ? std::max(hi, l) : l;
            any = true;
        }
    }
    int bin(double size) const
    {
        if (hi - lo < 1e-12)
            return kGradBins - 1;
        const double t = (std::log10(std::fabs(size)) - lo) / (hi - lo);
        return std::clamp(static_cast<int>(t * kGradBins), 0, kGradBins - 1);
    }
    // The lower edge of a bin, as a gradient size.
    double edge(int k) const { return std::pow(10.0, lo + (hi - lo) * k / kGradBins); }
};

// Fill, border and font of a node coloured by its gradient; the role goes to the border.
std::string grad_style(const GraphNode& n, const GradScale& scale)
{
    const char* border = "#495057";
    const char* style = "filled";
    double pen = 1.0;
    switch (n.role) {
    case NodeRole::Input: border = "#1c7ed6"; pen = 2.5; break;
    case NodeRole::Parameter: border = "#e8590c"; pen = 2.5; break;
    case NodeRole::Constant: style = "filled,dashed"; break;
    case NodeRole::Output: border = "#2b8a3e"; pen = 2.5; break;
    case NodeRole::Intermediate: break;
    }
    const char* fill = "#e9ecef"; // no gradient
    const char* font = "black";
    if (n.grad_size) {
        if (!std::isfinite(*n.grad_size)) {
            fill = kNonfiniteFill;
            font = "white";
        } else if (*n.grad_size == 0.0) {
            fill = "#ffffff";
        } else {
            const int k = scale.bin(*n.grad_size);
            fill = kGradFills[k];
            font = k >= 3 ? "white" : "black";
        }
    }
    return fmt::format("style=\"{}\", fillcolor=\"{}\", color=\"{}\", penwidth={}, fontcolor=\"{}\"", style, fill,
                       border, pen, font);
}

void emit_legend(std::ostream& out, const GradScale& scale, bool edge_labels, std::string_view edge_meaning)
{
    // Each cell gives its range of sizes, to 3 digits: a legend is read at a glance.
    std::string cells;
    for (int k = 0; k < kGradBins; ++k)
        cells += fmt::format("<td bgcolor=\"{}\"><font color=\"{}\">{} &ndash; {}</font></td>", kGradFills[k],
                             k >= 3 ? "white" : "black", format_number(scale.edge(k), 3),
                             format_number(scale.edge(k + 1), 3));
    std::string rows;
    if (scale.any)
        rows += fmt::format("<tr><td align=\"left\" colspan=\"{}\">fill: size of the gradient, log scale</td></tr>"
                            "<tr>{}</tr>",
                            kGradBins, cells);
    rows += fmt::format("<tr><td align=\"left\" colspan=\"{}\">white: a zero gradient; grey: no gradient flows "
                        "(a constant); <font color=\"{}\">red</font>: NaN or infinite</td></tr>",
                        kGradBins, kNonfiniteFill);
    rows += fmt::format("<tr><td align=\"left\" colspan=\"{}\">border: orange parameter, blue input, green output, "
                        "dashed constant</td></tr>",
                        kGradBins);
    if (edge_labels)
        rows += fmt::format("<tr><td align=\"left\" colspan=\"{}\">edge labels: {}</td></tr>", kGradBins,
                            edge_meaning);
    out << "  legend [shape=plaintext, label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" "
           "cellpadding=\"4\">"
        << rows << "</table>>];\n";
}

} // namespace

void emit_dot(const std::vector<GraphNode>& nodes, std::ostream& out, const DotOptions& options,
              std::string_view edge_meaning)
{
    const std::size_t total = nodes.size();
    const std::size_t first = total > options.max_nodes ? total - options.max_nodes : 0;
    const GradScale scale(nodes, first);
    bool edge_labels = false;
    out << "digraph backprop {\n";
    out << "  rankdir=" << (options.rankdir == RankDir::LeftToRight ? "LR" : "TB") << ";\n";
    out << "  node [fontname=\"Helvetica\", fontsize=11];\n";
    out << "  edge [color=\"#495057\"];\n";
    if (first > 0) {
        out << fmt::format("  cut [shape=note, style=filled, fillcolor=\"#fff3bf\", label=\"{} more values not "
                           "shown (max_nodes = {})\"];\n",
                           first, options.max_nodes);
    }
    for (std::size_t i = first; i < total; ++i) {
        const GraphNode& n = nodes[i];
        std::string record;
        if (!n.title.empty())
            record += escape_record_text(n.title);
        for (const std::string& f : n.fields) {
            if (!record.empty())
                record += " | ";
            record += escape_record_text(f);
        }
        const RoleStyle style = style_of(n.role);
        const std::string look = options.color_by_grad
                                     ? grad_style(n, scale)
                                     : fmt::format("style=filled, fillcolor=\"{}\"", style.fill);
        out << fmt::format("  v{} [shape=record, {}, tooltip=\"{}\", label=\"{{ {} }}\"];\n", i, look, style.name,
                           record);
        if (n.op.empty())
            continue;
        out << fmt::format("  op{} [shape=circle, width=0.3, label=\"{}\"];\n", i, escape_record_text(n.op));
        out << fmt::format("  op{} -> v{};\n", i, i);
        bool cut_edge = false;
        for (std::size_t k = 0; k < n.inputs.size(); ++k) {
            const std::size_t input = n.inputs[k];
            if (input < first) {
                cut_edge = true;
                continue;
            }
            if (k < n.input_labels.size() && !n.input_labels[k].empty()) {
                edge_labels = true;
                out << fmt::format("  v{} -> op{} [label=\"{}\", decorate=true, fontname=\"Helvetica\", fontsize=10];\n", input, i,
                                   escape_record_text(n.input_labels[k]));
            } else {
                out << fmt::format("  v{} -> op{};\n", input, i);
            }
        }
        if (cut_edge)
            out << fmt::format("  cut -> op{} [style=dashed];\n", i);
    }
    if (options.color_by_grad)
        emit_legend(out, scale, edge_labels, edge_meaning);
    out << "}\n";
}

namespace {

std::string op_text(const ScalarNode& n)
{
    const OpInfo& info = op_info(n.op);
    switch (n.op) {
    case ScalarOp::AddConst: // x - 0.5 is stored as x + (-0.5); draw it as written
        return n.aux < 0 ? fmt::format("- {}", format_number(-n.aux, 4)) : fmt::format("+ {}", format_number(n.aux, 4));
    case ScalarOp::MulConst: return fmt::format("{} {}", info.symbol, format_number(n.aux, 4));
    case ScalarOp::PowConst: return fmt::format("{}{}", info.symbol, format_number(n.aux, 4));
    default: return std::string(info.symbol);
    }
}

} // namespace

// The scalar graph under `root` as GraphNodes.
std::vector<GraphNode> describe(const Value& root, const DotOptions& options)
{
    const std::vector<const ScalarNode*> order = scalar_topological_order(&root.node(), false);
    std::unordered_map<const ScalarNode*, std::size_t> index;
    for (std::size_t i = 0; i < order.size(); ++i)
        index[order[i]] = i;

    std::vector<GraphNode> nodes(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        const ScalarNode& n = *order[i];
        GraphNode& g = nodes[i];
        g.title = get_label(&n);
        if (options.show_data)
            g.fields.push_back("data " + format_number(n.data, options.precision));
        if (options.show_grad && n.requires_grad())
            g.fields.push_back("grad " + format_number(n.grad, options.precision));
        if (order[i] == &root.node())
            g.role = NodeRole::Output;
        else if (n.op != ScalarOp::Leaf)
            g.role = NodeRole::Intermediate;
        else if ((n.flags & kParameter) != 0)
            g.role = NodeRole::Parameter;
        else
            g.role = n.requires_grad() ? NodeRole::Input : NodeRole::Constant;
        if (n.requires_grad())
            g.grad_size = std::fabs(n.grad);
        if (n.op != ScalarOp::Leaf) {
            g.op = op_text(n);
            for_each_parent(&n, [&](const ScalarNode* p) { g.inputs.push_back(index.at(p)); });
        }
    }
    // Edge labels: the local derivative each edge had in the trace (the last pass, if several).
    for (const ScalarTraceStep& step : options.scalar_steps) {
        const auto it = index.find(&step.node.node());
        if (it == index.end())
            continue;
        GraphNode& g = nodes[it->second];
        g.input_labels.resize(g.inputs.size());
        if (static_cast<std::size_t>(step.parent_index) < g.input_labels.size())
            g.input_labels[static_cast<std::size_t>(step.parent_index)] = format_number(step.local, options.precision);
    }
    return nodes;
}

} // namespace detail

void write_dot(const Value& root, std::ostream& out, const DotOptions& options)
{
    detail::emit_dot(detail::describe(root, options), out, options, "the local derivative d(result)/d(operand)");
}

std::string to_dot(const Value& root, const DotOptions& options)
{
    std::ostringstream out;
    write_dot(root, out, options);
    return out.str();
}

void write_dot(const Value& root, const std::filesystem::path& file, const DotOptions& options)
{
    const std::string text = to_dot(root, options);
    write_file_atomically(file, text, false);
}

} // namespace autograd
