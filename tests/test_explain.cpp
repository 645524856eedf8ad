// tools/explain: its expression language (precedence, every error with its message and column),
// the explained graph (folding, domain errors), gradient descent on the tutorial's single weight,
// the JSON document, random expressions against PyTorch, and the program itself when built.
#define BOOST_TEST_MODULE explain
#include <boost/test/unit_test.hpp>

#include "document.hpp"
#include "explained_graph.hpp"
#include "expression.hpp"
#include "test_util.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>
#include <sys/wait.h>

using explain::Binding;
using explain::Role;
using test_util::contains;

namespace {

double eval(const std::string& text) { return explain::evaluate(explain::parse(text), {}); }

std::string parse_error(const std::string& text, std::size_t* column = nullptr)
{
    try {
        explain::parse(text);
    } catch (const explain::ParseError& e) {
        if (column != nullptr)
            *column = e.column();
        return e.what();
    }
    BOOST_FAIL("expected a parse error for: " + text);
    return {};
}

const std::vector<Binding> kTutorial = {{"w", 0.8, Role::Param}, {"i", 1.5, Role::Const}, {"y", 0.5, Role::Const}};

} // namespace

BOOST_AUTO_TEST_CASE(precedence_and_associativity)
{
    BOOST_TEST(eval("2*3 + 4") == 10.0);
    BOOST_TEST(eval("(2 + 3)*4") == 20.0);
    BOOST_TEST(eval("2^3^2") == 512.0); // right-associative: 2^(3^2)
    BOOST_TEST(eval("-2^2") == -4.0);   // -(2^2), as in mathematics
    BOOST_TEST(eval("2^-1") == 0.5);
    BOOST_TEST(eval("1 - 2 - 3") == -4.0); // left-associative
    BOOST_TEST(eval("8/4/2") == 1.0);
    BOOST_TEST(eval("--3") == 3.0);
    BOOST_TEST(eval("1e-3*1000") == 1.0);
    BOOST_TEST(eval(".5 + 2.") == 2.5);
    BOOST_TEST(eval("relu(-1) + relu(2)") == 2.0);
    BOOST_TEST(explain::evaluate(explain::parse("[a > 0]*2", explain::Syntax::Formula), {{"a", 1.0}}) == 2.0);
    BOOST_TEST(explain::parse("(i*w - y)^2").names() == (std::vector<std::string>{"i", "w", "y"}),
               boost::test_tools::per_element());
}

// Every syntax error names what it found, where, and what was expected.
BOOST_AUTO_TEST_CASE(syntax_errors_name_the_column)
{
    struct Case {
        std::string text, message;
        std::size_t column;
    };
    const Case cases[] = {
        {"(i*w))^2", "unexpected ')' at column 6: no '(' is open", 6},
        {"", "the expression is empty", 1},
        {"   ", "the expression is empty", 1},
        {"w +", "the expression ends too early at column 4", 4},
        {"2w", "unexpected 'w' at column 2 after the number 2 (write 2*w for a product)", 2},
        {"exp", "exp at column 1 is a function: write exp(x)", 1},
        {"foo(x)", "unknown function 'foo' at column 1", 1},
        {"1e999", "number 1e999 at column 1 is out of the range of a double", 1},
        {"1e+", "malformed number '1e+' at column 1: the exponent has no digits", 1},
        {"(w", "expected ')' at column 3 to close the '(' at column 1, found the end of the expression", 3},
        {"tanh(w", "expected ')' at column 7 to close the '(' at column 5", 7},
        {"w $ 2", "unexpected '$' at column 3", 3},
        {"1,5", "unexpected ',' at column 2 (a decimal point is written '.')", 2},
        {"w = 2", "unexpected '=' at column 3 (give values with --param, --input or --const NAME=VALUE)", 3},
        {"()", "empty parentheses at column 1", 1},
        {"+w", "unexpected '+' at column 1", 1},
        {"w * * 2", "unexpected '*' at column 5: expected a number, a name or '('", 5},
        {"[w > 0]", "unexpected '[' at column 1", 1},
        {"w w", "unexpected 'w' at column 3: expected an operator (+ - * / ^) or the end", 3},
        {"w\x01", "unexpected character (byte 0x01) at column 2", 2},
        {"1.2.3", "unexpected '.' at column 4 after the number 1.2", 4},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("'" << c.text << "'")
        {
            std::size_t column = 0;
            const std::string message = parse_error(c.text, &column);
            BOOST_TEST(contains(message, c.message), message);
            BOOST_TEST(column == c.column);
        }
    }
    // The tool's form: the message, the expression, a caret under the column.
    try {
        explain::parse("(i*w))^2");
        BOOST_FAIL("expected a parse error");
    } catch (const explain::ParseError& e) {
        BOOST_TEST(explain::describe_error(e, "(i*w))^2") ==
                   "unexpected ')' at column 6: no '(' is open\n  (i*w))^2\n       ^");
    }
    // Column 0: no single place to blame (a divergence), so no caret line.
    BOOST_TEST(explain::describe_error(explain::InputError("diverged", 0), "w*2") == "diverged");
}

