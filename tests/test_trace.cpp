// BackwardTrace: the steps of scalar and tensor backward passes, checked against numbers derived
// by hand, against backward() itself (the same gradients, bit for bit, on both scalar drivers),
// and every op's derivative formula text against the op's backward at a point.
#define BOOST_TEST_MODULE trace
#include <boost/test/unit_test.hpp>

#include "expression.hpp"

#include <autograd/dot.hpp>
#include <autograd/tensor.hpp>
#include <autograd/trace.hpp>
#include <autograd/value.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

using autograd::BackwardTrace;
using autograd::ScalarOp;
using autograd::Tensor;
using autograd::Value;

namespace {

bool close(double a, double b, double rel = 1e-12) { return std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b)); }

} // namespace

// The tutorial's single weight: C = (i*w - y)^2 with w = 0.8, i = 1.5, y = 0.5.
// By hand: n1 = i*w = 1.2, n2 = n1 - y = 0.7, C = n2^2 = 0.49. Backward from dC/dC = 1:
//   pow_const -> n2: local 2*n2 = 1.4, contribution 1 * 1.4 = 1.4
//   sub -> n1: local 1, contribution 1.4;   sub -> y: local -1, contribution -1.4 (y is a constant)
//   mul -> i: local w = 0.8, contribution 1.12 (a constant);   mul -> w: local i = 1.5, contribution 2.1
// so dC/dw = 2.1 = 2 (i w - y) i, the tutorial's first gradient.
BOOST_AUTO_TEST_CASE(tutorial_single_weight_step_by_step)
{
    const Value w = Value::parameter(0.8, "w"), i = Value::constant(1.5), y = Value::constant(0.5);
    const Value n1 = i * w, n2 = n1 - y, c = pow(n2, 2.0);
    BackwardTrace trace;
    c.backward();
    const auto& s = trace.scalar_steps();
    BOOST_REQUIRE_EQUAL(s.size(), 5u);
    struct Expected {
        ScalarOp op;
        const Value* node;
        const Value* parent;
        std::string_view derivative, formula;
        double upstream, local, contribution;
        bool accumulates;
        double parent_grad;
    };
    const Expected expected[] = {
        {ScalarOp::PowConst, &c, &n2, "d(a^c)/da", "c*a^(c - 1)", 1.0, 1.4, 1.4, true, 1.4},
        {ScalarOp::Sub, &n2, &n1, "d(a - b)/da", "1", 1.4, 1.0, 1.4, true, 1.4},
        {ScalarOp::Sub, &n2, &y, "d(a - b)/db", "-1", 1.4, -1.0, -1.4, false, 0.0},
        {ScalarOp::Mul, &n1, &i, "d(a*b)/da", "b", 1.4, 0.8, 1.12, false, 0.0},
        {ScalarOp::Mul, &n1, &w, "d(a*b)/db", "a", 1.4, 1.5, 2.1, true, 2.1},
    };
    const std::size_t node_index[] = {0, 1, 1, 2, 2};
    for (std::size_t k = 0; k < 5; ++k) {
        BOOST_TEST_CONTEXT("step " << k + 1)
        {
            const Expected& e = expected[k];
            BOOST_TEST(s[k].node_index == node_index[k]);
            BOOST_TEST(static_cast<int>(s[k].op) == static_cast<int>(e.op));
            BOOST_TEST(s[k].node.id() == e.node->id());
            BOOST_TEST(s[k].parent.id() == e.parent->id());
            BOOST_TEST(s[k].derivative_name() == e.derivative);
            BOOST_TEST(s[k].formula() == e.formula);
            BOOST_TEST(close(s[k].upstream, e.upstream));
            BOOST_TEST(close(s[k].local, e.local));
            BOOST_TEST(close(s[k].contribution, e.contribution));
            BOOST_TEST(s[k].accumulates == e.accumulates);
            if (e.accumulates)
                BOOST_TEST(close(s[k].parent_grad, e.parent_grad));
        }
    }
    BOOST_TEST(close(w.grad(), 2.1));
    std::ostringstream table;
    table << trace;
    BOOST_TEST(table.str().find("d(a*b)/db = a") != std::string::npos);
    BOOST_TEST(table.str().find("(constant)") != std::string::npos);
}

