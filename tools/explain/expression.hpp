// The expression language of tools/explain: numbers, names, + - * / ^ (right-associative), unary
// minus, parentheses and the functions exp log tanh sigmoid relu. The same language writes the
// derivative formulas of the scalar op table (autograd/engine/scalar_ops.hpp), which also use
// `[p > q]` (1 where the comparison holds, else 0); that form is accepted only when parsing
// formulas, so that a test can evaluate every formula text against the op it describes.
//
//   explain::Expression e = explain::parse("(i*w - y)^2");
//   e.names();                                       // {"i", "w", "y"}, in order of appearance
//   explain::evaluate(e, {{"i", 1.5}, {"w", 0.8}, {"y", 0.5}});   // 0.49
//   explain::parse("(i*w))^2");                      // throws ParseError: unexpected ')' at column 6
//
// The tree is stored flat, each node after its operands (post-order): every pass over it is a
// loop, so a sum of a million terms cannot overflow the stack. Only the parser recurses, and it
// refuses nesting deeper than kMaxDepth.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace explain {

/// A problem of the input found at a place in the expression: the 1-based column where it is
/// written (0 when no single place is to blame), for the caret under it.
class InputError : public std::runtime_error {
public:
    InputError(const std::string& message, std::size_t column) : std::runtime_error(message), column_(column) {}
    std::size_t column() const { return column_; }

private:
    std::size_t column_;
};

/// A syntax error.
class ParseError : public InputError {
public:
    using InputError::InputError;
};

enum class Kind {
    Number,  // 1.5, 1e-3
    Name,    // w
    Negate,  // -x
    Binary,  // x + y, x - y, x * y, x / y, x ^ y (op holds the character)
    Call,    // exp(x), log(x), tanh(x), sigmoid(x), relu(x) (name holds the function)
    Compare, // [x > y], [x < y]: formulas only
};

struct Node {
    Kind kind = Kind::Number;
    char op = 0;               // Binary: + - * / ^;  Compare: > <
    double number = 0.0;       // Number
    std::string name{};        // Name, Call
    std::size_t lhs = 0;       // operand indices (Negate and Call use lhs only)
    std::size_t rhs = 0;
    std::size_t column = 0;    // where the node's text starts (1-based), for messages
    std::string text{};        // the node's own source text, as written: "1e-3", "w"
};

struct Expression {
    std::string source;
    std::vector<Node> nodes; // post-order: operands first, the root last
    const Node& root() const { return nodes.back(); }
    std::size_t root_index() const { return nodes.size() - 1; }
    /// The names used, each once, in order of first appearance.
    std::vector<std::string> names() const;
};

/// Nesting deeper than this (parentheses, unary minus, powers, calls) is refused.
inline constexpr std::size_t kMaxDepth = 200;

/// The functions an expression may call.
inline constexpr std::string_view kFunctions[] = {"exp", "log", "tanh", "sigmoid", "relu"};
bool is_function(std::string_view name);

enum class Syntax {
    Expression, // what users write
    Formula,    // also [p > q] and [p < q] (the op table's derivative texts)
};

/// Parses `text`; throws ParseError naming what was found where and what was expected.
Expression parse(std::string_view text, Syntax syntax = Syntax::Expression);

/// The value of the expression, with each name's value from `values` (std::out_of_range names a
/// missing one). Arithmetic is the scalar engine's own (its ops' forward functions), so results
/// equal what a graph of Values computes, NaN and infinity included.
double evaluate(const Expression& e, const std::map<std::string, double, std::less<>>& values);

/// The message a tool prints for a parse error: the message, then the text with a caret under
/// the column (the message alone for column 0).  "unexpected ')' at column 6: no '(' is open\n  (i*w))^2\n       ^"
std::string describe_error(const InputError& error, std::string_view text);

} // namespace explain
