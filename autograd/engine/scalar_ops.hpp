// The scalar engine's operations: each op's forward, backward and name in one place.
//
// To add an op: write its struct below (name, symbol, arity, its formula and derivatives as text,
// forward, backward), add it to BACKPROP_SCALAR_OPS, give it a public function in value.hpp, and a
// line in the test tables (tests/test_value_ops.cpp, tests/golden/golden_scalar.py). The enum, the
// name table used by DOT, traces and error messages, and the backward dispatch are all generated
// from the one list; a static_assert below refuses an op without its formula texts, and
// tests/test_trace.cpp evaluates every derivative text against the op's backward.
//
// Conventions: `g` is the gradient arriving at the output y; the comment above each op gives
// the local derivatives. Domain edges follow PyTorch: log(0) = -inf, log(-1) = NaN, a negative
// base to a fractional power is NaN, relu'(0) = 0.
//
//   scalar_ops::Mul::forward(2.0, 3.0);   // 6
//   op_info(ScalarOp::Mul);               // {"mul", "*", 2, "a*b", {"b", "a"}}: name, DOT symbol,
//                                         // arity, formula, derivative by each parent
#pragma once

#include "autograd/engine/op_symbols.hpp"
#include "autograd/engine/scalar_node.hpp"

#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace autograd {

#define BACKPROP_SCALAR_OPS(X)                                                                     \
    X(Leaf) X(Add) X(Sub) X(Mul) X(Div) X(Pow) X(Neg) X(AddConst) X(MulConst) X(PowConst) X(Exp)   \
    X(Log) X(Tanh) X(Sigmoid) X(Relu)

enum class ScalarOp : std::uint8_t {
#define BACKPROP_X(name) name,
    BACKPROP_SCALAR_OPS(BACKPROP_X)
#undef BACKPROP_X
};

// The formula texts are for people (traces, tools/explain, the step-through page) and are written
// in the expression language of tools/explain, so a test can evaluate each one and compare it with
// the op's backward: `a` and `b` are the parents, `c` the op's constant, `y` the op's output, and
// `[p > q]` is 1 where the comparison holds, else 0 (for relu's step).
struct OpInfo {
    std::string_view name;   // for traces and error messages: "mul"
    std::string_view symbol; // for DOT op nodes: "*" (op_symbols.hpp, shared with tensor ops)
    int arity;               // parents recorded: 0, 1 or 2
    std::string_view formula;       // y in terms of a, b, c: "a*b"
    std::string_view derivative[2]; // dy/da and dy/db, in terms of a, b, c, y: {"b", "a"}
};

namespace scalar_ops {

using detail::ScalarNode;

// Where backward rules send each parent its share of the gradient.
// A leaf accumulates (+=) across backward() calls, unless it is a constant (no gradient). An
// interior node's gradient is assigned when this backward first reaches it, so it holds the
// latest backward's value only, and the node is marked as waiting to pass it on.
struct GradSink {
    std::size_t pending = 0; // interior nodes reached and not yet processed

