// Reverse mode over tensor graphs: Tensor::backward() and autograd::grad().
//
// The nodes above the outputs are put in topological order (the shared iterative sort), then
// visited outputs-first: each node's incoming gradients are summed, its hooks run, its backward
// formula gives its inputs' gradients, which go to the nodes that made those inputs or, for
// leaves, into their grad() (or, for grad(), into the returned list).
#include "autograd/anomaly.hpp"
#include "autograd/trace.hpp"
#include "autograd/engine/record.hpp"
#include "autograd/engine/topo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <span>
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

// Runs a tensor's gradient hooks in order; a hook may replace the gradient, but only with one of
// the same shape and dtype (anything else would reach backward formulas sized for the original).
Tensor run_hooks(const std::vector<TensorHook>* hooks, Tensor g)
{
    if (hooks == nullptr)
        return g;
    for (const auto& hook : *hooks) {
        Tensor replaced = hook(g);
        if (!replaced.defined())
            continue;
        if (replaced.shape() != g.shape() || replaced.dtype() != g.dtype())
            throw std::invalid_argument(fmt::format("register_hook: the hook returned a gradient of shape {} ({}) for "
                                                    "a tensor whose gradient has shape {} ({})",
                                                    to_string(replaced.shape()), to_string(replaced.dtype()),
                                                    to_string(g.shape()), to_string(g.dtype())));
        g = std::move(replaced);
    }
    return g;
}
const std::vector<TensorHook>* hooks_of(const TensorImpl& t) { return t.extras ? &t.extras->hooks : nullptr; }

// A tensor with data of its own: what a leaf's grad() starts as when the gradient that arrives
// is also held elsewhere (handed to two inputs by an add, or the caller's seed), so that writing
// into one leaf's grad() (clipping, an optimizer's in-place update) cannot change another's.
Tensor own_copy(const Tensor& g)
{
    Tensor out = detail::empty(g.shape(), g.dtype());
    std::memcpy(out.impl()->storage->data, g.impl()->storage->data,
                static_cast<std::size_t>(g.numel()) * itemsize(g.dtype()));
    return out;
}
bool is_shared(const Tensor& g) { return g.impl().use_count() > 1 || g.impl()->storage.use_count() > 1; }

// The gradients summed so far for the outputs of the nodes of a pass. The outermost pass keeps
// them in the nodes (no lookups); a pass started from a hook while another runs keeps its own, so
// that the two never mix even where their graphs overlap.
thread_local int tl_pass_depth = 0;
class PendingGrads {
public:
    PendingGrads() : nested_(tl_pass_depth++ > 0) {}
    ~PendingGrads() { --tl_pass_depth; }
    PendingGrads(const PendingGrads&) = delete;
    PendingGrads& operator=(const PendingGrads&) = delete;
    Tensor& of(const TensorNode* n, std::uint32_t output_nr)
    {
        const TensorOutput& o = n->outputs[output_nr];
        return nested_ ? map_[&o] : o.pending_grad;
    }
    /// Drops what is left (a formula threw): the next pass must not start from half of this one.
    void clear(const std::vector<const TensorNode*>& order)
    {
        if (nested_)
            map_.clear();
        else
            for (const TensorNode* n : order)
                for (const TensorOutput& o : n->outputs)
                    o.pending_grad = Tensor();
    }

private:
    bool nested_;
    std::unordered_map<const TensorOutput*, Tensor> map_;
};

// slot += g. The first gradient is taken as it is (no copy). Later ones are added in place when
// nothing else can see the slot's data: its record and its storage have one owner each (a
// gradient handed to two inputs, a reshape view, or a handle the user kept from grad() all
// count), and no graph is being recorded. Otherwise the sum is a new tensor.
void add_into(Tensor& slot, Tensor g)
{
    if (!slot.defined()) {
        slot = std::move(g);
        return;
    }
    const auto& impl = slot.impl();
    if (!is_grad_enabled() && !impl->requires_grad && impl.use_count() == 1 && impl->storage.use_count() == 1 &&
        impl->shape == g.shape() && impl->dtype == g.dtype()) {
        dispatch(impl->dtype, [&]<class T>() {
            T* ps = impl->template data<T>();
            const T* pg = g.impl()->template data<T>();
            for (std::int64_t i = 0, n = impl->numel(); i < n; ++i)
                ps[i] += pg[i];
        });
        return;
    }
    if (impl->shape != g.shape())
        throw std::logic_error(fmt::format("backward: a gradient of shape {} reached a tensor of shape {}",
                                           to_string(g.shape()), to_string(impl->shape)));
    slot = slot + g;
}

