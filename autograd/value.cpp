// Value's out-of-line parts: labels, backward, printing, sums.
#include "autograd/value.hpp"

#include "autograd/trace.hpp"

#include "autograd/engine/scalar_label.hpp"
#include "autograd/engine/scalar_topo.hpp"

#include <mutex>
#include <ostream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace autograd {
namespace detail {
namespace {

struct LabelTable {
    std::mutex mutex;
    std::unordered_map<const ScalarNode*, std::string> labels;
};
// Never destroyed, like the node pool: nodes (and so their labels) may outlive other statics.
LabelTable& label_table()
{
    static LabelTable* table = new LabelTable;
    return *table;
}

} // namespace

void set_label(ScalarNode* n, std::string_view label)
{
    // The label bit lives in the node's flags, which the owner thread's walks read: only the
    // owner may write them.
    if (chunk_of(n)->owner != tl_arena)
        throw std::logic_error("set_label: this value was created on another thread; label it on that thread");
    LabelTable& t = label_table();
    std::lock_guard lock(t.mutex);
    if (label.empty()) {
        t.labels.erase(n);
        n->flags &= static_cast<std::uint8_t>(~kHasLabel);
    } else {
        t.labels[n] = std::string(label);
        n->flags |= kHasLabel;
    }
}

std::string get_label(const ScalarNode* n)
{
    if ((n->flags & kHasLabel) == 0)
        return {};
    LabelTable& t = label_table();
    std::lock_guard lock(t.mutex);
    auto it = t.labels.find(n);
    return it == t.labels.end() ? std::string() : it->second;
}

void erase_label(ScalarNode* n)
{
    LabelTable& t = label_table();
    std::lock_guard lock(t.mutex);
    t.labels.erase(n);
}

} // namespace detail

Value::Value(double data, std::string_view label) : Value(data) { set_label(label); }

Value Value::parameter(double data, std::string_view label)
{
    Value v(Adopt{}, new_leaf(data, detail::kRequiresGrad | detail::kParameter));
    v.set_label(label);
    return v;
}

void Value::throw_moved_from()
{
    throw std::logic_error("Value: use of a moved-from Value (it no longer refers to a node)");
}

std::vector<Value> Value::parents() const
{
    const detail::ScalarNode& n = node();
    std::vector<Value> out;
    detail::for_each_parent(&n, [&](detail::ScalarNode* p) {
        ++p->refs;
        out.push_back(Value(Adopt{}, p));
    });
    return out;
}

double Value::op_constant() const
{
    const detail::ScalarNode& n = node();
    if (n.op != ScalarOp::AddConst && n.op != ScalarOp::MulConst && n.op != ScalarOp::PowConst)
        throw std::logic_error("Value::op_constant: op '" + std::string(op_info(n.op).name) +
                               "' has no constant operand");
    return n.aux;
}

std::string Value::label() const { return detail::get_label(&node()); }

const Value& Value::set_label(std::string_view label) const
{
    detail::set_label(&node(), label);
    return *this;
}