    void add(ScalarNode* parent, double g)
    {
        if (parent->op == ScalarOp::Leaf) {
            if (parent->requires_grad())
                parent->grad += g;
        } else if ((parent->flags & detail::kReached) != 0) {
            parent->grad += g;
        } else {
            parent->flags |= detail::kReached;
            parent->grad = g;
            ++pending;
        }
    }
};

// A leaf: an input, a weight or a constant. Nothing flows further back.
struct Leaf {
    static constexpr OpInfo info{"leaf", "", 0, "", {}};
    template <class Sink> static void backward(ScalarNode&, Sink&) {}
};

// y = a + b;  da = g,  db = g
struct Add {
    static constexpr OpInfo info{"add", op_symbol::add, 2, "a + b", {"1", "1"}};
    static double forward(double a, double b) { return a + b; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        sink.add(y.lhs, y.grad);
        sink.add(y.rhs, y.grad);
    }
};

// y = a - b;  da = g,  db = -g
struct Sub {
    static constexpr OpInfo info{"sub", op_symbol::sub, 2, "a - b", {"1", "-1"}};
    static double forward(double a, double b) { return a - b; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        sink.add(y.lhs, y.grad);
        sink.add(y.rhs, -y.grad);
    }
};

// y = a * b;  da = g*b,  db = g*a
struct Mul {
    static constexpr OpInfo info{"mul", op_symbol::mul, 2, "a*b", {"b", "a"}};
    static double forward(double a, double b) { return a * b; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        sink.add(y.lhs, y.grad * y.rhs->data);
        sink.add(y.rhs, y.grad * y.lhs->data);
    }
};

// y = a / b;  da = g/b,  db = -g*a/b^2  (the same expression as PyTorch, so float64 goldens match)
struct Div {
    static constexpr OpInfo info{"div", op_symbol::div, 2, "a/b", {"1/b", "-a/b^2"}};
    static double forward(double a, double b) { return a / b; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        const double a = y.lhs->data, b = y.rhs->data;
        sink.add(y.lhs, y.grad / b);
        sink.add(y.rhs, -y.grad * a / (b * b));
    }
};

// y = a^b;  da = g*b*a^(b-1),  db = g*y*log(a)
// NOTE: as in PyTorch, da is 0 where b == 0 and db is 0 where a == 0 and b >= 0, so that
// 0^0 and 0^b do not turn 0 * inf into NaN.
struct Pow {
    static constexpr OpInfo info{"pow", op_symbol::pow, 2, "a^b", {"b*a^(b - 1)", "y*log(a)"}};
    static double forward(double a, double b) { return std::pow(a, b); }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        const double a = y.lhs->data, b = y.rhs->data;
        sink.add(y.lhs, b == 0.0 ? 0.0 : y.grad * b * std::pow(a, b - 1.0));
        sink.add(y.rhs, (a == 0.0 && b >= 0.0) ? 0.0 : y.grad * y.data * std::log(a));
    }
};

// y = -a;  da = -g
struct Neg {
    static constexpr OpInfo info{"neg", op_symbol::neg, 1, "-a", {"-1"}};
    static double forward(double a) { return -a; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, -y.grad); }
};

// y = a + c (c a constant);  da = g
struct AddConst {
    static constexpr OpInfo info{"add_const", op_symbol::add, 1, "a + c", {"1"}};
    static double forward(double a, double c) { return a + c; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad); }
};

// y = a * c (c a constant);  da = g*c
struct MulConst {
    static constexpr OpInfo info{"mul_const", op_symbol::mul, 1, "a*c", {"c"}};
    static double forward(double a, double c) { return a * c; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad * y.aux); }
};

// y = a^c (c a constant);  da = g*c*a^(c-1), and 0 where c == 0 (PyTorch's rule)
struct PowConst {
    static constexpr OpInfo info{"pow_const", op_symbol::pow, 1, "a^c", {"c*a^(c - 1)"}};
    static double forward(double a, double c) { return std::pow(a, c); }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink)
    {
        const double c = y.aux;
        sink.add(y.lhs, c == 0.0 ? 0.0 : y.grad * c * std::pow(y.lhs->data, c - 1.0));
    }
};

// y = e^a;  da = g*y
struct Exp {
    static constexpr OpInfo info{"exp", op_symbol::exp, 1, "exp(a)", {"y"}};
    static double forward(double a) { return std::exp(a); }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad * y.data); }
};

// y = ln(a);  da = g/a
struct Log {
    static constexpr OpInfo info{"log", op_symbol::log, 1, "log(a)", {"1/a"}};
    static double forward(double a) { return std::log(a); }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad / y.lhs->data); }
};

// y = tanh(a);  da = g*(1 - y^2)
struct Tanh {
    static constexpr OpInfo info{"tanh", op_symbol::tanh, 1, "tanh(a)", {"1 - y^2"}};
    static double forward(double a) { return std::tanh(a); }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad * (1.0 - y.data * y.data)); }
};

