// DOT export of tensor graphs: one record per tensor (label, shape and dtype, optionally the
// norms of its data and gradient), one small node per op, through the writer scalar graphs use.
#include "autograd/atomic_file.hpp"
#include "autograd/dot.hpp"
#include "autograd/graph/dot_writer.hpp"
#include "autograd/engine/record.hpp"
#include "autograd/engine/topo.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace autograd {
namespace {

struct SideMarks : detail::SideTableMarks<TensorNode> {
    template <class F> void for_each_input_reversed(const TensorNode* n, F&& f) const
    {
        for (auto it = n->inputs.rbegin(); it != n->inputs.rend(); ++it)
            if (it->fn)
                f(static_cast<const TensorNode*>(it->fn.get()));
    }
};

double norm(const Tensor& t)
{
    double s = 0.0;
    for (double v : t.to_vector())
        s += v * v;
    return std::sqrt(s);
}

// The record of one tensor: shape and dtype, then norms as asked.
std::vector<std::string> fields(const Tensor& t, const DotOptions& options)
{
    std::vector<std::string> out{fmt::format("{} {}", to_string(t.shape()), to_string(t.dtype()))};
    if (options.show_data)
        out.push_back("data norm " + detail::format_number(norm(t), options.precision));
    if (options.show_grad && t.grad().defined())
        out.push_back("grad norm " + detail::format_number(norm(t.grad()), options.precision));
    return out;
}

std::vector<detail::GraphNode> describe(const Tensor& root, const DotOptions& options)
{
    std::vector<detail::GraphNode> nodes;
    if (!root.grad_fn()) { // a leaf on its own
        nodes.push_back({root.label(), fields(root, options), detail::NodeRole::Output, "", {}, {}, {}});
        return nodes;
    }
    SideMarks marks;
    std::vector<const TensorNode*> order, stack;
    detail::topological_order(static_cast<const TensorNode*>(root.grad_fn().get()), order, stack, marks);

    std::unordered_map<const void*, std::size_t> index; // node or leaf -> its entry
    std::unordered_map<const void*, std::vector<const TensorTraceStep*>> steps_of;
    for (const TensorTraceStep& step : options.tensor_steps)
        steps_of[step.node].push_back(&step);
    for (const TensorNode* n : order) {
        detail::GraphNode g;
        std::vector<std::size_t> drawn_input; // for each entry of g.inputs, its position in n->inputs
        for (std::size_t k = 0; k < n->inputs.size(); ++k) {
            const TensorEdge& e = n->inputs[k];
            if (e.fn || e.leaf)
                drawn_input.push_back(k);
            if (e.fn) {
                g.inputs.push_back(index.at(e.fn.get()));
            } else if (e.leaf) {
                auto [it, fresh] = index.emplace(e.leaf.get(), nodes.size());
                if (fresh) {
                    const Tensor leaf(e.leaf);
                    detail::GraphNode l{leaf.label(), fields(leaf, options), detail::NodeRole::Parameter, "", {}, {}, {}};
                    if (leaf.grad().defined())
                        l.grad_size = norm(leaf.grad());
                    nodes.push_back(std::move(l));
                }
                g.inputs.push_back(it->second);
            }
        }
        g.op = std::string(op_info(n->op).symbol); // the symbol scalar graphs draw for the same op
        if (n->outputs.size() > 1) { // split's node: a line for each part
            for (std::size_t k = 0; k < n->outputs.size(); ++k) {
                const auto out = n->outputs[k].tensor.lock();
                const std::string label = out ? Tensor(out).label() : std::string();
                g.fields.push_back(fmt::format("{}{}: {} {}", k, label.empty() ? "" : " " + label,
                                               to_string(n->outputs[k].shape), to_string(n->dtype)));
            }
        } else if (const auto out = n->outputs[0].tensor.lock()) {
            const Tensor t(out);
            g.title = t.label();
            g.fields = fields(t, options);
        } else {
            g.fields = {fmt::format("{} {}", to_string(n->outputs[0].shape), to_string(n->dtype))};
        }
        g.role = n == root.grad_fn().get() ? detail::NodeRole::Output : detail::NodeRole::Intermediate;
        // An op's result keeps no gradient: its size comes from the trace, with the edges'. A step
        // is matched by its node and op, so a trace of another graph is not drawn on this one.
        const auto traced = steps_of.find(n);
        for (std::size_t t = 0; traced != steps_of.end() && t < traced->second.size(); ++t) {
            const TensorTraceStep& step = *traced->second[t];
            if (step.op != n->op)
                continue;
            g.grad_size = step.upstream.nonfinite > 0 ? std::numeric_limits<double>::quiet_NaN() : step.upstream.norm;
            g.input_labels.resize(g.inputs.size());
            for (std::size_t k = 0; k < drawn_input.size(); ++k)
                if (drawn_input[k] == step.input_index)
                    g.input_labels[k] = "‖g‖ " + detail::format_number(step.contribution.norm, options.precision);
        }
        index[n] = nodes.size();
        nodes.push_back(std::move(g));
    }
    return nodes;
}

} // namespace

void write_dot(const Tensor& root, std::ostream& out, const DotOptions& options)
{
    detail::check_defined("write_dot", root);
    detail::emit_dot(describe(root, options), out, options, "the norm of the gradient the edge carried");
}

std::string to_dot(const Tensor& root, const DotOptions& options)
{
    std::ostringstream out;
    write_dot(root, out, options);
    return out.str();
}

void write_dot(const Tensor& root, const std::filesystem::path& file, const DotOptions& options)
{
    write_file_atomically(file, to_dot(root, options), false);
}

void render_graph(const Tensor& root, const std::filesystem::path& file, const DotOptions& options)
{
    render_dot_file(to_dot(root, options), file);
}

} // namespace autograd