// An input of a node as messages and traces name it: "w [3, 4]", or "[?]" for an op result
// that no longer exists.
std::string describe_input(const TensorEdge& e)
{
    if (e.leaf)
        return detail::describe_tensor(Tensor(e.leaf));
    if (e.fn)
        if (const auto out = e.fn->outputs[e.output_nr].tensor.lock())
            return detail::describe_tensor(Tensor(out));
    return "[?]";
}

// "[2, 3]", or for a node of several outputs "[2, 1], [2, 2]".
std::string output_shapes(const TensorNode& node)
{
    std::string text;
    for (const TensorOutput& o : node.outputs)
        text += (text.empty() ? "" : ", ") + to_string(o.shape);
    return text;
}

// Anomaly mode: the first NaN or Inf in a gradient names the op whose backward made it, the
// input it was for, and that input's label.
void check_gradients(const TensorNode& node, const TensorList& grads)
{
    for (std::size_t i = 0; i < grads.size() && i < node.inputs.size(); ++i) {
        if (!grads[i].defined())
            continue;
        const std::string_view bad = detail::first_nonfinite(grads[i]);
        if (bad.empty())
            continue;
        throw std::runtime_error(fmt::format("anomaly: the backward of {} (output shape {}) produced {} in the gradient "
                                             "of input {} ({})",
                                             op_name(node.op), output_shapes(node), bad, i,
                                             describe_input(node.inputs[i])));
    }
}

// Reports the edges of one processed node to a trace: each input that receives a gradient.
void trace_node(BackwardTrace& trace, std::size_t index, const TensorNode& node, const GradientSummary& upstream,
                const TensorList& grads)
{
    for (std::size_t i = 0; i < grads.size() && i < node.inputs.size(); ++i) {
        const TensorEdge& e = node.inputs[i];
        if (!e.needed() || !grads[i].defined())
            continue;
        trace.add(TensorTraceStep{index, &node, node.op, upstream, i, summarize_gradient(grads[i]), e.leaf != nullptr,
                                  describe_input(e), node.outputs.size()});
    }
}

// Where grad() wants gradients: its inputs, by the output of the node that made them or by the
// leaf itself.
// Short sorted lists inside the object, searched by bisection, not two hash maps: grad() is often
// called on a few tiny tensors, where the maps' buckets and nodes were allocations per call.
class Capture {
public:
    std::vector<Tensor> result;
    static inline thread_local Tensor nowhere; // the slot of what grad() was not asked about

    /// Input i of grad() (before seal()).
    void add(const Tensor& input, std::size_t i)
    {
        if (const auto& fn = input.grad_fn())
            outputs_.push_back({&fn->outputs[input.impl()->output_nr], i});
        else
            leaves_.push_back({input.impl().get(), i});
    }
    /// Sorts the lists by tensor, then by index: an input given twice is found at its first index
    /// (the later ones get nothing, as before).
    void seal()
    {
        std::sort(outputs_.begin(), outputs_.end(), before<TensorOutput>);
        std::sort(leaves_.begin(), leaves_.end(), before<TensorImpl>);
    }
    Tensor* slot_of(const TensorOutput* output) { return find(outputs_, output); }
    Tensor& slot_of(const TensorImpl* leaf)
    {
        Tensor* slot = find(leaves_, leaf);
        return slot != nullptr ? *slot : nowhere;
    }

private:
    template <class K> using Entry = std::pair<const K*, std::size_t>;
    template <class K> using Entries = SmallVector<Entry<K>, 4>;
    template <class K> static bool before(const Entry<K>& a, const Entry<K>& b)
    {
        return std::less<const K*>{}(a.first, b.first) || (a.first == b.first && a.second < b.second);
    }
    template <class K> Tensor* find(const Entries<K>& entries, const K* key)
    {
        const Entry<K>* it = std::lower_bound(entries.begin(), entries.end(), key, [](const Entry<K>& e, const K* k) {
            return std::less<const K*>{}(e.first, k);
        });
        return it != entries.end() && it->first == key ? &result[it->second] : nullptr;
    }
    Entries<TensorOutput> outputs_; // op results, by the node's record of them
    Entries<TensorImpl> leaves_;
};

