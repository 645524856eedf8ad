// conv2d, max_pool2d (with its indices), max_unpool2d and avg_pool2d (autograd/ops/conv.hpp,
// pool.hpp, unpool.hpp) and their modules (nn/modules/conv.hpp, pool.hpp, flatten.hpp):
// - values, gradients and Hessian-vector products against PyTorch in float64 and float32
//   (tests/fixtures/conv_golden.txt, written by tests/golden/golden_conv.py; the format is
//   tensor_golden.txt's, and the tolerances are test_tensor_golden.cpp's);
// - gradcheck and gradgradcheck (float64, central differences) at padding, stride 2, dilation 2,
//   groups 2, batch 1, odd sizes, no bias;
// - hand-computed values: max pooling's tie rule, a NaN, count_include_pad;
// - every argument error, whose message must name the op and the shapes;
// - the modules: parameter names and shapes as torch.nn's, PyTorch's init bounds, printing, and a
//   small convolutional network whose loss falls.
#define BOOST_TEST_MODULE conv
#include <boost/test/unit_test.hpp>

#include "golden_cases.hpp"
#include "tensor_test_util.hpp"
#include "test_util.hpp"

#include <autograd/autograd.hpp>
#include <autograd/engine/tensor_impl.hpp>
#include <nn/nn.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Generator;
using autograd::Shape;
using autograd::Size2;
using autograd::Tensor;
using test_util::contains;
using test_util::leaf;
using test_util::message_of;
using V = std::vector<Tensor>;

namespace {

// ---- Goldens ------------------------------------------------------------------------------

using GoldenCase = golden::TensorCase;

std::vector<std::pair<std::string, GoldenCase>> load_fixture()
{
    return golden::read_tensor_cases(BACKPROP_FIXTURES "/conv_golden.txt");
}

// golden_conv.py's cases, written with Backprop's ops (one function for both dtypes).
const std::map<std::string, std::function<Tensor(const V&)>>& golden_table()
{
    using namespace autograd;
    static const std::map<std::string, std::function<Tensor(const V&)>> table = {
        {"conv2d", [](const V& x) { return conv2d(x[0], x[1], x[2]); }},
        {"conv2d_padding_1_stride_2", [](const V& x) { return conv2d(x[0], x[1], x[2], 2, 1); }},
        {"conv2d_dilation_2_no_bias", [](const V& x) { return conv2d(x[0], x[1], Tensor(), 1, 0, 2); }},
        {"conv2d_groups_2", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, {1, 0}, 1, 2); }},
        {"conv2d_1x1", [](const V& x) { return conv2d(x[0], x[1], x[2]); }},
        {"conv2d_unbatched_stride_2_1", [](const V& x) { return conv2d(x[0], x[1], x[2], {2, 1}, {0, 2}); }},
        {"conv2d_tanh", [](const V& x) { return tanh(conv2d(x[0], x[1], x[2], 1, 1)); }},
        {"max_pool2d_2", [](const V& x) { return max_pool2d(x[0], 2); }},
        {"max_pool2d_3_stride_2_padding_1", [](const V& x) { return max_pool2d(x[0], 3, 2, 1); }},
        {"max_pool2d_dilation_2", [](const V& x) { return max_pool2d(x[0], {2, 3}, Size2{1, 2}, {1, 0}, 2); }},
        {"max_pool2d_unbatched", [](const V& x) { return max_pool2d(x[0], 2, 1); }},
        {"avg_pool2d_2", [](const V& x) { return avg_pool2d(x[0], 2); }},
        {"avg_pool2d_3_stride_2_padding_1", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1); }},
        {"avg_pool2d_padding_1_exclude_pad", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1, false); }},
        {"avg_pool2d_2_3_stride_1_2", [](const V& x) { return avg_pool2d(x[0], {2, 3}, Size2{1, 2}); }},
        {"conv_relu_pool", [](const V& x) { return max_pool2d(relu(conv2d(x[0], x[1], x[2], 1, 1)), 2); }},
        {"max_pool2d_2_ceil_mode", [](const V& x) { return max_pool2d(x[0], 2, std::nullopt, 0, 1, true); }},
        {"max_pool2d_3_stride_2_padding_1_ceil_mode", [](const V& x) { return max_pool2d(x[0], 3, 2, 1, 1, true); }},
        {"avg_pool2d_2_ceil_mode", [](const V& x) { return avg_pool2d(x[0], 2, std::nullopt, 0, true, true); }},
        {"avg_pool2d_3_stride_2_padding_1_ceil_mode", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1, true, true); }},
        {"avg_pool2d_ceil_mode_exclude_pad", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1, false, true); }},
        {"conv2d_same_3x3", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same); }},
        {"conv2d_same_2x4", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same); }},
        {"conv2d_same_dilation_2_3_groups_2",
         [](const V& x) { return conv2d(x[0], x[1], Tensor(), 1, ConvPadding::Same, {2, 3}, 2); }},
        {"conv2d_same_unbatched_2x2", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same); }},
        {"conv2d_valid", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Valid); }},
        // The indices, in the input's dtype as the fixture writes them.
        {"max_pool2d_indices_2", [](const V& x) { return max_pool2d_with_indices(x[0], 2).second.to(x[0].dtype()); }},
        {"max_pool2d_indices_3_stride_2_padding_1_ceil_mode",
         [](const V& x) { return max_pool2d_with_indices(x[0], 3, 2, 1, 1, true).second.to(x[0].dtype()); }},
        {"max_pool2d_indices_dilation_2",
         [](const V& x) { return max_pool2d_with_indices(x[0], {2, 3}, Size2{1, 2}, {1, 0}, 2).second.to(x[0].dtype()); }},
        {"max_pool2d_indices_unbatched", [](const V& x) { return max_pool2d_with_indices(x[0], 2, 1).second.to(x[0].dtype()); }},
        // x[1]: the indices, written as floats.
        {"max_unpool2d_2", [](const V& x) { return max_unpool2d(x[0], x[1].to(Dtype::Int64), 2); }},
        {"max_unpool2d_output_size",
         [](const V& x) { return max_unpool2d(x[0], x[1].to(Dtype::Int64), 2, std::nullopt, 0, Size2{5, 5}); }},
        {"max_unpool2d_3_stride_1_padding_1_repeated_indices",
         [](const V& x) { return max_unpool2d(x[0], x[1].to(Dtype::Int64), 3, 1, 1); }},
        {"max_unpool2d_unbatched_stride_2_3",
         [](const V& x) { return max_unpool2d(x[0], x[1].to(Dtype::Int64), {2, 3}, Size2{2, 3}); }},
        {"max_pool2d_then_unpool", [](const V& x) {
             const auto [y, at] = max_pool2d_with_indices(x[0], 2);
             return max_unpool2d(y, at, 2, std::nullopt, 0, Size2{x[0].size(-2), x[0].size(-1)});
         }},
    };
    return table;
}

void run_golden(const std::function<Tensor(const V&)>& f, const GoldenCase& c)
{
    // The table's functions take the differentiable inputs, then the constant ones.
    golden::check_case(c, [&](const V& in, const V& constant) {
        V all = in;
        all.insert(all.end(), constant.begin(), constant.end());
        return f(all);
    });
}

} // namespace

