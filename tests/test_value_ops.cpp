// Correctness of every scalar op of autograd::Value, against two independent references:
// - golden values and gradients from PyTorch (float64), in tests/fixtures/scalar_golden.txt,
//   written by tests/golden/golden_scalar.py (the test reads the committed file; it never runs PyTorch);
// - central finite differences, through autograd::gradcheck, at ordinary points and near (not
//   at) kinks and domain edges; plus proof that gradcheck does catch a wrong derivative.
#define BOOST_TEST_MODULE value_ops
#include <boost/test/unit_test.hpp>

#include <autograd/gradcheck.hpp>
#include <autograd/value.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using autograd::Value;
using Args = std::span<const Value>;

constexpr double kThird = 1.0 / 3.0;
constexpr double kNeuronBias = 6.8813735870195432; // micrograd's lecture neuron

// micrograd test/test_engine.py, test_sanity_check
Value micrograd_sanity(Args v)
{
    const Value& x = v[0];
    Value z = 2 * x + 2 + x;
    Value q = z.relu() + z * x;
    Value h = (z * z).relu();
    return h + q + q * x;
}

// micrograd test/test_engine.py, test_more_ops (compound assignment rebinds, as in Python)
Value micrograd_more_ops(Args v)
{
    const Value& a = v[0];
    const Value& b = v[1];
    Value c = a + b;
    Value d = a * b + pow(b, 3.0);
    c += c + 1;
    c += 1 + c + (-a);
    d += d * 2 + (b + a).relu();
    d += 3 * d + (b - a).relu();
    Value e = c - d;
    Value f = pow(e, 2.0);
    Value g = f / 2.0;
    g += 10.0 / f;
    return g;
}

// One expression per case name of the golden file; tests/golden/golden_scalar.py has the same list.
struct OpCase {
    std::string_view name;
    std::size_t arity;
    Value (*f)(Args);
};

const OpCase kOps[] = {
    {"add", 2, [](Args x) { return x[0] + x[1]; }},
    {"sub", 2, [](Args x) { return x[0] - x[1]; }},
    {"mul", 2, [](Args x) { return x[0] * x[1]; }},
    {"div", 2, [](Args x) { return x[0] / x[1]; }},
    {"neg", 1, [](Args x) { return -x[0]; }},
    {"add_const", 1, [](Args x) { return x[0] + 2.5; }},
    {"radd_const", 1, [](Args x) { return 2.5 + x[0]; }},
    {"sub_const", 1, [](Args x) { return x[0] - 2.5; }},
    {"rsub_const", 1, [](Args x) { return 2.0 - x[0]; }},
    {"mul_const", 1, [](Args x) { return x[0] * 3.0; }},
    {"rmul_const", 1, [](Args x) { return 3.0 * x[0]; }},
    {"div_const", 1, [](Args x) { return x[0] / 3.0; }},
    {"rdiv_const", 1, [](Args x) { return 1.0 / x[0]; }},
    {"pow_2", 1, [](Args x) { return pow(x[0], 2.0); }},
    {"pow_3", 1, [](Args x) { return pow(x[0], 3.0); }},
    {"pow_0", 1, [](Args x) { return pow(x[0], 0.0); }},
    {"pow_-1", 1, [](Args x) { return pow(x[0], -1.0); }},
    {"pow_-2.5", 1, [](Args x) { return pow(x[0], -2.5); }},
    {"pow_0.5", 1, [](Args x) { return pow(x[0], 0.5); }},
    {"pow_third", 1, [](Args x) { return pow(x[0], kThird); }},
    {"pow", 2, [](Args x) { return pow(x[0], x[1]); }},
    {"rpow_2", 1, [](Args x) { return pow(2.0, x[0]); }},
    {"rpow_0.5", 1, [](Args x) { return pow(0.5, x[0]); }},
    {"rpow_0", 1, [](Args x) { return pow(0.0, x[0]); }},
    {"exp", 1, [](Args x) { return exp(x[0]); }},
    {"log", 1, [](Args x) { return log(x[0]); }},
    {"tanh", 1, [](Args x) { return tanh(x[0]); }},
    {"sigmoid", 1, [](Args x) { return sigmoid(x[0]); }},
    {"relu", 1, [](Args x) { return relu(x[0]); }},
    {"micrograd_sanity", 1, micrograd_sanity},
    {"micrograd_more_ops", 2, micrograd_more_ops},
    {"shared_exp", 2, [](Args x) { Value e = exp(x[0]); return e * x[1] + e; }},
    {"square", 1, [](Args x) { return x[0] * x[0]; }},
    {"neuron", 5, [](Args x) { return tanh(x[2] * x[0] + x[3] * x[1] + x[4]); }},
    {"tutorial_mse", 2, [](Args x) { return pow(x[0] * x[1] - 0.5, 2.0); }},
};

