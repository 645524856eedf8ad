// Reverse mode over tensor graphs: Tensor::backward() and autograd::grad().
//
// The nodes above the outputs are put in topological order (the shared iterative sort), then
// visited outputs-first: each node's incoming gradients are summed, its hooks run, its backward
// formula gives its inputs' gradients, which go to the nodes that made those inputs or, for
// leaves, into their grad() (or, for grad(), into the returned list).
#include "autograd/anomaly.hpp"
#include "autograd/tensor_impl.hpp"
#include "autograd/topo.hpp"

#include <fmt/format.h>

#include <atomic>
#include <unordered_map>

namespace autograd {
namespace {

// Marks for the topological sort, in the nodes: `visit` is base (entered) or base + 1 (emitted)
// for this pass, anything older otherwise. A fresh base per pass means nothing needs clearing.
struct NodeMarks {
    std::uint64_t base;
    bool entered(const TensorNode* n) const { return n->visit >= base; }
    bool emitted(const TensorNode* n) const { return n->visit == base + 1; }
    void enter(const TensorNode* n) const { n->visit = base; }
    void emit(const TensorNode* n) const { n->visit = base + 1; }
    template <class F> void for_each_input_reversed(const TensorNode* n, F&& f) const
    {
        for (auto it = n->inputs.rbegin(); it != n->inputs.rend(); ++it)
            if (it->fn)
                f(static_cast<const TensorNode*>(it->fn.get()));
    }
};

// The order and stack lists of a backward pass, reused from pass to pass on a thread (a pass may
// start another one, from a hook: each takes its own pair from the spares).
struct NodeLists {
    std::vector<const TensorNode*> order, stack;
};
class ScratchLists {
public:
    ScratchLists()
    {
        if (!spares_gone && !spares().lists.empty()) {
            lists_ = std::move(spares().lists.back());
            spares().lists.pop_back();
        }
        lists_.order.clear();
        lists_.stack.clear();
    }
    ~ScratchLists()
    {
        if (spares_gone) // a pass run by a thread_local destroyed after the spares
            return;
        try {
            spares().lists.push_back(std::move(lists_));
        } catch (...) { // no room to keep them: let them go
        }
    }
    ScratchLists(const ScratchLists&) = delete;
    ScratchLists& operator=(const ScratchLists&) = delete;
    std::vector<const TensorNode*>& order() { return lists_.order; }
    std::vector<const TensorNode*>& stack() { return lists_.stack; }

private:
    struct Spares {
        std::vector<NodeLists> lists;
        ~Spares() { spares_gone = true; }
    };
    static inline thread_local bool spares_gone = false;
    static Spares& spares()
    {
        thread_local Spares s;
        return s;
    }
    NodeLists lists_;
};

std::uint64_t next_visit_base()
{
    static std::atomic<std::uint64_t> counter{2};
    return counter.fetch_add(2, std::memory_order_relaxed);
}

Tensor run_hooks(const std::vector<std::function<Tensor(const Tensor&)>>& hooks, Tensor g)
{
    for (const auto& hook : hooks) {
        Tensor replaced = hook(g);
        if (replaced.defined())
            g = std::move(replaced);
    }
    return g;
}

void add_into(Tensor& slot, const Tensor& g) { slot = slot.defined() ? slot + g : g; }

// Anomaly mode: the first NaN or Inf in a gradient names the op whose backward made it, the
// input it was for, and that input's label.
void check_gradients(const TensorNode& node, const std::vector<Tensor>& grads)
{
    for (std::size_t i = 0; i < grads.size() && i < node.inputs.size(); ++i) {
        if (!grads[i].defined())
            continue;
        const std::string_view bad = detail::first_nonfinite(grads[i]);
        if (bad.empty())
            continue;
        const TensorEdge& e = node.inputs[i];
        std::string input = "[?]";
        if (e.leaf)
            input = detail::describe_tensor(Tensor(e.leaf));
        else if (e.fn)
            if (const auto out = e.fn->output.lock())
                input = detail::describe_tensor(Tensor(out));
        throw std::runtime_error(fmt::format("anomaly: the backward of {} (output shape {}) produced {} in the gradient "
                                             "of input {} ({})",
                                             node.op, to_string(node.shape), bad, i, input));
    }
}

// Where grad() wants gradients: its inputs, by the node that made them or by the leaf itself.
struct Capture {
    std::unordered_map<const TensorNode*, std::size_t> nodes;
    std::unordered_map<const TensorImpl*, std::size_t> leaves;
    std::vector<Tensor> result;
};

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, bool retain_graph,
                  bool create_graph, Capture* capture)
{
    AutoGradMode mode(create_graph); // backward is recorded only under create_graph
    // As in PyTorch, create_graph keeps the graph: the recorded backward refers to its saved tensors.
    retain_graph = retain_graph || create_graph;

    const auto deliver_to_leaf = [&](const std::shared_ptr<TensorImpl>& leaf, const Tensor& g_in) {
        const Tensor g = run_hooks(leaf->hooks, g_in);
        if (capture != nullptr) {
            auto it = capture->leaves.find(leaf.get());
            if (it != capture->leaves.end())
                add_into(capture->result[it->second], g);
            return;
        }
        // Without create_graph, g was computed unrecorded and is already a plain tensor.
        add_into(leaf->grad, create_graph || !g.requires_grad() ? g : g.detach());
    };

    NodeMarks marks{next_visit_base()};
    ScratchLists scratch;
    std::vector<const TensorNode*>& order = scratch.order();
    std::vector<const TensorNode*>& stack = scratch.stack();
    // Pending gradients live in the nodes; if a backward formula throws, drop them all, so that
    // the next backward does not start from half a pass.
    struct ClearPending {
        const std::vector<const TensorNode*>& order;
        ~ClearPending()
        {
            for (const TensorNode* n : order)
                n->pending_grad = Tensor();
        }
    } clear_pending{order};
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (const auto& fn = roots[i].grad_fn()) {
            detail::topological_order(static_cast<const TensorNode*>(fn.get()), order, stack, marks);
            add_into(fn->pending_grad, root_grads[i]);
        } else {
            deliver_to_leaf(roots[i].impl(), root_grads[i]);
        }
    }

    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        auto* node = const_cast<TensorNode*>(*it);
        if (!node->pending_grad.defined())
            continue;
        Tensor g = std::move(node->pending_grad);
        node->pending_grad = Tensor();
        if (auto out = node->output.lock())
            g = run_hooks(out->hooks, std::move(g));
        if (capture != nullptr) {
            auto c = capture->nodes.find(node);
            if (c != capture->nodes.end())
                add_into(capture->result[c->second], g);
        }
        std::vector<Tensor> input_grads;
        {
            const bool outer = detail::in_backward_formula;
            detail::in_backward_formula = true;
            struct Restore {
                bool value;
                ~Restore() { detail::in_backward_formula = value; }
            } restore{outer};
            input_grads = node->backward(g, *node);
        }
        if (is_anomaly_enabled())
            check_gradients(*node, input_grads);
        for (std::size_t i = 0; i < node->inputs.size(); ++i) {
            const TensorEdge& e = node->inputs[i];
            if (!e.needed() || i >= input_grads.size() || !input_grads[i].defined())
                continue;
            if (e.fn)
                add_into(e.fn->pending_grad, input_grads[i]);
            else
                deliver_to_leaf(e.leaf, input_grads[i]);
        }
        if (!retain_graph) {
            node->saved.clear();
            node->released = true;
        }
    }
}

