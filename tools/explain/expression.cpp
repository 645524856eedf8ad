// Tokenizer, recursive-descent parser and evaluator of explain's expression language.
//
// Grammar (lowest precedence first):
//   sum     := product (('+' | '-') product)*
//   product := unary (('*' | '/') unary)*
//   unary   := '-' unary | power              (so -a^2 is -(a^2), as in mathematics and Python)
//   power   := primary ('^' unary)?           (right-associative: a^b^c is a^(b^c); 2^-1 is 0.5)
//   primary := number | name | function '(' sum ')' | '(' sum ')' | '[' sum ('>' | '<') sum ']'
#include "expression.hpp"

#include "autograd/engine/scalar_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace explain {
namespace {

enum class Tok { Number, Name, Op, End };

struct Token {
    Tok kind;
    std::string_view text;
    std::size_t column; // 1-based
    double number = 0.0;
};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What a token is called in messages: its text, quoted, or "the end of the expression".
std::string shown(const Token& t)
{
    if (t.kind == Tok::End)
        return "the end of the expression";
    return fmt::format("'{}'", t.text);
}

std::vector<Token> tokenize(std::string_view s)
{
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        const std::size_t column = i + 1;
        if (c == ' ' || c == '\t') {
            ++i;
        } else if (is_digit(c) || (c == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
            std::size_t j = i;
            while (j < s.size() && is_digit(s[j]))
                ++j;
            if (j < s.size() && s[j] == '.')
                for (++j; j < s.size() && is_digit(s[j]);)
                    ++j;
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < s.size() && (s[k] == '+' || s[k] == '-'))
                    ++k;
                if (k >= s.size() || !is_digit(s[k]))
                    throw ParseError(fmt::format("malformed number '{}' at column {}: the exponent has no digits",
                                                 s.substr(i, k - i), column),
                                     column);
                while (k < s.size() && is_digit(s[k]))
                    ++k;
                j = k;
            }
            const std::string_view text = s.substr(i, j - i);
            double value = 0.0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (ec == std::errc::result_out_of_range || !std::isfinite(value))
                throw ParseError(fmt::format("number {} at column {} is out of the range of a double", text, column),
                                 column);
            if (ec != std::errc() || end != text.data() + text.size())
                throw ParseError(fmt::format("malformed number '{}' at column {}", text, column), column);
            if (j < s.size() && s[j] == '.')
                throw ParseError(fmt::format("unexpected '.' at column {} after the number {}", j + 1, text), j + 1);
            if (j < s.size() && is_name_start(s[j]))
                throw ParseError(fmt::format("unexpected '{}' at column {} after the number {} (write {}*{} for a "
                                             "product)",
                                             s[j], j + 1, text, text, s[j]),
                                 j + 1);
            out.push_back({Tok::Number, text, column, value});
            i = j;
        } else if (is_name_start(c)) {
            std::size_t j = i + 1;
            while (j < s.size() && (is_name_start(s[j]) || is_digit(s[j])))
                ++j;
            out.push_back({Tok::Name, s.substr(i, j - i), column});
            i = j;
        } else if (std::string_view("+-*/^()[]<>").find(c) != std::string_view::npos) {
            out.push_back({Tok::Op, s.substr(i, 1), column});
            ++i;
        } else {
            const unsigned char u = static_cast<unsigned char>(c);
            if (u < 0x20 || u >= 0x7f)
                throw ParseError(fmt::format("unexpected character (byte 0x{:02x}) at column {}", u, column), column);
            std::string hint;
            if (c == ',')
                hint = " (a decimal point is written '.')";
            else if (c == '=')
                hint = " (give values with --param, --input or --const NAME=VALUE)";
            throw ParseError(fmt::format("unexpected '{}' at column {}{}", c, column, hint), column);
        }
    }
    out.push_back({Tok::End, {}, s.size() + 1});
    return out;
}

class Parser {
public:
    Parser(std::string_view source, Syntax syntax) : source_(source), tokens_(tokenize(source)), syntax_(syntax) {}

