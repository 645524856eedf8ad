// explain: the chain rule, step by step, for an expression over named scalars.
//
//   explain "(i*w - y)^2" --param w=0.8 --const i=1.5 --const y=0.5
//   explain "(i*w - y)^2" --param w=0.8 --const i=1.5 --const y=0.5 --descend 0.1:20
//   explain "tanh(x*w + b)" --input x=0.5 --param w=-1.2 --param b=0.3 --json
//   explain "sigmoid(w1*x1 + w2*x2)" ... --svg graph.svg --html steps.html
//
// It builds the expression on the scalar engine, prints the forward pass (every node's value),
// then runs backward() under a BackwardTrace and prints each edge: the local derivative as the
// op's formula and as a number, the gradient arriving from above, their product, and the
// gradient of the operand so far. Exit status: 0, or 1 with a message for any bad input.
#include "document.hpp"
#include "explained_graph.hpp"
#include "expression.hpp"
#include "page.hpp"
#include "report.hpp"

#include <autograd/atomic_file.hpp>
#include <autograd/dot.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double parse_double(std::string_view text, std::string_view what)
{
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(value)))
        throw UsageError(fmt::format("{}: '{}' is out of the range of a double", what, text));
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw UsageError(fmt::format("{}: '{}' is not a number", what, text));
    return value;
}

bool valid_name(std::string_view s)
{
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// --param w=0.8 (and --input, --const), each name once over all three.
std::vector<explain::Binding> parse_bindings(const std::vector<std::pair<std::string, explain::Role>>& given)
{
    std::vector<explain::Binding> out;
    std::vector<std::string> option_of;
    for (const auto& [text, role] : given) {
        const std::string option = fmt::format("--{}", explain::role_name(role));
        const auto eq = text.find('=');
        if (eq == std::string::npos)
            throw UsageError(fmt::format("{} {}: expected NAME=VALUE, e.g. {} w=0.8", option, text, option));
        const std::string name = text.substr(0, eq);
        if (!valid_name(name))
            throw UsageError(fmt::format("{} {}: '{}' is not a name (a letter or _, then letters, digits or _)", option,
                                         text, name));
        if (explain::is_function(name))
            throw UsageError(fmt::format("{} {}: '{}' is a function and cannot be a name", option, text, name));
        if (explain::is_node_id(name))
            throw UsageError(fmt::format("{} {}: '{}' is how explain names its nodes (n1, n2, ... for ops, k1, ... "
                                         "for numbers); choose another name",
                                         option, text, name));
        const double value = parse_double(std::string_view(text).substr(eq + 1), option + " " + name);
        for (std::size_t k = 0; k < out.size(); ++k)
            if (out[k].name == name)
                throw UsageError(fmt::format("'{}' is given twice ({} {} and {} {})", name, option_of[k],
                                             fmt::format("{}={}", name, out[k].value), option, text));
        out.push_back({name, value, role});
        option_of.push_back(option);
    }
    return out;
}

struct DescendSpec {
    double lr;
    std::size_t steps;
};

DescendSpec parse_descend(const std::string& text)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos)
        throw UsageError(fmt::format("--descend {}: expected LR:STEPS, e.g. --descend 0.1:20", text));
    const double lr = parse_double(std::string_view(text).substr(0, colon), "--descend: the learning rate");
    if (!(lr > 0))
        throw UsageError(fmt::format("--descend {}: the learning rate must be > 0 (got {})", text, lr));
    const std::string_view steps_text = std::string_view(text).substr(colon + 1);
    std::size_t steps = 0;
    const auto [end, ec] = std::from_chars(steps_text.data(), steps_text.data() + steps_text.size(), steps);
    constexpr std::size_t kMaxSteps = 100000;
    if (steps_text.empty() || ec != std::errc() || end != steps_text.data() + steps_text.size() || steps > kMaxSteps)
        throw UsageError(
            fmt::format("--descend {}: the number of steps must be a whole number from 0 to {}", text, kMaxSteps));
    return {lr, steps};
}

} // namespace

