// Value: a scalar in a computation graph, as in micrograd.
//
// Arithmetic on Values records a graph; backward() then applies the chain rule from that output
// to every Value it was computed from.
//
//   #include <autograd/value.hpp>
//   using autograd::Value;
//   Value w = 0.8, x = 1.5;
//   Value loss = pow(w * x - 0.5, 2.0);   // (a - y)^2, the tutorial's squared error
//   loss.backward();
//   w.grad();                            // dC/dw = 2 (a - y) x = 2.1
//
// Semantics (PyTorch's, where micrograd and PyTorch differ):
// - A Value is a cheap handle: copies alias the same node (`Value b = a;` shares data and grad).
//   Compound assignment rebinds, as in Python: `s += x` makes s a new node `s + x`.
// - backward() ADDS into the gradients of the leaves (inputs and weights). Call zero_grad()
//   before the next backward() unless accumulating is what you want (mini-batches do want it).
//   Interior nodes get the gradient of the latest backward() only, for printing and drawing.
// - Leaves made from a double require a gradient (micrograd's default); Value::constant() makes
//   one that does not. An op records its parents only if one of them requires a gradient and grad
//   mode is on (see NoGradGuard); otherwise its result is a plain constant.
// - The graph lives as long as some handle reaches it: destroying the last handle of the output
//   frees the whole graph, iteratively, however long it is.
// - A graph belongs to one thread at a time: handles are not atomically counted. A graph may be
//   handed to another thread (or outlive its thread); backward() and destruction stay correct
//   there. Labels are set on the thread that created the value.
// - Memory: nodes live in 64 KiB chunks per thread, reused once all their nodes are gone. A Value
//   kept alive keeps its chunk: across training steps keep numbers (loss.data()), not Values.
#pragma once

#include "autograd/grad_mode.hpp"
#include "autograd/engine/scalar_node.hpp"
#include "autograd/engine/scalar_ops.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

class Value {
public:
    /// A leaf that requires a gradient (an input or a weight). Implicit, so `x * 2.0` and
    /// `Value x = 3;` read as they do in Python.
    Value(double data = 0.0) : n_(new_leaf(data, detail::kRequiresGrad)) {}
    /// A labelled leaf; the label shows in DOT output and printing.
    Value(double data, std::string_view label);

    /// A leaf with no gradient: backward() never reaches it.
    static Value constant(double data) { return Value(Adopt{}, new_leaf(data, 0)); }
    /// A trainable weight (requires a gradient; drawn as a parameter in DOT output).
    static Value parameter(double data, std::string_view label = {});

    Value(const Value& other) noexcept : n_(other.n_) { retain(); }
    Value(Value&& other) noexcept : n_(other.n_) { other.n_ = nullptr; }
    Value& operator=(const Value& other) noexcept
    {
        Value(other).swap(*this);
        return *this;
    }
    Value& operator=(Value&& other) noexcept
    {
        Value(std::move(other)).swap(*this);
        return *this;
    }
    ~Value()
    {
        if (n_ != nullptr && --n_->refs == 0)
            detail::release_node(n_);
    }
    void swap(Value& other) noexcept { std::swap(n_, other.n_); }

    double data() const { return node().data; }
    double grad() const { return node().grad; }
    // NOTE: the mutators are const, as for a shared_ptr: constness belongs to the handle, and
    // every handle of a node sees the change.
    /// Overwrites the value (optimizers update weights in place; the graph is not re-run).
    void set_data(double data) const { node().data = data; }
    void set_grad(double grad) const { node().grad = grad; }
    void zero_grad() const { node().grad = 0.0; }

    /// Computes d(this)/d(every value this was computed from), adding into leaf gradients.
    /// Throws std::logic_error if this value does not require a gradient.
    void backward() const;

    bool requires_grad() const { return node().requires_grad(); }
    bool is_leaf() const { return node().op == ScalarOp::Leaf; }
    bool is_parameter() const { return (node().flags & detail::kParameter) != 0; }
    ScalarOp op() const { return node().op; }
    /// The values this one was computed from (none for leaves), in argument order.
    std::vector<Value> parents() const;
    /// The constant of add_const / mul_const / pow_const nodes (`x + 2` keeps 2 here).
    double op_constant() const;

