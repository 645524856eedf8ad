// Semantics of the scalar graph (autograd::Value), beyond each op's numbers: sharing, gradient
// accumulation, grad mode, constants, rebinding, handles, very deep graphs, labels, printing.
// Expected values are derived by hand in the comment beside each check (the per-op numbers are
// checked against PyTorch in test_value_ops.cpp).
#define BOOST_TEST_MODULE value_graph
#include <boost/test/unit_test.hpp>

#include <autograd/grad_mode.hpp>
#include <autograd/value.hpp>

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using autograd::NoGradGuard;
using autograd::Value;
namespace tt = boost::test_tools;

// e = exp(x); y = e*z + e:  dy/dz = e,  dy/dx = (z + 1) e (both paths through e add up).
BOOST_AUTO_TEST_CASE(shared_subexpression_sums_both_paths)
{
    Value x = 0.5, z = -1.5;
    Value e = exp(x);
    Value y = e * z + e;
    y.backward();
    const double ex = std::exp(0.5);
    BOOST_TEST(y.data() == -0.5 * ex, tt::tolerance(1e-14));
    BOOST_TEST(z.grad() == ex, tt::tolerance(1e-14));
    BOOST_TEST(e.grad() == -0.5); // 1 (from + e) + z (from e*z)
    BOOST_TEST(x.grad() == -0.5 * ex, tt::tolerance(1e-14));
}

// d(x*x)/dx = 2x: both parents of the mul are x, and both contributions land.
BOOST_AUTO_TEST_CASE(square_by_self_multiplication)
{
    Value x = 3.0;
    Value y = x * x;
    const std::vector<Value> parents = y.parents();
    BOOST_REQUIRE_EQUAL(parents.size(), 2u);
    BOOST_TEST(parents[0].id() == x.id());
    BOOST_TEST(parents[1].id() == x.id());
    y.backward();
    BOOST_TEST(x.grad() == 6.0);

    Value w = -1.25;
    (w * w).backward();
    BOOST_TEST(w.grad() == -2.5);
}

// A double on the left of an operator.
BOOST_AUTO_TEST_CASE(double_on_the_left)
{
    Value x = 4.0;

    Value a = 2 - x; // d/dx = -1
    a.backward();
    BOOST_TEST(a.data() == -2.0);
    BOOST_TEST(x.grad() == -1.0);

    x.zero_grad();
    Value b = 1 / x; // d/dx = -1/x^2
    b.backward();
    BOOST_TEST(b.data() == 0.25);
    BOOST_TEST(x.grad() == -0.0625);
    // The 1 is a constant operand: it gets no gradient.
    BOOST_REQUIRE_EQUAL(b.parents().size(), 2u);
    BOOST_TEST(!b.parents()[0].requires_grad());
    BOOST_TEST(b.parents()[0].grad() == 0.0);

    x.zero_grad();
    Value c = 3 * x; // d/dx = 3
    c.backward();
    BOOST_TEST(c.data() == 12.0);
    BOOST_TEST(x.grad() == 3.0);

    x.zero_grad();
    Value d = 2 + x; // d/dx = 1
    d.backward();
    BOOST_TEST(d.data() == 6.0);
    BOOST_TEST(x.grad() == 1.0);
}

