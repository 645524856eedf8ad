// Every tensor op of autograd/engine/tensor_ops.hpp through tensor_gradcheck (float64, central
// differences) at several shapes (broadcasting, size-1 dimensions, 0-d, empty pieces, negative
// axes), and through tensor_gradgradcheck wherever its second derivatives are smooth; and the
// proof that the cases cover the list: a test walks each case's graph and fails for any op that
// no case contains.
//
// Which cases check second derivatives: those whose graph has smooth ops only (the table's
// `smooth`), and those marked Second::Yes, whose points keep piecewise ops (relu, abs, clamp,
// max) away from their kinks and ties. The ops that appear only in backward graphs
// (relu_backward, slice_backward, index_select_backward, gather_backward) are covered by the
// graphs of the first gradients of those cases, which is where gradgradcheck differentiates them.
//
// To add an op: add a case to the family's list below; cases_cover_every_op names any op left out.
#define BOOST_TEST_MODULE tensor_ops
#include <boost/test/unit_test.hpp>

#include "tensor_test_util.hpp"
#include "test_util.hpp"

#include <autograd/autograd.hpp>           // the umbrella header: compiled here
#include <autograd/engine/tensor_impl.hpp> // the graph walk reads each node's op and inputs

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using autograd::Correction;
using autograd::Dtype;
using autograd::Generator;
using autograd::Reduction;
using autograd::Shape;
using autograd::Tensor;
using autograd::TensorOp;
using autograd::concat; // a braced list of tensors finds no overload by argument-dependent lookup
using autograd::stack;
using autograd::split;
using autograd::split_with_sizes;
using autograd::chunk;
using autograd::unbind;
using autograd::repeat;
using autograd::tile;
using V = std::vector<Tensor>;
using D = std::vector<double>;

namespace {

using test_util::leaf; // beside the one below: a float64 leaf of random values

constexpr std::int64_t to_end = std::numeric_limits<std::int64_t>::max();

// A float64 leaf with the given values.
Tensor leaf(D values, Shape shape) { return Tensor(std::move(values), std::move(shape)).requires_grad_(); }

std::string at(const Shape& s) { return autograd::to_string(s); }

// Whether a case checks second derivatives: Auto when every op of its graph is smooth.
enum class Second { Auto, Yes, No };

struct Case {
    std::string name;
    autograd::TensorFunction f;
    V inputs;
    Second second = Second::Auto;
    autograd::GradcheckOptions options{};
};
using Cases = std::vector<Case>;

// Binary ops at equal shapes, broadcast shapes, size-1 and 0-d operands.
const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1, 3}, {4, 1}}, {{3, 1}, {1, 5}}, {{3}, {}}, {{}, {2, 2}}};

// A mixed-sign input, away from the kinks (|x| >= 0.1).
const D kMixed = {-0.7, 0.3, -0.1, 0.9, 0.5, -0.4};

