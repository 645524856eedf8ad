// Printing explain's tables: plain text a learner can follow with a pencil.
#include "report.hpp"

#include <fmt/format.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ostream>
#include <string>

namespace explain {
namespace {

using Row = std::vector<std::string>;

// Prints rows under a header as aligned columns (numbers right-aligned), or, when the table is
// wider than the terminal, each row as "header: value" lines under its first cell.
void print_table(std::ostream& out, const Row& header, const std::vector<Row>& rows, const std::vector<bool>& right,
                 std::size_t width)
{
    std::vector<std::size_t> w(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        w[c] = header[c].size();
        for (const Row& r : rows)
            w[c] = std::max(w[c], r[c].size());
    }
    std::size_t total = 0;
    for (std::size_t c : w)
        total += c + 2;
    if (width == 0 || total <= width) {
        const auto line = [&](const Row& r) {
            std::string s;
            for (std::size_t c = 0; c < r.size(); ++c) {
                const std::size_t pad = w[c] - r[c].size();
                s += right[c] ? std::string(pad, ' ') + r[c] : r[c] + (c + 1 < r.size() ? std::string(pad, ' ') : "");
                if (c + 1 < r.size())
                    s += "  ";
            }
            while (!s.empty() && s.back() == ' ')
                s.pop_back();
            out << "  " << s << '\n';
        };
        line(header);
        for (const Row& r : rows)
            line(r);
        return;
    }
    for (const Row& r : rows) {
        out << "  " << header[0] << ' ' << r[0] << '\n';
        for (std::size_t c = 1; c < r.size(); ++c)
            if (!r[c].empty())
                out << "    " << header[c] << ": " << r[c] << '\n';
    }
}

// "d(a*b)/db = a = 1.5", or "d(a + b)/da = 1" where the formula is the number itself.
std::string local_text(const autograd::ScalarTraceStep& s, int digits)
{
    const std::string value = number_text(s.local, digits);
    if (s.formula() == value)
        return fmt::format("{} = {}", s.derivative_name(), value);
    return fmt::format("{} = {} = {}", s.derivative_name(), s.formula(), value);
}

} // namespace

std::size_t terminal_width()
{
    winsize ws{};
    if (isatty(STDOUT_FILENO) != 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
        char* end = nullptr;
        const long n = std::strtol(columns, &end, 10);
        if (end != columns && *end == '\0' && n > 0 && n < 100000)
            return static_cast<std::size_t>(n);
    }
    return 0;
}

void print_forward(std::ostream& out, const ExplainedGraph& g, const Layout& layout)
{
    out << "Forward pass (each node from its operands):\n";
    std::vector<Row> rows;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
        const GraphNode& n = g.nodes[i];
        std::string op, formula;
        if (n.kind == "op") {
            const autograd::OpInfo& info = autograd::op_info(n.op);
            op = std::string(info.name);
            formula = std::string(info.formula);
            formula += "  a = " + g.nodes[n.parents[0]].id;
            if (n.parents.size() > 1)
                formula += ", b = " + g.nodes[n.parents[1]].id;
            if (n.constant)
                formula += ", c = " + number_text(*n.constant, layout.digits);
        }
        std::string value = number_text(n.value.data(), layout.digits);
        if (i == g.output)
            value += "  (output)";
        else if (n.kind == "op" && !n.recorded)
            value += "  (constants only: not recorded)";
        rows.push_back({n.id, n.kind == "op" ? op : n.kind, n.kind == "op" ? n.text : "", formula, value});
    }
    print_table(out, {"node", "op", "computes", "formula", "value"}, rows, {false, false, false, false, false},
                layout.width);
}

void print_backward(std::ostream& out, const ExplainedGraph& g, const Layout& layout)
{
    const GraphNode& output = g.nodes[g.output];
    out << fmt::format("\nBackward pass: d{0}/d{0} = 1; then each node, once its\n"
                       "gradient is complete, passes upstream x local derivative\n"
                       "to each operand (an operand used twice adds both):\n",
                       output.id);
    std::vector<Row> rows;
    for (std::size_t k = 0; k < g.steps.size(); ++k) {
        const autograd::ScalarTraceStep& s = g.steps[k];
        const std::string node = g.nodes[g.index_of(s.node)].id, parent = g.nodes[g.index_of(s.parent)].id;
        const std::string grad = s.accumulates ? number_text(s.parent_grad, layout.digits) : "(constant: no gradient)";
        rows.push_back({std::to_string(k + 1), node + " -> " + parent,
                        local_text(s, layout.digits),
                        fmt::format("{} x {} = {}", number_text(s.upstream, layout.digits), number_text(s.local, layout.digits),
                                    number_text(s.contribution, layout.digits)),
                        fmt::format("{} {}", parent, grad)});
    }
    if (rows.empty())
        out << "  (no steps: the output is a leaf itself, and its gradient is the seed)\n";
    else
        print_table(out, {"step", "edge", "local derivative", "upstream x local = contribution", "gradient so far"},
                    rows, {true, false, false, false, false}, layout.width);
    out << fmt::format("\nGradients of the output {}:\n", output.id);
    std::vector<Row> grads;
    for (const GraphNode& n : g.nodes) {
        if (n.kind == "op" || n.kind == "literal")
            continue;
        const auto grad = n.grad();
        grads.push_back({fmt::format("d{}/d{}", output.id, n.id), grad ? number_text(*grad, layout.digits) : "none",
                         grad ? n.kind : "(a constant)"});
    }
    print_table(out, {"gradient", "value", ""}, grads, {false, true, false}, layout.width);
}

void print_descent(std::ostream& out, const Descent& d, const std::vector<Binding>& bindings, const Layout& layout)
{
    Row header{"step"};
    std::vector<bool> right{true};
    for (const Binding& b : bindings)
        if (b.role == Role::Param) {
            header.push_back(b.name);
            right.push_back(true);
        }
    header.push_back("loss");
    right.push_back(true);
    for (const Binding& b : bindings)
        if (b.role == Role::Param) {
            header.push_back("dloss/d" + b.name);
            right.push_back(true);
        }
    out << fmt::format("\nGradient descent, learning rate {}: each parameter p becomes p - {} * dloss/dp\n",
                       number_text(d.lr, layout.digits), number_text(d.lr, layout.digits));
    std::vector<Row> rows;
    for (const DescentStep& s : d.steps) {
        Row r{std::to_string(s.step)};
        for (double p : s.params)
            r.push_back(number_text(p, layout.digits));
        r.push_back(number_text(s.loss, layout.digits));
        for (double gr : s.grads)
            r.push_back(number_text(gr, layout.digits));
        rows.push_back(std::move(r));
    }
    print_table(out, header, rows, right, layout.width);
}

} // namespace explain