namespace {

// The drivers below take the step to run at each node as a parameter: the plain one,
// scalar_backward_step, or the traced one. The plain instantiation is what every untraced
// backward() runs, so tracing adds nothing to it.
struct PlainStep {
    template <class Sink> [[gnu::always_inline]] void operator()(detail::ScalarNode& n, Sink& sink) const
    {
        detail::scalar_backward_step(n, sink);
    }
};

// The fast path. Nodes of one thread lie in its arena in creation order, a topological order,
// so walking slots from the output down to older ones meets every node after all its consumers.
// Slots of dead or unrelated nodes are skipped; the walk ends when no reached node is left.
template <class Step> void backward_by_arena_order(detail::ScalarNode& root, Step&& step)
{
    scalar_ops::GradSink sink;
    root.grad = 1.0;
    root.flags |= detail::kReached;
    sink.pending = 1;
    detail::ChunkHeader* h = detail::chunk_of(&root);
    std::size_t i = static_cast<std::size_t>(&root - h->first()) + 1;
    for (;;) {
        detail::ScalarNode* first = h->first();
        while (i-- > 0) {
            detail::ScalarNode& n = first[i];
            if ((n.flags & detail::kReached) == 0)
                continue;
            n.flags &= static_cast<std::uint8_t>(~detail::kReached);
            step(n, sink);
            if (--sink.pending == 0)
                return;
        }
        h = h->prev;
        if (h == nullptr)
            throw std::logic_error("backward: internal error: reached nodes missing from the arena walk");
        i = h->allocated;
    }
}

// Where the general path sends gradient: like GradSink, with "reached" kept beside the nodes.
struct MarkedSink {
    std::unordered_set<const detail::ScalarNode*> reached;
    void add(detail::ScalarNode* parent, double g)
    {
        if (parent->op == ScalarOp::Leaf) {
            if (parent->requires_grad())
                parent->grad += g;
        } else if (reached.insert(parent).second) {
            parent->grad = g;
        } else {
            parent->grad += g;
        }
    }
};

// The general path, for graphs that are not this thread's alone: an explicit topological sort,
// with its marks kept beside the nodes (the nodes' owners may be walking their arenas).
template <class Step> void backward_by_topological_sort(detail::ScalarNode& root, Step&& step)
{
    const std::vector<const detail::ScalarNode*> order = detail::scalar_topological_order(&root, true);
    MarkedSink sink;
    root.grad = 1.0;
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        step(const_cast<detail::ScalarNode&>(**it), sink);
}

// Collects what a node's backward sends to each parent, instead of delivering it.
struct CaptureSink {
    detail::ScalarNode* parent[2]{};
    double g[2]{};
    int count = 0;
    void add(detail::ScalarNode* p, double value)
    {
        parent[count] = p;
        g[count] = value;
        ++count;
    }
};

// The traced step: the op's backward run once with an upstream gradient of 1 (its local
// derivatives), then with the real one (the contributions, exactly as the plain step computes
// them), which are then delivered as the plain step would, one edge at a time.
struct TracedStep {
    BackwardTrace& trace;
    std::size_t nodes = 0;
    template <class Sink> void operator()(detail::ScalarNode& n, Sink& sink)
    {
        const double upstream = n.grad;
        CaptureSink local, contribution;
        n.grad = 1.0;
        detail::scalar_backward_step(n, local);
        n.grad = upstream;
        detail::scalar_backward_step(n, contribution);
        const std::size_t index = nodes++;
        for (int k = 0; k < contribution.count; ++k) {
            detail::ScalarNode* p = contribution.parent[k];
            sink.add(p, contribution.g[k]);
            const bool accumulates = p->requires_grad();
            trace.add(ScalarTraceStep{index, Value::share(&n), Value::share(p), k, n.op, upstream, local.g[k],
                                      contribution.g[k], p->grad, accumulates});
        }
    }
};

void clear_reached_marks(detail::ScalarNode& root) noexcept
{
    try {
        for (const detail::ScalarNode* n : detail::scalar_topological_order(&root, true))
            const_cast<detail::ScalarNode*>(n)->flags &= static_cast<std::uint8_t>(~detail::kReached);
    } catch (...) { // no memory even for the walk: nothing more can be done here
    }
}

template <class Step> void run_scalar_backward(detail::ScalarNode& root, Step&& step)
{
    const bool own = (root.flags & detail::kMixed) == 0 && detail::chunk_of(&root)->owner == detail::tl_arena;
    if (own)
        backward_by_arena_order(root, step);
    else
        backward_by_topological_sort(root, step);
}

} // namespace

void Value::backward() const
{
    detail::ScalarNode& root = node();
    if (!root.requires_grad())
        throw std::logic_error("backward: this value does not require a gradient (it is a constant, "
                               "or it was computed under NoGradGuard from constants only)");
    if (root.op == ScalarOp::Leaf) {
        root.grad += 1.0;
        return;
    }
    if (BackwardTrace* trace = active_trace(); trace != nullptr) [[unlikely]] {
        try {
            run_scalar_backward(root, TracedStep{*trace});
        } catch (...) {
            // Recording a step can fail (no memory) half-way through the walk: nodes reached and
            // not yet processed would keep their mark, and the next backward would add into
            // their stale gradients. Clear every mark under the root before passing it on.
            clear_reached_marks(root);
            throw;
        }
    } else {
        run_scalar_backward(root, PlainStep{});
    }
}

std::size_t graph_size(const Value& root)
{
    std::unordered_set<const detail::ScalarNode*> seen{&root.node()};
    std::vector<const detail::ScalarNode*> stack{&root.node()};
    while (!stack.empty()) {
        const detail::ScalarNode* n = stack.back();
        stack.pop_back();
        detail::for_each_parent(n, [&](const detail::ScalarNode* p) {
            if (seen.insert(p).second)
                stack.push_back(p);
        });
    }
    return seen.size();
}

Value sum(std::span<const Value> values)
{
    if (values.empty())
        return Value::constant(0.0);
    Value total = values[0];
    for (std::size_t i = 1; i < values.size(); ++i)
        total = total + values[i];
    return total;
}

void zero_grad(std::span<const Value> values)
{
    for (const Value& v : values)
        v.zero_grad();
}

std::ostream& operator<<(std::ostream& os, const Value& v) { return os << fmt::format("{}", v); }

} // namespace autograd