BOOST_AUTO_TEST_CASE(nesting_has_a_bound_and_long_sums_do_not_recurse)
{
    const std::string deep = std::string(300, '(') + "w" + std::string(300, ')');
    BOOST_TEST(contains(parse_error(deep), "nested more than 200 levels deep"));
    BOOST_TEST(contains(parse_error(std::string(300, '-') + "w"), "nested more than 200 levels deep"));
    // 100000 terms: parsed, built and differentiated with loops only.
    std::string sum = "w";
    for (int k = 1; k < 100000; ++k)
        sum += "+w";
    const explain::ExplainedGraph g = explain::build_and_backward(explain::parse(sum), {{"w", 1.0, Role::Param}});
    BOOST_TEST(g.nodes[0].value.grad() == 100000.0);
    BOOST_TEST(g.steps.size() == 2u * 99999u);
}

// The tutorial's expression as explain builds it: node names, texts, values, and the steps.
BOOST_AUTO_TEST_CASE(tutorial_graph_and_steps)
{
    const explain::ExplainedGraph g = explain::build_and_backward(explain::parse("(i*w - y)^2"), kTutorial);
    std::vector<std::string> ids, texts;
    for (const auto& n : g.nodes) {
        ids.push_back(n.id);
        texts.push_back(n.text);
    }
    BOOST_TEST(ids == (std::vector<std::string>{"i", "w", "n1", "y", "n2", "n3"}), boost::test_tools::per_element());
    BOOST_TEST(texts == (std::vector<std::string>{"i", "w", "i*w", "y", "n1 - y", "n2^2"}),
               boost::test_tools::per_element());
    BOOST_TEST(g.output == 5u);
    BOOST_TEST(std::fabs(g.nodes[5].value.data() - 0.49) < 1e-15);
    BOOST_REQUIRE_EQUAL(g.steps.size(), 5u);
    // by hand (tests/test_trace.cpp derives them): locals 1.4, 1, -1, 0.8, 1.5; w's gradient 2.1
    const double locals[] = {1.4, 1.0, -1.0, 0.8, 1.5};
    for (std::size_t k = 0; k < 5; ++k)
        BOOST_TEST(std::fabs(g.steps[k].local - locals[k]) < 1e-12);
    BOOST_TEST(std::fabs(*g.nodes[1].grad() - 2.1) < 1e-12);
    BOOST_TEST(!g.nodes[0].grad().has_value()); // i is a constant
    BOOST_TEST(g.nodes[5].constant.value() == 2.0);

    const nlohmann::json doc = explain::to_document(explain::parse("(i*w - y)^2"), g, kTutorial, nullptr);
    BOOST_TEST(doc["schema"] == "backprop-explain/1");
    BOOST_TEST(doc["output"] == "n3");
    BOOST_TEST(doc["nodes"][2]["parents"] == nlohmann::json::array({"i", "w"}));
    BOOST_TEST(doc["nodes"][0]["grad"].is_null());
    BOOST_TEST(doc["steps"][4]["derivative"] == "d(a*b)/db");
    BOOST_TEST(doc["steps"][4]["parent"] == "w");
    BOOST_TEST(doc["steps"][2]["accumulates"] == false);
    BOOST_TEST(doc["steps"][2]["parent_grad"].is_null());
    BOOST_TEST(!doc.contains("descent"));
}

