// The tensor engine: values of ops (derived by hand in comments), a second derivative by hand,
// graph semantics (accumulation, retain_graph, create_graph, detach, NoGradGuard, hooks, grad()),
// and the error messages of bad input. Every op's gradient check is in test_tensor_ops.cpp.
#define BOOST_TEST_MODULE tensor
#include <boost/test/unit_test.hpp>

#include "tensor_test_util.hpp"
#include "test_util.hpp"

#include <autograd/dot.hpp>
#include <autograd/engine/tensor_impl.hpp>
#include <autograd/tensor.hpp>
#include <autograd/tensor_gradcheck.hpp>
#include <autograd/trace.hpp>

#include <cmath>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;

using test_util::leaf;

BOOST_AUTO_TEST_CASE(construction_and_access)
{
    const Tensor t({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
    BOOST_TEST(t.dtype() == Dtype::Float32);
    BOOST_TEST(t.shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(t.numel() == 6);
    BOOST_TEST(t.at({1, 2}) == 6.0);
    BOOST_TEST(t.at({-1, 0}) == 4.0);
    BOOST_TEST(Tensor({1.0, 2.0}, {2}).dtype() == Dtype::Float64);
    BOOST_TEST(Tensor::arange(0, 5).to_vector() == (std::vector<double>{0, 1, 2, 3, 4}), tt::per_element());
    BOOST_TEST(Tensor::linspace(0, 1, 5).to_vector() == (std::vector<double>{0, 0.25, 0.5, 0.75, 1}), tt::per_element());
    BOOST_TEST(Tensor::full({2}, 7.0).to_vector() == (std::vector<double>{7, 7}), tt::per_element());
    autograd::Generator g1(3), g2(3);
    BOOST_TEST(Tensor::randn({4}, g1).to_vector() == Tensor::randn({4}, g2).to_vector(), tt::per_element());
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { Tensor({1.f, 2.f, 3.f}, {2, 2}); }), "[2, 2]"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)t.item(); }), "shape [2, 3]"));
    BOOST_TEST(contains(message_of<std::out_of_range>([&] { (void)t.at({2, 0}); }), "index 2"));
    BOOST_TEST(contains(message_of<std::logic_error>([] { (void)Tensor().shape(); }), "undefined"));
}

BOOST_AUTO_TEST_CASE(printing_follows_pytorch)
{
    BOOST_TEST(autograd::to_string(Tensor({1.f, 2.f, 3.f, 4.f}, {2, 2})) == "tensor([[1., 2.],\n        [3., 4.]])");
    BOOST_TEST(autograd::to_string(Tensor({0.5f, 1.25f}, {2})) == "tensor([0.5000, 1.2500])");
    // Columns align, as torch.tensor([[-4.5, 1.0], [10.25, 0.0]]) prints
    BOOST_TEST(autograd::to_string(Tensor({-4.5f, 1.f, 10.25f, 0.f}, {2, 2})) ==
               "tensor([[-4.5000,  1.0000],\n        [10.2500,  0.0000]])");
    BOOST_TEST(autograd::to_string(Tensor::scalar(3.0, Dtype::Float64)) == "tensor(3., dtype=float64)");
    Tensor w = Tensor::ones({2}).requires_grad_();
    BOOST_TEST(autograd::to_string(w) == "tensor([1., 1.], requires_grad=True)");
    BOOST_TEST(autograd::to_string(w * 2.0) == "tensor([2., 2.], grad_fn=<mul>)");
}