BOOST_AUTO_TEST_CASE(every_case_matches_pytorch)
{
    std::map<std::string, std::set<std::string>> seen; // name -> dtypes
    for (const auto& [name, c] : load_fixture()) {
        const std::string dtype(autograd::to_string(c.dtype));
        BOOST_TEST_CONTEXT("case " << name << " (" << dtype << ")")
        {
            BOOST_TEST(seen[name].insert(dtype).second, "the fixture has it twice");
            const auto it = golden_table().find(name);
            if (it == golden_table().end()) {
                BOOST_ERROR("no function in this test's table");
                continue;
            }
            run_golden(it->second, c);
        }
    }
    // Every function of the table is checked, in both dtypes.
    for (const auto& entry : golden_table())
        BOOST_TEST(seen[entry.first].size() == 2u, entry.first << " is not in the fixture in float64 and float32");
}

// ---- Finite differences -------------------------------------------------------------------

namespace {

struct GradCase {
    std::string name;
    autograd::TensorFunction f;
    V inputs;
};

std::vector<GradCase> conv_cases()
{
    using autograd::conv2d;
    Generator gen(11);
    std::vector<GradCase> c;
    c.push_back({"plain", [](const V& x) { return conv2d(x[0], x[1], x[2]); },
                 {leaf({2, 2, 4, 4}, gen), leaf({3, 2, 3, 3}, gen), leaf({3}, gen)}});
    c.push_back({"padding 1", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                 {leaf({1, 2, 3, 4}, gen), leaf({2, 2, 3, 3}, gen), leaf({2}, gen)}});
    c.push_back({"stride 2, odd sizes", [](const V& x) { return conv2d(x[0], x[1], x[2], 2); },
                 {leaf({2, 1, 5, 7}, gen), leaf({2, 1, 3, 3}, gen), leaf({2}, gen)}});
    c.push_back({"dilation 2", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, 0, 2); },
                 {leaf({1, 2, 5, 6}, gen), leaf({2, 2, 2, 2}, gen), leaf({2}, gen)}});
    c.push_back({"groups 2", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, 1, 1, 2); },
                 {leaf({2, 4, 3, 3}, gen), leaf({4, 2, 2, 2}, gen), leaf({4}, gen)}});
    c.push_back({"no bias, stride (2, 1), padding (0, 1)",
                 [](const V& x) { return conv2d(x[0], x[1], Tensor(), {2, 1}, {0, 1}); },
                 {leaf({1, 3, 5, 3}, gen), leaf({2, 3, 3, 2}, gen)}});
    c.push_back({"1x1 kernel", [](const V& x) { return conv2d(x[0], x[1], x[2]); },
                 {leaf({2, 3, 2, 3}, gen), leaf({2, 3, 1, 1}, gen), leaf({2}, gen)}});
    c.push_back({"unbatched", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
                 {leaf({2, 3, 3}, gen), leaf({1, 2, 3, 3}, gen), leaf({1}, gen)}});
    c.push_back({"stacked through tanh", [](const V& x) {
                     return conv2d(tanh(conv2d(x[0], x[1], Tensor(), 1, 1)), x[2], Tensor(), 2);
                 },
                 {leaf({1, 1, 4, 4}, gen), leaf({2, 1, 3, 3}, gen), leaf({1, 2, 2, 2}, gen)}});
    // padding='same': odd totals (even kernels) take the slice after the convolution.
    using autograd::ConvPadding;
    c.push_back({"same, 2x3 kernel", [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same); },
                 {leaf({2, 2, 3, 4}, gen), leaf({2, 2, 2, 3}, gen), leaf({2}, gen)}});
    c.push_back({"same, dilation (1, 2), unbatched",
                 [](const V& x) { return conv2d(x[0], x[1], x[2], 1, ConvPadding::Same, {1, 2}); },
                 {leaf({2, 4, 5}, gen), leaf({1, 2, 2, 2}, gen), leaf({1}, gen)}});
    c.push_back({"valid", [](const V& x) { return conv2d(x[0], x[1], Tensor(), 1, ConvPadding::Valid); },
                 {leaf({1, 2, 4, 3}, gen), leaf({2, 2, 3, 2}, gen)}});
    return c;
}

std::vector<GradCase> pool_cases()
{
    using autograd::avg_pool2d;
    using autograd::max_pool2d;
    Generator gen(12);
    // Random values: ties within a window (where max pooling's gradient jumps) have probability 0.
    std::vector<GradCase> c;
    c.push_back({"max 2", [](const V& x) { return max_pool2d(x[0], 2); }, {leaf({2, 2, 4, 5}, gen)}});
    c.push_back({"max 3 stride 2 padding 1", [](const V& x) { return max_pool2d(x[0], 3, 2, 1); },
                 {leaf({1, 2, 5, 5}, gen)}});
    c.push_back({"max dilation 2", [](const V& x) { return max_pool2d(x[0], 2, 1, 0, 2); }, {leaf({1, 1, 5, 4}, gen)}});
    c.push_back({"max unbatched (1, 2)", [](const V& x) { return max_pool2d(x[0], {1, 2}); }, {leaf({2, 3, 4}, gen)}});
    c.push_back({"max squared", [](const V& x) { return pow(max_pool2d(x[0], 2, 1), 2.0); }, {leaf({1, 1, 3, 3}, gen)}});
    c.push_back({"avg 2", [](const V& x) { return avg_pool2d(x[0], 2); }, {leaf({2, 2, 4, 5}, gen)}});
    c.push_back({"avg 3 stride 2 padding 1", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1); },
                 {leaf({1, 2, 5, 5}, gen)}});
    c.push_back({"avg exclude pad", [](const V& x) { return avg_pool2d(x[0], 3, 1, 1, false); }, {leaf({1, 1, 3, 4}, gen)}});
    c.push_back({"avg squared", [](const V& x) { return pow(avg_pool2d(x[0], {2, 1}), 2.0); }, {leaf({1, 1, 3, 3}, gen)}});
    // ceil_mode: a last, partial window on the odd side.
    c.push_back({"max 2 ceil_mode", [](const V& x) { return max_pool2d(x[0], 2, std::nullopt, 0, 1, true); },
                 {leaf({1, 2, 5, 3}, gen)}});
    c.push_back({"avg 3 stride 2 padding 1 ceil_mode", [](const V& x) { return avg_pool2d(x[0], 3, 2, 1, true, true); },
                 {leaf({1, 1, 6, 4}, gen)}});
    // max_unpool2d at the indices of a pooling of other random values (distinct indices: with
    // repeated ones PyTorch's gather is not the forward's derivative; the golden checks those).
    // Linear in its input: squared after, so that its second derivatives are not all zero.
    using autograd::max_pool2d_with_indices;
    using autograd::max_unpool2d;
    const Tensor at_2 = max_pool2d_with_indices(Tensor::randn({2, 2, 4, 5}, gen), 2).second;
    c.push_back({"unpool 2 to 4x5", [at_2](const V& x) { return max_unpool2d(x[0], at_2, 2, std::nullopt, 0, Size2{4, 5}); },
                 {leaf({2, 2, 2, 2}, gen)}});
    const Tensor at_23 = max_pool2d_with_indices(Tensor::randn({3, 4, 7}, gen), {2, 3}, Size2{2, 3}, {1, 1}).second;
    c.push_back({"unpool unbatched (2, 3) padding 1 squared",
                 [at_23](const V& x) { return pow(max_unpool2d(x[0], at_23, {2, 3}, Size2{2, 3}, {1, 1}), 2.0); },
                 {leaf({3, 3, 3}, gen)}});
    // Windows that do not overlap (overlapping ones can pick one element twice: a repeated index).
    c.push_back({"pool then unpool, ceil_mode", [](const V& x) {
                     const auto [y, at] = max_pool2d_with_indices(x[0], 2, std::nullopt, 0, 1, true);
                     return pow(max_unpool2d(y, at, 2, std::nullopt, 0, Size2{5, 5}), 2.0);
                 },
                 {leaf({1, 2, 5, 5}, gen)}});
    return c;
}

} // namespace