    std::string label() const;
    const Value& set_label(std::string_view label) const;
    /// Identity of the underlying node: equal for handles that alias.
    const void* id() const { return n_; }

    Value relu() const;
    Value exp() const;
    Value log() const;
    Value tanh() const;
    Value sigmoid() const;
    Value pow(double exponent) const;
    Value pow(const Value& exponent) const;

    // Internal: build nodes for op structs of scalar_ops.hpp.
    template <class Op> static Value unary(const Value& a, double c = 0.0);
    // Internal: a new handle of an existing node (traces hold the nodes they describe).
    static Value share(detail::ScalarNode* n) noexcept
    {
        ++n->refs;
        return Value(Adopt{}, n);
    }
    template <class Op> static Value binary(const Value& a, const Value& b);
    detail::ScalarNode& node() const
    {
        if (n_ == nullptr) [[unlikely]]
            throw_moved_from();
        return *n_;
    }

private:
    struct Adopt {};
    Value(Adopt, detail::ScalarNode* n) noexcept : n_(n) {}
    void retain() const noexcept
    {
        if (n_ != nullptr)
            ++n_->refs;
    }
    static detail::ScalarNode* new_leaf(double data, std::uint8_t flags)
    {
        detail::ScalarNode* n = detail::allocate_node();
        n->data = data;
        n->grad = 0.0;
        n->lhs = nullptr;
        n->rhs = nullptr;
        n->refs = 1;
        n->op = ScalarOp::Leaf;
        n->flags = flags;
        return n;
    }
    [[noreturn]] static void throw_moved_from();
    // kMixed when `parent` is, or descends from, an interior node made by another thread: then
    // backward cannot walk the graph in this thread's arena order and takes the general path.
    static std::uint8_t mixed_flag(const detail::ScalarNode& parent)
    {
        if (parent.op == ScalarOp::Leaf)
            return 0;
        const bool mixed = (parent.flags & detail::kMixed) != 0 || detail::chunk_of(&parent)->owner != detail::tl_arena;
        return mixed ? detail::kMixed : 0;
    }

    detail::ScalarNode* n_;
};

// A node records its parents only when grad mode is on and some parent requires a gradient
// (pruning at construction); otherwise the result is a constant leaf.
template <class Op> [[gnu::always_inline]] inline Value Value::unary(const Value& a, double c)
{
    detail::ScalarNode& pa = a.node();
    double out;
    if constexpr (requires { Op::forward(0.0, 0.0); })
        out = Op::forward(pa.data, c);
    else
        out = Op::forward(pa.data);
    detail::ScalarNode* n = new_leaf(out, 0);
    n->aux = c;
    if (pa.requires_grad() && is_grad_enabled()) {
        n->lhs = &pa;
        ++pa.refs;
        n->op = detail::op_id<Op>;
        n->flags = detail::kRequiresGrad | mixed_flag(pa);
    }
    return Value(Adopt{}, n);
}

template <class Op> [[gnu::always_inline]] inline Value Value::binary(const Value& a, const Value& b)
{
    detail::ScalarNode& pa = a.node();
    detail::ScalarNode& pb = b.node();
    detail::ScalarNode* n = new_leaf(Op::forward(pa.data, pb.data), 0);
    if ((pa.requires_grad() || pb.requires_grad()) && is_grad_enabled()) {
        n->lhs = &pa;
        n->rhs = &pb;
        ++pa.refs;
        ++pb.refs;
        n->op = detail::op_id<Op>;
        n->flags = detail::kRequiresGrad | mixed_flag(pa) | mixed_flag(pb);
    }
    return Value(Adopt{}, n);
}

// Arithmetic: Value or double on either side. A double operand is folded into the node as a
// constant (x + 2 is one add_const node, not a leaf plus an add), which keeps graphs small.
inline Value operator+(const Value& a, const Value& b) { return Value::binary<scalar_ops::Add>(a, b); }
inline Value operator-(const Value& a, const Value& b) { return Value::binary<scalar_ops::Sub>(a, b); }
inline Value operator*(const Value& a, const Value& b) { return Value::binary<scalar_ops::Mul>(a, b); }
inline Value operator/(const Value& a, const Value& b) { return Value::binary<scalar_ops::Div>(a, b); }
inline Value operator-(const Value& a) { return Value::unary<scalar_ops::Neg>(a); }