BOOST_AUTO_TEST_CASE(broadcasting_values)
{
    // [2, 1] + [3] -> [2, 3]: row i is a[i] + b
    const Tensor a({10.f, 20.f}, {2, 1});
    const Tensor b({1.f, 2.f, 3.f}, {3});
    const Tensor c = a + b;
    BOOST_TEST(c.shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(c.to_vector() == (std::vector<double>{11, 12, 13, 21, 22, 23}), tt::per_element());
    // [2, 1, 3] * [4, 1] -> [2, 4, 3]
    autograd::Generator gen(1);
    const Tensor x = Tensor::rand({2, 1, 3}, gen), y = Tensor::rand({4, 1}, gen);
    const Tensor z = x * y;
    BOOST_TEST(z.shape() == (Shape{2, 4, 3}), tt::per_element());
    BOOST_TEST(z.at({1, 2, 0}) == x.at({1, 0, 0}) * y.at({2, 0}), tt::tolerance(1e-6));
    BOOST_TEST((2.0 - b).to_vector() == (std::vector<double>{1, 0, -1}), tt::per_element());
    BOOST_TEST((1.0 / Tensor({2.f, 4.f}, {2})).to_vector() == (std::vector<double>{0.5, 0.25}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(reductions_and_matmul_values)
{
    const Tensor t({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
    BOOST_TEST(t.sum().item() == 21.0);
    BOOST_TEST(t.sum(0).to_vector() == (std::vector<double>{5, 7, 9}), tt::per_element());
    BOOST_TEST(t.sum(1, true).shape() == (Shape{2, 1}), tt::per_element());
    BOOST_TEST(t.mean(-1).to_vector() == (std::vector<double>{2, 5}), tt::per_element());
    // [[1,2,3],[4,5,6]] x [[1],[0],[-1]] = [[-2],[-2]]
    const Tensor m = matmul(t, Tensor({1.f, 0.f, -1.f}, {3, 1}));
    BOOST_TEST(m.to_vector() == (std::vector<double>{-2, -2}), tt::per_element());
    // [1, 2] . [3, 4] = 11 (0-d); [1, 0, -1] as a row times t^T = [-2, -2]
    BOOST_TEST(matmul(Tensor({1.f, 2.f}, {2}), Tensor({3.f, 4.f}, {2})).item() == 11.0);
    BOOST_TEST(matmul(Tensor({1.f, 0.f, -1.f}, {3}), t.t()).to_vector() == (std::vector<double>{-2, -2}), tt::per_element());
    BOOST_TEST(matmul(Tensor::ones({4, 2, 3}), Tensor::ones({3, 5})).shape() == (Shape{4, 2, 5}), tt::per_element());
    BOOST_TEST(t.t().to_vector() == (std::vector<double>{1, 4, 2, 5, 3, 6}), tt::per_element());
    BOOST_TEST(t.reshape({3, -1}).shape() == (Shape{3, 2}), tt::per_element());
    // linear: t W^T + b with W = [[1, 0, -1], [1, 1, 1]], b = [10, 20]: rows [-2 + 10, 6 + 20], [-2 + 10, 15 + 20]
    const Tensor W({1.f, 0.f, -1.f, 1.f, 1.f, 1.f}, {2, 3});
    BOOST_TEST(linear(t, W, Tensor({10.f, 20.f}, {2})).to_vector() == (std::vector<double>{8, 26, 8, 35}), tt::per_element());
    BOOST_TEST(linear(t, W).to_vector() == (std::vector<double>{-2, 6, -2, 15}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gradcheck_detects_a_wrong_gradient)
{
    // x * detach(x): backward sees d/dx = detach(x) = x, the true derivative of x^2 is 2x.
    autograd::Generator gen(5);
    const auto r = autograd::tensor_gradcheck([](const std::vector<Tensor>& x) { return x[0] * x[0].detach(); },
                                              {leaf({3}, gen, 0.5, 1.0)});
    BOOST_TEST(!r.passed);
    BOOST_TEST(contains(r.report(), "FAILED"));
    BOOST_TEST(contains(r.report(), "input 0"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] {
                            (void)autograd::tensor_gradcheck([](const std::vector<Tensor>& x) { return x[0]; },
                                                             {Tensor::ones({2}).requires_grad_()});
                        }),
                        "float64"));
}

BOOST_AUTO_TEST_CASE(second_derivative_by_hand)
{
    // f = sum(x^3): df/dx = 3x^2, d(sum df/dx)/dx = 6x
    Tensor x = Tensor({1.0, -2.0}, {2}).requires_grad_();
    const Tensor f = pow(x, 3.0).sum();
    const Tensor g = autograd::grad({f}, {x}, {}, {.create_graph = true})[0];
    BOOST_TEST(g.to_vector() == (std::vector<double>{3, 12}), tt::per_element());
    const Tensor h = autograd::grad({g.sum()}, {x})[0];
    BOOST_TEST(h.to_vector() == (std::vector<double>{6, -12}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(backward_options_with_a_seed)
{
    // y = x^3 elementwise, seeded with s: x.grad = 3 x^2 s, recorded under create_graph, so that
    // differentiating sum(x.grad) again gives 6 x s; create_graph kept the graph (retain_graph).
    Tensor x = Tensor({1.0, -2.0}, {2}).requires_grad_();
    const Tensor y = pow(x, 3.0);
    y.backward(Tensor({1.0, 0.5}, {2}), {.create_graph = true});
    const Tensor gx = x.grad();
    BOOST_TEST(gx.to_vector() == (std::vector<double>{3, 6}), tt::per_element());
    BOOST_TEST(gx.requires_grad());
    const Tensor h = autograd::grad({gx.sum()}, {x})[0];
    BOOST_TEST(h.to_vector() == (std::vector<double>{6, -6}), tt::per_element());
    y.backward(Tensor({1.0, 1.0}, {2})); // the graph is still there: no "freed" error
    BOOST_TEST(x.grad().to_vector() == (std::vector<double>{6, 18}), tt::per_element());
}

// Issue 13: a gradient that reaches x only through a piecewise-linear op (relu, a hinge) used to
// be a constant under create_graph, and differentiating it again threw "grad: the tensor does not
// require a gradient". PyTorch 1.13 (torch.autograd.grad(..., create_graph=True)) gives a gradient
// that requires one, and zeros as its gradient; the values below are PyTorch's.
BOOST_AUTO_TEST_CASE(create_graph_through_piecewise_ops_gives_zero_second_derivatives)
{
    using namespace autograd;
    { // the example, as written there
        Tensor x = Tensor({0.0, 0.1}, {2}).requires_grad_();
        auto g = autograd::grad({relu(x - 0.05).sum()}, {x}, {}, {.retain_graph = true, .create_graph = true});
        BOOST_TEST(g[0].requires_grad());
        BOOST_TEST(g[0].to_vector() == (std::vector<double>{0, 1}), tt::per_element());
        const auto h = autograd::grad({g[0].sum()}, {x});
        BOOST_TEST_REQUIRE(h[0].defined());
        BOOST_TEST(h[0].to_vector() == (std::vector<double>{0, 0}), tt::per_element());
    }
    // Each piecewise-linear op alone between x and the loss: (name, f, first gradient). x is
    // [0, 0.1, -0.2], away from every kink (0.05 for the shifted ones) and without ties.
    struct Piecewise {
        const char* name;
        std::function<Tensor(const Tensor&)> f;
        std::vector<double> first;
    };
    const std::vector<Piecewise> ops = {
        {"relu", [](const Tensor& x) { return relu(x - 0.05); }, {0, 1, 0}},
        {"hinge", [](const Tensor& x) { return relu(1.0 - x * Tensor({1.0, -1.0, 1.0}, {3})); }, {-1, 1, -1}},
        {"leaky_relu", [](const Tensor& x) { return leaky_relu(x - 0.05, 0.1); }, {0.1, 1, 0.1}},
        {"abs", [](const Tensor& x) { return abs(x - 0.05); }, {-1, 1, -1}},
        {"clamp", [](const Tensor& x) { return clamp(x, 0.05, std::nullopt); }, {0, 1, 0}},
        {"clamp both", [](const Tensor& x) { return clamp(x, -0.1, 0.05); }, {1, 0, 0}},
        {"max", [](const Tensor& x) { return max(x); }, {0, 1, 0}},
        {"max axis", [](const Tensor& x) { return max(x.reshape({1, 3}), 1); }, {0, 1, 0}},
        {"min", [](const Tensor& x) { return min(x); }, {0, 0, 1}},
        {"min axis keepdim", [](const Tensor& x) { return min(x.reshape({3, 1}), 1, true); }, {1, 1, 1}},
        {"linear + relu, fused", // z = 2x - 0.1: [-0.1, 0.1, -0.5]
         [](const Tensor& x) {
             return linear(x.reshape({3, 1}), Tensor({2.0}, {1, 1}), Tensor({-0.1}, {1}), Activation::Relu);
         },
         {0, 2, 0}},
    };
    for (const Piecewise& op : ops) {
        BOOST_TEST_CONTEXT(op.name)
        {
            Tensor x = Tensor({0.0, 0.1, -0.2}, {3}).requires_grad_();
            const Tensor g = autograd::grad({op.f(x).sum()}, {x}, {}, {.create_graph = true})[0];
            BOOST_TEST(g.requires_grad());
            BOOST_TEST(g.to_vector() == op.first, tt::per_element());
            const Tensor h = autograd::grad({g.sum()}, {x})[0];
            BOOST_TEST_REQUIRE(h.defined());
            BOOST_TEST(h.to_vector() == (std::vector<double>{0, 0, 0}), tt::per_element());
        }
    }
    { // elu above 0 alone: a factor 1 that still depends on x; at x = 1000 nothing overflows
      // (anomaly mode would name an Inf). d/dx = [1, e^-1], d2/dx2 = [0, e^-1].
        autograd::DetectAnomalyGuard anomaly;
        Tensor x = Tensor({1000.0, -1.0}, {2}).requires_grad_();
        const Tensor g = autograd::grad({elu(x).sum()}, {x}, {}, {.create_graph = true})[0];
        BOOST_TEST(g.requires_grad());
        BOOST_TEST(g.to_vector() == (std::vector<double>{1, std::exp(-1.0)}), tt::per_element());
        BOOST_TEST(autograd::grad({g.sum()}, {x})[0].to_vector() == (std::vector<double>{0, std::exp(-1.0)}),
                   tt::per_element());
    }
    // Beside a smooth path the zero adds nothing: d/dx (relu(x) + x^2) = [x > 0] + 2x, then 2.
    Tensor x = Tensor({-0.5, 0.5}, {2}).requires_grad_();
    const Tensor g = autograd::grad({(relu(x) + x * x).sum()}, {x}, {}, {.create_graph = true})[0];
    BOOST_TEST(g.to_vector() == (std::vector<double>{-1, 2}), tt::per_element());
    BOOST_TEST(autograd::grad({g.sum()}, {x})[0].to_vector() == (std::vector<double>{2, 2}), tt::per_element());
}

// materialize_grads (PyTorch's): an input the outputs do not depend on gets zeros, not undefined.
BOOST_AUTO_TEST_CASE(materialize_grads_gives_zeros_for_unused_inputs)
{
    Tensor x = Tensor({1.0, 2.0}, {2}).requires_grad_();
    Tensor unused = Tensor({1.f, 2.f, 3.f}, {3}).requires_grad_();
    const Tensor y = (x * 3.0).sum();
    const auto plain = autograd::grad({y}, {x, unused}, {}, {.retain_graph = true});
    BOOST_TEST(!plain[1].defined());
    const auto zeros = autograd::grad({y}, {x, unused}, {}, {.retain_graph = true, .materialize_grads = true});
    BOOST_TEST(zeros[0].to_vector() == (std::vector<double>{3, 3}), tt::per_element());
    BOOST_TEST_REQUIRE(zeros[1].defined());
    BOOST_TEST(zeros[1].dtype() == Dtype::Float32);
    BOOST_TEST(zeros[1].to_vector() == (std::vector<double>{0, 0, 0}), tt::per_element());
    BOOST_TEST(!zeros[1].requires_grad());
    // Under create_graph the zeros can be differentiated again (to nothing: undefined, or zeros).
    const auto recorded = autograd::grad({y}, {x, unused}, {}, {.create_graph = true, .materialize_grads = true});
    BOOST_TEST(recorded[1].requires_grad());
    const auto again = autograd::grad({recorded[1].sum()}, {unused}, {}, {.materialize_grads = true});
    BOOST_TEST(again[0].to_vector() == (std::vector<double>{0, 0, 0}), tt::per_element());
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { y.backward({.materialize_grads = true}); }),
                        "materialize_grads applies to autograd::grad() only"));
}

BOOST_AUTO_TEST_CASE(graph_semantics)
{
    Tensor w = Tensor({1.0, 2.0}, {2}).requires_grad_();
    const Tensor y = (w * w).sum(); // dy/dw = 2w
    y.backward({.retain_graph = true});
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{2, 4}), tt::per_element());
    y.backward(); // accumulates
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{4, 8}), tt::per_element());
    BOOST_TEST(contains(message_of<std::logic_error>([&] { y.backward(); }), "retain_graph"));
    w.zero_grad();
    BOOST_TEST(!w.grad().defined());

    // autograd::grad returns gradients and leaves grad() alone.
    const Tensor z = (w * 3.0).sum();
    const auto gz = autograd::grad({z}, {w});
    BOOST_TEST(gz[0].to_vector() == (std::vector<double>{3, 3}), tt::per_element());
    BOOST_TEST(!w.grad().defined());

    // detach cuts the graph; NoGradGuard records nothing.
    BOOST_TEST(!(w.detach() * 2.0).requires_grad());
    {
        autograd::NoGradGuard no_grad;
        BOOST_TEST(!(w * 2.0).requires_grad());
    }
    BOOST_TEST((w * 2.0).requires_grad());

    // A hook sees the gradient and may replace it.
    Tensor seen;
    Tensor v = Tensor({1.0, 1.0}, {2}).requires_grad_();
    const Tensor mid = v * 5.0;
    mid.register_hook([&](const Tensor& g) {
        seen = g;
        return g * 2.0;
    });
    mid.sum().backward();
    BOOST_TEST(seen.to_vector() == (std::vector<double>{1, 1}), tt::per_element());
    BOOST_TEST(v.grad().to_vector() == (std::vector<double>{10, 10}), tt::per_element());

    // A gradient for a non-scalar output.
    Tensor a = Tensor({1.0, 2.0, 3.0}, {3}).requires_grad_();
    (a * a).backward(Tensor({1.0, 0.0, 2.0}, {3}));
    BOOST_TEST(a.grad().to_vector() == (std::vector<double>{2, 0, 12}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bad_input_gives_clear_errors)
{
    const Tensor a = Tensor::ones({3, 4}), b = Tensor::ones({5});
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)(a + b); }) ==
               "add: shapes [3, 4] and [5] cannot be broadcast together (dimension 1: 4 vs 5)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)matmul(a, Tensor::ones({5, 2})); }) ==
               "matmul: shapes [3, 4] and [5, 2] do not chain");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)a.sum(2); }), "axis 2 is out of range for shape [3, 4]"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)(a * Tensor::ones({3, 4}, Dtype::Float64)); }),
                        "mul: dtypes float32 and float64 differ"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)a.reshape({5, -1}); }), "reshape"));
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)linear(a, Tensor::ones({2, 3}), Tensor::ones({2})); }) ==
               "linear: input [3, 4], weight [2, 3] and bias [2] do not fit (want input [..., in], weight [out, in], "
               "bias [out])");
    Tensor w = Tensor::ones({2, 2}).requires_grad_();
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (w * 2.0).backward(); }), "shape [2, 2]"));
    BOOST_TEST(contains(message_of<std::logic_error>([&] { a.sum().backward(); }), "does not require a gradient"));
    BOOST_TEST(contains(message_of<std::logic_error>([&] { Tensor y = w * 2.0; y.requires_grad_(); }), "only leaves"));
}