BOOST_AUTO_TEST_CASE(conv2d_passes_gradcheck_and_gradgradcheck)
{
    for (const GradCase& c : conv_cases()) {
        test_util::check_grad(c.name, c.f, c.inputs);
        test_util::check_gradgrad(c.name, c.f, c.inputs);
    }
}

BOOST_AUTO_TEST_CASE(pools_pass_gradcheck_and_gradgradcheck)
{
    for (const GradCase& c : pool_cases()) {
        test_util::check_grad(c.name, c.f, c.inputs);
        test_util::check_gradgrad(c.name, c.f, c.inputs);
    }
}

// Third derivatives: each backward op's backward is recorded too.
BOOST_AUTO_TEST_CASE(conv2d_differentiates_to_third_order)
{
    Generator gen(13);
    const Tensor x = leaf({1, 1, 3, 3}, gen), w = leaf({1, 1, 2, 2}, gen);
    // f = sum(conv(x, w)^3): every order of derivative in w is non-zero up to the third.
    const auto f = [](const V& v) { return pow(autograd::conv2d(v[0], v[1]), 3.0).sum(); };
    const auto second = [&](const V& v) {
        const V g = autograd::grad({f(v)}, v, {}, {.create_graph = true});
        return (g[0].sum() + g[1].sum());
    };
    test_util::check_gradgrad("third order", second, {x, w});
}

// ---- Values by hand -----------------------------------------------------------------------

namespace {
void check_close(const Tensor& a, const Tensor& b, double tolerance)
{
    BOOST_TEST(a.shape() == b.shape());
    const std::vector<double> u = a.to_vector(), v = b.to_vector();
    for (std::size_t i = 0; i < u.size() && i < v.size(); ++i)
        BOOST_TEST(u[i] == v[i], boost::test_tools::tolerance(tolerance));
}
} // namespace

// conv2d with a fused activation against conv2d followed by the activation as its own op: the
// same output, first gradients and (through create_graph) second gradients, in float64, for each
// activation, with and without a bias, batched and unbatched, with groups and stride.
BOOST_AUTO_TEST_CASE(fused_activations_match_the_separate_ops)
{
    using autograd::Activation;
    Generator gen(5);
    const auto separate = [](const Tensor& z, Activation act) {
        return act == Activation::Relu ? relu(z) : act == Activation::Sigmoid ? sigmoid(z) : tanh(z);
    };
    struct Setting {
        Shape x, w;
        bool bias;
        Size2 stride, padding;
        std::int64_t groups;
    };
    for (const Setting& st : {Setting{{2, 2, 5, 4}, {3, 2, 3, 3}, true, 1, 1, 1}, Setting{{3, 5, 6}, {2, 3, 2, 3}, false, 2, 0, 1},
                              Setting{{1, 4, 4, 4}, {4, 2, 2, 2}, true, 1, 0, 2}})
        for (const Activation act : {Activation::Relu, Activation::Sigmoid, Activation::Tanh}) {
            BOOST_TEST_CONTEXT("input " << autograd::to_string(st.x) << ", activation " << static_cast<int>(act))
            {
                const Tensor x = leaf(st.x, gen), w = leaf(st.w, gen);
                const Tensor b = st.bias ? leaf({st.w[0]}, gen) : Tensor();
                V inputs{x, w};
                if (st.bias)
                    inputs.push_back(b);
                const Tensor fused = conv2d(x, w, b, st.stride, st.padding, 1, st.groups, act);
                const Tensor plain = separate(conv2d(x, w, b, st.stride, st.padding, 1, st.groups), act);
                BOOST_TEST(autograd::op_name(fused.grad_fn()->op) != autograd::op_name(plain.grad_fn()->op));
                check_close(fused, plain, 1e-14);
                // First and second gradients, both through create_graph.
                const Tensor seed = leaf(fused.shape(), gen);
                const V g1 = autograd::grad({(fused * seed).sum()}, inputs, {}, {.create_graph = true});
                const V g2 = autograd::grad({(plain * seed).sum()}, inputs, {}, {.create_graph = true});
                for (std::size_t i = 0; i < inputs.size(); ++i)
                    check_close(g1[i], g2[i], 1e-13);
                const V h1 = autograd::grad({(g1[0] * g1[0]).sum()}, inputs);
                const V h2 = autograd::grad({(g2[0] * g2[0]).sum()}, inputs);
                for (std::size_t i = 0; i < inputs.size(); ++i)
                    check_close(h1[i], h2[i], 1e-12);
            }
        }
}

BOOST_AUTO_TEST_CASE(sequential_fuses_a_conv2d_and_its_activation)
{
    Generator gen(3);
    nn::Sequential fused{nn::Conv2d(1, 2, 3, gen), nn::ReLU(), nn::Conv2d(2, 2, 2, gen), nn::Tanh()};
    BOOST_TEST(std::string(autograd::op_name(fused(Tensor::zeros({1, 1, 5, 5})).grad_fn()->op)) == "conv2d_tanh");
    // The same modules run one by one: the same output and gradients.
    Tensor x = Tensor::randn({2, 1, 5, 5}, gen);
    Tensor y = fused(x);
    Tensor z = x;
    for (const auto& [name, layer] : fused.named_children())
        z = (*layer)(z); // one op each
    BOOST_TEST(std::string(autograd::op_name(z.grad_fn()->op)) == "tanh");
    check_close(y, z, 1e-6);
}

BOOST_AUTO_TEST_CASE(conv2d_values_by_hand)
{
    // x = 1..9 as 3x3, w = ones 2x2, b = 0.5: each output is the sum of a 2x2 block plus 0.5.
    const Tensor x({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0}, {1, 1, 3, 3});
    const Tensor w = Tensor::ones({1, 1, 2, 2}, Dtype::Float64), b({0.5}, {1});
    BOOST_TEST(autograd::conv2d(x, w, b).to_vector() == (std::vector<double>{12.5, 16.5, 24.5, 28.5}),
               boost::test_tools::per_element());
    // Padding 1, stride 2: the corners' windows hold one element each of x... plus zeros.
    BOOST_TEST(autograd::conv2d(x, w, b, 2, 1).to_vector() == (std::vector<double>{1.5, 5.5, 11.5, 28.5}),
               boost::test_tools::per_element());
}