// The first tutorial's sigmoid neuron with E = (a - t)^2 / 2: net = w1 x1 + w2 x2 + b,
// a = sigmoid(net). With w1 = 0.5, x1 = 1, w2 = -0.5, x2 = 2, b = 0.5: net = 0, a = 0.5, and
// the "nice expression" s'(net) = a (1 - a) = 0.25. With t = 1 the output error term is
// delta = (a - t) a (1 - a) = -0.125, so dE/dw1 = delta x1 = -0.125, dE/dw2 = delta x2 = -0.25,
// dE/db = delta = -0.125. All exact in binary.
BOOST_AUTO_TEST_CASE(tutorial_sigmoid_neuron)
{
    const Value w1 = Value::parameter(0.5, "w1"), w2 = Value::parameter(-0.5, "w2"), b = Value::parameter(0.5, "b");
    const Value x1 = Value::constant(1.0), x2 = Value::constant(2.0);
    const Value a = sigmoid(w1 * x1 + w2 * x2 + b);
    const Value e = pow(a - 1.0, 2.0) * 0.5;
    BackwardTrace trace;
    e.backward();
    bool saw_sigmoid = false;
    for (const auto& s : trace.scalar_steps()) {
        if (s.op != ScalarOp::Sigmoid)
            continue;
        saw_sigmoid = true;
        BOOST_TEST(s.formula() == "y*(1 - y)");
        BOOST_TEST(s.derivative_name() == "d sigmoid(a)/da");
        BOOST_TEST(s.local == 0.25);
        BOOST_TEST(s.upstream == -0.5);      // dE/da = a - t
        BOOST_TEST(s.contribution == -0.125); // delta, the output error term
    }
    BOOST_TEST(saw_sigmoid);
    BOOST_TEST(w1.grad() == -0.125);
    BOOST_TEST(w2.grad() == -0.25);
    BOOST_TEST(b.grad() == -0.125);
}

// A node used twice (x*x) is two edges to the same parent: the second step shows the sum.
BOOST_AUTO_TEST_CASE(a_parent_used_twice_accumulates_over_two_steps)
{
    const Value x = 3.0;
    const Value y = x * x;
    BackwardTrace trace;
    y.backward();
    const auto& s = trace.scalar_steps();
    BOOST_REQUIRE_EQUAL(s.size(), 2u);
    BOOST_TEST(s[0].parent_index == 0);
    BOOST_TEST(s[1].parent_index == 1);
    BOOST_TEST(s[0].local == 3.0);
    BOOST_TEST(s[0].parent_grad == 3.0);
    BOOST_TEST(s[1].parent_grad == 6.0); // d(x^2)/dx = 2x
    BOOST_TEST(x.grad() == 6.0);
}

BOOST_AUTO_TEST_CASE(leaf_gradients_accumulate_across_passes_in_the_trace)
{
    const Value w = 2.0;
    const Value y = w * 5.0;
    BackwardTrace trace;
    y.backward();
    y.backward();
    const auto& s = trace.scalar_steps();
    BOOST_REQUIRE_EQUAL(s.size(), 2u);
    BOOST_TEST(s[0].parent_grad == 5.0);
    BOOST_TEST(s[1].parent_grad == 10.0); // backward() adds into leaves
    BOOST_TEST(s[1].node_index == 0u);    // a new pass starts at its output again
}

BOOST_AUTO_TEST_CASE(traces_nest_and_stop)
{
    BOOST_TEST(autograd::active_trace() == nullptr);
    const Value x = 1.0;
    const Value y = exp(x);
    {
        BackwardTrace outer;
        BOOST_TEST(autograd::active_trace() == &outer);
        {
            BackwardTrace inner;
            y.backward();
            BOOST_TEST(inner.scalar_steps().size() == 1u);
        }
        BOOST_TEST(outer.scalar_steps().empty());
        y.backward();
        BOOST_TEST(outer.scalar_steps().size() == 1u);
        outer.clear();
        BOOST_TEST(outer.scalar_steps().empty());
    }
    BOOST_TEST(autograd::active_trace() == nullptr);
}