// Issue 13's ops at their edges (their gradients: test_tensor_ops.cpp; their values against
// PyTorch: test_tensor_golden.cpp). Values by hand or from PyTorch 1.13.
BOOST_AUTO_TEST_CASE(new_ops_edges_and_errors)
{
    using namespace autograd;
    const double inf = INFINITY;
    // logsumexp: a row of -inf is -inf, an empty axis -inf, +inf stays, no overflow at 1e4.
    const Tensor l = logsumexp(Tensor({-inf, -inf, inf, 1.0, 1e4, 1e4}, {3, 2}), 1);
    BOOST_TEST(l.to_vector()[0] == -inf);
    BOOST_TEST(l.to_vector()[1] == inf);
    BOOST_TEST(l.to_vector()[2] == 1e4 + std::log(2.0), tt::tolerance(1e-15));
    BOOST_TEST(logsumexp(Tensor::zeros({0, 3}, Dtype::Float64), 0).to_vector() == (std::vector<double>{-inf, -inf, -inf}),
               tt::per_element());
    BOOST_TEST(logsumexp(Tensor::scalar(2.5, Dtype::Float64), 0).item() == 2.5);
    BOOST_TEST(logsumexp(Tensor::ones({2, 3}), 0, true).shape() == (Shape{1, 3}), tt::per_element());
    // flip: values; clone: a copy with storage of its own.
    const Tensor m = Tensor::arange(0, 6, 1, Dtype::Float64).reshape({2, 3});
    BOOST_TEST(flip(m, {0, 1}).to_vector() == (std::vector<double>{5, 4, 3, 2, 1, 0}), tt::per_element());
    BOOST_TEST(flip(m, {-1}).to_vector() == (std::vector<double>{2, 1, 0, 5, 4, 3}), tt::per_element());
    BOOST_TEST(flip(Tensor::zeros({2, 0}), {1}).shape() == (Shape{2, 0}), tt::per_element());
    Tensor c = clone(m);
    c.data_ptr<double>()[0] = 9.0;
    BOOST_TEST(m.to_vector()[0] == 0.0);
    // maximum/minimum: NaN wins and both operands get its gradient; ties split the gradient.
    Tensor a = Tensor({NAN, 1.0, 2.0}, {3}).requires_grad_();
    Tensor b = Tensor({0.0, NAN, 2.0}, {3}).requires_grad_();
    const Tensor mx = maximum(a, b);
    BOOST_TEST(std::isnan(mx.to_vector()[0]));
    BOOST_TEST(std::isnan(mx.to_vector()[1]));
    BOOST_TEST(mx.to_vector()[2] == 2.0);
    mx.sum().backward();
    BOOST_TEST(a.grad().to_vector() == (std::vector<double>{1, 1, 0.5}), tt::per_element());
    BOOST_TEST(b.grad().to_vector() == (std::vector<double>{1, 1, 0.5}), tt::per_element());
    // Functions at their edges, as PyTorch: log1p(-1) = -inf, softplus is x above the threshold
    // (no overflow), gelu(-1000) = -0 but gelu(-inf) = -inf * 0 = NaN (PyTorch's too), expm1 of a
    // tiny x keeps its digits.
    BOOST_TEST(log1p(Tensor({-1.0}, {1})).item() == -inf);
    BOOST_TEST(softplus(Tensor({1000.0}, {1})).item() == 1000.0);
    BOOST_TEST(softplus(Tensor({-1000.0}, {1})).item() == 0.0);
    BOOST_TEST(expm1(Tensor({1e-10}, {1})).item() == 1.00000000005e-10, tt::tolerance(1e-15));
    BOOST_TEST(gelu(Tensor({-1000.0}, {1})).item() == 0.0);
    BOOST_TEST(std::isnan(gelu(Tensor({-inf}, {1})).item()));
    BOOST_TEST(gelu(Tensor({inf}, {1}), GeluApproximation::Tanh).item() == inf);
    BOOST_TEST(silu(Tensor({-1000.f}, {1})).item() == 0.0);
    BOOST_TEST(elu(Tensor({-inf}, {1}), 0.5).item() == -0.5);

    // Errors name the op and what is wrong.
    const Tensor x = Tensor::ones({2, 3});
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)logsumexp(x, 2); }) ==
               "logsumexp: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)flip(x, {-3}); }) ==
               "flip: axis -3 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)flip(x, {1, -1}); }) ==
               "flip: dims [1, -1] name axis 1 twice (shape [2, 3])");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)flip(Tensor::scalar(1.0), {1}); }), "flip"));
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)flip(Tensor::scalar(1.0), {0, -1}); }) ==
               "flip: dims [0, -1] name axis 0 twice (shape [])");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)softplus(x, 0.0); }) ==
               "softplus: beta must be a non-zero finite number (got 0)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)maximum(x, Tensor::ones({4})); }) ==
               "maximum: shapes [2, 3] and [4] cannot be broadcast together (dimension 1: 3 vs 4)");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)minimum(x, Tensor::ones({3}, Dtype::Float64)); }),
                        "minimum: dtypes float32 and float64 differ"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)sin(Tensor()); }), "sin"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)clone(Tensor()); }), "clone"));

    // Several axes, and running sums: values by hand.
    const Tensor r = Tensor::arange(0, 24, 1, Dtype::Float64).reshape({2, 3, 4});
    BOOST_TEST(sum(r, Shape{0, 2}).to_vector() == (std::vector<double>{60, 92, 124}), tt::per_element());
    BOOST_TEST(sum(r, Shape{2, 0}, true).shape() == (Shape{1, 3, 1}), tt::per_element());
    BOOST_TEST(mean(r, Shape{1, 2}).to_vector() == (std::vector<double>{5.5, 17.5}), tt::per_element());
    BOOST_TEST(cumsum(m, 1).to_vector() == (std::vector<double>{0, 1, 3, 3, 7, 12}), tt::per_element());
    BOOST_TEST(cumsum(m, 0).to_vector() == (std::vector<double>{0, 1, 2, 3, 5, 7}), tt::per_element());
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)sum(x, Shape{1, -1}); }) ==
               "sum: axes [1, -1] name axis 1 twice (shape [2, 3])");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)sum(x, Shape{}); }) ==
               "sum: no axes given for shape [2, 3] (call sum(x) to reduce every element)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)mean(x, Shape{0, 5}); }) ==
               "mean: axis 5 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)mean(Tensor::ones({2, 0}), Shape{0, 1}); }) ==
               "mean: axis 1 of shape [2, 0] is empty");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)cumsum(x, -3); }) ==
               "cumsum: axis -3 is out of range for shape [2, 3] (valid: -2 to 1)");

    // prod: empty is 1; gradients exact with zeros (PyTorch: [0, 0, 0, 6] for one zero, zeros
    // for two).
    BOOST_TEST(prod(Tensor::zeros({0}, Dtype::Float64)).item() == 1.0);
    BOOST_TEST(prod(r, 2).to_vector()[1] == 4.0 * 5 * 6 * 7);
    Tensor z1 = Tensor({1.0, 2.0, 3.0, 0.0}, {4}).requires_grad_();
    prod(z1).backward();
    BOOST_TEST(z1.grad().to_vector() == (std::vector<double>{0, 0, 0, 6}), tt::per_element());
    Tensor z2 = Tensor({0.0, 2.0, 0.0, 3.0}, {2, 2}).requires_grad_();
    prod(z2, 1).sum().backward();
    BOOST_TEST(z2.grad().to_vector() == (std::vector<double>{2, 0, 3, 0}), tt::per_element());
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)prod(x, 2); }) ==
               "prod: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");
}