// y = 1 / (1 + e^-a);  da = g*y*(1 - y)   (the tutorial's "nice expression")
struct Sigmoid {
    static constexpr OpInfo info{"sigmoid", op_symbol::sigmoid, 1, "sigmoid(a)", {"y*(1 - y)"}};
    static double forward(double a)
    {
        // Never exponentiate a large positive number: e^-a for a >= 0, e^a otherwise.
        if (a >= 0.0)
            return 1.0 / (1.0 + std::exp(-a));
        const double e = std::exp(a);
        return e / (1.0 + e);
    }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.grad * y.data * (1.0 - y.data)); }
};

// y = max(a, 0);  da = g where y > 0, else 0 (so relu'(0) = 0, as in PyTorch). NaN stays NaN.
struct Relu {
    static constexpr OpInfo info{"relu", op_symbol::relu, 1, "relu(a)", {"[y > 0]"}};
    static double forward(double a) { return a < 0.0 ? 0.0 : a; }
    template <class Sink> static void backward(ScalarNode& y, Sink& sink) { sink.add(y.lhs, y.data > 0.0 ? y.grad : 0.0); }
};

} // namespace scalar_ops

namespace detail {
#define BACKPROP_X(name) +1
inline constexpr int kScalarOpCount = 0 BACKPROP_SCALAR_OPS(BACKPROP_X);
#undef BACKPROP_X

inline constexpr OpInfo kScalarOpInfo[] = {
#define BACKPROP_X(name) scalar_ops::name::info,
    BACKPROP_SCALAR_OPS(BACKPROP_X)
#undef BACKPROP_X
};
static_assert(std::size(kScalarOpInfo) == kScalarOpCount);

// Every op but the leaf states its formula and one derivative per parent (as text, for traces).
constexpr bool formulas_complete()
{
    for (const OpInfo& info : kScalarOpInfo) {
        if (info.arity > 0 && info.formula.empty())
            return false;
        for (int k = 0; k < 2; ++k)
            if (info.derivative[k].empty() != (k >= info.arity))
                return false;
    }
    return true;
}
static_assert(formulas_complete(), "every scalar op needs its formula and a derivative per parent");

// op_id<scalar_ops::Mul> == ScalarOp::Mul
template <class Op> inline constexpr ScalarOp op_id = ScalarOp::Leaf;
#define BACKPROP_X(name) template <> inline constexpr ScalarOp op_id<scalar_ops::name> = ScalarOp::name;
BACKPROP_SCALAR_OPS(BACKPROP_X)
#undef BACKPROP_X

/// Calls f(parent) for each recorded parent of n, in argument order (none for leaves).
template <class Node, class F> inline void for_each_parent(Node* n, F&& f)
{
    const int arity = kScalarOpInfo[static_cast<int>(n->op)].arity;
    if (arity >= 1)
        f(n->lhs);
    if (arity == 2)
        f(n->rhs);
}

/// The same, last parent first (for stacks, which reverse the order again).
template <class Node, class F> inline void for_each_parent_reversed(Node* n, F&& f)
{
    const int arity = kScalarOpInfo[static_cast<int>(n->op)].arity;
    if (arity == 2)
        f(n->rhs);
    if (arity >= 1)
        f(n->lhs);
}

/// Applies the node's local derivative: pushes y.grad into its parents' gradients.
template <class Sink> [[gnu::always_inline]] inline void scalar_backward_step(ScalarNode& y, Sink& sink)
{
    switch (y.op) {
#define BACKPROP_X(name)                                                                           \
    case ScalarOp::name:                                                                           \
        scalar_ops::name::template backward(y, sink);                                              \
        break;
        BACKPROP_SCALAR_OPS(BACKPROP_X)
#undef BACKPROP_X
    }
}
} // namespace detail

/// Name, symbol and arity of a scalar op ("mul", "*", 2).
constexpr const OpInfo& op_info(ScalarOp op) { return detail::kScalarOpInfo[static_cast<int>(op)]; }

} // namespace autograd