void run_backward(std::span<const Tensor> roots, std::span<Tensor> root_grads, BackwardOptions options,
                  Capture* capture)
{
    const bool create_graph = options.create_graph;
    AutoGradMode mode(create_graph); // backward is recorded only under create_graph
    // As in PyTorch, create_graph keeps the graph: the recorded backward refers to its saved tensors.
    const bool retain_graph = options.retain_graph || create_graph;

    const auto deliver_to_leaf = [&](const std::shared_ptr<TensorImpl>& leaf, Tensor g) {
        g = run_hooks(hooks_of(*leaf), std::move(g));
        Tensor& slot = capture != nullptr ? capture->slot_of(leaf.get()) : leaf->grad;
        if (&slot == &Capture::nowhere)
            return;
        // Without create_graph, g was computed unrecorded and is already a plain tensor.
        if (!create_graph && !slot.defined() && is_shared(g))
            g = own_copy(g);
        add_into(slot, create_graph || !g.requires_grad() ? g : g.detach());
    };

    NodeMarks marks{next_visit_base()};
    ScratchLists scratch;
    std::vector<const TensorNode*>& order = scratch.order();
    std::vector<const TensorNode*>& stack = scratch.stack();
    PendingGrads pending;
    struct ClearPending {
        PendingGrads& pending;
        const std::vector<const TensorNode*>& order;
        ~ClearPending() { pending.clear(order); }
    } clear_pending{pending, order};
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (const auto& fn = roots[i].grad_fn()) {
            detail::topological_order(static_cast<const TensorNode*>(fn.get()), order, stack, marks);
            add_into(pending.of(fn.get(), roots[i].impl()->output_nr), root_grads[i]);
            root_grads[i] = Tensor(); // the pass owns it now (a gradient nothing else holds can be kept, not copied)
        } else {
            deliver_to_leaf(roots[i].impl(), std::move(root_grads[i]));
        }
    }

    // The gradient of output k of a node, summed: taken from its slot, through its hooks, and
    // kept for grad() if it was asked for.
    const auto receive = [&](const TensorNode* node, std::uint32_t k) {
        Tensor& slot = pending.of(node, k);
        Tensor g = std::move(slot);
        slot = Tensor();
        if (!g.defined())
            return g;
        const TensorOutput& o = node->outputs[k];
        if (!o.hooks.empty())
            g = run_hooks(&o.hooks, std::move(g));
        if (capture != nullptr)
            if (Tensor* c = capture->slot_of(&o))
                add_into(*c, g);
        return g;
    };
    const auto formula = [](const TensorNode& node, std::span<const Tensor> g) {
        const bool outer = detail::in_backward_formula;
        detail::in_backward_formula = true;
        struct Restore {
            bool value;
            ~Restore() { detail::in_backward_formula = value; }
        } restore{outer};
        return node.backward(g, node);
    };

    BackwardTrace* const trace = active_trace();
    std::size_t traced_nodes = 0;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        auto* node = const_cast<TensorNode*>(*it);
        GradientSummary upstream;
        TensorList input_grads;
        if (node->outputs.size() == 1) {
            Tensor g = receive(node, 0);
            if (!g.defined())
                continue;
            if (trace != nullptr) [[unlikely]]
                upstream = summarize_gradient(g);
            input_grads = formula(*node, {&g, 1});
            g = Tensor(); // a formula that passed g through (add) leaves it to the last input unshared
        } else { // split's parts: the formula is called once, with every part's gradient
            SmallVector<Tensor, 4> g;
            bool any = false;
            for (std::uint32_t k = 0; k < node->outputs.size(); ++k) {
                g.push_back(receive(node, k));
                any = any || g[k].defined();
            }
            if (!any)
                continue;
            if (trace != nullptr) [[unlikely]]
                upstream = summarize_gradients({g.begin(), g.end()});
            input_grads = formula(*node, {g.begin(), g.end()});
        }
        if (is_anomaly_enabled())
            check_gradients(*node, input_grads);
        if (trace != nullptr) [[unlikely]]
            trace_node(*trace, traced_nodes++, *node, upstream, input_grads);
        for (std::size_t i = 0; i < node->inputs.size(); ++i) {
            const TensorEdge& e = node->inputs[i];
            if (!e.needed() || i >= input_grads.size() || !input_grads[i].defined())
                continue;
            if (e.fn)
                add_into(pending.of(e.fn.get(), e.output_nr), std::move(input_grads[i]));
            else
                deliver_to_leaf(e.leaf, std::move(input_grads[i]));
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

void Tensor::backward(const Tensor& gradient, BackwardOptions options) const
{
    checked();
    if (options.materialize_grads)
        throw std::invalid_argument("backward: materialize_grads applies to autograd::grad() only (backward() "
                                    "accumulates into grad(), which stays undefined for unused leaves)");
    Tensor seed = seed_gradient("backward", *this, gradient);
    run_backward({this, 1}, {&seed, 1}, options, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, BackwardOptions options)
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
        capture.add(inputs[i], i);
    }
    capture.seal();
    run_backward(outputs, seeds, options, &capture);
    if (options.materialize_grads)
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (!capture.result[i].defined())
                capture.result[i] = Tensor::zeros(inputs[i].shape(), inputs[i].dtype()).requires_grad_(options.create_graph);
    return capture.result;
}

} // namespace autograd