// A trace that ends before a later one unlinks itself: the later one keeps recording, and when
// it ends no trace is left active (no pointer to the ended one survives).
BOOST_AUTO_TEST_CASE(traces_may_end_out_of_order)
{
    const Value x = 2.0;
    const Value y = x * 3.0;
    auto first = std::make_unique<BackwardTrace>();
    auto second = std::make_unique<BackwardTrace>();
    first.reset();
    BOOST_TEST(autograd::active_trace() == second.get());
    y.backward();
    BOOST_TEST(second->scalar_steps().size() == 1u);
    second.reset();
    BOOST_TEST(autograd::active_trace() == nullptr);
}

namespace {

// A random expression over `leaves`, built as Values: every op of the engine appears.
Value random_graph(std::mt19937_64& rng, const std::vector<Value>& leaves, int nodes)
{
    std::vector<Value> pool = leaves;
    std::uniform_real_distribution<double> u(0.5, 1.5);
    for (int k = 0; k < nodes; ++k) {
        const Value& a = pool[rng() % pool.size()];
        const Value& b = pool[rng() % pool.size()];
        switch (rng() % 14) {
        case 0: pool.push_back(a + b); break;
        case 1: pool.push_back(a - b); break;
        case 2: pool.push_back(a * b); break;
        case 3: pool.push_back(a / (b * b + 1.0)); break;
        case 4: pool.push_back(pow(a * a + 0.5, b * 0.1)); break;
        case 5: pool.push_back(-a); break;
        case 6: pool.push_back(a + u(rng)); break;
        case 7: pool.push_back(a * u(rng)); break;
        case 8: pool.push_back(pow(a, 2.0)); break;
        case 9: pool.push_back(exp(a * 0.1)); break;
        case 10: pool.push_back(log(a * a + 1.0)); break;
        case 11: pool.push_back(tanh(a)); break;
        case 12: pool.push_back(sigmoid(a)); break;
        default: pool.push_back(relu(a)); break;
        }
    }
    return sum(std::span<const Value>(pool).subspan(leaves.size()));
}

std::vector<double> grads_of(const std::vector<Value>& leaves)
{
    std::vector<double> g;
    for (const Value& v : leaves)
        g.push_back(v.grad());
    return g;
}

} // namespace

// Tracing must not change a single bit of any gradient, on either scalar driver: the arena walk
// (a graph of this thread) and the topological sort (a graph made on another thread).
BOOST_AUTO_TEST_CASE(traced_gradients_equal_untraced_bit_for_bit)
{
    for (unsigned seed = 1; seed <= 20; ++seed) {
        for (bool other_thread : {false, true}) {
            std::mt19937_64 rng(seed);
            std::vector<Value> leaves;
            std::uniform_real_distribution<double> u(-2.0, 2.0);
            for (int k = 0; k < 4; ++k)
                leaves.push_back(Value::parameter(u(rng)));
            leaves.push_back(Value::constant(u(rng)));
            Value root;
            if (other_thread) {
                std::thread t([&] { root = random_graph(rng, leaves, 60); });
                t.join();
            } else {
                root = random_graph(rng, leaves, 60);
            }
            root.backward();
            const std::vector<double> plain = grads_of(leaves);
            autograd::zero_grad(leaves);
            BackwardTrace trace;
            root.backward();
            BOOST_TEST_CONTEXT("seed " << seed << (other_thread ? ", made on another thread" : ""))
            {
                BOOST_TEST(grads_of(leaves) == plain, boost::test_tools::per_element());
                // The last step into each leaf shows its final gradient.
                std::map<const void*, double> last;
                for (const auto& s : trace.scalar_steps())
                    if (s.parent.is_leaf() && s.accumulates)
                        last[s.parent.id()] = s.parent_grad;
                for (std::size_t k = 0; k < 4; ++k)
                    if (last.count(leaves[k].id()) != 0)
                        BOOST_TEST(last[leaves[k].id()] == plain[k]);
                // Each contribution is the product (up to the order of an op's own multiplications).
                for (const auto& s : trace.scalar_steps())
                    BOOST_TEST(close(s.contribution, s.upstream * s.local, 1e-14));
            }
        }
    }
}