    Expression run()
    {
        Expression e;
        e.source = std::string(source_);
        nodes_ = &e.nodes;
        if (peek().kind == Tok::End)
            throw ParseError("the expression is empty", 1);
        sum();
        if (peek().kind != Tok::End) {
            const Token& t = peek();
            if (t.text == ")")
                throw ParseError(fmt::format("unexpected ')' at column {}: no '(' is open", t.column), t.column);
            throw ParseError(fmt::format("unexpected {} at column {}: expected an operator (+ - * / ^) or the end",
                                         shown(t), t.column),
                             t.column);
        }
        return e;
    }

private:
    const Token& peek() const { return tokens_[pos_]; }
    const Token& next() { return tokens_[pos_++]; }
    bool at(std::string_view op) const { return peek().kind == Tok::Op && peek().text == op; }

    // Each recursive rule holds one of these, so that nesting has a bound.
    struct Depth {
        Parser& p;
        explicit Depth(Parser& parser, std::size_t column) : p(parser)
        {
            if (++p.depth_ > kMaxDepth)
                throw ParseError(fmt::format("the expression is nested more than {} levels deep at column {}",
                                             kMaxDepth, column),
                                 column);
        }
        ~Depth() { --p.depth_; }
    };

    std::size_t add(Node n)
    {
        nodes_->push_back(std::move(n));
        return nodes_->size() - 1;
    }
    std::size_t binary(char op, std::size_t lhs, std::size_t rhs, std::size_t column)
    {
        return add(Node{.kind = Kind::Binary, .op = op, .lhs = lhs, .rhs = rhs, .column = column, .text = {op}});
    }

    std::size_t sum()
    {
        std::size_t lhs = product();
        while (at("+") || at("-")) {
            const Token& op = next();
            lhs = binary(op.text[0], lhs, product(), op.column);
        }
        return lhs;
    }

    std::size_t product()
    {
        std::size_t lhs = unary();
        while (at("*") || at("/")) {
            const Token& op = next();
            lhs = binary(op.text[0], lhs, unary(), op.column);
        }
        return lhs;
    }

    std::size_t unary()
    {
        Depth depth(*this, peek().column);
        if (at("-")) {
            const Token& minus = next();
            const std::size_t operand = unary();
            return add(Node{.kind = Kind::Negate, .lhs = operand, .column = minus.column, .text = "-"});
        }
        if (at("+")) {
            const Token& t = peek();
            throw ParseError(fmt::format("unexpected '+' at column {}: expected a number, a name or '('", t.column),
                             t.column);
        }
        return power();
    }

    std::size_t power()
    {
        const std::size_t base = primary();
        if (!at("^"))
            return base;
        const Token& op = next();
        return binary('^', base, unary(), op.column);
    }

    // Consumes `close` or throws naming the bracket it should close.
    void expect_close(std::string_view close, const Token& open)
    {
        if (at(close)) {
            next();
            return;
        }
        const Token& t = peek();
        throw ParseError(fmt::format("expected '{}' at column {} to close the '{}' at column {}, found {}", close,
                                     t.column, open.text, open.column, shown(t)),
                         t.column);
    }

    // Not depth-counted itself: everything nested in it goes through unary(), which is.
    std::size_t primary()
    {
        const Token& t = next();
        switch (t.kind) {
        case Tok::Number:
            return add(Node{.kind = Kind::Number, .number = t.number, .column = t.column, .text = std::string(t.text)});
        case Tok::Name: {
            const std::string name(t.text);
            if (is_function(name)) {
                if (!at("("))
                    throw ParseError(fmt::format("{} at column {} is a function: write {}(x)", name, t.column, name),
                                     t.column);
                const Token& open = next();
                const std::size_t arg = sum();
                expect_close(")", open);
                return add(Node{.kind = Kind::Call, .name = name, .lhs = arg, .column = t.column, .text = name});
            }
            if (at("("))
                throw ParseError(fmt::format("unknown function '{}' at column {} (the functions are exp, log, tanh, "
                                             "sigmoid and relu; for a product write {}*(...))",
                                             name, t.column, name),
                                 t.column);
            return add(Node{.kind = Kind::Name, .name = name, .column = t.column, .text = name});
        }
        case Tok::Op:
            if (t.text == "(") {
                if (at(")"))
                    throw ParseError(fmt::format("empty parentheses at column {}", t.column), t.column);
                const std::size_t inner = sum();
                expect_close(")", t);
                return inner;
            }
            if (t.text == "[" && syntax_ == Syntax::Formula) {
                const std::size_t lhs = sum();
                if (!at(">") && !at("<"))
                    throw ParseError(fmt::format("expected '>' or '<' at column {}, found {}", peek().column,
                                                 shown(peek())),
                                     peek().column);
                const char op = next().text[0];
                const std::size_t rhs = sum();
                expect_close("]", t);
                return add(Node{.kind = Kind::Compare, .op = op, .lhs = lhs, .rhs = rhs, .column = t.column,
                                .text = {op}});
            }
            if (t.text == ")")
                throw ParseError(fmt::format("unexpected ')' at column {}: expected a number, a name or '('", t.column),
                                 t.column);
            break;
        case Tok::End:
            throw ParseError(fmt::format("the expression ends too early at column {}: expected a number, a name or '('",
                                         t.column),
                             t.column);
        }
        throw ParseError(fmt::format("unexpected '{}' at column {}: expected a number, a name or '('", t.text, t.column),
                         t.column);
    }