BOOST_AUTO_TEST_CASE(splitting_and_tiling_edges_and_errors)
{
    const Tensor x = Tensor::arange(0, 6).reshape({2, 3}); // [[0, 1, 2], [3, 4, 5]]
    // torch.Tensor.repeat's layout: the copies outermost
    BOOST_TEST(repeat(x, {1, 2}).to_vector() == std::vector<double>({0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}),
               boost::test_tools::per_element());
    BOOST_TEST(to_string(repeat(x, {2, 1, 1}).shape()) == "[2, 2, 3]");
    BOOST_TEST(to_string(repeat(x, {0, 2}).shape()) == "[0, 6]");
    BOOST_TEST(to_string(repeat(Tensor::scalar(2.0), {}).shape()) == "[]");
    BOOST_TEST(tile(x, {2}).to_vector() == repeat(x, {1, 2}).to_vector(), boost::test_tools::per_element());
    // split / chunk / unbind: sizes and values
    const auto s = split(x, 2, 1);
    BOOST_TEST_REQUIRE(s.size() == 2U);
    BOOST_TEST(s[1].to_vector() == std::vector<double>({2, 5}), boost::test_tools::per_element());
    BOOST_TEST(chunk(Tensor::arange(0, 6), 4).size() == 3U); // parts of ceil(6 / 4) = 2
    BOOST_TEST(chunk(Tensor::zeros({0, 2}), 3).size() == 3U);
    BOOST_TEST(split(Tensor::zeros({0, 2}), 0).size() == 1U);
    const auto w = split_with_sizes(x, {0, 3}, -1);
    BOOST_TEST(to_string(w[0].shape()) == "[2, 0]");
    const auto u = unbind(x, 1);
    BOOST_TEST_REQUIRE(u.size() == 3U);
    BOOST_TEST(u[2].to_vector() == std::vector<double>({2, 5}), boost::test_tools::per_element());
    // an empty axis unbinds into no parts (torch.unbind), with or without a gradient to record
    BOOST_TEST(unbind(Tensor::zeros({0, 2}).requires_grad_()).empty());
    // the gradient of a repeat sums the copies; of unused parts, zeros
    const Tensor a = Tensor({1.0, 2.0}, {2}).requires_grad_();
    repeat(a, {3}).sum().backward();
    BOOST_TEST(a.grad().to_vector() == std::vector<double>({3, 3}), boost::test_tools::per_element());
    const Tensor b = Tensor({1.0, 2.0, 3.0}, {3}).requires_grad_();
    (split(b, 2)[1] * 4.0).sum().backward();
    BOOST_TEST(b.grad().to_vector() == std::vector<double>({0, 0, 4}), boost::test_tools::per_element());

    // Errors name the op, the argument and the shape.
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)repeat(x, {2}); }) ==
               "repeat: 1 repetitions [2] for shape [2, 3] (need at least one per dimension)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)repeat(x, {1, -1}); }) ==
               "repeat: negative repetition -1 in [1, -1] for shape [2, 3]");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)split(x, 0, 1); }) ==
               "split: part size 0 along axis 1 of shape [2, 3] (must be > 0)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)split(x, 1, 2); }) ==
               "split: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)split_with_sizes(x, {1, 1}, 1); }) ==
               "split_with_sizes: sizes [1, 1] add up to 2, not to the size 3 of axis 1 of shape [2, 3]");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)split_with_sizes(x, {4, -1}, 1); }) ==
               "split_with_sizes: negative size -1 in [4, -1]");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)chunk(x, 0); }) ==
               "chunk: 0 chunks of shape [2, 3] (must be > 0)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)unbind(Tensor::scalar(1.0)); }) ==
               "unbind: axis 0 is out of range for shape [] (a 0-d tensor has no axis to split)");
}