inline Value operator+(const Value& a, double c) { return Value::unary<scalar_ops::AddConst>(a, c); }
inline Value operator+(double c, const Value& a) { return Value::unary<scalar_ops::AddConst>(a, c); }
inline Value operator-(const Value& a, double c) { return Value::unary<scalar_ops::AddConst>(a, -c); }
inline Value operator-(double c, const Value& a) { return -a + c; }
inline Value operator*(const Value& a, double c) { return Value::unary<scalar_ops::MulConst>(a, c); }
inline Value operator*(double c, const Value& a) { return Value::unary<scalar_ops::MulConst>(a, c); }
// NOTE: a / c is a * (1/c), which can differ from the true quotient in the last bit.
inline Value operator/(const Value& a, double c) { return Value::unary<scalar_ops::MulConst>(a, 1.0 / c); }
inline Value operator/(double c, const Value& a) { return Value::constant(c) / a; }

// Compound assignment rebinds the handle to a new node, as in Python (`s += x` is `s = s + x`).
inline Value& operator+=(Value& a, const Value& b) { return a = a + b; }
inline Value& operator-=(Value& a, const Value& b) { return a = a - b; }
inline Value& operator*=(Value& a, const Value& b) { return a = a * b; }
inline Value& operator/=(Value& a, const Value& b) { return a = a / b; }
inline Value& operator+=(Value& a, double c) { return a = a + c; }
inline Value& operator-=(Value& a, double c) { return a = a - c; }
inline Value& operator*=(Value& a, double c) { return a = a * c; }
inline Value& operator/=(Value& a, double c) { return a = a / c; }

inline Value pow(const Value& base, double exponent) { return Value::unary<scalar_ops::PowConst>(base, exponent); }
inline Value pow(const Value& base, const Value& exponent) { return Value::binary<scalar_ops::Pow>(base, exponent); }
inline Value pow(double base, const Value& exponent) { return Value::binary<scalar_ops::Pow>(Value::constant(base), exponent); }
inline Value exp(const Value& x) { return Value::unary<scalar_ops::Exp>(x); }
inline Value log(const Value& x) { return Value::unary<scalar_ops::Log>(x); }
inline Value tanh(const Value& x) { return Value::unary<scalar_ops::Tanh>(x); }
inline Value sigmoid(const Value& x) { return Value::unary<scalar_ops::Sigmoid>(x); }
inline Value relu(const Value& x) { return Value::unary<scalar_ops::Relu>(x); }

inline Value Value::relu() const { return autograd::relu(*this); }
inline Value Value::exp() const { return autograd::exp(*this); }
inline Value Value::log() const { return autograd::log(*this); }
inline Value Value::tanh() const { return autograd::tanh(*this); }
inline Value Value::sigmoid() const { return autograd::sigmoid(*this); }
inline Value Value::pow(double exponent) const { return autograd::pow(*this, exponent); }
inline Value Value::pow(const Value& exponent) const { return autograd::pow(*this, exponent); }

/// Sum of values as one left-to-right chain of adds (an empty list sums to a constant 0).
Value sum(std::span<const Value> values);
inline Value sum(std::initializer_list<Value> values) { return sum(std::span<const Value>(values.begin(), values.size())); }

/// Sets the gradient of every value to zero (before the next backward()).
void zero_grad(std::span<const Value> values);
inline void zero_grad(std::initializer_list<Value> values) { zero_grad(std::span<const Value>(values.begin(), values.size())); }

/// Number of nodes backward() visits from `root` (itself included): a graph's size, for reports.
std::size_t graph_size(const Value& root);

/// Prints like micrograd: `Value(data=2.5, grad=1)`, with the label first when there is one.
std::ostream& operator<<(std::ostream& os, const Value& v);

} // namespace autograd

/// fmt::print("{}", v) prints as operator<< does, with 6 significant digits: `Value(label=w, data=0.8, grad=2.1)`.
template <> struct fmt::formatter<autograd::Value> {
    constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
    template <class Context> auto format(const autograd::Value& v, Context& ctx) const
    {
        const std::string label = v.label();
        if (!label.empty())
            return fmt::format_to(ctx.out(), "Value(label={}, data={:g}, grad={:g})", label, v.data(), v.grad());
        return fmt::format_to(ctx.out(), "Value(data={:g}, grad={:g})", v.data(), v.grad());
    }
};