    std::string_view source_;
    std::vector<Token> tokens_;
    Syntax syntax_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::vector<Node>* nodes_ = nullptr;
};

} // namespace

bool is_function(std::string_view name)
{
    return std::find(std::begin(kFunctions), std::end(kFunctions), name) != std::end(kFunctions);
}

std::vector<std::string> Expression::names() const
{
    // Post-order visits a name inside a later operand after an earlier one, so index order is
    // the order names are written in.
    std::vector<std::string> out;
    std::set<std::string, std::less<>> seen;
    std::vector<std::pair<std::size_t, std::string>> found;
    for (const Node& n : nodes)
        if (n.kind == Kind::Name && seen.insert(n.name).second)
            found.emplace_back(n.column, n.name);
    std::sort(found.begin(), found.end());
    for (auto& [column, name] : found)
        out.push_back(std::move(name));
    return out;
}

Expression parse(std::string_view text, Syntax syntax) { return Parser(text, syntax).run(); }

double evaluate(const Expression& e, const std::map<std::string, double, std::less<>>& values)
{
    namespace ops = autograd::scalar_ops;
    std::vector<double> v(e.nodes.size());
    for (std::size_t i = 0; i < e.nodes.size(); ++i) {
        const Node& n = e.nodes[i];
        switch (n.kind) {
        case Kind::Number: v[i] = n.number; break;
        case Kind::Name: {
            const auto it = values.find(n.name);
            if (it == values.end())
                throw std::out_of_range(fmt::format("evaluate: no value for '{}'", n.name));
            v[i] = it->second;
            break;
        }
        case Kind::Negate: v[i] = ops::Neg::forward(v[n.lhs]); break;
        case Kind::Binary: {
            const double a = v[n.lhs], b = v[n.rhs];
            switch (n.op) {
            case '+': v[i] = ops::Add::forward(a, b); break;
            case '-': v[i] = ops::Sub::forward(a, b); break;
            case '*': v[i] = ops::Mul::forward(a, b); break;
            case '/': v[i] = ops::Div::forward(a, b); break;
            default: v[i] = ops::Pow::forward(a, b); break;
            }
            break;
        }
        case Kind::Call: {
            const double a = v[n.lhs];
            if (n.name == "exp")
                v[i] = ops::Exp::forward(a);
            else if (n.name == "log")
                v[i] = ops::Log::forward(a);
            else if (n.name == "tanh")
                v[i] = ops::Tanh::forward(a);
            else if (n.name == "sigmoid")
                v[i] = ops::Sigmoid::forward(a);
            else
                v[i] = ops::Relu::forward(a);
            break;
        }
        case Kind::Compare: v[i] = (n.op == '>' ? v[n.lhs] > v[n.rhs] : v[n.lhs] < v[n.rhs]) ? 1.0 : 0.0; break;
        }
    }
    return v.back();
}

std::string describe_error(const InputError& error, std::string_view text)
{
    // Control characters would move the caret; show them as '?' in the echoed line.
    std::string line(text);
    for (char& c : line)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f)
            c = '?';
    if (error.column() == 0) // no single place to blame: the message alone
        return error.what();
    const std::size_t column = std::min(error.column(), line.size() + 1);
    return fmt::format("{}\n  {}\n  {}^", error.what(), line, std::string(column - 1, ' '));
}

} // namespace explain