// Every op's derivative text (the op table's), evaluated by explain's parser at a point, equals
// the local derivative its backward computes there.
BOOST_AUTO_TEST_CASE(every_op_formula_matches_its_backward)
{
    const double a0 = 0.7, b0 = 1.3, c0 = 2.5;
    const std::map<ScalarOp, std::function<Value(const Value&, const Value&)>> build = {
        {ScalarOp::Add, [](const Value& a, const Value& b) { return a + b; }},
        {ScalarOp::Sub, [](const Value& a, const Value& b) { return a - b; }},
        {ScalarOp::Mul, [](const Value& a, const Value& b) { return a * b; }},
        {ScalarOp::Div, [](const Value& a, const Value& b) { return a / b; }},
        {ScalarOp::Pow, [](const Value& a, const Value& b) { return pow(a, b); }},
        {ScalarOp::Neg, [](const Value& a, const Value&) { return -a; }},
        {ScalarOp::AddConst, [=](const Value& a, const Value&) { return a + c0; }},
        {ScalarOp::MulConst, [=](const Value& a, const Value&) { return a * c0; }},
        {ScalarOp::PowConst, [=](const Value& a, const Value&) { return pow(a, c0); }},
        {ScalarOp::Exp, [](const Value& a, const Value&) { return exp(a); }},
        {ScalarOp::Log, [](const Value& a, const Value&) { return log(a); }},
        {ScalarOp::Tanh, [](const Value& a, const Value&) { return tanh(a); }},
        {ScalarOp::Sigmoid, [](const Value& a, const Value&) { return sigmoid(a); }},
        {ScalarOp::Relu, [](const Value& a, const Value&) { return relu(a); }},
    };
    BOOST_TEST(build.size() == static_cast<std::size_t>(autograd::detail::kScalarOpCount - 1)); // all but Leaf
    for (const auto& [op, make] : build) {
        // relu at a negative point too, where its step is 0
        for (double a_value : op == ScalarOp::Relu ? std::vector<double>{a0, -a0} : std::vector<double>{a0}) {
            BOOST_TEST_CONTEXT(autograd::op_info(op).name << " at a = " << a_value)
            {
                const Value a = a_value, b = b0;
                const Value y = make(a, b);
                BOOST_REQUIRE(y.op() == op);
                BackwardTrace trace;
                y.backward();
                const auto& steps = trace.scalar_steps();
                BOOST_REQUIRE_EQUAL(steps.size(), static_cast<std::size_t>(autograd::op_info(op).arity));
                const std::map<std::string, double, std::less<>> at = {{"a", a_value}, {"b", b0}, {"c", c0}, {"y", y.data()}};
                for (const auto& s : steps) {
                    const explain::Expression f = explain::parse(s.formula(), explain::Syntax::Formula);
                    BOOST_TEST(close(explain::evaluate(f, at), s.local), s.formula() << " = " << explain::evaluate(f, at)
                                                                                     << " but backward gives " << s.local);
                }
                // The op's own formula, evaluated, is its forward.
                const explain::Expression forward = explain::parse(autograd::op_info(op).formula);
                BOOST_TEST(close(explain::evaluate(forward, at), y.data()));
            }
        }
    }
}