const OpCase* find_op(std::string_view name)
{
    for (const OpCase& op : kOps)
        if (op.name == name)
            return &op;
    return nullptr;
}

struct GoldenRow {
    int line = 0;
    std::string name;
    std::vector<double> inputs;
    double y = 0.0;
    std::vector<double> grads;
};

// strtod reads nan, inf and -inf, which operator>> does not.
double parse_double(const std::string& token, int line)
{
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(token.c_str(), &end);
    if (end == token.c_str() || *end != '\0')
        throw std::runtime_error(fmt::format("scalar_golden.txt line {}: '{}' is not a number", line, token));
    return v;
}

std::vector<GoldenRow> read_golden()
{
    const std::string path = std::string(BACKPROP_FIXTURES) + "/scalar_golden.txt";
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path);
    std::vector<GoldenRow> rows;
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        if (text.empty() || text[0] == '#')
            continue;
        std::istringstream fields(text);
        GoldenRow row;
        row.line = line;
        std::size_t n = 0;
        if (!(fields >> row.name >> n))
            throw std::runtime_error(fmt::format("scalar_golden.txt line {}: expected a name and a count", line));
        std::vector<double> numbers;
        for (std::string token; fields >> token;)
            numbers.push_back(parse_double(token, line));
        if (numbers.size() != 2 * n + 1)
            throw std::runtime_error(fmt::format("scalar_golden.txt line {}: {} inputs need {} numbers, found {}",
                                                 line, n, 2 * n + 1, numbers.size()));
        row.inputs.assign(numbers.begin(), numbers.begin() + static_cast<std::ptrdiff_t>(n));
        row.y = numbers[n];
        row.grads.assign(numbers.begin() + static_cast<std::ptrdiff_t>(n) + 1, numbers.end());
        rows.push_back(std::move(row));
    }
    return rows;
}

const std::vector<GoldenRow>& golden_rows()
{
    static const std::vector<GoldenRow> rows = read_golden();
    return rows;
}

// Within 1e-12 relative of PyTorch; where PyTorch gives NaN or an infinity, exactly that.
bool matches(double got, double want)
{
    if (std::isnan(want))
        return std::isnan(got);
    if (std::isinf(want))
        return got == want;
    if (!std::isfinite(got))
        return false;
    return std::abs(got - want) <= 1e-12 * std::max(std::abs(got), std::abs(want));
}

} // namespace

BOOST_AUTO_TEST_SUITE(golden)

BOOST_AUTO_TEST_CASE(fixture_reads)
{
    BOOST_REQUIRE_NO_THROW(golden_rows());
    BOOST_TEST(!golden_rows().empty());
}

// A row without a lambda fails (the table cannot silently skip a case); so does a lambda that no
// row uses (the fixture cannot silently drop one).
BOOST_AUTO_TEST_CASE(every_row_has_a_lambda_and_every_lambda_a_row)
{
    std::set<std::string_view> used;
    for (const GoldenRow& row : golden_rows()) {
        const OpCase* op = find_op(row.name);
        BOOST_CHECK_MESSAGE(op != nullptr, fmt::format("scalar_golden.txt line {}: no C++ expression for case '{}'"
                                                       " (add it to kOps in test_value_ops.cpp)",
                                                       row.line, row.name));
        if (op != nullptr)
            used.insert(op->name);
    }
    for (const OpCase& op : kOps)
        BOOST_CHECK_MESSAGE(used.count(op.name) == 1,
                            fmt::format("case '{}' has no row in scalar_golden.txt (add it to tests/golden/golden_scalar.py)",
                                        op.name));
}

BOOST_AUTO_TEST_CASE(forward_and_gradients_match_pytorch)
{
    int checked = 0;
    for (const GoldenRow& row : golden_rows()) {
        const OpCase* op = find_op(row.name);
        if (op == nullptr)
            continue; // reported by every_row_has_a_lambda_and_every_lambda_a_row
        const std::string where = fmt::format("line {}: {}({})", row.line, row.name, fmt::join(row.inputs, ", "));
        BOOST_TEST_CONTEXT(where)
        {
            BOOST_REQUIRE_EQUAL(op->arity, row.inputs.size());
            std::vector<Value> inputs(row.inputs.begin(), row.inputs.end());
            const Value y = op->f(inputs);
            BOOST_CHECK_MESSAGE(matches(y.data(), row.y),
                                fmt::format("{}: forward {:.17g}, PyTorch {:.17g}", where, y.data(), row.y));
            BOOST_REQUIRE(y.requires_grad());
            y.backward();
            for (std::size_t i = 0; i < inputs.size(); ++i)
                BOOST_CHECK_MESSAGE(matches(inputs[i].grad(), row.grads[i]),
                                    fmt::format("{}: d/dx{} {:.17g}, PyTorch {:.17g}", where, i,
                                                inputs[i].grad(), row.grads[i]));
            ++checked;
        }
    }
    BOOST_TEST(checked > 0);
}