// split (and chunk, unbind) is one node with an output per part, as PyTorch's SplitBackward:
// every part leads to it, and its backward puts the parts' gradients side by side, zeros for a
// part no gradient reached. The values below are by hand from x = [[0, 1, 2], [3, 4, 5]].
BOOST_AUTO_TEST_CASE(split_is_one_node_with_an_output_per_part)
{
    const Tensor x = Tensor::arange(0, 6).reshape({2, 3}).to(Dtype::Float64).requires_grad_();
    const auto p = split(x, 1, 1); // the columns [0, 3], [1, 4], [2, 5], each [2, 1]
    BOOST_TEST_REQUIRE(p.size() == 3U);
    BOOST_TEST(p[0].grad_fn() == p[2].grad_fn());
    BOOST_TEST(std::string(autograd::op_name(p[1].grad_fn()->op)) == "split");
    BOOST_TEST(p[1].grad_fn()->outputs.size() == 3U);
    BOOST_TEST(contains(autograd::to_string(p[2]), "grad_fn=<split>"));
    BOOST_TEST(std::string(autograd::op_name(unbind(x, 0)[1].grad_fn()->op)) == "unbind");

    // grad() of a part, of the whole, and nothing for a part that does not reach the output:
    // y = sum(p0 * p2) gives dy/dp2 = p0 = [0, 3], dy/dx = [[2, 0, 0], [5, 0, 3]].
    const Tensor y = (p[0] * p[2]).sum();
    const auto g = autograd::grad({y}, {p[2], x, p[1]}, {}, {.retain_graph = true});
    BOOST_TEST(g[0].to_vector() == (std::vector<double>{0, 3}), tt::per_element());
    BOOST_TEST(g[1].to_vector() == (std::vector<double>{2, 0, 0, 5, 0, 3}), tt::per_element());
    BOOST_TEST(!g[2].defined());

    // A hook on one part sees that part's gradient alone, and may replace it.
    Tensor seen;
    p[1].register_hook([&](const Tensor& gp) {
        seen = gp;
        return gp * 10.0;
    });
    (p[0] + p[1] * 2.0 + p[2]).sum().backward();
    BOOST_TEST(seen.to_vector() == (std::vector<double>{2, 2}), tt::per_element());
    BOOST_TEST(x.grad().to_vector() == (std::vector<double>{1, 20, 1, 1, 20, 1}), tt::per_element());

    // Second derivatives with a part unused: y = sum(p0^2 * p2); dy/dp0 = 2 p0 p2, and
    // d/dx sum(dy/dp0) = [[2 p2, 0, 2 p0]] row by row = [[4, 0, 0], [10, 0, 6]].
    const auto q = split(x, 1, 1);
    const Tensor z = (q[0] * q[0] * q[2]).sum();
    const Tensor dz = autograd::grad({z}, {q[0]}, {}, {.create_graph = true})[0];
    BOOST_TEST(dz.to_vector() == (std::vector<double>{0, 2 * 3 * 5}), tt::per_element());
    const Tensor ddz = autograd::grad({dz.sum()}, {x})[0];
    BOOST_TEST(ddz.to_vector() == (std::vector<double>{4, 0, 0, 10, 0, 6}), tt::per_element());

    // A pass started from a hook while another runs keeps its own gradients per part too.
    const Tensor w = Tensor({1.0}, {1}).requires_grad_();
    const Tensor h = w * 2.0;
    const auto r = split(x, 2, 1); // r0 = [[0, 1], [3, 4]], r1 = [[2], [5]]
    const Tensor u = (r[0] * r[1]).sum();
    Tensor inner;
    h.register_hook([&](const Tensor&) {
        inner = autograd::grad({u}, {r[1]}, {}, {.retain_graph = true})[0];
        return Tensor();
    });
    (u + (h * h).sum()).backward();
    BOOST_TEST(inner.to_vector() == (std::vector<double>{1, 7}), tt::per_element()); // row sums of r0
    BOOST_TEST(w.grad().item() == 8.0);
}

