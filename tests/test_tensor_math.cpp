// The tensor math of ops/elementwise.hpp (beyond the basics), ops/reduce.hpp, ops/softmax.hpp and
// ops/compare.hpp: values derived by hand in comments, PyTorch's gradient conventions at kinks and
// ties, and the messages of bad input. Their gradient checks are in test_tensor_ops.cpp.
#define BOOST_TEST_MODULE tensor_math
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/tensor.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using autograd::Correction;
using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
using D = std::vector<double>;

namespace {

Tensor leaf(D values, Shape shape) { return Tensor(std::move(values), std::move(shape)).requires_grad_(); }

// d sum(f(x) * w) / dx, with w the given weights (ones when empty).
D grad_of(const std::function<Tensor(const Tensor&)>& f, Tensor x, D weights = {})
{
    Tensor y = f(x);
    const Tensor w = weights.empty() ? Tensor::ones(y.shape(), y.dtype()) : Tensor(weights, y.shape());
    return autograd::grad({y}, {x}, {w})[0].to_vector();
}

} // namespace

BOOST_AUTO_TEST_CASE(elementwise_values_and_gradients_at_kinks)
{
    // sqrt: [4, 0.25, 9] -> [2, 0.5, 3]; d/dx = 1/(2 sqrt x) = [0.25, 1, 1/6]
    const Tensor s = leaf({4.0, 0.25, 9.0}, {3});
    BOOST_TEST(sqrt(s).to_vector() == (D{2, 0.5, 3}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& x) { return sqrt(x); }, s) == (D{0.25, 1, 1.0 / 6}), tt::tolerance(1e-15) << tt::per_element());
    // abs: |[-1.5, 0, 2]| = [1.5, 0, 2]; gradient sign(x), 0 at 0 as PyTorch
    const Tensor a = leaf({-1.5, 0.0, 2.0}, {3});
    BOOST_TEST(abs(a).to_vector() == (D{1.5, 0, 2}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& x) { return abs(x); }, a) == (D{-1, 0, 1}), tt::per_element());
    // leaky_relu with slope 0.5: [-2, 0, 3] -> [-1, 0, 3]; gradient [0.5, 0.5 (x = 0 is not > 0), 1]
    const Tensor l = leaf({-2.0, 0.0, 3.0}, {3});
    BOOST_TEST(leaky_relu(l, 0.5).to_vector() == (D{-1, 0, 3}), tt::per_element());
    BOOST_TEST(leaky_relu(l).to_vector() == (D{-0.02, 0, 3}), tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& x) { return leaky_relu(x, 0.5); }, l) == (D{0.5, 0.5, 1}), tt::per_element());
    // clamp to [-1, 1]: [-2, -1, 0, 1, 2] -> [-1, -1, 0, 1, 1]; gradient 1 on [-1, 1] inclusive
    const Tensor c = leaf({-2.0, -1.0, 0.0, 1.0, 2.0}, {5});
    BOOST_TEST(clamp(c, -1.0, 1.0).to_vector() == (D{-1, -1, 0, 1, 1}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& x) { return clamp(x, -1.0, 1.0); }, c) == (D{0, 1, 1, 1, 0}), tt::per_element());
    BOOST_TEST(clamp(c, std::nullopt, 0.0).to_vector() == (D{-2, -1, 0, 0, 0}), tt::per_element());
    BOOST_TEST(clamp(c, 0.5, std::nullopt).to_vector() == (D{0.5, 0.5, 0.5, 1, 2}), tt::per_element());
    // min > max: every element becomes max, as torch.clamp([1, 5], 3, 2) = [2, 2]
    BOOST_TEST(clamp(Tensor({1.f, 5.f}, {2}), 3.0, 2.0).to_vector() == (D{2, 2}), tt::per_element());
    BOOST_TEST(std::isnan(clamp(Tensor({NAN}, {1}), 0.0, 1.0).item()));
}

