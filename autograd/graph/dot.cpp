// DOT text for computation graphs: the shared writer, and the description of scalar graphs.
#include "autograd/dot.hpp"

#include "autograd/atomic_file.hpp"
#include "autograd/graph/dot_writer.hpp"
#include "autograd/engine/scalar_label.hpp"
#include "autograd/engine/scalar_topo.hpp"
#include "autograd/value.hpp"

#include <fmt/format.h>

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

void emit_dot(const std::vector<GraphNode>& nodes, std::ostream& out, const DotOptions& options)
{
    const std::size_t total = nodes.size();
    const std::size_t first = total > options.max_nodes ? total - options.max_nodes : 0;
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
        out << fmt::format("  v{} [shape=record, style=filled, fillcolor=\"{}\", tooltip=\"{}\", label=\"{{ {} }}\"];\n",
                           i, style.fill, style.name, record);
        if (n.op.empty())
            continue;
        out << fmt::format("  op{} [shape=circle, width=0.3, label=\"{}\"];\n", i, escape_record_text(n.op));
        out << fmt::format("  op{} -> v{};\n", i, i);
        bool cut_edge = false;
        for (std::size_t input : n.inputs) {
            if (input >= first)
                out << fmt::format("  v{} -> op{};\n", input, i);
            else
                cut_edge = true;
        }
        if (cut_edge)
            out << fmt::format("  cut -> op{} [style=dashed];\n", i);
    }
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
        if (n.op != ScalarOp::Leaf) {
            g.op = op_text(n);
            for_each_parent(&n, [&](const ScalarNode* p) { g.inputs.push_back(index.at(p)); });
        }
    }
    return nodes;
}

} // namespace detail

void write_dot(const Value& root, std::ostream& out, const DotOptions& options)
{
    detail::emit_dot(detail::describe(root, options), out, options);
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
