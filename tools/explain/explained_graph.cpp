// Building an explain expression as Values, naming its nodes, checking its values, and the
// traced backward pass and gradient descent over it.
#include "explained_graph.hpp"

#include <fmt/format.h>

#include <cmath>

namespace explain {

using autograd::ScalarOp;
using autograd::Value;

std::string_view role_name(Role role)
{
    switch (role) {
    case Role::Param: return "param";
    case Role::Input: return "input";
    case Role::Const: break;
    }
    return "const";
}

std::optional<double> GraphNode::grad() const
{
    if (!value.requires_grad())
        return std::nullopt;
    return value.grad();
}

std::size_t ExplainedGraph::index_of(const Value& v) const
{
    const auto it = index_by_value.find(v.id());
    if (it == index_by_value.end())
        throw std::logic_error("internal error: a traced value is not a node of the explained graph");
    return it->second;
}

std::optional<std::size_t> ExplainedGraph::node_of_name(std::string_view name) const
{
    const auto it = index_by_name.find(std::string(name));
    if (it == index_by_name.end())
        return std::nullopt;
    return it->second;
}

bool is_node_id(std::string_view name)
{
    return name.size() >= 2 && (name[0] == 'n' || name[0] == 'k') &&
           name.find_first_not_of("0123456789", 1) == std::string_view::npos;
}

std::string number_text(double x, int digits) { return std::isnan(x) ? "nan" : fmt::format("{:.{}g}", x, digits); }

namespace {

// Why an op made a NaN or an infinity from finite operands, in a learner's words.
std::string domain_reason(ScalarOp op, double a, double b)
{
    switch (op) {
    case ScalarOp::Log: return a < 0 ? "log of a negative number is undefined" : "log(0) is minus infinity";
    case ScalarOp::Div: return a == 0 ? "0/0 is undefined" : "division by zero";
    case ScalarOp::Pow:
    case ScalarOp::PowConst:
        if (a < 0 && b != std::floor(b))
            return "a negative number to a fractional power is undefined";
        if (a == 0 && b < 0)
            return "0 to a negative power is infinite";
        return "the power overflows a double";
    case ScalarOp::MulConst: return "the product overflows a double"; // w/0 is refused before: visit_binary
    case ScalarOp::Exp: return "exp overflows a double (its argument is above 709.78)";
    default: return "the result overflows a double";
    }
}

class Builder {
public:
    Builder(const Expression& e, const std::vector<Binding>& bindings) : e_(e), bindings_(bindings) {}