int main(int argc, char** argv)
try {
    // Texts kept short: CLI11 does not wrap, and --help should read in an 80-column terminal.
    CLI::App app{"explain: the chain rule step by step, for an expression over named\n"
                 "scalars: numbers, names, + - * / ^ (right-associative), unary minus,\n"
                 "parentheses, exp log tanh sigmoid relu. For example:\n"
                 "  explain \"(i*w - y)^2\" --param w=0.8 --const i=1.5 --const y=0.5 \\\n"
                 "          --descend 0.1:20"};
    std::string expression, descend_text, dot_file, svg_file, html_file;
    std::vector<std::string> params, inputs, consts;
    bool json = false;
    int digits = 6;
    app.add_option("expression", expression, "the expression, quoted")->required();
    app.add_option("--param", params, "a weight: has a gradient, --descend trains it")->option_text("NAME=VALUE");
    app.add_option("--input", inputs, "an input: has a gradient, never updated")->option_text("NAME=VALUE");
    app.add_option("--const", consts, "a constant: no gradient flows to it")->option_text("NAME=VALUE");
    app.add_option("--descend", descend_text, "gradient descent on the params")->option_text("LR:STEPS");
    app.add_flag("--json", json, "print the passes (and descent) as JSON");
    app.add_option("--dot", dot_file, "the graph as DOT, with local derivatives")->option_text("FILE");
    app.add_option("--svg", svg_file, "the same picture as SVG (needs Graphviz)")->option_text("FILE");
    app.add_option("--html", html_file, "the step-through page (one HTML file)")->option_text("FILE");
    app.add_option("--digits", digits, "significant digits shown (default 6)")->check(CLI::Range(1, 17))->option_text("N");
    CLI11_PARSE(app, argc, argv);

    std::vector<std::pair<std::string, explain::Role>> given;
    // The order of the options on the command line does not matter; params first, as in the tables.
    for (const auto& p : params)
        given.emplace_back(p, explain::Role::Param);
    for (const auto& p : inputs)
        given.emplace_back(p, explain::Role::Input);
    for (const auto& p : consts)
        given.emplace_back(p, explain::Role::Const);
    const std::vector<explain::Binding> bindings = parse_bindings(given);

    explain::Expression e;
    explain::ExplainedGraph g;
    std::optional<explain::Descent> descent;
    try {
        e = explain::parse(expression);
        const std::vector<std::string> names = e.names();
        for (const explain::Binding& b : bindings)
            if (std::find(names.begin(), names.end(), b.name) == names.end())
                std::cerr << fmt::format("explain: note: --{} {} is not used by the expression\n",
                                         explain::role_name(b.role), b.name);
        g = explain::build_and_backward(e, bindings);
        if (!descend_text.empty()) {
            const DescendSpec spec = parse_descend(descend_text);
            descent = explain::Descent{spec.lr, explain::descend(e, bindings, spec.lr, spec.steps)};
        }
    } catch (const explain::InputError& error) { // syntax, an unbound name, a domain error, a divergence
        throw UsageError(explain::describe_error(error, expression));
    }

    // The document only where it is written: --json, --html.
    const auto document = [&] { return explain::to_document(e, g, bindings, descent ? &*descent : nullptr); };
    if (json) {
        std::cout << document().dump(2) << '\n';
    } else {
        const explain::Layout layout{explain::terminal_width(), digits};
        explain::print_forward(std::cout, g, layout);
        explain::print_backward(std::cout, g, layout);
        if (descent)
            explain::print_descent(std::cout, *descent, bindings, layout);
    }

    if (!dot_file.empty() || !svg_file.empty()) {
        autograd::DotOptions options;
        options.color_by_grad = true;
        options.scalar_steps = g.steps;
        options.precision = digits;
        const std::string dot = autograd::to_dot(g.nodes[g.output].value, options);
        if (!dot_file.empty())
            autograd::write_file_atomically(dot_file, dot, false);
        if (!svg_file.empty())
            autograd::render_dot_file(dot, svg_file);
    }
    if (!html_file.empty()) {
        const nlohmann::json doc = document();
        autograd::write_file_atomically(html_file, [&](std::ostream& out) { explain::write_step_through_page(out, doc); });
    }
    return 0;
} catch (const std::exception& e) { // UsageError and the rest: one line (or a caret block), status 1
    std::cerr << "explain: " << e.what() << '\n';
    return 1;
}