namespace {

// conv2d's output and gradients against the definition summed directly in double:
// y[n, o, a, b] = bias[o] + sum over c, i, j of w[o, c, i, j] x[n, c', a s - p + i d, b s - p + j d].
void check_against_definition(std::int64_t N, std::int64_t C, std::int64_t H, std::int64_t W, std::int64_t O,
                              std::int64_t K, std::int64_t groups, std::int64_t s, std::int64_t p, std::int64_t d)
{
    Generator gen(21);
    const std::int64_t Cg = C / groups, Og = O / groups, OH = (H + 2 * p - d * (K - 1) - 1) / s + 1,
                       OW = (W + 2 * p - d * (K - 1) - 1) / s + 1;
    for (const Dtype dtype : {Dtype::Float32, Dtype::Float64}) {
        BOOST_TEST_CONTEXT(autograd::to_string(dtype))
        {
            Tensor x = Tensor::rand({N, C, H, W}, gen, -1.0, 1.0, dtype).requires_grad_();
            Tensor w = Tensor::rand({O, Cg, K, K}, gen, -1.0, 1.0, dtype).requires_grad_();
            Tensor b = Tensor::rand({O}, gen, -1.0, 1.0, dtype).requires_grad_();
            const Tensor gout = Tensor::rand({N, O, OH, OW}, gen, -1.0, 1.0, dtype);
            const Tensor y = autograd::conv2d(x, w, b, s, p, d, groups);
            (y * gout).sum().backward();
            const std::vector<double> xv = x.to_vector(), wv = w.to_vector(), bv = b.to_vector(), gv = gout.to_vector();
            std::vector<double> want(static_cast<std::size_t>(N * O * OH * OW)), dx(xv.size()), dw(wv.size()),
                db(bv.size());
            for (std::int64_t n = 0; n < N; ++n)
                for (std::int64_t o = 0; o < O; ++o)
                    for (std::int64_t a = 0; a < OH; ++a)
                        for (std::int64_t bb = 0; bb < OW; ++bb) {
                            const auto at = static_cast<std::size_t>(((n * O + o) * OH + a) * OW + bb);
                            double acc = bv[static_cast<std::size_t>(o)];
                            db[static_cast<std::size_t>(o)] += gv[at];
                            for (std::int64_t c = 0; c < Cg; ++c)
                                for (std::int64_t i = 0; i < K; ++i)
                                    for (std::int64_t j = 0; j < K; ++j) {
                                        const std::int64_t yy = a * s - p + i * d, xx = bb * s - p + j * d;
                                        if (yy < 0 || yy >= H || xx < 0 || xx >= W)
                                            continue;
                                        const std::int64_t ci = (o / Og) * Cg + c;
                                        const auto xi = static_cast<std::size_t>(((n * C + ci) * H + yy) * W + xx);
                                        const auto wi = static_cast<std::size_t>(((o * Cg + c) * K + i) * K + j);
                                        acc += wv[wi] * xv[xi];
                                        dx[xi] += wv[wi] * gv[at];
                                        dw[wi] += xv[xi] * gv[at];
                                    }
                            want[at] = acc;
                        }
            // float32: sums of 50 to 216 terms, accumulated in float32 by the library.
            const double tol = dtype == Dtype::Float64 ? 1e-12 : 1e-4;
            const auto check = [&](const std::string& what, const std::vector<double>& got, const std::vector<double>& ref) {
                BOOST_TEST_REQUIRE(got.size() == ref.size());
                double worst = 0.0;
                for (std::size_t i = 0; i < got.size(); ++i)
                    worst = std::max(worst, std::abs(got[i] - ref[i]) / (1.0 + std::abs(ref[i])));
                BOOST_TEST(worst <= tol, what << ": worst error " << worst);
            };
            check("output", y.to_vector(), want);
            check("dx", x.grad().to_vector(), dx);
            check("dw", w.grad().to_vector(), dw);
            check("db", b.grad().to_vector(), db);
        }
    }
}

} // namespace

// Products large enough for the library to block them (float32: oneDNN's), 5x5 kernel, stride 2,
// padding 2, groups 2; and a batch of samples each too small for gemm to split but worth a thread,
// which conv2d splits by sample (run under BACKPROP_NUM_THREADS=1 and 3 too, see the CMake file).
BOOST_AUTO_TEST_CASE(conv2d_matches_the_definition_at_larger_sizes)
{
    check_against_definition(3, 4, 17, 15, 6, 5, 2, 2, 2, 1);
    check_against_definition(5, 2, 26, 26, 8, 3, 2, 1, 1, 2);
}


BOOST_AUTO_TEST_CASE(max_pool2d_gives_the_gradient_to_the_first_of_tied_maxima)
{
    // One 2x2 window holding 3 twice: the first in row-major order (index 1) gets the gradient.
    Tensor x = Tensor({1.0, 3.0, 3.0, 2.0}, {1, 1, 2, 2}).requires_grad_();
    const Tensor y = autograd::max_pool2d(x, 2);
    BOOST_TEST(y.to_vector() == (std::vector<double>{3.0}), boost::test_tools::per_element());
    y.sum().backward();
    BOOST_TEST(x.grad().to_vector() == (std::vector<double>{0.0, 1.0, 0.0, 0.0}), boost::test_tools::per_element());
}