Cases elementwise_cases()
{
    Generator gen(7);
    Cases c;
    for (const auto& [sa, sb] : kBroadcastPairs) {
        const std::string on = at(sa) + " with " + at(sb);
        c.push_back({"add " + on, [](const V& x) { return x[0] + x[1]; }, {leaf(sa, gen), leaf(sb, gen)}});
        c.push_back({"sub " + on, [](const V& x) { return x[0] - x[1]; }, {leaf(sa, gen), leaf(sb, gen)}});
        c.push_back({"mul " + on, [](const V& x) { return x[0] * x[1]; }, {leaf(sa, gen), leaf(sb, gen)}});
        c.push_back({"div " + on, [](const V& x) { return x[0] / x[1]; }, {leaf(sa, gen), leaf(sb, gen, 0.5, 2.0)}});
        c.push_back({"pow " + at(sa) + " ^ " + at(sb), [](const V& x) { return pow(x[0], x[1]); },
                     {leaf(sa, gen, 0.3, 2.0), leaf(sb, gen, -1.5, 2.5)}});
    }
    for (const Shape& s : {Shape{5}, Shape{2, 3}, Shape{}, Shape{4}}) {
        c.push_back({"neg " + at(s), [](const V& x) { return -x[0]; }, {leaf(s, gen)}});
        c.push_back({"exp " + at(s), [](const V& x) { return exp(x[0]); }, {leaf(s, gen)}});
        c.push_back({"log " + at(s), [](const V& x) { return log(x[0]); }, {leaf(s, gen, 0.2, 2.0)}});
        c.push_back({"tanh " + at(s), [](const V& x) { return tanh(x[0]); }, {leaf(s, gen)}});
        c.push_back({"sigmoid " + at(s), [](const V& x) { return sigmoid(x[0]); }, {leaf(s, gen, -3, 3)}});
        c.push_back({"relu " + at(s), [](const V& x) { return relu(x[0]); }, {leaf(s, gen, 0.05, 1.0)}});
        c.push_back({"relu negative " + at(s), [](const V& x) { return relu(x[0]); }, {leaf(s, gen, -1.0, -0.05)}});
        c.push_back({"pow 3 " + at(s), [](const V& x) { return pow(x[0], 3.0); }, {leaf(s, gen)}});
        c.push_back({"pow -1.5 " + at(s), [](const V& x) { return pow(x[0], -1.5); }, {leaf(s, gen, 0.3, 2.0)}});
        c.push_back({"scalar ops " + at(s), [](const V& x) { return 2.0 - x[0] * 3.0 + 1.0 / (x[0] + 4.0); },
                     {leaf(s, gen)}});
        c.push_back({"scalar minus " + at(s), [](const V& x) { return (x[0] - 0.5) / 4.0; }, {leaf(s, gen)}});
    }
    for (const Shape& s : {Shape{5}, Shape{2, 3}, Shape{}, Shape{3, 1}}) {
        c.push_back({"sqrt " + at(s), [](const V& x) { return sqrt(x[0]); }, {leaf(s, gen, 0.2, 2.0)}});
        c.push_back({"abs " + at(s), [](const V& x) { return abs(x[0]); }, {leaf(s, gen, 0.05, 1.0)}});
        c.push_back({"abs negative " + at(s), [](const V& x) { return abs(x[0]); }, {leaf(s, gen, -1.0, -0.05)}});
        c.push_back({"leaky_relu " + at(s), [](const V& x) { return leaky_relu(x[0], 0.2); }, {leaf(s, gen, 0.05, 1.0)}});
        c.push_back({"leaky_relu negative " + at(s), [](const V& x) { return leaky_relu(x[0], 0.2); },
                     {leaf(s, gen, -1.0, -0.05)}});
        c.push_back({"clamp inside " + at(s), [](const V& x) { return clamp(x[0], -0.5, 0.5); },
                     {leaf(s, gen, -0.45, 0.45)}});
        c.push_back({"clamp below " + at(s), [](const V& x) { return clamp(x[0], -0.5, 0.5); },
                     {leaf(s, gen, -1.0, -0.55)}});
        c.push_back({"clamp above " + at(s), [](const V& x) { return clamp(x[0], -0.5, std::nullopt); },
                     {leaf(s, gen, -0.45, 1.0)}});
    }
    c.push_back({"abs mixed", [](const V& x) { return abs(x[0]); }, {leaf(kMixed, {2, 3})}});
    c.push_back({"leaky_relu mixed", [](const V& x) { return leaky_relu(x[0]); }, {leaf(kMixed, {2, 3})}});
    c.push_back({"clamp mixed", [](const V& x) { return clamp(x[0], -0.5, 0.6); }, {leaf(kMixed, {2, 3})}});
    // A zero base with a positive integer exponent: PyTorch's mask gives d/de = 0 there and the
    // numeric derivative of 0^e (e > 0) is 0 too; a negative base with an integer exponent works
    // for the base (the exponent is held constant).
    c.push_back({"pow zero base", [](const V& x) { return pow(x[0], Tensor({2.0, 3.0}, {2})); }, {leaf({0.0, -1.5}, {2})}});
    c.push_back({"square (x * x)", [](const V& x) { return x[0] * x[0]; }, {leaf({2, 3}, gen)}});
    c.push_back({"square mean", [](const V& x) { return (x[0] * x[0]).mean(); }, {leaf({4}, gen)}});
    c.push_back({"scalar operands", [](const V& x) { return (2.0 - x[0] * 3.0 + 1.5) / 2.0 + 1.0 / x[0]; },
                 {leaf({2, 3}, gen, 0.5, 2.0)}});
    c.push_back({"scalar operands 2", [](const V& x) { return 2.0 / x[0] - 3.0 * x[0] * x[0]; },
                 {leaf({3}, gen, 0.5, 2.0)}});
    c.push_back({"mul 1-d", [](const V& x) { return x[0] * x[1]; }, {leaf({3}, gen), leaf({3}, gen)}});
    c.push_back({"div 1-d", [](const V& x) { return x[0] / x[1]; }, {leaf({3}, gen), leaf({3}, gen, 0.5, 2.0)}});
    c.push_back({"broadcast mul", [](const V& x) { return x[0] * x[1]; }, {leaf({2, 3}, gen), leaf({3}, gen)}});
    c.push_back({"pow tensor", [](const V& x) { return pow(x[0], x[1]); },
                 {leaf({3}, gen, 0.5, 2.0), leaf({3}, gen, -1.5, 2.0)}});
    c.push_back({"pow broadcast", [](const V& x) { return pow(x[0], x[1]); },
                 {leaf({2, 1}, gen, 0.5, 2.0), leaf({3}, gen, -1.5, 2.0)}});
    c.push_back({"sqrt 0-d", [](const V& x) { return sqrt(x[0]); }, {leaf({}, gen, 0.3, 2.0)}});
    // Piecewise ops at points away from their kinks: their masks are constants, so their backward
    // records and the second derivative through them is that of the smooth parts around them.
    c.push_back({"relu * x", [](const V& x) { return relu(x[0]) * x[0]; }, {leaf({-0.8, 0.5, 0.3, -0.2}, {4})},
                 Second::Yes});
    c.push_back({"abs * x", [](const V& x) { return abs(x[0]) * x[0]; }, {leaf({-0.8, 0.5, 0.3}, {3})}, Second::Yes});
    c.push_back({"leaky_relu^2", [](const V& x) { return pow(leaky_relu(x[0], 0.3), 2.0); },
                 {leaf({-0.8, 0.5, 0.3}, {3})}, Second::Yes});
    c.push_back({"clamp * x", [](const V& x) { return clamp(x[0], -0.5, 0.4) * x[0]; }, {leaf({-0.8, 0.5, 0.3}, {3})},
                 Second::Yes});
    // Issue 13's functions. Smooth ones at random points; softplus and elu have a kink (the
    // threshold, alpha != 1 at 0), maximum and minimum one on ties: their points avoid them.
    using autograd::GeluApproximation;
    for (const Shape& s : {Shape{5}, Shape{2, 3}, Shape{}, Shape{3, 1}}) {
        c.push_back({"sin " + at(s), [](const V& x) { return sin(x[0]); }, {leaf(s, gen, -3, 3)}});
        c.push_back({"cos " + at(s), [](const V& x) { return cos(x[0]); }, {leaf(s, gen, -3, 3)}});
        c.push_back({"log1p " + at(s), [](const V& x) { return log1p(x[0]); }, {leaf(s, gen, -0.9, 2.0)}});
        c.push_back({"expm1 " + at(s), [](const V& x) { return expm1(x[0]); }, {leaf(s, gen, -2, 2)}});
        c.push_back({"gelu " + at(s), [](const V& x) { return gelu(x[0]); }, {leaf(s, gen, -3, 3)}});
        c.push_back({"gelu tanh " + at(s), [](const V& x) { return gelu(x[0], GeluApproximation::Tanh); },
                     {leaf(s, gen, -3, 3)}});
        c.push_back({"silu " + at(s), [](const V& x) { return silu(x[0]); }, {leaf(s, gen, -4, 4)}});
        c.push_back({"softplus " + at(s), [](const V& x) { return softplus(x[0]); }, {leaf(s, gen, -4, 4)}, Second::Yes});
        c.push_back({"elu " + at(s), [](const V& x) { return elu(x[0], 0.7); }, {leaf(s, gen, -2, -0.05)}, Second::Yes});
    }
    c.push_back({"softplus beta 2, threshold 1", [](const V& x) { return softplus(x[0], 2.0, 1.0); },
                 {leaf({-0.7, 0.3, -0.1, 0.9, 0.7, -0.4}, {2, 3})}, Second::Yes});
    c.push_back({"softplus beta -1", [](const V& x) { return softplus(x[0], -1.0); }, {leaf({3}, gen, -3, 3)}, Second::Yes});
    c.push_back({"softplus above the threshold", [](const V& x) { return softplus(x[0] * x[0], 1.0, 0.5); },
                 {leaf({-1.2, 0.9, 1.5}, {3})}, Second::Yes});
    c.push_back({"elu mixed", [](const V& x) { return elu(x[0]); }, {leaf(kMixed, {2, 3})}, Second::Yes});
    c.push_back({"elu positive, squared", [](const V& x) { return pow(elu(x[0], 2.0), 2.0); }, {leaf({3}, gen, 0.05, 1)},
                 Second::Yes});
    c.push_back({"gelu * x", [](const V& x) { return gelu(x[0]) * x[0]; }, {leaf({2, 2}, gen, -2, 2)}});
    c.push_back({"gelu tanh of a product", [](const V& x) { return gelu(x[0] * x[1], GeluApproximation::Tanh); },
                 {leaf({3}, gen, -2, 2), leaf({3}, gen, -2, 2)}});
    for (const auto& [sa, sb] : kBroadcastPairs) {
        const std::string on = at(sa) + " with " + at(sb);
        c.push_back({"maximum " + on, [](const V& x) { return maximum(x[0], x[1]); }, {leaf(sa, gen), leaf(sb, gen)},
                     Second::Yes});
        c.push_back({"minimum " + on, [](const V& x) { return minimum(x[0], x[1]); }, {leaf(sa, gen), leaf(sb, gen)},
                     Second::Yes});
    }
    // A tie everywhere: each operand gets half, and the numeric derivative of maximum(x, x) = x is 1.
    c.push_back({"maximum of x and x", [](const V& x) { return maximum(x[0], x[0]) * x[0]; }, {leaf({4}, gen)},
                 Second::Yes});
    c.push_back({"minimum of products", [](const V& x) { return minimum(x[0] * x[1], x[1] * 0.5); },
                 {leaf({-0.8, 0.6, 0.3}, {3}), leaf({0.9, -0.7, 0.5}, {3})}, Second::Yes});
    return c;
}