// Numbers fold into ops as the engine folds doubles: w*2 is mul_const, 2 - w needs a literal node.
BOOST_AUTO_TEST_CASE(numbers_fold_as_the_engine_folds_them)
{
    const auto ops_of = [](const std::string& text) {
        const explain::ExplainedGraph g = explain::build_and_backward(explain::parse(text), {{"w", 3.0, Role::Param}});
        std::vector<std::string> out;
        for (const auto& n : g.nodes)
            out.push_back(n.kind == "op" ? std::string(autograd::op_info(n.op).name) : n.kind);
        return out;
    };
    using V = std::vector<std::string>;
    BOOST_TEST(ops_of("w*2") == (V{"param", "mul_const"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("2*w") == (V{"param", "mul_const"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("w - 2") == (V{"param", "add_const"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("2 - w") == (V{"param", "literal", "sub"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("2/w") == (V{"param", "literal", "div"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("2^w") == (V{"param", "literal", "pow"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("w^(1 + 1)") == (V{"param", "pow_const"}), boost::test_tools::per_element());
    BOOST_TEST(ops_of("w*exp(0)") == (V{"param", "mul_const"}), boost::test_tools::per_element());
    // d(2/w)/dw = -2/w^2 = -2/9
    const explain::ExplainedGraph g = explain::build_and_backward(explain::parse("2/w"), {{"w", 3.0, Role::Param}});
    BOOST_TEST(std::fabs(g.nodes[0].value.grad() + 2.0 / 9.0) < 1e-15);
}

BOOST_AUTO_TEST_CASE(binding_and_domain_errors_name_the_node)
{
    const auto message = [](const std::string& text, const std::vector<Binding>& b) {
        try {
            explain::build_and_backward(explain::parse(text), b);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        BOOST_FAIL("expected an error for " + text);
        return std::string();
    };
    BOOST_TEST(contains(message("w*q", {{"w", 1.0, Role::Param}}),
                        "no value for 'q' at column 3: give it with --param q=VALUE, --input q=VALUE or --const q=VALUE"));
    BOOST_TEST(contains(message("w*log(c)", {{"w", 1.0, Role::Param}, {"c", -2.0, Role::Const}}),
                        "log at column 3 (log(c) with a = -2) gives nan: log of a negative number is undefined"));
    BOOST_TEST(contains(message("w/z", {{"w", 1.0, Role::Param}, {"z", 0.0, Role::Const}}),
                        "div at column 2 (w/z with a = 1, b = 0) gives inf: division by zero"));
    BOOST_TEST(contains(message("w/0", {{"w", 1.0, Role::Param}}), "div at column 2 (w/0) divides by 0"));
    BOOST_TEST(contains(message("w/1e-309", {{"w", 1.0, Role::Param}}), "1/1e-309 is not a finite number"));
    // Names may not take the ids explain gives its nodes.
    BOOST_TEST(explain::is_node_id("n1"));
    BOOST_TEST(explain::is_node_id("k12"));
    BOOST_TEST(!explain::is_node_id("n"));
    BOOST_TEST(!explain::is_node_id("n1x"));
    BOOST_TEST(contains(message("exp(w)", {{"w", 1000.0, Role::Param}}), "exp overflows a double"));
    BOOST_TEST(contains(message("w*(-8)^(1/3)", {{"w", 1.0, Role::Param}}),
                        "a negative number to a fractional power is undefined"));
    BOOST_TEST(contains(message("w + log(0)", {{"w", 1.0, Role::Param}}), "log(0) is minus infinity"));
    BOOST_TEST(contains(message("2 + 3", {}), "contains no names"));
    BOOST_TEST(contains(message("c*2", {{"c", 1.0, Role::Const}}), "depends only on constants"));
}

// The tutorial: w = 0.8, i = 1.5, y = 0.5, lr 0.1. dC/dw = 2 (1.5 w - 0.5) 1.5, so each step is
// w <- w - 0.1 * 4.5 w + 0.15 = 0.55 w + 0.15, whose fixed point is 1/3: w_k = 1/3 + (0.8 - 1/3) 0.55^k,
// the tutorial's 0.8, 0.59, 0.4745, 0.410975, ...
BOOST_AUTO_TEST_CASE(descend_reproduces_the_single_weight_tutorial)
{
    const auto rows = explain::descend(explain::parse("(i*w - y)^2"), kTutorial, 0.1, 20);
    BOOST_REQUIRE_EQUAL(rows.size(), 21u);
    const double tutorial[] = {0.8, 0.59, 0.4745, 0.410975};
    for (std::size_t k = 0; k < 4; ++k)
        BOOST_TEST(std::fabs(rows[k].params[0] - tutorial[k]) < 1e-15);
    for (std::size_t k = 0; k <= 20; ++k) {
        const double w = 1.0 / 3.0 + (0.8 - 1.0 / 3.0) * std::pow(0.55, static_cast<double>(k));
        BOOST_TEST(std::fabs(rows[k].params[0] - w) < 1e-14);
        BOOST_TEST(std::fabs(rows[k].loss - std::pow(1.5 * w - 0.5, 2.0)) < 1e-14);
        BOOST_TEST(std::fabs(rows[k].grads[0] - 2.0 * (1.5 * w - 0.5) * 1.5) < 1e-14);
    }
    BOOST_TEST(std::fabs(rows[20].params[0] - 1.0 / 3.0) < 1e-5);
    // A learning rate that diverges is stopped with the step named.
    try {
        explain::descend(explain::parse("(i*w - y)^2"), kTutorial, 1e150, 50);
        BOOST_FAIL("expected divergence");
    } catch (const explain::DomainError& e) {
        BOOST_TEST(contains(e.what(), "--descend: at step"), e.what());
        BOOST_TEST(contains(e.what(), "try a smaller learning rate"), e.what());
    }
    BOOST_TEST(contains(test_util::message_of<std::invalid_argument>([] {
                            explain::descend(explain::parse("x*2"), {{"x", 1.0, Role::Input}}, 0.1, 3);
                        }),
                        "--descend needs at least one --param"));
}

// Random expressions (tests/golden/golden_explain.py): the gradients the trace shows equal
// backward()'s bit for bit, and PyTorch's float64 ones to 1e-12.
BOOST_AUTO_TEST_CASE(random_expressions_match_backward_and_pytorch)
{
    std::ifstream in(BACKPROP_FIXTURES "/explain_golden.txt");
    BOOST_REQUIRE(in);
    std::string line;
    std::size_t cases = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto bar1 = line.find(" | "), bar2 = line.rfind(" | ");
        BOOST_REQUIRE(bar1 != std::string::npos && bar2 != bar1);
        const std::string text = line.substr(0, bar1);
        std::vector<Binding> bindings;
        std::istringstream bs(line.substr(bar1 + 3, bar2 - bar1 - 3));
        for (std::string item; bs >> item;) {
            const auto eq = item.find('='), colon = item.find(':');
            const std::string role = item.substr(colon + 1);
            bindings.push_back({item.substr(0, eq), std::stod(item.substr(eq + 1, colon - eq - 1)),
                                role == "param" ? Role::Param : role == "input" ? Role::Input : Role::Const});
        }
        std::map<std::string, double> torch;
        std::istringstream gs(line.substr(bar2 + 3));
        for (std::string item; gs >> item;)
            torch[item.substr(0, item.find('='))] = std::stod(item.substr(item.find('=') + 1));

        BOOST_TEST_CONTEXT(text)
        {
            const explain::Expression e = explain::parse(text);
            const explain::ExplainedGraph g = explain::build_and_backward(e, bindings);
            std::map<std::string, double> traced;
            for (const auto& s : g.steps)
                if (s.accumulates && s.parent.is_leaf())
                    traced[g.nodes[g.index_of(s.parent)].id] = s.parent_grad;
            // backward() again, untraced, on a fresh graph of the same expression
            explain::ExplainedGraph fresh = explain::build_and_backward(e, bindings);
            for (auto& n : fresh.nodes)
                if (n.kind != "op" && n.kind != "literal")
                    n.value.zero_grad();
            fresh.nodes[fresh.output].value.backward();
            for (const auto& [name, expected] : torch) {
                double plain = 0.0;
                for (const auto& n : fresh.nodes)
                    if (n.id == name)
                        plain = n.value.grad();
                BOOST_TEST(traced[name] == plain, name);
                BOOST_TEST(std::fabs(plain - expected) <= 1e-12 * std::max(1.0, std::fabs(expected)),
                           name << ": " << plain << " against PyTorch's " << expected);
            }
        }
        ++cases;
    }
    BOOST_TEST(cases == 60u);
}

#ifdef BACKPROP_EXPLAIN
namespace {

using Run = test_util::ProgramRun;

// COLUMNS: the tables' width, as a terminal of that many columns would give it.
Run run(const std::string& args, int columns = 200)
{
    static const std::filesystem::path out = test_util::temp_dir(fmt::format("backprop_explain_{}", ::getpid()));
    return test_util::run_program("/usr/bin/env", fmt::format("COLUMNS={} '{}' {}", columns, BACKPROP_EXPLAIN, args),
                                  out / "output.txt");
}

const std::string kTutorialArgs = "'(i*w - y)^2' --param w=0.8 --const i=1.5 --const y=0.5";

} // namespace

BOOST_AUTO_TEST_CASE(program_prints_the_tables)
{
    const Run r = run(kTutorialArgs + " --descend 0.1:20");
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "n1 -> w   d(a*b)/db = a = 1.5"), r.output);
    BOOST_TEST(contains(r.output, "1.4 x 1.5 = 2.1"));
    BOOST_TEST(contains(r.output, "(constant: no gradient)"));
    for (const char* w : {"0.8", "0.59", "0.4745", "0.410975", "0.333336"})
        BOOST_TEST(contains(r.output, fmt::format(" {} ", w)), w);
    // 40 columns: each row becomes a block of "header: value" lines, none of them wider.
    const Run narrow = run(kTutorialArgs, 40);
    BOOST_TEST(narrow.status == 0);
    BOOST_TEST(contains(narrow.output, "  step 5\n    edge: n1 -> w\n    local derivative: d(a*b)/db = a = 1.5\n"),
               narrow.output);
    BOOST_TEST(!contains(r.output, "    edge: n1 -> w")); // 200 columns: a table

    const Run json = run(kTutorialArgs + " --json --descend 0.1:3");
    BOOST_REQUIRE(json.status == 0);
    const nlohmann::json doc = nlohmann::json::parse(json.output);
    BOOST_TEST(doc["steps"].size() == 5u);
    BOOST_TEST(doc["descent"]["steps"].size() == 4u);
    BOOST_TEST(std::fabs(doc["descent"]["steps"][1]["params"]["w"].get<double>() - 0.59) < 1e-15);
}

BOOST_AUTO_TEST_CASE(program_reports_bad_input_clearly)
{
    struct Case {
        std::string args, message;
    };
    const Case cases[] = {
        {"'(i*w))^2' --param w=1 --const i=1", "explain: unexpected ')' at column 6: no '(' is open\n  (i*w))^2\n       ^"},
        {"'w*q' --param w=1", "explain: no value for 'q' at column 3"},
        {"'w' --param w=1 --const w=2", "explain: 'w' is given twice (--param w=1 and --const w=2)"},
        {"'w' --param w", "--param w: expected NAME=VALUE"},
        {"'w' --param w=abc", "--param w: 'abc' is not a number"},
        {"'w' --param w=1e400", "out of the range of a double"},
        {"'w' --param 2w=1", "'2w' is not a name"},
        {"'w' --param exp=1", "'exp' is a function and cannot be a name"},
        {"'n1*w' --param n1=2 --param w=3", "'n1' is how explain names its nodes"},
        {"'w*log(c)' --param w=1 --const c=-1", "explain: log at column 3"},
        {"'w' --param w=1 --descend 0.1", "--descend 0.1: expected LR:STEPS"},
        {"'w' --param w=1 --descend -1:3", "the learning rate must be > 0"},
        {"'w' --param w=1 --descend 0.1:x", "the number of steps must be a whole number"},
        {"'w' --param w=1 --digits 40", "--digits"},
        {"", "expression is required"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.args)
        {
            const Run r = run(c.args);
            BOOST_TEST(r.status != 0);
            BOOST_TEST(contains(r.output, c.message), r.output);
        }
    }
    const Run unused = run("'w*2' --param w=1 --const z=3");
    BOOST_TEST(unused.status == 0);
    BOOST_TEST(contains(unused.output, "note: --const z is not used"));
    const Run help = run("--help");
    BOOST_TEST(help.status == 0);
    BOOST_TEST(contains(help.output, "--descend"));
}
#endif