// The expressions of the table, taken together, use every op of the engine.
BOOST_AUTO_TEST_CASE(cases_cover_every_op)
{
    std::set<autograd::ScalarOp> seen;
    for (const OpCase& op : kOps) {
        std::vector<Value> inputs(op.arity, Value(0.5));
        std::vector<Value> stack{op.f(inputs)};
        std::set<const void*> visited;
        while (!stack.empty()) {
            Value v = stack.back();
            stack.pop_back();
            if (!visited.insert(v.id()).second)
                continue;
            seen.insert(v.op());
            for (const Value& p : v.parents())
                stack.push_back(p);
        }
    }
    for (int i = 0; i < autograd::detail::kScalarOpCount; ++i) {
        const auto op = static_cast<autograd::ScalarOp>(i);
        BOOST_CHECK_MESSAGE(seen.count(op) == 1,
                            fmt::format("no golden case exercises op '{}'", autograd::op_info(op).name));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(finite_differences)

struct GradcheckCase {
    std::string_view op;
    std::vector<double> point;
};

// Every differentiable op, at ordinary points and near (never at) its kinks and domain edges.
const GradcheckCase kGradcheckCases[] = {
    {"add", {0.3, -1.2}},
    {"add", {1e3, 2.0}},
    {"sub", {0.3, -1.2}},
    {"sub", {-7.0, 1e-3}},
    {"mul", {0.3, -1.2}},
    {"mul", {0.0, 5.0}},
    {"div", {0.3, -1.2}},
    {"div", {1.0, 1e-3}}, // near the pole
    {"div", {-2.0, -1e-3}},
    {"neg", {0.7}},
    {"add_const", {-1.1}},
    {"radd_const", {-1.1}},
    {"sub_const", {0.4}},
    {"rsub_const", {0.4}},
    {"mul_const", {-2.2}},
    {"rmul_const", {-2.2}},
    {"div_const", {5.0}},
    {"rdiv_const", {2.0}},
    {"rdiv_const", {1e-3}},
    {"rdiv_const", {-1e-3}},
    {"pow_2", {-1.5}},
    {"pow_2", {1e-3}},
    {"pow_3", {0.7}},
    {"pow_3", {-2.0}},
    {"pow_0", {3.0}},
    {"pow_-1", {2.0}},
    {"pow_-1", {1e-3}},
    {"pow_-2.5", {1.7}},
    {"pow_-2.5", {0.05}},
    {"pow_0.5", {4.0}},
    {"pow_0.5", {1e-3}}, // near the infinite slope at 0
    {"pow_third", {8.0}},
    {"pow_third", {1e-3}},
    {"pow", {2.0, 3.0}},
    {"pow", {0.5, 2.5}},
    {"pow", {1.5, -0.5}},
    {"pow", {3.0, 0.0}},
    {"pow", {1e-3, 2.5}},
    {"pow", {-2.0, 3.0}}, // a negative base: only the base's gradient is finite, and it is checked
    {"rpow_2", {3.0}},
    {"rpow_2", {-1.5}},
    {"rpow_0.5", {0.8}},
    {"rpow_0", {2.0}},
    {"exp", {0.0}},
    {"exp", {-2.5}},
    {"exp", {10.0}},
    {"log", {1.0}},
    {"log", {2.5}},
    {"log", {1e-3}}, // near log's pole
    {"tanh", {0.0}},
    {"tanh", {0.5}},
    {"tanh", {-2.0}},
    {"tanh", {5.0}},
    {"sigmoid", {0.0}},
    {"sigmoid", {2.0}},
    {"sigmoid", {-3.0}},
    {"sigmoid", {10.0}},
    {"sigmoid", {-10.0}},
    {"sigmoid", {40.0}},
    {"sigmoid", {-40.0}},
    {"relu", {1e-3}}, // either side of the kink at 0
    {"relu", {-1e-3}},
    {"relu", {2.0}},
    {"relu", {-2.0}},
    {"micrograd_sanity", {-4.0}},
    {"micrograd_sanity", {1.5}},
    {"micrograd_more_ops", {-4.0, 2.0}},
    {"micrograd_more_ops", {0.5, -1.5}},
    {"shared_exp", {0.5, -1.5}},
    {"square", {-1.25}},
    {"neuron", {2.0, 0.0, -3.0, 1.0, kNeuronBias}},
    {"neuron", {0.5, -1.0, 0.3, -0.8, 0.1}},
    {"tutorial_mse", {0.8, 1.5}},
};

BOOST_AUTO_TEST_CASE(every_op_passes_gradcheck)
{
    std::set<std::string_view> checked;
    for (const GradcheckCase& c : kGradcheckCases) {
        const OpCase* op = find_op(c.op);
        BOOST_TEST_CONTEXT(fmt::format("{}({})", c.op, fmt::join(c.point, ", ")))
        {
            BOOST_REQUIRE(op != nullptr);
            BOOST_REQUIRE_EQUAL(op->arity, c.point.size());
            if (c.op == "pow" && c.point[0] < 0.0) {
                // d/db = y log(a) is NaN for a < 0, and so is the numeric one: both agree, but
                // gradcheck would pass them as equal NaNs; the base's gradient is what is checked.
                const double b = c.point[1];
                const autograd::GradcheckResult r =
                    autograd::gradcheck([b](Args x) { return pow(x[0], Value::constant(b)); }, {c.point[0]});
                BOOST_CHECK_MESSAGE(r.passed, r.report());
            } else {
                const autograd::GradcheckResult r = autograd::gradcheck(op->f, c.point);
                BOOST_CHECK_MESSAGE(r.passed, r.report());
            }
            checked.insert(op->name);
        }
    }
    // Every expression of the op table is checked somewhere.
    for (const OpCase& op : kOps)
        BOOST_CHECK_MESSAGE(checked.count(op.name) == 1, fmt::format("no gradcheck case for '{}'", op.name));
}

// gradcheck must catch a backward that disagrees with the forward. x.data() is a plain double,
// so f(x) = x.data() * x is x^2 to the finite differences (numeric 2x) but backward() sees a
// constant times x (analytic x).
BOOST_AUTO_TEST_CASE(gradcheck_detects_a_wrong_derivative)
{
    const autograd::GradcheckResult r = autograd::gradcheck([](Args x) { return x[0].data() * x[0]; }, {3.0});
    BOOST_TEST(!r.passed);
    BOOST_TEST(!static_cast<bool>(r));
    BOOST_TEST(r.worst == 0u);
    BOOST_TEST(r.analytic.at(0) == 3.0);
    BOOST_TEST(r.numeric.at(0) == 6.0, boost::test_tools::tolerance(1e-6));
    const std::string report = r.report();
    BOOST_TEST_MESSAGE(report);
    BOOST_TEST(report.find("FAILED") != std::string::npos, report);
    BOOST_TEST(report.find("input 0") != std::string::npos, report);
}

// The report names the input that is wrong, not merely the first.
BOOST_AUTO_TEST_CASE(gradcheck_names_the_wrong_input)
{
    const autograd::GradcheckResult r =
        autograd::gradcheck([](Args x) { return x[0] * x[1] + x[1].data() * x[1]; }, {1.5, 2.0});
    BOOST_TEST(!r.passed);
    BOOST_TEST(r.worst == 1u);
    BOOST_TEST(r.report().find("input 1") != std::string::npos, r.report());
}

// The same trick with NoGradGuard: x*x computed without a graph is a constant to backward().
BOOST_AUTO_TEST_CASE(gradcheck_detects_a_derivative_hidden_by_no_grad)
{
    const autograd::GradcheckResult r = autograd::gradcheck(
        [](Args x) {
            Value square;
            {
                autograd::NoGradGuard no_grad;
                square = x[0] * x[0];
            }
            return square + x[0];
        },
        {2.0});
    BOOST_TEST(!r.passed);
    BOOST_TEST(r.analytic.at(0) == 1.0);
    BOOST_TEST(r.report().find("input 0") != std::string::npos, r.report());
}

// Its default tolerance is tight enough to catch a derivative that is off by 1%.
BOOST_AUTO_TEST_CASE(gradcheck_detects_a_one_percent_error)
{
    const autograd::GradcheckResult r =
        autograd::gradcheck([](Args x) { return x[0] + 0.01 * x[0].data() * x[0]; }, {1.0});
    BOOST_TEST(!r.passed, r.report());
}

BOOST_AUTO_TEST_SUITE_END()