BOOST_AUTO_TEST_CASE(pow_with_a_tensor_exponent)
{
    // [2, 3, 4] ^ [3, 0.5, -1] = [8, sqrt 3, 0.25]
    const Tensor x = leaf({2.0, 3.0, 4.0}, {3}), e = leaf({3.0, 0.5, -1.0}, {3});
    BOOST_TEST(pow(x, e).to_vector() == (D{8, std::sqrt(3.0), 0.25}), tt::tolerance(1e-15) << tt::per_element());
    // Broadcasting [2, 1] ^ [3]: row i is base[i] ^ [0, 1, 2]
    const Tensor b = pow(Tensor({2.0, 3.0}, {2, 1}), Tensor({0.0, 1.0, 2.0}, {3}));
    BOOST_TEST(b.shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(b.to_vector() == (D{1, 2, 4, 1, 3, 9}), tt::per_element());
    // PyTorch's masks: base [0, 0, 2, 0] ^ exponent [2, 0, -1, -1] = [0, 1, 0.5, inf]
    // d/dbase = e x^(e-1): [0, 0 (e == 0), -0.25, -inf]
    // d/dexp = y ln x: [0 (x == 0, e >= 0), 0 (same), 0.5 ln 2, inf * -inf = -inf (e < 0: not masked)]
    const Tensor x0 = leaf({0.0, 0.0, 2.0, 0.0}, {4}), e0 = leaf({2.0, 0.0, -1.0, -1.0}, {4});
    const Tensor y0 = pow(x0, e0);
    BOOST_TEST(y0.to_vector() == (D{0, 1, 0.5, INFINITY}), tt::per_element());
    const auto g = autograd::grad({y0.sum()}, {x0, e0});
    BOOST_TEST(g[0].to_vector() == (D{0, 0, -0.25, -INFINITY}), tt::per_element());
    const D ge = g[1].to_vector();
    BOOST_TEST(D(ge.begin(), ge.begin() + 3) == (D{0, 0, 0.5 * std::log(2.0)}), tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(ge[3] == -INFINITY);
}

BOOST_AUTO_TEST_CASE(max_min_and_their_gradients_follow_pytorch)
{
    // x = [[1, 3, 3], [2, 2, 0]]
    const Tensor x = leaf({1.0, 3.0, 3.0, 2.0, 2.0, 0.0}, {2, 3});
    BOOST_TEST(max(x).item() == 3.0);
    BOOST_TEST(max(x).shape().empty());
    BOOST_TEST(min(x).item() == 0.0);
    // Over all elements the gradient is split evenly among the tied maxima (torch.max(x))
    BOOST_TEST(grad_of([](const Tensor& t) { return max(t); }, x) == (D{0, 0.5, 0.5, 0, 0, 0}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& t) { return min(t); }, x) == (D{0, 0, 0, 0, 0, 1}), tt::per_element());
    // Over an axis the gradient goes to the first maximum, the index argmax returns
    BOOST_TEST(max(x, 1).to_vector() == (D{3, 2}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& t) { return max(t, 1); }, x, {10, 20}) == (D{0, 10, 0, 20, 0, 0}), tt::per_element());
    BOOST_TEST(argmax(x, 1).to_vector() == (D{1, 0}), tt::per_element());
    BOOST_TEST(max(x, 0).to_vector() == (D{2, 3, 3}), tt::per_element());
    BOOST_TEST(min(x, -1, true).shape() == (Shape{2, 1}), tt::per_element());
    BOOST_TEST(min(x, -1, true).to_vector() == (D{1, 0}), tt::per_element());
    BOOST_TEST(grad_of([](const Tensor& t) { return min(t, 0, true); }, x) == (D{1, 0, 0, 0, 1, 1}), tt::per_element());
    // argmax/argmin: int64 indices, as torch's, no gradient; the flat index over all elements
    BOOST_TEST(argmax(x).item() == 1.0);
    BOOST_TEST(argmax(x).shape().empty());
    BOOST_TEST(argmin(x).item() == 5.0);
    BOOST_TEST(argmin(x, 0).to_vector() == (D{0, 1, 1}), tt::per_element());
    BOOST_TEST(argmax(x, 0, true).shape() == (Shape{1, 3}), tt::per_element());
    BOOST_TEST(!argmax(x).requires_grad());
    BOOST_TEST(argmax(Tensor({1.f, 7.f}, {2})).dtype() == Dtype::Int64);
    // NaN propagates and is where argmax points, as in PyTorch
    const Tensor n({1.0, NAN, 3.0}, {3});
    BOOST_TEST(std::isnan(max(n).item()));
    BOOST_TEST(std::isnan(min(n, 0).item()));
    BOOST_TEST(argmax(n).item() == 1.0);
    // A 0-d tensor has the one axis 0
    const Tensor s = Tensor::scalar(2.5, Dtype::Float64);
    BOOST_TEST(max(s, 0).item() == 2.5);
    BOOST_TEST(argmin(s, -1).item() == 0.0);
    // Axis reductions over size-1 dimensions
    BOOST_TEST(max(Tensor({4.0, -1.0}, {2, 1}), 1).to_vector() == (D{4, -1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(var_and_std_are_unbiased_by_default)
{
    // [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5/3 unbiased, 5/4 not
    const Tensor x({1.0, 2.0, 3.0, 4.0}, {4});
    BOOST_TEST(var(x).item() == 5.0 / 3.0, tt::tolerance(1e-15));
    BOOST_TEST(var(x, Correction{0}).item() == 1.25, tt::tolerance(1e-15));
    BOOST_TEST(autograd::std(x).item() == std::sqrt(5.0 / 3.0), tt::tolerance(1e-15));
    // Rows [1, 2, 3] and [2, 4, 6]: variances 1 and 4, standard deviations 1 and 2
    const Tensor m({1.0, 2.0, 3.0, 2.0, 4.0, 6.0}, {2, 3});
    BOOST_TEST(var(m, 1).to_vector() == (D{1, 4}), tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(autograd::std(m, -1, true).to_vector() == (D{1, 2}), tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(autograd::std(m, -1, true).shape() == (Shape{2, 1}), tt::per_element());
    // Columns [1, 2], [2, 4], [3, 6] with the population divisor: (d/2)^2 for differences d = 1, 2, 3
    BOOST_TEST(var(m, 0, false, Correction{0}).to_vector() == (D{0.25, 1, 2.25}), tt::tolerance(1e-15) << tt::per_element());
    // One element: 0 / 0 = NaN unbiased (as PyTorch), 0 biased
    BOOST_TEST(std::isnan(var(Tensor({3.0}, {1})).item()));
    BOOST_TEST(var(Tensor({3.0}, {1}), Correction{0}).item() == 0.0);
    // d var / dx = 2 (x - mean) / (n - 1) = [-1, -1/3, 1/3, 1]
    BOOST_TEST(grad_of([](const Tensor& t) { return var(t); }, x.detach().requires_grad_()) == (D{-1, -1.0 / 3, 1.0 / 3, 1}),
               tt::tolerance(1e-14) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax_are_stable)
{
    // softmax([1, 2, 3]) = e^i / (e + e^2 + e^3) = [0.0900306, 0.2447285, 0.6652410]
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    const Tensor x({1.0, 2.0, 3.0}, {3});
    BOOST_TEST(softmax(x, 0).to_vector() == (D{std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z}),
               tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(softmax(x, 0).at({0}) == 0.0900306, tt::tolerance(1e-6));
    BOOST_TEST(log_softmax(x, -1).to_vector() == (D{1 - std::log(z), 2 - std::log(z), 3 - std::log(z)}),
               tt::tolerance(1e-15) << tt::per_element());
    BOOST_TEST(softmax(Tensor({1.f, 2.f, 3.f}, {3}), 0).at({2}) == 0.6652410, tt::tolerance(1e-6));
    // Subtracting the max: e^1000 overflows, yet softmax([1000, 1000]) = [0.5, 0.5] and
    // log_softmax([1e4, 0]) = [0 - log(1 + e^-1e4), -1e4 - log(...)] = [0, -1e4], finite
    BOOST_TEST(softmax(Tensor({1000.0, 1000.0}, {2}), 0).to_vector() == (D{0.5, 0.5}), tt::per_element());
    BOOST_TEST(log_softmax(Tensor({1e4, 0.0}, {2}), 0).to_vector() == (D{0, -1e4}), tt::per_element());
    BOOST_TEST(log_softmax(Tensor({1e4f, 0.f}, {2}), 0).to_vector() == (D{0, -1e4}), tt::per_element());
    // Along axis 0 of [[0, 0], [ln 3, 0]]: column 0 is [1/4, 3/4], column 1 [1/2, 1/2]
    const Tensor m({0.0, 0.0, std::log(3.0), 0.0}, {2, 2});
    BOOST_TEST(softmax(m, 0).to_vector() == (D{0.25, 0.5, 0.75, 0.5}), tt::tolerance(1e-15) << tt::per_element());
    // sum(log_softmax(x)) has gradient 1 - n softmax(x): g - e^y sum(g) with g = 1
    const Tensor xl = x.detach().requires_grad_();
    BOOST_TEST(grad_of([](const Tensor& t) { return log_softmax(t, 0); }, xl) ==
                   (D{1 - 3 * std::exp(1.0) / z, 1 - 3 * std::exp(2.0) / z, 1 - 3 * std::exp(3.0) / z}),
               tt::tolerance(1e-14) << tt::per_element());
    // The rows of softmax sum to 1, so the gradient of their sum is 0
    BOOST_TEST(grad_of([](const Tensor& t) { return softmax(t, 0); }, xl) == (D{0, 0, 0}), tt::tolerance(1e-15) << tt::per_element());
    // A 0-d tensor: softmax is 1, log_softmax 0
    BOOST_TEST(softmax(Tensor::scalar(5.0), 0).item() == 1.0);
    BOOST_TEST(log_softmax(Tensor::scalar(5.0), -1).item() == 0.0);
}

BOOST_AUTO_TEST_CASE(one_hot_rows)
{
    // labels [2, 0, 1] with 3 classes: rows e_2, e_0, e_1
    const Tensor h = autograd::one_hot({2, 0, 1}, 3);
    BOOST_TEST(h.shape() == (Shape{3, 3}), tt::per_element());
    BOOST_TEST(h.dtype() == Dtype::Float32);
    BOOST_TEST(h.to_vector() == (D{0, 0, 1, 1, 0, 0, 0, 1, 0}), tt::per_element());
    // num_classes -1: the largest label + 1
    BOOST_TEST(autograd::one_hot({1, 3}).shape() == (Shape{2, 4}), tt::per_element());
    BOOST_TEST(autograd::one_hot({1}, 2, Dtype::Float64).dtype() == Dtype::Float64);
    // Labels as a tensor keep its shape (and dtype): [2, 1] -> [2, 1, 3]
    const Tensor t = autograd::one_hot(Tensor({2.0, 0.0}, {2, 1}), 3);
    BOOST_TEST(t.shape() == (Shape{2, 1, 3}), tt::per_element());
    BOOST_TEST(t.to_vector() == (D{0, 0, 1, 1, 0, 0}), tt::per_element());
    BOOST_TEST(autograd::one_hot(argmax(Tensor({0.f, 5.f, 1.f}, {3})), 3).to_vector() == (D{0, 1, 0}), tt::per_element());
    BOOST_TEST(autograd::one_hot(std::vector<std::int64_t>{}, 4).shape() == (Shape{0, 4}), tt::per_element());

    BOOST_TEST(message_of<std::out_of_range>([] { (void)autograd::one_hot({0, 3}, 3); }) ==
               "one_hot: label 3 at position 1 is out of range for 3 classes (valid: 0 to 2)");
    BOOST_TEST(contains(message_of<std::out_of_range>([] { (void)autograd::one_hot({-1, 0}); }), "label -1 at position 0"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)autograd::one_hot({0}, -2); }), "num_classes"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)autograd::one_hot(std::vector<std::int64_t>{}); }),
                        "cannot infer num_classes"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)autograd::one_hot(Tensor({0.5f}, {1}), 2); }),
                        "label 0.5 at position 0 is not an integer"));
}