// Tensor steps at tensor granularity. s = sum(relu(a * 2)) with a = [1, -2, 3]:
//   sum: upstream 1 (norm 1); to relu's output: ones(3): norm sqrt(3), min 1, max 1
//   relu: b = a*2 = [2, -4, 6], so the gradient [1, 0, 1]: norm sqrt(2), min 0, max 1
//   mul by 2: [2, 0, 2] to the leaf a: norm sqrt(8), min 0, max 2, mean |g| 4/3
BOOST_AUTO_TEST_CASE(tensor_steps_give_shapes_norms_and_ranges)
{
    const Tensor a = Tensor(std::vector<double>{1.0, -2.0, 3.0}, {3}).requires_grad_();
    a.set_label("a");
    const Tensor s = autograd::sum(autograd::relu(a * 2.0));
    BackwardTrace trace;
    s.backward();
    const auto& t = trace.tensor_steps();
    BOOST_REQUIRE_EQUAL(t.size(), 3u);
    BOOST_TEST(autograd::op_name(t[0].op) == "sum");
    BOOST_TEST(autograd::op_name(t[1].op) == "relu");
    BOOST_TEST(autograd::op_name(t[2].op) == "mul");
    BOOST_TEST(t[0].upstream.norm == 1.0);
    BOOST_TEST(t[0].upstream.numel == 1);
    BOOST_TEST(close(t[0].contribution.norm, std::sqrt(3.0)));
    BOOST_TEST(t[0].contribution.min == 1.0);
    BOOST_TEST(close(t[1].contribution.norm, std::sqrt(2.0)));
    BOOST_TEST(t[1].contribution.min == 0.0);
    BOOST_TEST(t[1].contribution.max == 1.0);
    BOOST_TEST(close(t[2].contribution.norm, std::sqrt(8.0)));
    BOOST_TEST(t[2].contribution.max == 2.0);
    BOOST_TEST(close(t[2].contribution.mean_abs, 4.0 / 3.0));
    BOOST_TEST(t[2].to_leaf);
    BOOST_TEST(!t[0].to_leaf);
    BOOST_TEST(t[2].input == "a [3]");
    BOOST_TEST(t[2].contribution.shape == autograd::Shape({3}));
    BOOST_TEST(t[2].node_index == 2u);
    std::ostringstream table;
    table << trace;
    BOOST_TEST(table.str().find("relu") != std::string::npos);
}

// log'(0) is infinite: the summary counts it and keeps the other figures finite.
BOOST_AUTO_TEST_CASE(tensor_steps_count_nonfinite_gradients)
{
    const Tensor a = Tensor(std::vector<double>{0.0, 1.0}, {2}).requires_grad_();
    const Tensor s = autograd::sum(autograd::log(a));
    BackwardTrace trace;
    s.backward();
    const auto& t = trace.tensor_steps();
    BOOST_REQUIRE_EQUAL(t.size(), 2u);
    BOOST_TEST(t[1].contribution.nonfinite == 1);
    BOOST_TEST(t[1].contribution.norm == 1.0);
    BOOST_TEST(t[1].contribution.max == 1.0);
}

// Gradient flow pictures: fills by |grad|, a legend, and edges labelled from a trace.
BOOST_AUTO_TEST_CASE(dot_colours_by_gradient_and_labels_edges)
{
    const Value w = Value::parameter(0.8, "w"), i = Value::constant(1.5), y = Value::constant(0.5);
    const Value c = pow(i * w - y, 2.0);
    BackwardTrace trace;
    c.backward();
    const std::string plain = autograd::to_dot(c);
    BOOST_TEST(plain.find("legend") == std::string::npos);
    const std::string flow = autograd::to_dot(c, {.color_by_grad = true, .scalar_steps = trace.scalar_steps()});
    BOOST_TEST(flow.find("legend") != std::string::npos);
    BOOST_TEST(flow.find("[label=\"1.5\"") != std::string::npos); // d(i*w)/dw
    BOOST_TEST(flow.find("[label=\"1.4\"") != std::string::npos); // d(n2^2)/dn2
    BOOST_TEST(flow.find("#7f2704") != std::string::npos);         // the largest gradient, darkest
    BOOST_TEST(flow.find("dashed") != std::string::npos);          // the constants
    BOOST_TEST(flow.find("local derivative") != std::string::npos);

    // An infinite gradient is off the scale: drawn in its own colour, not as the largest.
    const Value z = 0.0;
    const Value lz = log(z);
    lz.backward(); // dlog(z)/dz = 1/0
    const std::string inf_flow = autograd::to_dot(lz, {.color_by_grad = true});
    BOOST_TEST(inf_flow.find("#c92a2a") != std::string::npos);
    BOOST_TEST(inf_flow.find("NaN or infinite") != std::string::npos);

    const Tensor a = Tensor(std::vector<double>{1.0, -2.0}, {2}).requires_grad_();
    const Tensor s = autograd::sum(autograd::tanh(a * 3.0));
    BackwardTrace tensor_trace;
    s.backward();
    const std::string tflow = autograd::to_dot(s, {.color_by_grad = true, .tensor_steps = tensor_trace.tensor_steps()});
    BOOST_TEST(tflow.find("‖g‖") != std::string::npos);
    BOOST_TEST(tflow.find("legend") != std::string::npos);
}