// A backward trace and the DOT export show split's node once, with its parts.
BOOST_AUTO_TEST_CASE(split_in_traces_and_dot)
{
    const Tensor x = Tensor::arange(0, 6).reshape({2, 3}).to(Dtype::Float64).requires_grad_().set_label("x");
    const auto p = split(x, 2, 1); // [2, 2] and [2, 1]
    const Tensor y = (p[0].sum() + p[1].sum() * 2.0);
    std::string text;
    {
        autograd::BackwardTrace trace;
        y.backward({.retain_graph = true});
        std::size_t split_steps = 0;
        for (const autograd::TensorTraceStep& s : trace.tensor_steps())
            if (s.op == autograd::TensorOp::Split) {
                ++split_steps;
                BOOST_TEST(s.outputs == 2U);
                // the parts' gradients, ones and twos: norm sqrt(4 + 2 * 4), min 1, max 2
                BOOST_TEST(s.upstream.numel == 6);
                BOOST_TEST(s.upstream.norm == std::sqrt(12.0), tt::tolerance(1e-12));
                BOOST_TEST(s.upstream.min == 1.0);
                BOOST_TEST(s.upstream.max == 2.0);
                BOOST_TEST(s.contribution.norm == std::sqrt(12.0), tt::tolerance(1e-12));
            }
        BOOST_TEST(split_steps == 1U);
        std::ostringstream os;
        os << trace;
        text = os.str();
    }
    BOOST_TEST(contains(text, "2 outputs"));
    const std::string dot = autograd::to_dot(y);
    BOOST_TEST(contains(dot, "0: [2, 2] float64"));
    BOOST_TEST(contains(dot, "1: [2, 1] float64"));
}