Cases reduce_cases()
{
    Generator gen(21);
    Cases c;
    c.push_back({"sum", [](const V& x) { return x[0].sum(); }, {leaf({3, 4}, gen)}});
    c.push_back({"sum axis 0", [](const V& x) { return x[0].sum(0); }, {leaf({3, 4}, gen)}});
    c.push_back({"sum axis -1 keepdim", [](const V& x) { return x[0].sum(-1, true); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"mean", [](const V& x) { return x[0].mean(); }, {leaf({3, 4}, gen)}});
    c.push_back({"mean 2-d", [](const V& x) { return x[0].mean(); }, {leaf({2, 3}, gen)}});
    c.push_back({"mean axis 1", [](const V& x) { return x[0].mean(1); }, {leaf({2, 3, 4}, gen)}});
    // Over all elements and one axis (keepdim or not), ties avoided by random data.
    for (const Shape& s : {Shape{5}, Shape{3, 4}, Shape{2, 3, 4}, Shape{1, 3}, Shape{}}) {
        c.push_back({"max " + at(s), [](const V& x) { return max(x[0]); }, {leaf(s, gen)}});
        c.push_back({"min " + at(s), [](const V& x) { return min(x[0]); }, {leaf(s, gen)}});
        if (!s.empty() && autograd::shape_numel(s) > 1) {
            c.push_back({"var " + at(s), [](const V& x) { return var(x[0]); }, {leaf(s, gen)}});
            c.push_back({"var biased " + at(s), [](const V& x) { return var(x[0], Correction{0}); }, {leaf(s, gen)}});
            c.push_back({"std " + at(s), [](const V& x) { return autograd::std(x[0]); }, {leaf(s, gen)}});
        }
    }
    const Tensor t = leaf({2, 3, 4}, gen);
    for (std::int64_t axis : {0, 1, -1})
        for (bool keepdim : {false, true}) {
            const std::string on = " axis " + std::to_string(axis) + (keepdim ? " keepdim" : "");
            c.push_back({"max" + on, [=](const V& x) { return max(x[0], axis, keepdim); }, {t}});
            c.push_back({"min" + on, [=](const V& x) { return min(x[0], axis, keepdim); }, {t}});
            c.push_back({"var" + on, [=](const V& x) { return var(x[0], axis, keepdim); }, {t}});
            c.push_back({"std biased" + on, [=](const V& x) { return autograd::std(x[0], axis, keepdim, Correction{0}); },
                         {t}});
        }
    c.push_back({"max over a size-1 axis", [](const V& x) { return max(x[0], 1); }, {leaf({3, 1}, gen)}});
    c.push_back({"var over a 0-d tensor's axis", [](const V& x) { return var(x[0], 0, false, Correction{0}); },
                 {leaf({}, gen)}});
    c.push_back({"var 1-d", [](const V& x) { return var(x[0]); }, {leaf({5}, gen)}});
    c.push_back({"var axis keepdim", [](const V& x) { return var(x[0], 1, true); }, {leaf({2, 3}, gen)}});
    c.push_back({"std axis", [](const V& x) { return autograd::std(x[0], 0); }, {leaf({3, 2}, gen)}});
    // Max and min at points without ties, the smooth parts around them second-differentiated.
    c.push_back({"max * x", [](const V& x) { return max(x[0] * x[0], 1) * x[1]; }, {leaf({2, 3}, gen), leaf({2}, gen)},
                 Second::Yes});
    c.push_back({"min all", [](const V& x) { return min(tanh(x[0])); }, {leaf({4}, gen)}, Second::Yes});
    c.push_back({"max all", [](const V& x) { return max(tanh(x[0])); }, {leaf({4}, gen)}, Second::Yes});
    c.push_back({"min * x", [](const V& x) { return min(x[0] * x[0], 0, true) * x[1]; }, {leaf({2, 3}, gen), leaf({3}, gen)},
                 Second::Yes});
    // logsumexp over each axis, keepdim or not, of 1-d, 0-d and size-1 axes, and large values
    const Tensor u = leaf({2, 3, 4}, gen, -3, 3);
    for (std::int64_t axis : {0, 1, -1})
        for (bool keepdim : {false, true})
            c.push_back({"logsumexp axis " + std::to_string(axis) + (keepdim ? " keepdim" : ""),
                         [=](const V& x) { return logsumexp(x[0], axis, keepdim); }, {u}});
    c.push_back({"logsumexp 1-d", [](const V& x) { return logsumexp(x[0], 0); }, {leaf({5}, gen, -3, 3)}});
    c.push_back({"logsumexp 0-d", [](const V& x) { return logsumexp(x[0], -1, true); }, {leaf({}, gen)}});
    c.push_back({"logsumexp size-1 axis", [](const V& x) { return logsumexp(x[0], 1); }, {leaf({3, 1}, gen)}});
    c.push_back({"logsumexp large", [](const V& x) { return logsumexp(x[0], 1); },
                 {leaf({800.0, 801.5, -3.0, -900.0, -901.0, -899.5}, {2, 3})}});
    c.push_back({"logsumexp * x", [](const V& x) { return logsumexp(x[0] * x[1], 0) * x[1]; },
                 {leaf({4, 3}, gen), leaf({3}, gen)}});
    // sum and mean over several axes, cumsum
    const Tensor w = leaf({2, 3, 4}, gen);
    c.push_back({"sum axes 0, 2", [](const V& x) { return sum(x[0], Shape{0, 2}); }, {w}});
    c.push_back({"sum axes -1, 0 keepdim", [](const V& x) { return sum(x[0], Shape{-1, 0}, true); }, {w}});
    c.push_back({"sum every axis", [](const V& x) { return sum(x[0], Shape{2, 1, 0}); }, {w}});
    c.push_back({"sum one axis of a 0-d tensor", [](const V& x) { return sum(x[0], Shape{-1}); }, {leaf({}, gen)}});
    c.push_back({"sum axes of an empty tensor", [](const V& x) { return sum(x[0], Shape{1, 2}) * x[1]; },
                 {leaf({2, 0, 3}, gen), leaf({2}, gen)}});
    c.push_back({"mean axes 1, 2", [](const V& x) { return mean(x[0], Shape{1, 2}); }, {w}});
    c.push_back({"mean axes keepdim, squared", [](const V& x) { return pow(mean(x[0], Shape{0, 1}, true), 2.0); }, {w}});
    for (std::int64_t axis : {0, 1, -1})
        c.push_back({"cumsum axis " + std::to_string(axis), [=](const V& x) { return cumsum(x[0], axis); }, {w}});
    c.push_back({"cumsum 1-d", [](const V& x) { return cumsum(x[0], 0); }, {leaf({5}, gen)}});
    c.push_back({"cumsum 0-d", [](const V& x) { return cumsum(x[0], 0); }, {leaf({}, gen)}});
    c.push_back({"cumsum cubed", [](const V& x) { return pow(cumsum(x[0], 1), 3.0); }, {leaf({2, 3}, gen)}});
    // prod, at random points and with one, two and three zeros in a slice (second derivatives
    // exact there too: the product of all but two elements)
    c.push_back({"prod", [](const V& x) { return prod(x[0]); }, {leaf({2, 3}, gen, 0.5, 1.5)}});
    c.push_back({"prod mixed signs", [](const V& x) { return prod(x[0]); }, {leaf({4}, gen)}});
    c.push_back({"prod 0-d", [](const V& x) { return prod(x[0]); }, {leaf({}, gen)}});
    c.push_back({"prod empty", [](const V& x) { return prod(x[0]) * x[1]; }, {leaf({0, 2}, gen), leaf({2}, gen)}});
    c.push_back({"prod one zero", [](const V& x) { return prod(x[0]); }, {leaf({0.7, 0.0, -1.3, 0.9}, {4})}});
    c.push_back({"prod two zeros", [](const V& x) { return prod(x[0]); }, {leaf({0.0, 0.8, 0.0, 1.2}, {2, 2})}});
    c.push_back({"prod three zeros", [](const V& x) { return prod(x[0]); }, {leaf({0.0, 0.0, 1.5, 0.0}, {4})}});
    for (std::int64_t axis : {0, 1, -1})
        for (bool keepdim : {false, true})
            c.push_back({"prod axis " + std::to_string(axis) + (keepdim ? " keepdim" : ""),
                         [=](const V& x) { return prod(x[0], axis, keepdim); }, {w}});
    c.push_back({"prod axis with zeros", [](const V& x) { return prod(x[0], 1); },
                 {leaf({0.0, 0.5, 1.5, 0.0, 0.0, 2.0, 0.0, -0.5, 0.0, 0.0, 1.1, 0.9, 0.4, 0.0, -0.3, 0.0}, {4, 4})}});
    c.push_back({"prod axis 0 of [3, 2] with a zero", [](const V& x) { return prod(x[0], 0) * x[0].sum(); },
                 {leaf({0.5, 0.0, -1.5, 0.9, 1.2, 0.7}, {3, 2})}});
    c.push_back({"prod over a 0-d tensor's axis", [](const V& x) { return prod(x[0], 0, true); }, {leaf({}, gen)}});
    return c;
}

Cases softmax_cases()
{
    Generator gen(31);
    Cases c;
    for (const Shape& s : {Shape{5}, Shape{3, 4}, Shape{2, 3, 4}, Shape{1, 3}, Shape{}}) {
        c.push_back({"softmax " + at(s), [](const V& x) { return softmax(x[0], -1); }, {leaf(s, gen, -2, 2)}});
        c.push_back({"log_softmax " + at(s), [](const V& x) { return log_softmax(x[0], 0); }, {leaf(s, gen, -2, 2)}});
    }
    const Tensor t = leaf({2, 3, 4}, gen);
    for (std::int64_t axis : {0, 1, -1}) {
        const std::string on = " axis " + std::to_string(axis);
        c.push_back({"softmax" + on, [=](const V& x) { return softmax(x[0], axis); }, {t}});
        c.push_back({"log_softmax" + on, [=](const V& x) { return log_softmax(x[0], axis); }, {t}});
    }
    c.push_back({"softmax axis 1 of [2, 3]", [](const V& x) { return softmax(x[0], 1); }, {leaf({2, 3}, gen, -2, 2)}});
    c.push_back({"log_softmax axis -1 of [2, 3]", [](const V& x) { return log_softmax(x[0], -1); },
                 {leaf({2, 3}, gen, -2, 2)}});
    c.push_back({"softmax axis 0 of [3, 2]", [](const V& x) { return softmax(x[0], 0); }, {leaf({3, 2}, gen, -2, 2)}});
    c.push_back({"log_softmax axis 0 of [3, 1]", [](const V& x) { return log_softmax(x[0], 0); },
                 {leaf({3, 1}, gen, -2, 2)}});
    // Cross-entropy as the nn layer once built it: -mean(sum(one_hot * log_softmax))
    const Tensor targets = autograd::one_hot({2, 0, 1, 2}, 3, Dtype::Float64);
    c.push_back({"cross-entropy composed", [targets](const V& x) { return -(log_softmax(x[0], 1) * targets).sum(1).mean(); },
                 {leaf({4, 3}, gen, -3, 3)}});
    return c;
}

Cases compare_cases()
{
    Generator gen(41);
    Cases c;
    // where: cond fixed, broadcasting among all three
    const std::vector<std::array<Shape, 3>> shapes = {
        {{{2, 3}, {2, 3}, {2, 3}}}, {{{3, 1}, {1, 4}, {3, 4}}}, {{{}, {2}, {2}}}, {{{2, 1, 3}, {3}, {}}}};
    for (const auto& [sc, sa, sb] : shapes) {
        const Tensor cond = gt(Tensor::rand(sc, gen, -1.0, 1.0, Dtype::Float64), 0.0);
        c.push_back({"where " + at(sc) + " " + at(sa) + " " + at(sb), [cond](const V& x) { return where(cond, x[0], x[1]); },
                     {leaf(sa, gen), leaf(sb, gen)}});
    }
    c.push_back({"where of products", [](const V& x) { return where(Tensor({1.0, 0.0}, {2}), x[0] * x[0], x[0] * x[1]); },
                 {leaf({2}, gen), leaf({2}, gen)}});
    return c;
}

Cases shape_cases()
{
    Generator gen(51);
    Cases c;
    c.push_back({"reshape", [](const V& x) { return x[0].reshape({4, 3}) * x[1]; }, {leaf({3, 4}, gen), leaf({3}, gen)}});
    c.push_back({"flatten", [](const V& x) { return x[0].flatten(); }, {leaf({2, 3}, gen)}});
    c.push_back({"transpose", [](const V& x) { return x[0].transpose(0, 2); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"sum_to", [](const V& x) { return sum_to(x[0], Shape{3, 1}); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"broadcast_to", [](const V& x) { return broadcast_to(x[0], Shape{2, 3, 4}); }, {leaf({3, 1}, gen)}});
    // A round trip through float32: the values and the steps are powers of two, so that every
    // value is exact in float32 and the finite differences see no rounding.
    autograd::GradcheckOptions exact;
    exact.eps = 1.0 / 1024;
    c.push_back({"to float32 and back", [](const V& x) { return x[0].to(Dtype::Float32).to(Dtype::Float64); },
                 {leaf({0.25, -0.5, 0.75}, {3})}, Second::Auto, exact});
    // permute
    c.push_back({"permute 2-d", [](const V& x) { return x[0].permute({1, 0}); }, {leaf({2, 3}, gen)}});
    c.push_back({"permute 3-d", [](const V& x) { return permute(x[0], {2, 0, 1}); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"permute negative dims", [](const V& x) { return permute(x[0], {-2, -1, -3}); }, {leaf({2, 1, 3}, gen)}});
    c.push_back({"permute size 1", [](const V& x) { return permute(x[0], {2, 1, 0}) * x[1]; },
                 {leaf({1, 3, 1}, gen), leaf({3}, gen)}});
    c.push_back({"permute 0-d", [](const V& x) { return permute(x[0], {}); }, {leaf({}, gen)}});
    c.push_back({"permute cubed", [](const V& x) { return pow(permute(x[0], {2, 0, 1}), 3.0); }, {leaf({2, 3, 2}, gen)}});
    // squeeze, unsqueeze
    c.push_back({"squeeze", [](const V& x) { return x[0].squeeze() * x[1]; }, {leaf({1, 3, 1}, gen), leaf({3}, gen)}});
    c.push_back({"squeeze axis", [](const V& x) { return x[0].squeeze(-1); }, {leaf({2, 1}, gen)}});
    c.push_back({"squeeze kept", [](const V& x) { return x[0].squeeze(0); }, {leaf({2, 1}, gen)}});
    c.push_back({"squeeze to 0-d", [](const V& x) { return squeeze(x[0]); }, {leaf({1, 1}, gen)}});
    c.push_back({"unsqueeze", [](const V& x) { return x[0].unsqueeze(1) * x[1]; }, {leaf({3}, gen), leaf({2}, gen)}});
    c.push_back({"unsqueeze -1", [](const V& x) { return unsqueeze(x[0], -1); }, {leaf({2, 3}, gen)}});
    c.push_back({"unsqueeze 0-d", [](const V& x) { return unsqueeze(x[0], 0); }, {leaf({}, gen)}});
    // expand
    c.push_back({"expand", [](const V& x) { return x[0].expand({-1, 4}); }, {leaf({3, 1}, gen)}});
    c.push_back({"expand leading", [](const V& x) { return expand(x[0], {2, 3, -1}); }, {leaf({1, 2}, gen)}});
    c.push_back({"expand 0-d", [](const V& x) { return expand(x[0], {2, 2}); }, {leaf({}, gen)}});
    c.push_back({"expand to empty", [](const V& x) { return expand(x[0], {3, 0}).sum() + x[0].sum(); }, {leaf({3, 1}, gen)}});
    c.push_back({"expand cubed", [](const V& x) { return pow(x[0].expand({2, -1, 3}), 3.0); }, {leaf({2, 1}, gen)}});
    // clone and flip
    c.push_back({"clone", [](const V& x) { return clone(x[0]); }, {leaf({2, 3}, gen)}});
    c.push_back({"clone 0-d cubed", [](const V& x) { return pow(clone(x[0]), 3.0); }, {leaf({}, gen)}});
    c.push_back({"flip", [](const V& x) { return flip(x[0], {0}); }, {leaf({3, 2}, gen)}});
    c.push_back({"flip two axes", [](const V& x) { return flip(x[0], {2, -3}); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"flip middle axis", [](const V& x) { return flip(x[0], {1}) * x[1]; }, {leaf({2, 3, 2}, gen), leaf({2}, gen)}});
    c.push_back({"flip no axes", [](const V& x) { return flip(x[0], {}); }, {leaf({2, 2}, gen)}});
    c.push_back({"flip 0-d", [](const V& x) { return flip(x[0], {0}); }, {leaf({}, gen)}});
    c.push_back({"flip size-1 axis", [](const V& x) { return flip(x[0], {0, 1}); }, {leaf({1, 3}, gen)}});
    c.push_back({"flip cubed", [](const V& x) { return pow(flip(x[0], {-1}), 3.0) * x[0]; }, {leaf({2, 3}, gen)}});
    return c;
}

Cases index_cases()
{
    Generator gen(61);
    Cases c;
    // slice
    c.push_back({"slice", [](const V& x) { return slice(x[0], 1, 1, 3); }, {leaf({2, 4}, gen)}});
    c.push_back({"slice step", [](const V& x) { return slice(x[0], 0, 0, to_end, 2); }, {leaf({5, 2}, gen)}});
    c.push_back({"slice negative", [](const V& x) { return slice(x[0], -1, -3, -1); }, {leaf({2, 3, 5}, gen)}});
    c.push_back({"slice middle axis step 3", [](const V& x) { return slice(x[0], 1, 1, 100, 3); }, {leaf({2, 7, 2}, gen)}});
    c.push_back({"slice size 1", [](const V& x) { return slice(x[0], 0, 0, 1); }, {leaf({1, 3}, gen)}});
    c.push_back({"slice empty", [](const V& x) { return slice(x[0], 0, 3, 1).sum() + x[0].sum(); }, {leaf({4}, gen)}});
    c.push_back({"slice empty in concat", [](const V& x) { return concat({slice(x[0], 1, 2, 2), x[0]}, 1); },
                 {leaf({2, 3}, gen)}});
    c.push_back({"slice cubed", [](const V& x) { return pow(slice(x[0], 1, -3, to_end, 2), 3.0); }, {leaf({2, 5}, gen)}});
    // index_select
    c.push_back({"index_select", [](const V& x) { return index_select(x[0], 1, {2, 0}); }, {leaf({2, 3}, gen)}});
    c.push_back({"index_select repeats", [](const V& x) { return index_select(x[0], 0, {1, 1, 0, 1}); }, {leaf({2, 3}, gen)}});
    c.push_back({"index_select negative axis", [](const V& x) { return index_select(x[0], -2, {0, 2}); },
                 {leaf({2, 3, 2}, gen)}});
    c.push_back({"index_select size 1", [](const V& x) { return index_select(x[0], 0, {0, 0}); }, {leaf({1}, gen)}});
    c.push_back({"index_select none",
                 [](const V& x) { return index_select(x[0], 0, std::vector<std::int64_t>{}).sum() + x[0].sum(); },
                 {leaf({3}, gen)}});
    c.push_back({"index_select cubed", [](const V& x) { return pow(index_select(x[0], 0, {2, 0, 2}), 3.0); },
                 {leaf({3, 2}, gen)}});
    // gather
    c.push_back({"gather axis 1", [](const V& x) { return gather(x[0], 1, {0, 0, 2, 1}, {2, 2}); }, {leaf({2, 3}, gen)}});
    c.push_back({"gather axis 0 smaller", [](const V& x) { return gather(x[0], 0, {1, 0, 1}, {1, 3}); }, {leaf({2, 3}, gen)}});
    c.push_back({"gather longer than axis", [](const V& x) { return gather(x[0], -1, {2, 2, 1, 0, 2}, {1, 5}); },
                 {leaf({2, 3}, gen)}});
    c.push_back({"gather 3-d", [](const V& x) { return gather(x[0], 1, {2, 0, 1, 2, 0, 0}, {2, 1, 3}); },
                 {leaf({2, 3, 4}, gen)}});
    c.push_back({"gather by tensor", [](const V& x) { return gather(x[0], 0, Tensor({1.0, 0.0, 0.0}, {3})); },
                 {leaf({2}, gen)}});
    c.push_back({"gather cubed", [](const V& x) { return pow(gather(x[0], 1, {0, 0, 2, 1}, {2, 2}), 3.0); },
                 {leaf({2, 3}, gen)}});
    // concat, stack
    c.push_back({"concat axis 0", [](const V& x) { return concat({x[0], x[1]}); }, {leaf({2, 3}, gen), leaf({1, 3}, gen)}});
    c.push_back({"concat axis -1", [](const V& x) { return concat({x[0], x[1], x[0]}, -1); },
                 {leaf({2, 1}, gen), leaf({2, 3}, gen)}});
    c.push_back({"concat middle axis", [](const V& x) { return concat({x[0], x[1]}, 1); },
                 {leaf({2, 2, 3}, gen), leaf({2, 1, 3}, gen)}});
    c.push_back({"concat with constant", [](const V& x) { return concat({Tensor::ones({2}, Dtype::Float64), x[0]}); },
                 {leaf({3}, gen)}});
    c.push_back({"concat one", [](const V& x) { return concat({x[0]}); }, {leaf({3}, gen)}});
    c.push_back({"concat cubed", [](const V& x) { return pow(concat({x[0], x[1]}, -1), 3.0) * x[1].sum(); },
                 {leaf({2, 2}, gen), leaf({2, 1}, gen)}});
    c.push_back({"stack", [](const V& x) { return stack({x[0], x[1]}); }, {leaf({2, 3}, gen), leaf({2, 3}, gen)}});
    c.push_back({"stack last axis", [](const V& x) { return stack({x[0], x[1], x[0]}, -1); },
                 {leaf({2}, gen), leaf({2}, gen)}});
    c.push_back({"stack 0-d", [](const V& x) { return stack({x[0], x[1]}); }, {leaf({}, gen), leaf({}, gen)}});
    c.push_back({"stack tanh", [](const V& x) { return tanh(stack({x[0], x[1]}, 1)); }, {leaf({3}, gen), leaf({3}, gen)}});
    // split, split_with_sizes, chunk (one split node each), unbind (one unbind node), repeat and
    // tile (reshape, expand): the parts recombined with products, so that second derivatives mix
    // them; a part left out, so that its gradient is zeros
    c.push_back({"split", [](const V& x) {
                     const auto p = split(x[0], 2);
                     return concat({p[2], p[0] * p[1]});
                 }, {leaf({5, 3}, gen)}});
    c.push_back({"split a part unused", [](const V& x) {
                     const auto p = split(x[0], 1, 1);
                     return p[0] * p[0] * p[2];
                 }, {leaf({2, 3}, gen)}});
    c.push_back({"unbind a part unused", [](const V& x) {
                     const auto p = unbind(x[0], 0);
                     return tanh(p[2]) * p[0];
                 }, {leaf({3, 2}, gen)}});
    c.push_back({"split_with_sizes last axis", [](const V& x) {
                     const auto p = split_with_sizes(x[0], {1, 0, 3}, -1);
                     return p[0] * p[2] + p[1].sum();
                 }, {leaf({2, 4}, gen)}});
    c.push_back({"chunk", [](const V& x) {
                     const auto p = chunk(x[0], 3, 1);
                     return tanh(p[0]) * p[1] * p[2];
                 }, {leaf({2, 6, 2}, gen)}});
    c.push_back({"unbind", [](const V& x) {
                     const auto p = unbind(x[0], 1);
                     return p[0] * p[1] - p[2] * p[2];
                 }, {leaf({2, 3}, gen)}});
    c.push_back({"repeat", [](const V& x) { return repeat(x[0], {2, 1, 3}) * repeat(x[0], {2, 1, 3}).sum(); },
                 {leaf({2, 2}, gen)}});
    c.push_back({"tile", [](const V& x) { return tanh(tile(x[0], {2})) * tile(x[1], {3, 1}); },
                 {leaf({3, 2}, gen), leaf({1, 4}, gen)}});
    // Composed: an attention-like shuffle of a [2, 3, 4] through every op
    c.push_back({"composed",
                 [](const V& x) {
                     const Tensor t = permute(x[0], {0, 2, 1});                         // [2, 4, 3]
                     const Tensor s = slice(t, 1, 1, to_end, 2);                         // [2, 2, 3]
                     const Tensor i = index_select(s, 2, {2, 0});                        // [2, 2, 2]
                     const Tensor g = gather(i, 0, {1, 0, 0, 1, 1, 1, 0, 0}, {2, 2, 2}); // [2, 2, 2]
                     return stack({g, i}, 1).squeeze().tanh() * x[1].unsqueeze(0).expand({2, -1});
                 },
                 {leaf({2, 3, 4}, gen), leaf({2}, gen)}});
    return c;
}

Cases matmul_cases()
{
    Generator gen(71);
    Cases c;
    const auto mm = [](const V& x) { return matmul(x[0], x[1]); };
    c.push_back({"matmul", mm, {leaf({3, 4}, gen), leaf({4, 2}, gen)}});
    c.push_back({"matmul 1x1", mm, {leaf({1, 1}, gen), leaf({1, 1}, gen)}});
    c.push_back({"matmul vector vector", mm, {leaf({4}, gen), leaf({4}, gen)}});
    c.push_back({"matmul vector matrix", mm, {leaf({3}, gen), leaf({3, 2}, gen)}});
    c.push_back({"matmul matrix vector", mm, {leaf({2, 3}, gen), leaf({3}, gen)}});
    c.push_back({"matmul batched", mm, {leaf({2, 3, 4}, gen), leaf({2, 4, 2}, gen)}});
    c.push_back({"matmul batch x shared", mm, {leaf({2, 3, 4}, gen), leaf({4, 2}, gen)}});
    c.push_back({"matmul shared x batch", mm, {leaf({3, 4}, gen), leaf({2, 4, 2}, gen)}});
    c.push_back({"matmul batch x shared small", mm, {leaf({2, 2, 3}, gen), leaf({3, 2}, gen)}});
    // batch broadcasting (torch.matmul): gradients summed over the broadcast batch dimensions
    c.push_back({"matmul broadcast 1 x 4", mm, {leaf({1, 2, 3}, gen), leaf({4, 3, 2}, gen)}});
    c.push_back({"matmul broadcast 4-d x 3-d", mm, {leaf({2, 1, 3, 4}, gen), leaf({3, 4, 2}, gen)}});
    c.push_back({"matmul broadcast both ways", mm, {leaf({2, 1, 2, 3}, gen), leaf({1, 3, 3, 2}, gen)}});
    c.push_back({"matmul broadcast vector x 4-d", mm, {leaf({3}, gen), leaf({2, 2, 3, 2}, gen)}});
    c.push_back({"matmul broadcast 4-d x vector", mm, {leaf({2, 1, 2, 3}, gen), leaf({3}, gen)}});
    c.push_back({"matmul broadcast matrix x 4-d", mm, {leaf({2, 3}, gen), leaf({2, 1, 3, 2}, gen)}});
    c.push_back({"matmul broadcast 5-d tanh", [](const V& x) { return tanh(matmul(x[0], x[1])); },
                 {leaf({2, 1, 1, 2, 2}, gen), leaf({3, 1, 2, 2}, gen)}});
    c.push_back({"matmul of transposes", [](const V& x) { return matmul(x[0].t(), x[1].t()); },
                 {leaf({4, 3}, gen), leaf({2, 4}, gen)}});
    c.push_back({"matmul tanh", [](const V& x) { return tanh(matmul(x[0], x[1])).sum(0); },
                 {leaf({2, 3}, gen), leaf({3, 2}, gen)}});
    c.push_back({"linear", [](const V& x) { return linear(x[0], x[1], x[2]); },
                 {leaf({5, 3}, gen), leaf({4, 3}, gen), leaf({4}, gen)}});
    c.push_back({"linear without bias", [](const V& x) { return linear(x[0], x[1]); }, {leaf({5, 3}, gen), leaf({4, 3}, gen)}});
    c.push_back({"linear of a vector", [](const V& x) { return linear(x[0], x[1], x[2]); },
                 {leaf({3}, gen), leaf({2, 3}, gen), leaf({2}, gen)}});
    c.push_back({"linear batched", [](const V& x) { return linear(x[0], x[1], x[2]); },
                 {leaf({2, 5, 3}, gen), leaf({4, 3}, gen), leaf({4}, gen)}});
    c.push_back({"linear tanh", [](const V& x) { return tanh(linear(x[0], x[1], x[2])); },
                 {leaf({3, 2}, gen), leaf({2, 2}, gen), leaf({2}, gen)}});
    // The fused linear + activation ops (float64: on OpenBLAS, with the epilogue as its own pass).
    using autograd::Activation;
    c.push_back({"linear + sigmoid, fused", [](const V& x) { return linear(x[0], x[1], x[2], Activation::Sigmoid); },
                 {leaf({5, 3}, gen), leaf({4, 3}, gen), leaf({4}, gen)}});
    c.push_back({"linear + tanh, fused, batched", [](const V& x) { return linear(x[0], x[1], x[2], Activation::Tanh); },
                 {leaf({2, 3, 3}, gen), leaf({2, 3}, gen), leaf({2}, gen)}});
    c.push_back({"linear + tanh, fused, no bias", [](const V& x) { return linear(x[0], x[1], Tensor(), Activation::Tanh); },
                 {leaf({3, 2}, gen), leaf({4, 2}, gen)}});
    // relu at points away from its kink: x W^T + b = [[0.9, -0.7], [-0.4, 0.3], [0.25, -0.2]] (by
    // hand: each row of x times each row of W, plus b), each at least 0.2 from 0. Squared after,
    // so that the second derivative is not zero.
    c.push_back({"linear + relu, fused", [](const V& x) { return pow(linear(x[0], x[1], x[2], Activation::Relu), 2.0); },
                 {leaf({1.0, 0.0, 0.0, 1.0, 0.5, 0.5}, {3, 2}), leaf({0.8, -0.5, -0.5, 0.5}, {2, 2}),
                  leaf({0.1, -0.2}, {2})},
                 Second::Yes});
    c.push_back({"mlp", [](const V& x) { return matmul(tanh(matmul(x[0], x[1]) + x[2]), x[3]).sigmoid().sum(); },
                 {leaf({5, 3}, gen), leaf({3, 4}, gen), leaf({4}, gen), leaf({4, 2}, gen)}});
    return c;
}

Cases loss_cases()
{
    Generator gen(81);
    Cases c;
    const Tensor labels({0.0, 3.0, 1.0}, {3});
    const Tensor targets({1.0, 0.0, 0.0, 1.0, 1.0, 0.0}, {3, 2});
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
        const std::string by = r == Reduction::Mean ? " mean" : r == Reduction::Sum ? " sum" : " none";
        c.push_back({"cross_entropy" + by, [=](const V& x) { return cross_entropy(x[0], labels, r); },
                     {leaf({3, 4}, gen, -2.0, 2.0)}});
        c.push_back({"binary_cross_entropy" + by, [=](const V& x) { return binary_cross_entropy(x[0], targets, r); },
                     {leaf({3, 2}, gen, 0.1, 0.9)}});
    }
    return c;
}

// conv2d, the pools and max_unpool2d: each case's first gradients run the backward ops
// (conv2d_backward_input and _weight, max_pool2d_backward, avg_pool2d_backward,
// max_unpool2d_backward), which gradgradcheck differentiates.
// The pools' backward ops are linear in g alone: squared after, so that g depends on the input
// and the first gradient's graph holds them. Random values: a tie within a max pool's window
// has probability 0.
Cases conv_cases()
{
    Generator gen(91);
    Cases c;
    c.push_back({"conv2d", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                 {leaf({1, 2, 3, 3}, gen), leaf({2, 2, 2, 2}, gen), leaf({2}, gen)}});
    c.push_back({"max_pool2d", [](const V& x) { return pow(max_pool2d(x[0], 2, 1), 2.0); }, {leaf({1, 1, 3, 3}, gen)},
                 Second::Yes});
    c.push_back({"avg_pool2d", [](const V& x) { return pow(avg_pool2d(x[0], 2, 1, 1), 2.0); }, {leaf({1, 1, 3, 3}, gen)}});
    // Distinct indices into the 3x3 output plane (kernel 2, stride 1 from 2x2).
    const Tensor at({0, 5, 3, 8}, {1, 1, 2, 2});
    c.push_back({"max_unpool2d", [at](const V& x) { return pow(max_unpool2d(x[0], at, 2, 1), 2.0); }, {leaf({1, 1, 2, 2}, gen)}});
    // conv2d with a fused activation (test_conv checks each against the activation as its own op).
    using autograd::Activation;
    c.push_back({"conv2d + sigmoid, fused", [](const V& x) {
                     return conv2d(x[0], x[1], x[2], 1, 1, 1, 1, Activation::Sigmoid);
                 }, {leaf({1, 2, 3, 3}, gen), leaf({2, 2, 2, 2}, gen), leaf({2}, gen)}});
    c.push_back({"conv2d + tanh, fused, no bias, stride 2", [](const V& x) {
                     return conv2d(x[0], x[1], Tensor(), 2, 1, 1, 1, Activation::Tanh);
                 }, {leaf({2, 1, 3, 4}, gen), leaf({2, 1, 2, 2}, gen)}});
    // relu at points away from its kink: one 2x2 input of ones against two 2x2 kernels gives
    // z = [sum(w0) + b0, sum(w1) + b1] = [0.5 + 0.1, -0.5 - 0.2] = [0.6, -0.7]; squared after,
    // so that the second derivative is not zero.
    c.push_back({"conv2d + relu, fused", [](const V& x) {
                     return pow(conv2d(x[0], x[1], x[2], 1, 0, 1, 1, Activation::Relu), 2.0);
                 },
                 {leaf({1.0, 1.0, 1.0, 1.0}, {1, 1, 2, 2}), leaf({0.5, -0.25, 0.5, -0.25, -0.5, 0.25, -0.5, 0.25}, {2, 1, 2, 2}),
                  leaf({0.1, -0.2}, {2})},
                 Second::Yes});
    return c;
}

// layer_norm (one op; batch_norm, embedding and dropout2d are compositions: test_norm checks
// them): with weight and bias over two trailing dimensions, and plain on a transposed input.
Cases norm_cases()
{
    Generator gen(57);
    Cases c;
    c.push_back({"layer_norm, weight and bias, 2 dims", [](const V& x) { return layer_norm(x[0], {2, 3}, x[1], x[2], 1e-3); },
                 {leaf({2, 2, 3}, gen), leaf({2, 3}, gen), leaf({2, 3}, gen)}});
    c.push_back({"layer_norm, transposed input", [](const V& x) { return layer_norm(x[0].transpose(0, 1), {3}); },
                 {leaf({3, 4}, gen)}});
    return c;
}

Cases all_cases()
{
    Cases all;
    for (Cases (*family)() : {elementwise_cases, reduce_cases, softmax_cases, compare_cases, shape_cases, index_cases,
                              matmul_cases, loss_cases, conv_cases, norm_cases})
        for (Case& c : family())
            all.push_back(std::move(c));
    return all;
}

// The ops of the graph under `root` (none for a tensor outside any graph).
void collect_ops(const Tensor& root, std::set<TensorOp>& ops)
{
    if (!root.defined() || !root.grad_fn())
        return;
    std::vector<const autograd::TensorNode*> stack{root.grad_fn().get()};
    std::set<const autograd::TensorNode*> seen;
    while (!stack.empty()) {
        const autograd::TensorNode* n = stack.back();
        stack.pop_back();
        if (!seen.insert(n).second)
            continue;
        ops.insert(n->op);
        for (const autograd::TensorEdge& e : n->inputs)
            if (e.fn)
                stack.push_back(e.fn.get());
    }
}

// What one case exercises: the ops of its forward graph, whether its second derivatives are
// checked, and if so the ops of its first gradients' graphs (made with create_graph), which
// gradgradcheck differentiates.
struct Exercised {
    std::set<TensorOp> forward, backward;
    bool second = false;
};

Exercised exercise(const Case& c)
{
    Exercised e;
    V leaves;
    for (const Tensor& x : c.inputs)
        leaves.push_back(Tensor(x.to_vector(), x.shape()).requires_grad_());
    const Tensor y = c.f(leaves);
    collect_ops(y, e.forward);
    bool smooth = true;
    for (TensorOp op : e.forward)
        smooth = smooth && op_info(op).smooth;
    e.second = c.second == Second::Yes || (c.second == Second::Auto && smooth);
    if (e.second && y.requires_grad())
        for (const Tensor& g : autograd::grad({y}, leaves, {Tensor::ones(y.shape(), y.dtype())}, {.create_graph = true}))
            collect_ops(g, e.backward);
    return e;
}

void run(const Cases& cases)
{
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name)
        {
            const auto first = autograd::tensor_gradcheck(c.f, c.inputs, c.options);
            BOOST_TEST(first.passed, first.report());
            BOOST_TEST(first.checked > 0u);
            if (exercise(c).second) {
                const auto second = autograd::tensor_gradgradcheck(c.f, c.inputs, c.options);
                BOOST_TEST(second.passed, "second derivatives: " << second.report());
                BOOST_TEST(second.checked > 0u);
            }
        }
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(elementwise_ops_pass_gradcheck) { run(elementwise_cases()); }
BOOST_AUTO_TEST_CASE(reductions_pass_gradcheck) { run(reduce_cases()); }
BOOST_AUTO_TEST_CASE(softmax_passes_gradcheck) { run(softmax_cases()); }
BOOST_AUTO_TEST_CASE(where_passes_gradcheck) { run(compare_cases()); }
BOOST_AUTO_TEST_CASE(shape_ops_pass_gradcheck) { run(shape_cases()); }
BOOST_AUTO_TEST_CASE(index_ops_pass_gradcheck) { run(index_cases()); }
BOOST_AUTO_TEST_CASE(matmul_and_linear_pass_gradcheck) { run(matmul_cases()); }
BOOST_AUTO_TEST_CASE(fused_losses_pass_gradcheck) { run(loss_cases()); }
BOOST_AUTO_TEST_CASE(conv_and_pools_pass_gradcheck) { run(conv_cases()); }
BOOST_AUTO_TEST_CASE(layer_norm_passes_gradcheck) { run(norm_cases()); }

// Every op of the list is in some case's graph: in a forward graph (first derivatives checked),
// or in the graph of a first gradient of a case whose second derivatives are checked.
BOOST_AUTO_TEST_CASE(cases_cover_every_op)
{
    std::set<TensorOp> first, second;
    for (const Case& c : all_cases()) {
        const Exercised e = exercise(c);
        first.insert(e.forward.begin(), e.forward.end());
        if (e.second) {
            second.insert(e.forward.begin(), e.forward.end());
            second.insert(e.backward.begin(), e.backward.end());
        }
    }
    for (int i = 0; i < autograd::detail::kTensorOpCount; ++i) {
        const auto op = static_cast<TensorOp>(i);
        BOOST_TEST_CONTEXT("op " << i << " '" << op_name(op) << "'")
        {
            BOOST_TEST((first.count(op) == 1 || second.count(op) == 1), "no case's graph contains it");
            // Every op's backward is recorded, so every op's second derivatives are checked too.
            BOOST_TEST(second.count(op) == 1, "no case checks its second derivatives");
        }
    }
}

// The umbrella header's example, as written there.
BOOST_AUTO_TEST_CASE(umbrella_header_example)
{
    using namespace autograd;
    Generator gen(0);
    Tensor w = Tensor::randn({3, 2}, gen, 0.0, 1.0, Dtype::Float64).requires_grad_();
    const Tensor x({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}), labels({1.0, 0.0}, {2});
    const auto loss_of = [&](const std::vector<Tensor>& v) { return cross_entropy(matmul(x, v[0]), labels); };
    Tensor loss = loss_of({w});
    loss.backward();
    std::ostringstream dot;
    write_dot(loss, dot);
    const bool right = tensor_gradcheck(loss_of, {w}).passed;
    BOOST_TEST(w.grad().shape() == (Shape{3, 2}), boost::test_tools::per_element());
    BOOST_TEST(test_util::contains(dot.str(), "label=\"@\""));
    BOOST_TEST(right);
}