// The gradient to start from at `output`: the given one (same shape and dtype) or, for a
// one-element output, 1.
Tensor seed_gradient(std::string_view op, const Tensor& output, const Tensor& given)
{
    if (!output.requires_grad())
        throw std::logic_error(fmt::format("{}: the tensor does not require a gradient (no input of it was marked "
                                           "with requires_grad_(), or it was computed under NoGradGuard)",
                                           op));
    if (!given.defined()) {
        if (output.numel() != 1)
            throw std::invalid_argument(fmt::format("{}: a gradient can be implied only for a one-element tensor; this "
                                                    "one has shape {} (pass a gradient of that shape)",
                                                    op, to_string(output.shape())));
        return Tensor::ones(output.shape(), output.dtype());
    }
    if (given.shape() != output.shape() || given.dtype() != output.dtype())
        throw std::invalid_argument(fmt::format("{}: the gradient has shape {} ({}) but the tensor has shape {} ({})", op,
                                                to_string(given.shape()), to_string(given.dtype()),
                                                to_string(output.shape()), to_string(output.dtype())));
    return given;
}

} // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const
{
    checked();
    const Tensor seed = seed_gradient("backward", *this, gradient);
    run_backward({*this}, {seed}, retain_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph)
{
    if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
        throw std::invalid_argument(fmt::format("grad: {} outputs but {} grad_outputs", outputs.size(), grad_outputs.size()));
    std::vector<Tensor> seeds;
    for (std::size_t i = 0; i < outputs.size(); ++i)
        seeds.push_back(seed_gradient("grad", outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i]));
    Capture capture;
    capture.result.resize(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        detail::check_defined("grad", inputs[i]);
        if (!inputs[i].requires_grad())
            throw std::invalid_argument(fmt::format("grad: input {} does not require a gradient", i));
        if (inputs[i].grad_fn())
            capture.nodes.emplace(inputs[i].grad_fn().get(), i);
        else
            capture.leaves.emplace(inputs[i].impl().get(), i);
    }
    run_backward(outputs, seeds, retain_graph, create_graph, &capture);
    return capture.result;
}

} // namespace autograd