    ExplainedGraph run()
    {
        const std::size_t n = e_.nodes.size();
        slot_.assign(n, kNone);
        literal_.assign(n, 0.0);
        for (std::size_t i = 0; i < n; ++i)
            visit(i);
        if (slot_[e_.root_index()] == kNone)
            throw std::invalid_argument("the expression contains no names, so there is nothing to "
                                        "differentiate: give it a --param or an --input");
        g_.output = slot_[e_.root_index()];
        if (!g_.nodes[g_.output].value.requires_grad())
            throw std::invalid_argument("nothing to differentiate: the expression depends only on constants "
                                        "(--const); make at least one name a --param or an --input");
        return std::move(g_);
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    const Binding& binding(const Node& node) const
    {
        for (const Binding& b : bindings_)
            if (b.name == node.name)
                return b;
        throw BindingError(fmt::format("no value for '{}' at column {}: give it with --param {}=VALUE, --input "
                                       "{}=VALUE or --const {}=VALUE",
                                       node.name, node.column, node.name, node.name, node.name),
                           node.column);
    }

    std::size_t add_node(GraphNode node)
    {
        node.value.set_label(node.id);
        g_.index_by_value.emplace(node.value.id(), g_.nodes.size());
        g_.nodes.push_back(std::move(node));
        return g_.nodes.size() - 1;
    }

    // A number of the expression that must be a node of its own (2 - w): a constant leaf.
    std::size_t literal_node(std::size_t ast)
    {
        const double x = literal_[ast];
        return add_node({.id = fmt::format("k{}", ++literals_), .kind = "literal", .value = Value::constant(x),
                         .text = number_text(x), .column = e_.nodes[ast].column});
    }

    // An op node: its Value, a name, its text; then the domain check.
    void op_node(std::size_t ast, Value v, ScalarOp op, std::vector<std::size_t> parents, std::string text,
                 std::optional<double> constant = std::nullopt)
    {
        const bool recorded = !v.is_leaf();
        const double a = g_.nodes[parents[0]].value.data();
        const double b = parents.size() > 1 ? g_.nodes[parents[1]].value.data() : constant.value_or(0.0);
        check_finite(ast, v.data(), op, a, b, text);
        slot_[ast] = add_node({.id = fmt::format("n{}", ++ops_), .kind = "op", .value = std::move(v), .op = op,
                               .constant = constant, .recorded = recorded, .text = std::move(text),
                               .parents = std::move(parents), .column = e_.nodes[ast].column});
    }

    // b is the second operand or the op's constant; unary ops without a constant have neither.
    void check_finite(std::size_t ast, double result, ScalarOp op, double a, double b, const std::string& text) const
    {
        if (std::isfinite(result) || !std::isfinite(a) || !std::isfinite(b))
            return;
        const Node& node = e_.nodes[ast];
        const bool has_b = autograd::op_info(op).arity == 2 || op == ScalarOp::AddConst || op == ScalarOp::MulConst ||
                           op == ScalarOp::PowConst;
        const std::string operands = has_b ? fmt::format("a = {}, {} = {}", number_text(a),
                                                         autograd::op_info(op).arity == 2 ? "b" : "c", number_text(b))
                                           : fmt::format("a = {}", number_text(a));
        throw DomainError(fmt::format("{} at column {} ({} with {}) gives {}: {}", autograd::op_info(op).name,
                                      node.column, text, operands, number_text(result), domain_reason(op, a, b)),
                          node.column);
    }

    // The id of an operand for an op's text: a node's id, or a folded number.
    std::string operand_text(std::size_t ast) const
    {
        if (slot_[ast] != kNone)
            return g_.nodes[slot_[ast]].id;
        return number_text(literal_[ast]);
    }

    void visit(std::size_t i)
    {
        const Node& node = e_.nodes[i];
        switch (node.kind) {
        case Kind::Number: literal_[i] = node.number; return;
        case Kind::Name: return visit_name(i, node);
        case Kind::Negate:
            if (slot_[node.lhs] == kNone) {
                literal_[i] = -literal_[node.lhs];
                return;
            }
            return op_node(i, -value(node.lhs), ScalarOp::Neg, {slot_[node.lhs]}, fmt::format("-{}", operand_text(node.lhs)));
        case Kind::Call: return visit_call(i, node);
        case Kind::Binary: return visit_binary(i, node);
        case Kind::Compare: break;
        }
        throw std::logic_error("internal error: comparisons exist in formulas only");
    }

    const Value& value(std::size_t ast) const { return g_.nodes[slot_[ast]].value; }

    void visit_name(std::size_t i, const Node& node)
    {
        const auto known = g_.index_by_name.find(node.name);
        if (known != g_.index_by_name.end()) {
            slot_[i] = known->second;
            return;
        }
        const Binding& b = binding(node);
        Value v = b.role == Role::Param   ? Value::parameter(b.value)
                  : b.role == Role::Input ? Value(b.value)
                                          : Value::constant(b.value);
        slot_[i] = add_node({.id = b.name, .kind = std::string(role_name(b.role)), .value = std::move(v),
                             .text = b.name, .column = node.column});
        g_.index_by_name.emplace(b.name, slot_[i]);
    }

    void visit_call(std::size_t i, const Node& node)
    {
        struct Fn {
            std::string_view name;
            ScalarOp op;
            Value (*apply)(const Value&);
        };
        static const Fn fns[] = {{"exp", ScalarOp::Exp, [](const Value& x) { return autograd::exp(x); }},
                                 {"log", ScalarOp::Log, [](const Value& x) { return autograd::log(x); }},
                                 {"tanh", ScalarOp::Tanh, [](const Value& x) { return autograd::tanh(x); }},
                                 {"sigmoid", ScalarOp::Sigmoid, [](const Value& x) { return autograd::sigmoid(x); }},
                                 {"relu", ScalarOp::Relu, [](const Value& x) { return autograd::relu(x); }}};
        for (const Fn& f : fns) {
            if (f.name != node.name)
                continue;
            if (slot_[node.lhs] == kNone) { // a function of a number: computed now, as a number
                const double x = literal_[node.lhs];
                literal_[i] = f.apply(Value::constant(x)).data();
                check_finite(i, literal_[i], f.op, x, 0.0, fmt::format("{}({})", f.name, number_text(x)));
                return;
            }
            return op_node(i, f.apply(value(node.lhs)), f.op, {slot_[node.lhs]},
                           fmt::format("{}({})", f.name, operand_text(node.lhs)));
        }
        throw std::logic_error("internal error: unknown function " + node.name);
    }

    void visit_binary(std::size_t i, const Node& node)
    {
        const bool lhs_number = slot_[node.lhs] == kNone, rhs_number = slot_[node.rhs] == kNone;
        const std::string spaced = node.op == '+' || node.op == '-' ? fmt::format(" {} ", node.op) : std::string{node.op};
        const std::string text = operand_text(node.lhs) + spaced + operand_text(node.rhs);
        if (lhs_number && rhs_number) { // no names: a number
            const Value a = Value::constant(literal_[node.lhs]), b = Value::constant(literal_[node.rhs]);
            const auto [v, op] = apply(node.op, a, b);
            literal_[i] = v.data();
            check_finite(i, literal_[i], op, a.data(), b.data(), text);
            return;
        }
        if (rhs_number || (lhs_number && (node.op == '+' || node.op == '*'))) {
            // The number is folded into the op, as the engine's Value-and-double operators do.
            const std::size_t other = rhs_number ? node.lhs : node.rhs;
            const double c = rhs_number ? literal_[node.rhs] : literal_[node.lhs];
            const Value& x = value(other);
            if (node.op == '/' && (c == 0.0 || !std::isfinite(1.0 / c))) // w/c is w * (1/c) to the engine
                throw DomainError(fmt::format("div at column {} ({}) divides by {}: 1/{} is not a finite number", node.column,
                                              text, number_text(c), number_text(c)),
                                  node.column);
            switch (node.op) {
            case '+': return op_node(i, x + c, ScalarOp::AddConst, {slot_[other]}, text, c);
            case '-': return op_node(i, x - c, ScalarOp::AddConst, {slot_[other]}, text, -c);
            case '*': return op_node(i, x * c, ScalarOp::MulConst, {slot_[other]}, text, c);
            case '/': return op_node(i, x / c, ScalarOp::MulConst, {slot_[other]}, text, 1.0 / c);
            default: return op_node(i, autograd::pow(x, c), ScalarOp::PowConst, {slot_[other]}, text, c);
            }
        }
        // Both are nodes (a number on the left of - / ^ becomes a literal node first).
        const std::size_t a = lhs_number ? literal_node(node.lhs) : slot_[node.lhs];
        const std::size_t b = slot_[node.rhs];
        const std::string node_text = g_.nodes[a].id + spaced + g_.nodes[b].id;
        auto [v, op] = apply(node.op, g_.nodes[a].value, g_.nodes[b].value);
        op_node(i, std::move(v), op, {a, b}, node_text);
    }

    static std::pair<Value, ScalarOp> apply(char op, const Value& a, const Value& b)
    {
        switch (op) {
        case '+': return {a + b, ScalarOp::Add};
        case '-': return {a - b, ScalarOp::Sub};
        case '*': return {a * b, ScalarOp::Mul};
        case '/': return {a / b, ScalarOp::Div};
        default: return {autograd::pow(a, b), ScalarOp::Pow};
        }
    }

    const Expression& e_;
    const std::vector<Binding>& bindings_;
    ExplainedGraph g_;
    std::vector<std::size_t> slot_; // AST node -> graph node, or kNone for a number
    std::vector<double> literal_;   // AST node -> its value, where it is a number
    std::size_t ops_ = 0, literals_ = 0;
};

} // namespace

ExplainedGraph build_and_backward(const Expression& e, const std::vector<Binding>& bindings)
{
    ExplainedGraph g = Builder(e, bindings).run();
    autograd::BackwardTrace trace;
    g.nodes[g.output].value.backward();
    g.steps = trace.scalar_steps();
    return g;
}

namespace {

// Why a descent stopped at step k: `what`, and the usual cause.
DomainError diverged(std::size_t k, const std::string& what, double lr, std::size_t column = 0)
{
    return DomainError(fmt::format("--descend: at step {}{} (the parameters diverged: try a smaller learning rate "
                                   "than {})",
                                   k, what, number_text(lr)),
                       column);
}

} // namespace

std::vector<DescentStep> descend(const Expression& e, std::vector<Binding> bindings, double lr, std::size_t steps)
{
    std::vector<std::size_t> params;
    for (std::size_t i = 0; i < bindings.size(); ++i)
        if (bindings[i].role == Role::Param)
            params.push_back(i);
    if (params.empty())
        throw std::invalid_argument("--descend needs at least one --param to update");
    std::vector<DescentStep> rows;
    for (std::size_t k = 0; k <= steps; ++k) {
        // The steps need gradients, not traces: a plain backward.
        ExplainedGraph g;
        try {
            g = Builder(e, bindings).run();
        } catch (const DomainError& error) {
            throw diverged(k, std::string(": ") + error.what(), lr, error.column());
        }
        g.nodes[g.output].value.backward();
        DescentStep row{k, g.nodes[g.output].value.data(), {}, {}};
        for (std::size_t p : params) {
            row.params.push_back(bindings[p].value);
            // A param the expression does not use has no gradient: 0, as after PyTorch's zero_grad.
            const auto node = g.node_of_name(bindings[p].name);
            const double grad = node ? g.nodes[*node].value.grad() : 0.0;
            row.grads.push_back(grad);
        }
        if (!std::isfinite(row.loss))
            throw diverged(k, " the loss is " + number_text(row.loss), lr);
        for (std::size_t j = 0; j < params.size(); ++j)
            if (!std::isfinite(row.grads[j]))
                throw diverged(k, fmt::format(" the gradient of {} is {}", bindings[params[j]].name,
                                              number_text(row.grads[j])),
                               lr);
        for (std::size_t j = 0; j < params.size(); ++j)
            bindings[params[j]].value -= lr * row.grads[j];
        rows.push_back(std::move(row));
    }
    return rows;
}

} // namespace explain