// The 2x2, stride-2 pool has loops of its own (branch-free, vectorised, and a transpose that writes
// every element instead of adding into zeros): checked here against the definition, written out,
// on odd sizes (an uncovered last row and column), rows long enough for the vector loop, ties,
// NaNs and -inf, in both dtypes.
template <class T> void check_2x2_pool_against_definition()
{
    const std::int64_t n = 2, c = 3, h = 7, w = 37, oh = 3, ow = 18;
    std::vector<T> data(static_cast<std::size_t>(n * c * h * w));
    std::uint32_t state = 12345;
    for (auto& v : data) { // few distinct values, so that windows hold ties
        state = state * 1664525u + 1013904223u;
        v = static_cast<T>(static_cast<int>(state >> 28) % 5);
    }
    data[3] = std::numeric_limits<T>::quiet_NaN();
    data[40] = data[41] = -std::numeric_limits<T>::infinity();
    data[2 * w + 5] = data[3 * w + 4] = std::numeric_limits<T>::quiet_NaN(); // two NaNs in one window
    Tensor x = Tensor(data, {n, c, h, w}).requires_grad_();
    const auto [y, indices] = autograd::max_pool2d_with_indices(x, 2);
    BOOST_REQUIRE(y.shape() == (Shape{n, c, oh, ow}));
    BOOST_REQUIRE(indices.shape() == y.shape());
    BOOST_TEST(indices.dtype() == Dtype::Int64);
    BOOST_TEST(!indices.requires_grad());
    const std::vector<std::int64_t> at_of = indices.to_vector_as<std::int64_t>();
    Tensor seed = Tensor::arange(1.0, static_cast<double>(y.numel()) + 1.0, 1.0, x.dtype()).reshape(y.shape());
    y.backward(seed);
    const std::vector<double> out = y.to_vector(), dx = x.grad().to_vector(), g = seed.to_vector();
    std::vector<double> want_dx(data.size(), 0.0);
    for (std::int64_t p = 0; p < n * c; ++p)
        for (std::int64_t oy = 0; oy < oh; ++oy)
            for (std::int64_t ox = 0; ox < ow; ++ox) {
                // The first element, then each later one that is greater or is a NaN.
                std::int64_t at = p * h * w + 2 * oy * w + 2 * ox;
                for (const std::int64_t d : {std::int64_t{1}, w, w + 1}) {
                    const T v = data[static_cast<std::size_t>(p * h * w + 2 * oy * w + 2 * ox + d)];
                    if (v > data[static_cast<std::size_t>(at)] || std::isnan(v))
                        at = p * h * w + 2 * oy * w + 2 * ox + d;
                }
                const std::size_t o = static_cast<std::size_t>((p * oh + oy) * ow + ox);
                BOOST_TEST(at_of[o] == at - p * h * w); // PyTorch's return_indices: within the plane
                const double want = static_cast<double>(data[static_cast<std::size_t>(at)]);
                BOOST_TEST_CONTEXT("plane " << p << ", window (" << oy << ", " << ox << ")")
                {
                    BOOST_TEST((std::isnan(want) ? std::isnan(out[o]) : out[o] == want));
                }
                want_dx[static_cast<std::size_t>(at)] += g[o];
            }
    BOOST_TEST(dx == want_dx, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_pool2d_returns_pytorchs_indices)
{
    // torch.nn.functional.max_pool2d(torch.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True)
    // gives indices [[5, 7], [13, 15]]: flat within the 4x4 plane.
    const auto [y, at] = autograd::max_pool2d_with_indices(Tensor::arange(0, 16).reshape({1, 1, 4, 4}), 2);
    BOOST_TEST(at.to_vector_as<std::int64_t>() == (std::vector<std::int64_t>{5, 7, 13, 15}), boost::test_tools::per_element());
    // Any geometry: each index points at the element the output holds, inside the output's plane.
    Generator gen(9);
    const Tensor x = Tensor::randn({2, 2, 7, 6}, gen);
    const auto [z, idx] = autograd::max_pool2d_with_indices(x, 3, 2, 1, 2, true);
    const std::vector<double> xs = x.to_vector(), zs = z.to_vector();
    const std::vector<std::int64_t> is = idx.to_vector_as<std::int64_t>();
    const std::int64_t plane = 7 * 6, per_plane = z.size(2) * z.size(3);
    for (std::size_t o = 0; o < zs.size(); ++o) {
        const std::int64_t p = static_cast<std::int64_t>(o) / per_plane;
        BOOST_TEST_REQUIRE((is[o] >= 0 && is[o] < plane));
        BOOST_TEST(xs[static_cast<std::size_t>(p * plane + is[o])] == zs[o]);
    }
}

BOOST_AUTO_TEST_CASE(max_pool2d_indices_of_nans_and_empty_windows)
{
    // torch: max_pool2d([[1, nan, 3, nan], [2, 0, nan, 1]], 2, return_indices=True) gives
    // [nan, nan] at [1, 6]: a NaN wins, and of two NaNs in a window the last.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto [y, at] = autograd::max_pool2d_with_indices(Tensor({1.0, nan, 3.0, nan, 2.0, 0.0, nan, 1.0}, {1, 1, 2, 4}), 2);
    BOOST_TEST(at.to_vector_as<std::int64_t>() == (std::vector<std::int64_t>{1, 6}), boost::test_tools::per_element());
    BOOST_TEST((std::isnan(y.to_vector()[0]) && std::isnan(y.to_vector()[1])));
    // Ties: the first in window order, as torch ([[1, 1], [1, 1]] gives index 0).
    BOOST_TEST(autograd::max_pool2d_with_indices(Tensor::ones({1, 1, 2, 2}), 2).second.to_vector_as<std::int64_t>() ==
                   (std::vector<std::int64_t>{0}),
               boost::test_tools::per_element());
    // Kernel 2, dilation 5, padding 1 on 4x4 reads rows and columns -1 and 4: no input element.
    // -inf as torch; index -1 (torch: 20, past the plane), which max_unpool2d refuses.
    const auto [e, none] = autograd::max_pool2d_with_indices(Tensor::arange(0, 16).reshape({1, 1, 4, 4}), 2, 1, 1, 5);
    BOOST_TEST(e.to_vector() == (std::vector<double>{-std::numeric_limits<double>::infinity()}),
               boost::test_tools::per_element());
    BOOST_TEST(none.to_vector_as<std::int64_t>() == (std::vector<std::int64_t>{-1}), boost::test_tools::per_element());
    // (Init-captures: clang before 16 cannot capture structured bindings.)
    BOOST_TEST(contains(message_of<std::invalid_argument>([&e = e, &none = none] { (void)autograd::max_unpool2d(e, none, 4); }),
                        "max_unpool2d: index -1"));
    // The indices are a copy: changing them leaves the pooling's gradient where the maxima were.
    Tensor x = Tensor({3.0, 1.0, 2.0, 0.0}, {1, 1, 2, 2}).requires_grad_();
    auto [p, i] = autograd::max_pool2d_with_indices(x, 2);
    i.data_ptr<std::int64_t>()[0] = 3;
    p.sum().backward();
    BOOST_TEST(x.grad().to_vector() == (std::vector<double>{1.0, 0.0, 0.0, 0.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_pool2d_2x2_matches_the_definition)
{
    check_2x2_pool_against_definition<float>();
    check_2x2_pool_against_definition<double>();
}

BOOST_AUTO_TEST_CASE(max_pool2d_propagates_nan_and_ignores_padding)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor x = Tensor({nan, 1.0, -2.0, -3.0}, {1, 1, 1, 4}).requires_grad_();
    const Tensor y = autograd::max_pool2d(x, {1, 2});
    const std::vector<double> v = y.to_vector();
    BOOST_TEST(std::isnan(v[0]));
    BOOST_TEST(v[1] == -2.0);
    y.sum().backward();
    BOOST_TEST(x.grad().to_vector() == (std::vector<double>{1.0, 0.0, 1.0, 0.0}), boost::test_tools::per_element());
    // Negative values with padding 1: the padding (-inf) never wins.
    const Tensor neg({-5.0, -6.0, -7.0, -8.0}, {1, 1, 2, 2});
    BOOST_TEST(autograd::max_pool2d(neg, 2, 1, 1).to_vector() ==
                   (std::vector<double>{-5.0, -5.0, -6.0, -5.0, -5.0, -6.0, -7.0, -7.0, -8.0}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(avg_pool2d_counts_padding_as_pytorch)
{
    const Tensor x = Tensor::ones({1, 1, 2, 2}, Dtype::Float64);
    // Kernel 3, padding 1: each window holds the 4 elements of x and 5 of padding.
    BOOST_TEST(autograd::avg_pool2d(x, 3, 1, 1).to_vector() == (std::vector<double>(4, 4.0 / 9.0)),
               boost::test_tools::per_element());
    BOOST_TEST(autograd::avg_pool2d(x, 3, 1, 1, false).to_vector() == (std::vector<double>(4, 1.0)),
               boost::test_tools::per_element());
}

// ---- Errors -------------------------------------------------------------------------------

namespace {

// The message of the std::invalid_argument f throws: it must name `op` and every one of `parts`.
template <class F> void expect_error(F&& f, const std::string& op, const std::vector<std::string>& parts)
{
    const std::string m = message_of<std::invalid_argument>(f);
    BOOST_TEST(contains(m, op), m);
    for (const std::string& p : parts)
        BOOST_TEST(contains(m, p), "'" << m << "' does not say " << p);
}

Tensor zeros(Shape s) { return Tensor::zeros(std::move(s), Dtype::Float64); }

} // namespace

BOOST_AUTO_TEST_CASE(conv2d_errors_name_the_op_and_the_shapes)
{
    using autograd::conv2d;
    const Tensor x = zeros({1, 3, 5, 5}), w = zeros({2, 3, 3, 3});
    expect_error([&] { conv2d(zeros({3, 5}), w); }, "conv2d", {"[3, 5]", "[2, 3, 3, 3]"});          // rank
    expect_error([&] { conv2d(x, zeros({2, 3, 3})); }, "conv2d", {"[1, 3, 5, 5]", "[2, 3, 3]"});     // rank
    expect_error([&] { conv2d(zeros({3, 5, 5}), zeros({2, 3, 3})); }, "conv2d", {"[3, 5, 5]", "[2, 3, 3]"});
    expect_error([&] { conv2d(x, zeros({2, 4, 3, 3})); }, "conv2d", {"3 channels", "[2, 4, 3, 3]"}); // channels
    expect_error([&] { conv2d(x, zeros({2, 1, 3, 3}), Tensor(), 1, 0, 1, 2); }, "conv2d",
                 {"groups=2", "[1, 3, 5, 5]", "[2, 1, 3, 3]"});                                      // groups
    expect_error([&] { conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), 1, 0, 1, 2); }, "conv2d",
                 {"groups=2", "[3, 2, 3, 3]"});                                                      // groups vs O
    expect_error([&] { conv2d(x, w, Tensor(), 1, 0, 1, 0); }, "conv2d", {"groups", "[1, 3, 5, 5]"});
    expect_error([&] { conv2d(x, w, zeros({3})); }, "conv2d", {"bias [3]", "[2, 3, 3, 3]"});
    expect_error([&] { conv2d(zeros({1, 3, 2, 2}), w); }, "conv2d", {"smaller than the kernel", "[1, 3, 2, 2]"});
    expect_error([&] { conv2d(x, w, Tensor(), 1, 0, 3); }, "conv2d", {"dilated: 7x7", "[1, 3, 5, 5]"});
    expect_error([&] { conv2d(x, w, Tensor(), 0); }, "conv2d", {"stride (0, 0)", "[1, 3, 5, 5]"});
    expect_error([&] { conv2d(x, w, Tensor(), {1, -1}); }, "conv2d", {"stride (1, -1)"});
    expect_error([&] { conv2d(x, w, Tensor(), 1, 0, 0); }, "conv2d", {"dilation (0, 0)"});
    expect_error([&] { conv2d(x, w, Tensor(), 1, -1); }, "conv2d", {"padding (-1, -1)"});
    expect_error([&] { conv2d(x, zeros({2, 3, 0, 3})); }, "conv2d", {"[2, 3, 0, 3]"});
    expect_error([&] { conv2d(x, w, Tensor(), std::int64_t{1} << 31); }, "conv2d", {"stride (2147483648, 2147483648)",
                                                                                     "below 2^31", "[1, 3, 5, 5]"});
    expect_error([&] { conv2d(Tensor::zeros({1, 3, 5, 5}), w); }, "conv2d", {"float"}); // float32 and float64
    // PyTorch's own words for 'same' with a stride, and the rank check behind the rule.
    expect_error([&] { conv2d(x, w, Tensor(), 2, autograd::ConvPadding::Same); }, "conv2d",
                 {"padding='same' is not supported for strided convolutions", "stride (2, 2)", "[1, 3, 5, 5]"});
    expect_error([&] { conv2d(x, zeros({2, 3, 3}), Tensor(), 1, autograd::ConvPadding::Same); }, "conv2d",
                 {"[1, 3, 5, 5]", "[2, 3, 3]"});
}

BOOST_AUTO_TEST_CASE(pool_errors_name_the_op_and_the_shapes)
{
    using autograd::avg_pool2d;
    using autograd::max_pool2d;
    const Tensor x = zeros({1, 2, 4, 4});
    for (const std::string op : {"max_pool2d", "avg_pool2d"}) {
        const auto pool = [&](const Tensor& in, Size2 k, std::optional<Size2> s, Size2 p) {
            return op == "max_pool2d" ? max_pool2d(in, k, s, p) : avg_pool2d(in, k, s, p);
        };
        BOOST_TEST_CONTEXT(op)
        {
            expect_error([&] { pool(zeros({4, 4}), 2, {}, 0); }, op, {"[4, 4]"});
            expect_error([&] { pool(zeros({1, 1, 1, 4, 4}), 2, {}, 0); }, op, {"[1, 1, 1, 4, 4]"});
            expect_error([&] { pool(x, 0, {}, 0); }, op, {"kernel (0, 0)", "[1, 2, 4, 4]"});
            expect_error([&] { pool(x, 2, Size2{0, 1}, 0); }, op, {"stride (0, 1)", "[1, 2, 4, 4]"});
            expect_error([&] { pool(x, 3, {}, 2); }, op, {"half the kernel", "padding (2, 2)", "[1, 2, 4, 4]"});
            expect_error([&] { pool(x, 2, {}, -1); }, op, {"padding (-1, -1)"});
            expect_error([&] { pool(zeros({1, 1, 2, 5}), 3, {}, 0); }, op, {"too small", "[1, 1, 2, 5]"});
        }
    }
    expect_error([&] { max_pool2d(x, 2, 1, 0, 0); }, "max_pool2d", {"dilation (0, 0)"});
    expect_error([&] { max_pool2d(x, 3, 1, 0, 2); }, "max_pool2d", {"too small", "dilation (2, 2)"});
    // The form with indices names itself.
    expect_error([&] { autograd::max_pool2d_with_indices(x, 3, {}, 2); }, "max_pool2d_with_indices: ",
                 {"half the kernel", "padding (2, 2)", "[1, 2, 4, 4]"});
    expect_error([&] { autograd::max_pool2d_with_indices(zeros({4, 4}), 2); }, "max_pool2d_with_indices: ", {"[4, 4]"});
}

// torch.nn.MaxUnpool2d's documentation: pool 2 with indices, unpool, and output_size for a width
// the pooling dropped a column of.
BOOST_AUTO_TEST_CASE(max_unpool2d_round_trip_as_in_pytorchs_docs)
{
    nn::MaxPool2d pool(2, 2);
    nn::MaxUnpool2d unpool(2, 2);
    const Tensor square = Tensor::arange(1, 17).reshape({1, 1, 4, 4});
    const auto [y, at] = pool.forward_with_indices(square);
    BOOST_TEST(unpool(y, at).to_vector() ==
                   (std::vector<double>{0, 0, 0, 0, 0, 6, 0, 8, 0, 0, 0, 0, 0, 14, 0, 16}),
               boost::test_tools::per_element());
    const Tensor wide = Tensor::arange(1, 21).reshape({1, 1, 4, 5});
    const auto [z, wat] = pool.forward_with_indices(wide);
    const Tensor back = unpool(z, wat, Size2{4, 5});
    BOOST_TEST(autograd::to_string(back.shape()) == "[1, 1, 4, 5]");
    BOOST_TEST(back.to_vector() == (std::vector<double>{0, 0, 0, 0, 0, 0, 7, 0, 9, 0, 0, 0, 0, 0, 0, 0, 17, 0, 19, 0}),
               boost::test_tools::per_element());
    // Without output_size the default is 4x4, where index 16 (row 3, column 1 of 5) lands past
    // the plane: an error, as torch's "Found an invalid max index".
    expect_error([&, &z = z, &wat = wat] { (void)unpool(z, wat); }, "max_unpool2d", {"index 16", "element 2", "4x4"});
    // The gradient gathers at the indices: d sum(w * unpool(y)) / dy = w at each index.
    Tensor yl = Tensor({1.0, 2.0, 3.0, 4.0}, {1, 1, 2, 2}).requires_grad_();
    const Tensor w = Tensor::arange(0, 16, 1, Dtype::Float64).reshape({1, 1, 4, 4});
    (autograd::max_unpool2d(yl, at, 2) * w).sum().backward();
    BOOST_TEST(yl.grad().to_vector() == (std::vector<double>{5, 7, 13, 15}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_unpool2d_errors_name_the_op_and_the_values)
{
    using autograd::max_unpool2d;
    const Tensor y = zeros({1, 2, 2, 2});
    const Tensor at = Tensor::zeros({1, 2, 2, 2}, Dtype::Int64);
    expect_error([&] { max_unpool2d(y, at.to(Dtype::Float32), 2); }, "max_unpool2d", {"int64", "float32"});
    expect_error([&] { max_unpool2d(y, Tensor::zeros({1, 2, 2, 1}, Dtype::Int64), 2); }, "max_unpool2d",
                 {"[1, 2, 2, 1]", "[1, 2, 2, 2]"});
    expect_error([&] { max_unpool2d(zeros({2, 2}), Tensor::zeros({2, 2}, Dtype::Int64), 2); }, "max_unpool2d",
                 {"[N, C, H, W]", "[2, 2]"});
    expect_error([&] { max_unpool2d(y, at, 0); }, "max_unpool2d", {"kernel (0, 0)", "[1, 2, 2, 2]"});
    expect_error([&] { max_unpool2d(y, at, 2, Size2{2, -1}); }, "max_unpool2d", {"stride (2, -1)"});
    expect_error([&] { max_unpool2d(y, at, 2, std::nullopt, -1); }, "max_unpool2d", {"padding (-1, -1)"});
    // torch: 'invalid output_size "(6, 4)" (dim 0 must be between 2 and 6)', exclusive.
    expect_error([&] { max_unpool2d(y, at, 2, std::nullopt, 0, Size2{6, 4}); }, "max_unpool2d",
                 {"output_size height 6", "between 2 and 6", "output_size (6, 4)"});
    expect_error([&] { max_unpool2d(y, at, 2, std::nullopt, 0, Size2{4, 2}); }, "max_unpool2d",
                 {"output_size width 2", "between 2 and 6"});
    expect_error([&] { max_unpool2d(zeros({1, 1, 1, 1}), Tensor::zeros({1, 1, 1, 1}, Dtype::Int64), 1, 1, 1); },
                 "max_unpool2d", {"empty", "-1x-1"});
    Tensor bad = autograd::clone(at);
    bad.data_ptr<std::int64_t>()[5] = 16;
    expect_error([&] { max_unpool2d(y, bad, 2); }, "max_unpool2d",
                 {"index 16", "element 5 of indices [1, 2, 2, 2]", "4x4", "0 to 15"});
    bad.data_ptr<std::int64_t>()[5] = -3;
    expect_error([&] { max_unpool2d(y, bad, 2); }, "max_unpool2d", {"index -3"});
    // The module: bad sizes where it is built, and a call without the indices.
    expect_error([&] { nn::MaxUnpool2d(0); }, "MaxUnpool2d", {"kernel_size (0, 0)"});
    expect_error([&] { nn::MaxUnpool2d(2, std::nullopt, -1); }, "MaxUnpool2d", {"padding (-1, -1)"});
    nn::MaxUnpool2d unpool(2);
    expect_error([&] { (void)unpool(y); }, "MaxUnpool2d", {"indices", "[1, 2, 2, 2]"});
}

// ---- Modules ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(conv2d_module_has_torch_names_init_and_printing)
{
    Generator gen(5);
    nn::Conv2d conv(3, 4, 3, gen, {.padding = 1});
    const auto params = conv.named_parameters();
    BOOST_TEST_REQUIRE(params.size() == 2u);
    BOOST_TEST(params[0].first == "weight");
    BOOST_TEST(autograd::to_string(params[0].second.shape()) == "[4, 3, 3, 3]");
    BOOST_TEST(params[1].first == "bias");
    BOOST_TEST(autograd::to_string(params[1].second.shape()) == "[4]");
    BOOST_TEST(conv.extra_repr() == "3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)");
    // Uniform in +-1/sqrt(fan_in), fan_in = 3 * 3 * 3: inside the bound, and spread over it.
    const double bound = 1.0 / std::sqrt(27.0);
    double lo = 1.0, hi = -1.0;
    for (double v : conv.weight().to_vector())
        lo = std::min(lo, v), hi = std::max(hi, v);
    BOOST_TEST(lo >= -bound);
    BOOST_TEST(hi <= bound);
    BOOST_TEST(hi - lo > bound); // 108 draws: a narrower range means the wrong bound
    for (double v : conv.bias().to_vector())
        BOOST_TEST(std::abs(v) <= bound);
    BOOST_TEST(conv.weight().dtype() == Dtype::Float32);

    nn::Conv2d grouped(4, 6, {3, 1}, gen, {.stride = 2, .dilation = {2, 1}, .groups = 2, .bias = false});
    BOOST_TEST(grouped.extra_repr() == "4, 6, kernel_size=(3, 1), stride=(2, 2), dilation=(2, 1), groups=2, bias=False");
    BOOST_TEST(autograd::to_string(grouped.weight().shape()) == "[6, 2, 3, 1]");
    BOOST_TEST(grouped.named_parameters().size() == 1u);
    for (double v : grouped.weight().to_vector())
        BOOST_TEST(std::abs(v) <= 1.0 / std::sqrt(6.0));

    // forward is autograd::conv2d with the module's weights and settings.
    const Tensor x = Tensor::rand({2, 4, 7, 5}, gen, -1.0, 1.0);
    const Tensor want = autograd::conv2d(x, grouped.weight(), Tensor(), 2, 0, {2, 1}, 2);
    BOOST_TEST(grouped(x).to_vector() == want.to_vector(), boost::test_tools::per_element());
    BOOST_TEST(autograd::to_string(grouped(x).shape()) == "[2, 6, 2, 3]");

    // padding by rule: printed as PyTorch ("padding=same"), computed by conv2d's rule overload.
    nn::Conv2d same(4, 2, {2, 3}, gen, {.padding = autograd::ConvPadding::Same});
    BOOST_TEST(same.extra_repr() == "4, 2, kernel_size=(2, 3), stride=(1, 1), padding=same");
    BOOST_TEST(autograd::to_string(same(x).shape()) == "[2, 2, 7, 5]");
    const Tensor same_want = autograd::conv2d(x, same.weight(), same.bias(), 1, autograd::ConvPadding::Same);
    BOOST_TEST(same(x).to_vector() == same_want.to_vector(), boost::test_tools::per_element());
    nn::Conv2d valid(4, 2, 3, gen, {.padding = autograd::ConvPadding::Valid});
    BOOST_TEST(valid.extra_repr() == "4, 2, kernel_size=(3, 3), stride=(1, 1), padding=valid");
    BOOST_TEST(autograd::to_string(valid(x).shape()) == "[2, 2, 5, 3]");
}

BOOST_AUTO_TEST_CASE(pool_and_flatten_modules_print_as_pytorch)
{
    BOOST_TEST(nn::MaxPool2d(2).extra_repr() == "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False");
    BOOST_TEST(nn::MaxPool2d({2, 3}, Size2{1, 2}, 1).extra_repr() ==
               "kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=1, ceil_mode=False");
    BOOST_TEST(nn::AvgPool2d(3, 2, 1).extra_repr() == "kernel_size=3, stride=2, padding=1");
    BOOST_TEST(nn::Flatten().extra_repr() == "start_dim=1, end_dim=-1");
    const Tensor x = zeros({2, 3, 4, 5});
    BOOST_TEST(autograd::to_string(nn::Flatten()(x).shape()) == "[2, 60]");
    BOOST_TEST(autograd::to_string(nn::Flatten(0, 1)(x).shape()) == "[6, 4, 5]");
    BOOST_TEST(autograd::to_string(nn::Flatten(-2)(x).shape()) == "[2, 3, 20]");
    BOOST_TEST(autograd::to_string(nn::Flatten(2, 2)(x).shape()) == "[2, 3, 4, 5]");
    // Unflatten, Flatten's inverse (torch.nn.Unflatten's printing, tuples included)
    BOOST_TEST(nn::Unflatten(1, {1, 28, 28}).extra_repr() == "dim=1, unflattened_size=(1, 28, 28)");
    BOOST_TEST(nn::Unflatten(-1, {60}).extra_repr() == "dim=-1, unflattened_size=(60,)");
    const Tensor rows = Tensor::arange(0, 120).reshape({2, 60});
    const Tensor images = nn::Unflatten(1, {3, 4, 5})(rows);
    BOOST_TEST(autograd::to_string(images.shape()) == "[2, 3, 4, 5]");
    BOOST_TEST(images.contiguous().data_ptr<float>()[119] == 119.0f); // a view: the same order
    BOOST_TEST(autograd::to_string(nn::Unflatten(-2, {3, 1})(zeros({2, 3, 4})).shape()) == "[2, 3, 1, 4]");
    BOOST_TEST(autograd::to_string(nn::Flatten()(nn::Unflatten(1, {3, 4, 5})(rows)).shape()) == "[2, 60]");
    BOOST_TEST(autograd::to_string(nn::MaxPool2d(2)(x).shape()) == "[2, 3, 2, 2]");
    BOOST_TEST(autograd::to_string(nn::AvgPool2d(3, 1, 1)(x).shape()) == "[2, 3, 4, 5]");
    // ceil_mode keeps the last, partial window: 4x5 -> 2x3 (torch.nn.MaxPool2d(2, ceil_mode=True)).
    nn::MaxPool2d ceil(2, std::nullopt, 0, 1, true);
    BOOST_TEST(ceil.extra_repr() == "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True");
    BOOST_TEST(autograd::to_string(nn::MaxPool2d(2, std::nullopt, 0, 1, true)(x).shape()) == "[2, 3, 2, 3]");
    BOOST_TEST(autograd::to_string(nn::AvgPool2d(2, std::nullopt, 0, true, true)(x).shape()) == "[2, 3, 2, 3]");
    const auto [pooled, indices] = ceil.forward_with_indices(x);
    BOOST_TEST(autograd::to_string(indices.shape()) == "[2, 3, 2, 3]");
    BOOST_TEST(indices.dtype() == Dtype::Int64);
    // torch.nn.MaxUnpool2d keeps its sizes as pairs: MaxUnpool2d(kernel_size=(2, 2), ...).
    BOOST_TEST(nn::MaxUnpool2d(2).extra_repr() == "kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)");
    BOOST_TEST(nn::MaxUnpool2d({2, 3}, Size2{1, 1}, {1, 0}).extra_repr() ==
               "kernel_size=(2, 3), stride=(1, 1), padding=(1, 0)");
    BOOST_TEST(nn::MaxUnpool2d(2).type_name() == "MaxUnpool2d");
}

BOOST_AUTO_TEST_CASE(module_errors_name_the_module)
{
    Generator gen(1);
    expect_error([&] { nn::Conv2d(0, 4, 3, gen); }, "Conv2d(0, 4", {"positive"});
    expect_error([&] { nn::Conv2d(3, 4, 3, gen, {.groups = 2}); }, "Conv2d(3, 4", {"groups=2"});
    expect_error([&] { nn::Conv2d(3, 4, 3, gen, {.stride = 0}); }, "Conv2d(3, 4", {"stride (0, 0)"});
    expect_error([&] { nn::Conv2d(3, 4, 3, gen, {.stride = 2, .padding = autograd::ConvPadding::Same}); }, "Conv2d(3, 4",
                 {"padding='same' is not supported for strided convolutions", "stride (2, 2)"});
    expect_error([&] { nn::MaxPool2d(2, std::nullopt, 2); }, "MaxPool2d", {"padding 2", "kernel_size 2"});
    expect_error([&] { nn::AvgPool2d(0); }, "AvgPool2d", {"kernel_size 0"});
    expect_error([&] { nn::Flatten(3)(zeros({2, 3})); }, "Flatten(start_dim=3", {"[2, 3]"});
    expect_error([&] { nn::Flatten(2, 1)(zeros({2, 3, 4})); }, "Flatten(start_dim=2, end_dim=1)", {"[2, 3, 4]"});
    expect_error([&] { nn::Unflatten(1, {28, 28})(zeros({2, 780})); }, "Unflatten(dim=1, unflattened_size=[28, 28])",
                 {"[2, 780]", "size 784"});
    expect_error([&] { nn::Unflatten(2, {1})(zeros({2, 3})); }, "Unflatten(dim=2", {"[2, 3]"});
    expect_error([&] { nn::Unflatten(1, {0, 4}); }, "Unflatten(dim=1)", {"[0, 4]", "positive"});
    Generator g2(2);
    nn::Conv2d conv(3, 4, 3, g2);
    expect_error([&] { conv(Tensor::zeros({1, 2, 5, 5})); }, "conv2d", {"[1, 2, 5, 5]", "[4, 3, 3, 3]"});
}

// The parameter names of torch.nn.Sequential(Conv2d(1, 2, 3), ReLU(), MaxPool2d(2), Flatten(),
// Linear(2, 2)), so that a state dict moves between the two; and PyTorch's printing of it.
BOOST_AUTO_TEST_CASE(a_cnn_has_pytorch_state_dict_names_and_printing)
{
    Generator gen(4);
    nn::Sequential model{nn::Conv2d(1, 2, 3, gen), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(2, 2, gen)};
    std::vector<std::string> names;
    for (const auto& [name, p] : model.named_parameters())
        names.push_back(name);
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "4.weight", "4.bias"}),
               boost::test_tools::per_element());
    const std::string printed = model.summary();
    for (const std::string line : {"(0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))",
                                   "(2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                                   "(3): Flatten(start_dim=1, end_dim=-1)"})
        BOOST_TEST(contains(printed, line), printed);
    // [N, 1, 4, 4] -> conv 3x3 -> [N, 2, 2, 2] -> pool -> [N, 2, 1, 1] -> [N, 2] -> [N, 2]
    BOOST_TEST(autograd::to_string(model(Tensor::zeros({3, 1, 4, 4})).shape()) == "[3, 2]");
}

// A small convolutional network learns a task only its convolution can see: whether a 4x4 image's
// bright pixels lie in its left or right half.
BOOST_AUTO_TEST_CASE(a_small_cnn_learns)
{
    Generator gen(3);
    nn::Sequential model{nn::Conv2d(1, 4, 3, gen, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                         nn::Linear(4 * 2 * 2, 2, gen)};
    const std::int64_t n = 32;
    std::vector<float> images, labels;
    for (std::int64_t i = 0; i < n; ++i) {
        const Tensor noise = Tensor::rand({16}, gen, 0.0, 0.3);
        std::vector<float> img = noise.to_vector_as<float>();
        const bool right = i % 2 == 1;
        for (int r = 0; r < 4; ++r)
            for (int c = right ? 2 : 0; c < (right ? 4 : 2); ++c)
                img[static_cast<std::size_t>(r * 4 + c)] += 0.7F;
        images.insert(images.end(), img.begin(), img.end());
        labels.push_back(right ? 1.0F : 0.0F);
    }
    const Tensor x(images, {n, 1, 4, 4}), y(labels, {n});
    nn::SGD opt(model.parameters(), {.lr = 0.5});
    const double first = autograd::cross_entropy(model(x), y).item();
    double last = first;
    for (int step = 0; step < 60; ++step) {
        opt.zero_grad();
        const Tensor loss = autograd::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
        last = loss.item();
    }
    BOOST_TEST(last < 0.25 * first, "loss " << first << " -> " << last);
    const Tensor correct = autograd::eq(autograd::argmax(model(x), 1), y).mean();
    BOOST_TEST(correct.item() == 1.0);
}