BOOST_AUTO_TEST_CASE(matmul_broadcasts_batches_as_torch)
{
    // the brief's shapes: torch.matmul's results
    BOOST_TEST(to_string(matmul(Tensor::ones({1, 2, 3}), Tensor::ones({4, 3, 2})).shape()) == "[4, 2, 2]");
    BOOST_TEST(to_string(matmul(Tensor::ones({2, 1, 3, 4}), Tensor::ones({5, 4, 6})).shape()) == "[2, 5, 3, 6]");
    BOOST_TEST(to_string(matmul(Tensor::ones({4}), Tensor::ones({2, 3, 4, 5})).shape()) == "[2, 3, 5]");
    BOOST_TEST(to_string(matmul(Tensor::ones({2, 3, 4, 5}), Tensor::ones({5})).shape()) == "[2, 3, 4]");
    BOOST_TEST(to_string(matmul(Tensor::ones({0, 1, 2, 3}), Tensor::ones({4, 3, 2})).shape()) == "[0, 4, 2, 2]");
    // each batch its own product; the shared operand's gradient sums over the batch
    const Tensor a = Tensor({1.0, 2.0, 3.0, 4.0}, {2, 1, 1, 2}).requires_grad_(); // rows [1, 2] and [3, 4]
    const Tensor b = Tensor({1.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 2.0, 1.0, 1.0, 1.0, 1.0}, {3, 2, 2}).requires_grad_();
    const Tensor y = matmul(a, b); // [2, 3, 1, 2]
    BOOST_TEST(to_string(y.shape()) == "[2, 3, 1, 2]");
    BOOST_TEST(y.to_vector() == std::vector<double>({1, 2, 2, 4, 3, 3, 3, 4, 6, 8, 7, 7}), tt::per_element());
    y.sum().backward();
    // da = sum over b's batches of b's row sums: [1+2+2, 1+2+2] = [5, 5] for each row of a
    BOOST_TEST(a.grad().to_vector() == std::vector<double>({5, 5, 5, 5}), tt::per_element());
    // db_j = sum over a's batches of a^T 1: [[1+3, 1+3], [2+4, 2+4]] for each of b's batches
    BOOST_TEST(b.grad().to_vector() == std::vector<double>({4, 4, 6, 6, 4, 4, 6, 6, 4, 4, 6, 6}), tt::per_element());

    BOOST_TEST(message_of<std::invalid_argument>([] { (void)matmul(Tensor::ones({2, 1, 3, 4}), Tensor::ones({5, 3, 6})); }) ==
               "matmul: shapes [2, 1, 3, 4] and [5, 3, 6] do not chain");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)matmul(Tensor::ones({2, 3, 4}), Tensor::ones({3, 4, 6})); }) ==
               "matmul: shapes [2, 3, 4] and [3, 4, 6]: batch dimensions do not broadcast (dimension 0: 2 vs 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)matmul(Tensor::ones({2, 2, 3, 4}), Tensor::ones({3, 1, 4, 6})); }) ==
               "matmul: shapes [2, 2, 3, 4] and [3, 1, 4, 6]: batch dimensions do not broadcast (dimension 0: 2 vs 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)matmul(Tensor::scalar(1.0), Tensor::ones({2})); }) ==
               "matmul: shapes [] and [2]: operands must have at least 1 dimension");
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_op)
{
    Tensor x = Tensor({1.0, -1.0, 2.0}, {3}).requires_grad_();
    x.set_label("x");
    BOOST_TEST(std::isnan(log(x).to_vector()[1])); // off by default: NaN passes through
    {
        autograd::DetectAnomalyGuard detect;
        BOOST_TEST(message_of<std::runtime_error>([&] { (void)log(x); }) ==
                   "anomaly: log produced NaN in its output of shape [3] (inputs: x [3])");
        // Forward is finite, backward is not: d sqrt(u)/du = inf at u = 0.
        Tensor z = Tensor({0.0, 4.0}, {2}).requires_grad_();
        z.set_label("z");
        const Tensor y = pow(z, 0.5).sum();
        BOOST_TEST(message_of<std::runtime_error>([&] { y.backward(); }) ==
                   "anomaly: the backward of pow (output shape [2]) produced Inf in the gradient of input 0 (z [2])");
        // An op of several outputs names them all: a hook puts a NaN into one part's gradient, and
        // split's backward is the first to produce it.
        const auto parts = split(x, 2);
        parts[1].register_hook([](const Tensor& g) { return Tensor::full(g.shape(), std::nan(""), g.dtype()); });
        BOOST_TEST(message_of<std::runtime_error>([&] { (parts[0].sum() + parts[1].sum()).backward(); }) ==
                   "anomaly: the backward of split (output shape [2], [1]) produced NaN in the gradient of input 0 (x [3])");
    }
    BOOST_TEST(!autograd::is_anomaly_enabled());
}

BOOST_AUTO_TEST_CASE(empty_tensors)
{
    // Zero-element tensors are legal (PyTorch's too): built from an empty vector, summed to 0.
    const Tensor e(std::vector<double>{}, {0, 3});
    BOOST_TEST(e.numel() == 0);
    BOOST_TEST(e.sum().item() == 0.0);
    BOOST_TEST((e + 1.0).shape() == (Shape{0, 3}), tt::per_element());
}