BOOST_AUTO_TEST_CASE(comparisons_give_constant_masks)
{
    // [1, 2, 3] against 2
    const Tensor x = leaf({1.0, 2.0, 3.0}, {3});
    BOOST_TEST(eq(x, 2.0).to_vector() == (D{0, 1, 0}), tt::per_element());
    BOOST_TEST(ne(x, 2.0).to_vector() == (D{1, 0, 1}), tt::per_element());
    BOOST_TEST(lt(x, 2.0).to_vector() == (D{1, 0, 0}), tt::per_element());
    BOOST_TEST(le(x, 2.0).to_vector() == (D{1, 1, 0}), tt::per_element());
    BOOST_TEST(gt(x, 2.0).to_vector() == (D{0, 0, 1}), tt::per_element());
    BOOST_TEST(ge(x, 2.0).to_vector() == (D{0, 1, 1}), tt::per_element());
    BOOST_TEST(!gt(x, 2.0).requires_grad());
    BOOST_TEST(gt(x, 2.0).dtype() == Dtype::Float64);
    // Broadcasting [2, 1] against [3]: row i compares a[i] with [1, 2, 3]
    const Tensor c = ge(Tensor({2.f, 0.f}, {2, 1}), Tensor({1.f, 2.f, 3.f}, {3}));
    BOOST_TEST(c.shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(c.to_vector() == (D{1, 1, 0, 0, 0, 0}), tt::per_element());
    // NaN equals nothing, itself included
    const Tensor n({NAN, 1.0}, {2});
    BOOST_TEST(eq(n, n).to_vector() == (D{0, 1}), tt::per_element());
    BOOST_TEST(ne(n, n).to_vector() == (D{1, 0}), tt::per_element());
    // Accuracy: argmax of each row against the targets
    const Tensor logits({0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f}, {3, 2});
    BOOST_TEST(eq(argmax(logits, 1), Tensor({1.f, 0.f, 0.f}, {3})).mean().item() == 2.0 / 3.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(where_selects_values_and_gradients)
{
    // cond [[1], [0]] broadcast over columns: row 0 from a, row 1 from b
    const Tensor cond({1.0, 0.0}, {2, 1});
    const Tensor a = leaf({1.0, 2.0, 3.0}, {3}), b = leaf({10.0, 20.0, 30.0, 40.0, 50.0, 60.0}, {2, 3});
    const Tensor y = where(cond, a, b);
    BOOST_TEST(y.shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(y.to_vector() == (D{1, 2, 3, 40, 50, 60}), tt::per_element());
    const auto g = autograd::grad({(y * Tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3})).sum()}, {a, b});
    BOOST_TEST(g[0].to_vector() == (D{1, 2, 3}), tt::per_element()); // row 0 of the weights
    BOOST_TEST(g[1].to_vector() == (D{0, 0, 0, 4, 5, 6}), tt::per_element());
    // Any nonzero selects a; the condition's dtype may differ from a's and b's
    BOOST_TEST(where(Tensor({-2.f, 0.f}, {2}), Tensor({1.0, 1.0}, {2}), Tensor({0.0, 0.0}, {2})).to_vector() == (D{1, 0}),
               tt::per_element());
    // A gradient of inf or NaN in the unselected branch does not leak (as PyTorch's where)
    const Tensor x = leaf({-1.0, 4.0}, {2});
    const Tensor safe = where(gt(x, 0.0), sqrt(abs(x)), x * 0.0); // sqrt'(0) would be inf
    BOOST_TEST(autograd::grad({safe.sum()}, {x})[0].to_vector() == (D{0, 0.25}), tt::per_element());
    // relu by hand: where(x > 0, x, 0)
    BOOST_TEST(where(gt(x, 0.0), x, Tensor::scalar(0.0, Dtype::Float64)).to_vector() == (D{0, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(empty_tensors_keep_their_shapes)
{
    // Nothing to compute, but shapes follow the usual rules and backward runs.
    Tensor e = Tensor::zeros({0, 3}, Dtype::Float64).requires_grad_();
    const Tensor y = sqrt(abs(e)) + leaky_relu(e) + clamp(e, 0.0, 1.0) + softmax(e, 1) + log_softmax(e, 0);
    BOOST_TEST(y.shape() == (Shape{0, 3}), tt::per_element());
    BOOST_TEST(max(e, 1).shape() == (Shape{0}), tt::per_element());
    BOOST_TEST(argmin(e, 1, true).shape() == (Shape{0, 1}), tt::per_element());
    BOOST_TEST(var(e, 1).shape() == (Shape{0}), tt::per_element());
    BOOST_TEST(pow(Tensor::ones({0, 1}), Tensor::ones({3})).shape() == (Shape{0, 3}), tt::per_element());
    BOOST_TEST(eq(Tensor::ones({0}), 1.0).numel() == 0);
    BOOST_TEST(where(Tensor::ones({0, 1}), e, Tensor::scalar(1.0, Dtype::Float64)).shape() == (Shape{0, 3}), tt::per_element());
    (y.sum() + max(e, 1).sum() + var(e, 1).sum()).backward();
    BOOST_TEST(e.grad().shape() == (Shape{0, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bad_input_gives_clear_errors)
{
    const Tensor a = Tensor::ones({3, 4});
    const Tensor d = Tensor::ones({3, 4}, Dtype::Float64);
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)softmax(a, 2); }) ==
               "softmax: axis 2 is out of range for shape [3, 4] (valid: -2 to 1)");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)log_softmax(a, -3); }),
                        "log_softmax: axis -3 is out of range for shape [3, 4]"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)max(a, 2); }), "max: axis 2 is out of range"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)min(a, 5, true); }), "min: axis 5 is out of range"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)argmax(a, -3); }), "argmax: axis -3 is out of range"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)argmin(a, 2); }), "argmin: axis 2 is out of range"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)var(a, 2); }), "var: axis 2 is out of range"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)autograd::std(a, 7); }), "var: axis 7 is out of range"));
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)softmax(Tensor::scalar(1.0), 1); }) ==
               "softmax: axis 1 is out of range for shape [] (valid: -1 to 0)");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)max(Tensor::scalar(1.0), 2); }), "max: axis 2"));
    // Empty reductions
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)max(Tensor::zeros({0})); }) == "max: the tensor of shape [0] is empty");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)argmin(Tensor::zeros({2, 0})); }), "argmin: the tensor"));
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)min(Tensor::zeros({2, 0}), 1); }) ==
               "min: axis 1 of shape [2, 0] is empty");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)argmax(Tensor::zeros({0, 2}), 0); }), "argmax: axis 0"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)var(Tensor::zeros({0})); }), "var: the tensor"));
    // Dtype mixes
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)pow(a, d); }) ==
               "pow: dtypes float32 and float64 differ (convert one with .to())");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)eq(a, d); }), "eq: dtypes float32 and float64"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)ge(d, a); }), "ge: dtypes float64 and float32"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)where(a, a, d); }), "where: dtypes float32 and float64"));
    // Shapes that do not broadcast
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)pow(a, Tensor::ones({5})); }) ==
               "pow: shapes [3, 4] and [5] cannot be broadcast together (dimension 1: 4 vs 5)");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)lt(a, Tensor::ones({2, 4})); }),
                        "lt: shapes [3, 4] and [2, 4] cannot be broadcast"));
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)where(Tensor::ones({2, 1}), a, a); }) ==
               "where: shapes [2, 1] (cond), [3, 4] (a) and [3, 4] (b) cannot be broadcast together");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)where(Tensor::ones({4}), a, Tensor::ones({2})); }),
                        "[4] (cond), [3, 4] (a) and [2] (b)"));
    // Other misuse
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)clamp(a, std::nullopt, std::nullopt); }) ==
               "clamp: at least one of min and max must be given");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)sqrt(Tensor()); }) == "sqrt: an argument is an undefined tensor");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)where(Tensor(), Tensor(), Tensor()); }), "where: an argument"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)max(Tensor()); }), "max: an argument"));
}

BOOST_AUTO_TEST_CASE(member_forms_match_the_free_functions)
{
    const Tensor x({1.0, 4.0, 9.0}, {3});
    BOOST_TEST(x.sqrt().to_vector() == (D{1, 2, 3}), tt::per_element());
    BOOST_TEST((-x).abs().to_vector() == (D{1, 4, 9}), tt::per_element());
    BOOST_TEST(x.softmax(0).to_vector() == softmax(x, 0).to_vector(), tt::per_element());
    BOOST_TEST(x.log_softmax(-1).to_vector() == log_softmax(x, -1).to_vector(), tt::per_element());
}