// backward() adds into leaves; an interior node holds the latest backward's gradient only.
BOOST_AUTO_TEST_CASE(backward_twice_accumulates_leaves_only)
{
    Value x = 3.0;
    Value t = x * x;   // interior: dy/dt = 2
    Value y = t * 2.0; // dy/dx = 4x = 12
    y.backward();
    BOOST_TEST(x.grad() == 12.0);
    BOOST_TEST(t.grad() == 2.0);
    BOOST_TEST(y.grad() == 1.0);
    y.backward();
    BOOST_TEST(x.grad() == 24.0);
    BOOST_TEST(t.grad() == 2.0);
    BOOST_TEST(y.grad() == 1.0);

    // A leaf as the output accumulates its own seed as well.
    Value w = 5.0;
    w.backward();
    w.backward();
    BOOST_TEST(w.grad() == 2.0);
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_before_the_next_backward)
{
    Value x = 3.0, b = 1.0;
    Value y = x * x + b;
    y.backward();
    y.backward();
    BOOST_TEST(x.grad() == 12.0);
    BOOST_TEST(b.grad() == 2.0);
    autograd::zero_grad({x, b});
    BOOST_TEST(x.grad() == 0.0);
    BOOST_TEST(b.grad() == 0.0);
    y.backward();
    BOOST_TEST(x.grad() == 6.0);
    BOOST_TEST(b.grad() == 1.0);

    const std::vector<Value> params{x, b};
    autograd::zero_grad(params);
    BOOST_TEST(x.grad() == 0.0);
    BOOST_TEST(b.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_nothing)
{
    Value x = 2.0;
    Value y;
    {
        NoGradGuard no_grad;
        BOOST_TEST(!autograd::is_grad_enabled());
        y = x * 3.0 + x;
        BOOST_TEST(y.data() == 8.0);
        BOOST_TEST(!y.requires_grad());
        BOOST_TEST(y.is_leaf());
        BOOST_TEST(y.parents().empty());
        BOOST_CHECK_THROW(y.backward(), std::logic_error);
    }
    BOOST_TEST(autograd::is_grad_enabled());
    BOOST_TEST(x.grad() == 0.0);
    // Outside the guard, y is a constant operand: x gets the gradient, y none.
    Value z = y * x; // dz/dx = y = 8
    BOOST_TEST(z.requires_grad());
    z.backward();
    BOOST_TEST(x.grad() == 8.0);
    BOOST_TEST(y.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(no_grad_guard_nests_and_restores_the_previous_mode)
{
    BOOST_TEST(autograd::is_grad_enabled());
    {
        NoGradGuard outer;
        {
            NoGradGuard inner;
            BOOST_TEST(!autograd::is_grad_enabled());
        }
        BOOST_TEST(!autograd::is_grad_enabled()); // back to the outer guard's mode, not to "on"
    }
    BOOST_TEST(autograd::is_grad_enabled());

    autograd::set_grad_enabled(false);
    {
        NoGradGuard guard;
    }
    BOOST_TEST(!autograd::is_grad_enabled()); // restored to off, as it was before the guard
    autograd::set_grad_enabled(true);
}

BOOST_AUTO_TEST_CASE(constant_gets_no_gradient)
{
    Value x = 3.0;
    Value c = Value::constant(2.0);
    BOOST_TEST(!c.requires_grad());
    BOOST_TEST(c.is_leaf());
    Value y = c * x + c; // dy/dx = 2
    y.backward();
    BOOST_TEST(x.grad() == 2.0);
    BOOST_TEST(c.grad() == 0.0);

    // Constants only: nothing is recorded, and there is nothing to differentiate.
    Value k = c * c + 1.0;
    BOOST_TEST(k.data() == 5.0);
    BOOST_TEST(!k.requires_grad());
    BOOST_TEST(k.parents().empty());
    BOOST_CHECK_THROW(k.backward(), std::logic_error);
    BOOST_CHECK_THROW(c.backward(), std::logic_error);
}

// `s += b` makes s a new node s + b; the value s was bound to before is untouched.
BOOST_AUTO_TEST_CASE(compound_assignment_rebinds)
{
    Value a = 1.5, b = 2.0;
    Value s = a;
    BOOST_TEST(s.id() == a.id()); // a copy aliases
    s += b;
    BOOST_TEST(s.id() != a.id());
    BOOST_TEST(a.data() == 1.5);
    BOOST_TEST(a.is_leaf());
    BOOST_TEST(s.data() == 3.5);
    BOOST_TEST((s.op() == autograd::ScalarOp::Add));
    const std::vector<Value> parents = s.parents();
    BOOST_REQUIRE_EQUAL(parents.size(), 2u);
    BOOST_TEST(parents[0].id() == a.id());
    BOOST_TEST(parents[1].id() == b.id());

    const void* sum_id = s.id();
    s *= 2.0;
    BOOST_TEST((s.op() == autograd::ScalarOp::MulConst));
    BOOST_TEST(s.op_constant() == 2.0);
    BOOST_REQUIRE_EQUAL(s.parents().size(), 1u);
    BOOST_TEST(s.parents()[0].id() == sum_id);

    Value t = a;
    t -= b;
    t /= b;
    BOOST_TEST(t.data() == -0.25);
    BOOST_TEST(a.data() == 1.5);
    s.backward(); // s = 2 (a + b)
    BOOST_TEST(a.grad() == 2.0);
    BOOST_TEST(b.grad() == 2.0);
}

// A chain a million ops deep: backward and destruction are iterative, so neither overflows the
// stack (this runs on the test's main thread, with its ordinary stack). The freed nodes go back
// to the pool: building the chain again takes no more memory.
BOOST_AUTO_TEST_CASE(million_node_chain)
{
    constexpr int kDepth = 1'000'000;
    const double expected = std::pow(1.0000001, kDepth); // d/dx of x * 1.0000001^n
    std::size_t pool_after_first = 0;
    for (int round = 0; round < 2; ++round) {
        Value x = 1.0;
        {
            Value y = x;
            for (int i = 0; i < kDepth; ++i)
                y = y * 1.0000001 + 0.0; // two nodes per step
            y.backward();
            BOOST_TEST(y.data() == expected, tt::tolerance(1e-9));
            BOOST_TEST(x.grad() == expected, tt::tolerance(1e-9));
        } // the last handle of the chain goes here
        if (round == 0)
            pool_after_first = autograd::detail::node_pool_bytes();
    }
    BOOST_TEST(autograd::detail::node_pool_bytes() == pool_after_first);
}

// y = y + x a million times: one leaf shared by a million nodes, y = (n + 1) x.
BOOST_AUTO_TEST_CASE(million_uses_of_one_leaf)
{
    constexpr int kDepth = 1'000'000;
    Value x = 0.5;
    Value y = x;
    for (int i = 0; i < kDepth; ++i)
        y = y + x;
    y.backward();
    BOOST_TEST(y.data() == 0.5 * (kDepth + 1));
    BOOST_TEST(x.grad() == kDepth + 1.0);
}

// A ladder: every step's nodes have two distinct parents, both the top of a long graph.
// (a, b) -> s (a + b, a - b) with s = 1/sqrt(2) is a reflection, so an even number of steps
// returns (a, b) and the gradient of 2a + 3b through the ladder is (2, 3).
BOOST_AUTO_TEST_CASE(deep_ladder_with_two_parents_per_node)
{
    constexpr int kSteps = 250'000; // four nodes per step: a million nodes
    const double s = 1.0 / std::sqrt(2.0);
    Value a0 = 0.75, b0 = -1.25;
    {
        Value a = a0, b = b0;
        for (int i = 0; i < kSteps; ++i) {
            Value next_a = (a + b) * s;
            Value next_b = (a - b) * s;
            a = std::move(next_a);
            b = std::move(next_b);
        }
        BOOST_TEST(a.data() == 0.75, tt::tolerance(1e-9));
        BOOST_TEST(b.data() == -1.25, tt::tolerance(1e-9));
        Value y = 2.0 * a + 3.0 * b;
        y.backward();
        BOOST_TEST(a0.grad() == 2.0, tt::tolerance(1e-9));
        BOOST_TEST(b0.grad() == 3.0, tt::tolerance(1e-9));
    } // destroyed here, with both branches of every step
    BOOST_TEST(a0.data() == 0.75);
}

BOOST_AUTO_TEST_CASE(moved_from_value_throws_logic_error)
{
    Value a = 1.0;
    Value b = std::move(a);
    BOOST_TEST(b.data() == 1.0);
    BOOST_CHECK_THROW(a.data(), std::logic_error);
    BOOST_CHECK_THROW(a.grad(), std::logic_error);
    BOOST_CHECK_THROW(a.backward(), std::logic_error);
    BOOST_CHECK_THROW(a + b, std::logic_error);
    BOOST_CHECK_THROW(a.label(), std::logic_error);
    a = 2.0; // assigning makes it usable again
    BOOST_TEST(a.data() == 2.0);
}

BOOST_AUTO_TEST_CASE(labels)
{
    BOOST_TEST(Value(1.0, "w").label() == "w");
    BOOST_TEST(Value(1.0).label() == "");
    Value x = 2.0;
    x.set_label("bias");
    BOOST_TEST(x.label() == "bias");
    Value alias = x;
    BOOST_TEST(alias.label() == "bias"); // labels belong to the node
    x.set_label("");
    BOOST_TEST(alias.label() == "");
    BOOST_TEST(Value::parameter(0.5, "p").label() == "p");
}

BOOST_AUTO_TEST_CASE(printing)
{
    Value x = 2.5;
    Value y = x * x;
    y.backward();
    std::ostringstream os;
    os << x;
    BOOST_TEST(os.str() == "Value(data=2.5, grad=5)");

    std::ostringstream labelled;
    labelled << Value(1.0, "w");
    BOOST_TEST(labelled.str() == "Value(label=w, data=1, grad=0)");
}
