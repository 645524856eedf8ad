// An expression of tools/explain built as a graph of autograd Values, run forward and backward
// under a BackwardTrace, with a name for every node: what the tables, the JSON document, the DOT
// picture and the step-through page all describe.
//
//   explain::Expression e = explain::parse("(i*w - y)^2");
//   std::vector<explain::Binding> b = {{"w", 0.8, Role::Param}, {"i", 1.5, Role::Const}, {"y", 0.5, Role::Const}};
//   explain::ExplainedGraph g = explain::build_and_backward(e, b);
//   g.nodes[g.output].value.data();   // 0.49
//   g.steps.size();                   // 5 edges, the engine's order
//
// Numbers written in the expression are folded into the op that uses them where the engine does
// the same (w*2 is one mul_const node with c = 2); where it cannot (2 - w, 2/w, 2^w), the number is
// a constant leaf of its own ("literal"). A part without names (2*3) is computed at once.
#pragma once

#include "expression.hpp"

#include "autograd/trace.hpp"
#include "autograd/value.hpp"

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace explain {

enum class Role {
    Param, // a weight: has a gradient, updated by --descend
    Input, // has a gradient, never updated
    Const, // no gradient flows to it
};
std::string_view role_name(Role role); // "param", "input", "const"

/// True for the ids explain gives to nodes that are not names: n1, n2, ... and k1, k2, ...
/// (a binding may not take one, so that every id of a graph is unique).
bool is_node_id(std::string_view name);

/// A number as explain's messages and tables show it: `digits` significant digits, NaN as "nan"
/// (never "-nan").
std::string number_text(double x, int digits = 6);

struct Binding {
    std::string name;
    double value;
    Role role;
};

/// A value that cannot be computed (log of a negative number, division by zero, overflow),
/// found at a node: the message names the node and its operands.
class DomainError : public InputError {
public:
    using InputError::InputError;
};

/// A name of the expression with no binding.
class BindingError : public InputError {
public:
    using InputError::InputError;
};

struct GraphNode {
    std::string id{};                 // "w" for a name, "n1", "n2", ... for ops, "k1", ... for literals
    std::string kind{};               // "param", "input", "const", "literal" or "op"
    autograd::Value value{};          // its Value (labelled with the id)
    autograd::ScalarOp op = autograd::ScalarOp::Leaf;
    std::optional<double> constant{}; // c of add_const, mul_const, pow_const
    bool recorded = true;             // false for an op on constants only: the engine records nothing
    std::string text{};               // "i*w", "n1 - y", "tanh(n2)": the op with its operands' ids
    std::vector<std::size_t> parents{}; // indices into nodes, in argument order (a, b)
    std::size_t column = 0;           // where it is written in the expression (1-based)

    /// The engine's gradient, or nothing where none flows (constants, literals).
    std::optional<double> grad() const;
};

struct ExplainedGraph {
    std::vector<GraphNode> nodes; // forward order: every node after its parents
    std::size_t output = 0;
    std::vector<autograd::ScalarTraceStep> steps;

    /// The node of a Value of this graph (trace steps name Values); throws if it is not one.
    std::size_t index_of(const autograd::Value& v) const;
    /// The node of a name of the expression (a param, input or const), or nothing.
    std::optional<std::size_t> node_of_name(std::string_view name) const;

    std::unordered_map<const void*, std::size_t> index_by_value{}; // Value::id() -> node
    std::unordered_map<std::string, std::size_t> index_by_name{};   // a name of the expression -> its node
};

/// Builds the graph, checks every value for domain errors, and runs a traced backward from the
/// output. Throws BindingError for an unbound name, DomainError for a NaN or infinity made from
/// finite operands, std::invalid_argument when nothing in the expression has a gradient.
ExplainedGraph build_and_backward(const Expression& e, const std::vector<Binding>& bindings);

/// One row of a gradient descent: the parameters, the loss there and its gradients.
struct DescentStep {
    std::size_t step;
    double loss;
    std::vector<double> params; // in the order of the Param bindings
    std::vector<double> grads;
};

/// `steps` updates p -= lr * dL/dp of every Param binding, from the bindings' values: steps + 1
/// rows, the last the state after the final update. Throws DomainError naming the step when the
/// loss or a gradient stops being finite (a learning rate too large).
std::vector<DescentStep> descend(const Expression& e, std::vector<Binding> bindings, double lr, std::size_t steps);

} // namespace explain
