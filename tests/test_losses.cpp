// Tensor losses: values and input gradients against PyTorch 1.13 in float64 for every loss and
// reduction (tests/golden/golden_losses.py, fixture committed; logits of +-1e4 for cross_entropy and
// bce_with_logits, probabilities of 0 and 1 for bce, a broadcast bce weight), gradcheck of each,
// cross_entropy's second derivatives, and the error messages. l1, smooth_l1 (beta), huber (delta)
// and kl_div (log_target; mean, sum, none and batchmean) are compositions of recorded ops, so
// second derivatives are checked too.
#define BOOST_TEST_MODULE losses
#include <boost/test/unit_test.hpp>

#include "tensor_test_util.hpp"
#include "test_util.hpp"

#include <nn/modules/loss.hpp>

#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Tensor;
using nn::Reduction;
using test_util::message_of;
namespace tt = boost::test_tools;

namespace {

Tensor f64(std::vector<double> v, autograd::Shape s) { return Tensor(std::move(v), std::move(s)); }

// The inputs of tests/golden/golden_losses.py.
const Tensor logits = f64({1.0, 2.0, 0.5, -1.0, 0.0, 3.0, 1e4, -1e4, 0.0, 0.3, 0.3, -0.2}, {4, 3});
const Tensor labels = f64({2, 0, 1, 1}, {4});
const Tensor x = f64({0.5, -1.5, 2.0, 0.25, -3.0, 40.0}, {3, 2});
const Tensor target = f64({1.0, 0.0, 0.5, 1.0, 0.0, 1.0}, {3, 2});
const Tensor probs = f64({0.9, 0.2, 0.5, 1.0, 1e-60, 0.7}, {3, 2});
const Tensor xl = f64({0.5, -1.5, 1e4, -1e4, 1e4, -1e4, 1e4, -1e4, -3.0, 40.0}, {5, 2});
const Tensor targetl = f64({1.0, 0.0, 0.5, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0}, {5, 2});
const Tensor bce_weight = f64({0.5, 2.0}, {2});
const Tensor scores = f64({0.5, -2.0, 1.5, 0.9}, {4});
const Tensor signs = f64({1.0, -1.0, -1.0, 1.0}, {4});
const Tensor kl_target = f64({0.25, 0.75, 0.0, 1.0, 0.6, 0.4}, {3, 2});
const Tensor kl_log_target = autograd::log(f64({0.25, 0.75, 0.1, 0.9, 0.6, 0.4}, {3, 2}));

using Loss = std::function<Tensor(const Tensor&, Reduction)>;
struct Case {
    Tensor input;
    Loss loss;
};

std::map<std::string, Case> cases()
{
    return {
        {"cross_entropy", {logits, [](const Tensor& a, Reduction r) { return nn::cross_entropy(a, labels, r); }}},
        {"nll_loss", {log_softmax(logits, 1), [](const Tensor& a, Reduction r) { return nn::nll_loss(a, labels, r); }}},
        {"mse_loss", {x, [](const Tensor& a, Reduction r) { return nn::mse_loss(a, target, r); }}},
        {"binary_cross_entropy",
         {probs, [](const Tensor& a, Reduction r) { return nn::binary_cross_entropy(a, target, r); }}},
        {"binary_cross_entropy_weighted",
         {probs, [](const Tensor& a, Reduction r) { return nn::binary_cross_entropy(a, target, bce_weight, r); }}},
        {"binary_cross_entropy_with_logits",
         {xl, [](const Tensor& a, Reduction r) { return nn::binary_cross_entropy_with_logits(a, targetl, r); }}},
        {"hinge_loss", {scores, [](const Tensor& a, Reduction r) { return nn::hinge_loss(a, signs, r); }}},
        {"l1_loss", {x, [](const Tensor& a, Reduction r) { return nn::l1_loss(a, target, r); }}},
        {"smooth_l1_loss", {x, [](const Tensor& a, Reduction r) { return nn::smooth_l1_loss(a, target, r, 0.8); }}},
        {"smooth_l1_loss_beta0", {x, [](const Tensor& a, Reduction r) { return nn::smooth_l1_loss(a, target, r, 0.0); }}},
        {"huber_loss", {x, [](const Tensor& a, Reduction r) { return nn::huber_loss(a, target, r, 2.0); }}},
        {"kl_div", {log_softmax(x, 1), [](const Tensor& a, Reduction r) { return nn::kl_div(a, kl_target, r); }}},
        {"kl_div_log_target",
         {log_softmax(x, 1), [](const Tensor& a, Reduction r) { return nn::kl_div(a, kl_log_target, r, true); }}},
        // the golden's reduction "batchmean" (the Reduction argument is not used)
        {"kl_div batchmean", {log_softmax(x, 1), [](const Tensor& a, Reduction) { return nn::kl_div_batchmean(a, kl_target); }}},
        {"kl_div_log_target batchmean",
         {log_softmax(x, 1), [](const Tensor& a, Reduction) { return nn::kl_div_batchmean(a, kl_log_target, true); }}},
    };
}

Reduction reduction_of(const std::string& r) { return r == "mean" ? Reduction::Mean : r == "sum" ? Reduction::Sum : Reduction::None; }

} // namespace

BOOST_AUTO_TEST_CASE(values_and_gradients_match_pytorch)
{
    std::ifstream in(BACKPROP_FIXTURES "/losses_golden.txt");
    BOOST_TEST_REQUIRE(in.good());
    const auto all = cases();
    std::string line;
    int checked = 0;
    while (std::getline(in, line)) {
        std::istringstream s(line);
        std::string name, red;
        double value = 0;
        s >> name >> red >> value;
        std::vector<double> grad;
        for (double g; s >> g;)
            grad.push_back(g);
        BOOST_TEST_CONTEXT(name << " " << red)
        {
            const Case& c = all.at(red == "batchmean" ? name + " batchmean" : name);
            const Tensor a = c.input.detach().requires_grad_();
            const Tensor total = c.loss(a, reduction_of(red)).sum();
            total.backward();
            BOOST_TEST(total.item() == value, tt::tolerance(1e-12));
            const std::vector<double> got = a.grad().to_vector();
            BOOST_TEST_REQUIRE(got.size() == grad.size());
            for (std::size_t i = 0; i < got.size(); ++i)
                BOOST_TEST(got[i] == grad[i], tt::tolerance(1e-10));
            ++checked;
        }
    }
    BOOST_TEST(checked == 41);
}

BOOST_AUTO_TEST_CASE(every_loss_passes_gradcheck)
{
    autograd::Generator gen(3);
    const Tensor small_logits = test_util::leaf({3, 4}, gen, -2.0, 2.0);
    const Tensor l3 = f64({0, 3, 1}, {3});
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
        test_util::check_grad("cross_entropy", [&](const std::vector<Tensor>& v) { return nn::cross_entropy(v[0], l3, r); },
                              {small_logits});
        test_util::check_grad("mse_loss", [&](const std::vector<Tensor>& v) { return nn::mse_loss(v[0], v[1], r); },
                              {test_util::leaf({2, 3}, gen), test_util::leaf({2, 3}, gen)});
        test_util::check_grad("bce", [&](const std::vector<Tensor>& v) { return nn::binary_cross_entropy(v[0], target, r); },
                              {test_util::leaf({3, 2}, gen, 0.1, 0.9)});
        test_util::check_grad("bce_with_logits",
                              [&](const std::vector<Tensor>& v) { return nn::binary_cross_entropy_with_logits(v[0], target, r); },
                              {test_util::leaf({3, 2}, gen, -3.0, 3.0)});
        test_util::check_grad("nll_loss", [&](const std::vector<Tensor>& v) { return nn::nll_loss(v[0], l3, r); },
                              {test_util::leaf({3, 4}, gen)});
        test_util::check_grad("bce_weighted",
                              [&](const std::vector<Tensor>& v) { return nn::binary_cross_entropy(v[0], target, v[1], r); },
                              {test_util::leaf({3, 2}, gen, 0.1, 0.9), test_util::leaf({2}, gen, 0.5, 2.0)});
        // scores within (-0.9, 0.9) keep 1 - y s away from relu's kink at 0
        test_util::check_grad("hinge_loss", [&](const std::vector<Tensor>& v) { return nn::hinge_loss(v[0], signs, r); },
                              {test_util::leaf({4}, gen, -0.9, 0.9)});
        // differences of 0.1, 0.2, 2.5 and 3 from a zero target: no kink (0, beta 1, delta 1.5)
        // within reach of gradcheck's steps; kl_div's probability targets in (0.1, 0.9)
        const Tensor in6 = f64({0.1, -0.2, 2.5, -3.0, 0.2, -0.1}, {2, 3});
        const Tensor zero6 = Tensor::zeros({2, 3}, Dtype::Float64);
        test_util::check_grad("l1_loss", [&](const std::vector<Tensor>& v) { return nn::l1_loss(v[0], v[1], r); },
                              {in6.detach().requires_grad_(), zero6.detach().requires_grad_()});
        test_util::check_grad("smooth_l1_loss",
                              [&](const std::vector<Tensor>& v) { return nn::smooth_l1_loss(v[0], v[1], r, 1.0); },
                              {in6.detach().requires_grad_(), zero6.detach().requires_grad_()});
        test_util::check_grad("huber_loss",
                              [&](const std::vector<Tensor>& v) { return nn::huber_loss(v[0], v[1], r, 1.5); },
                              {in6.detach().requires_grad_(), zero6.detach().requires_grad_()});
        test_util::check_grad("kl_div", [&](const std::vector<Tensor>& v) { return nn::kl_div(v[0], v[1], r); },
                              {test_util::leaf({2, 3}, gen, -3.0, -0.1), test_util::leaf({2, 3}, gen, 0.1, 0.9)});
        test_util::check_grad("kl_div_log_target",
                              [&](const std::vector<Tensor>& v) { return nn::kl_div(v[0], v[1], r, true); },
                              {test_util::leaf({2, 3}, gen, -3.0, -0.1), test_util::leaf({2, 3}, gen, -3.0, -0.1)});
    }
    test_util::check_grad("kl_div_batchmean",
                          [&](const std::vector<Tensor>& v) { return nn::kl_div_batchmean(v[0], v[1]); },
                          {test_util::leaf({2, 3}, gen, -3.0, -0.1), test_util::leaf({2, 3}, gen, 0.1, 0.9)});
    // Second derivatives through the recorded ops: smooth_l1's and huber's (1 / beta or 1 inside
    // the kink, 0 outside, via clamp's zero second derivative), kl_div's in the target (1 / t) and
    // the log target's (e^t (t - x) + 2 e^t)
    const Tensor in6 = f64({0.1, -0.2, 2.5, -3.0, 0.2, -0.1}, {2, 3});
    test_util::check_gradgrad("smooth_l1_loss",
                              [&](const std::vector<Tensor>& v) { return nn::smooth_l1_loss(v[0], v[1], Reduction::Sum, 1.0); },
                              {in6.detach().requires_grad_(), Tensor::zeros({2, 3}, Dtype::Float64).requires_grad_()});
    test_util::check_gradgrad("huber_loss",
                              [&](const std::vector<Tensor>& v) { return nn::huber_loss(v[0], v[1], Reduction::Mean, 1.5); },
                              {in6.detach().requires_grad_(), Tensor::zeros({2, 3}, Dtype::Float64).requires_grad_()});
    test_util::check_gradgrad("kl_div", [&](const std::vector<Tensor>& v) { return nn::kl_div(v[0], v[1]); },
                              {test_util::leaf({2, 3}, gen, -3.0, -0.1), test_util::leaf({2, 3}, gen, 0.1, 0.9)});
    test_util::check_gradgrad("kl_div_log_target",
                              [&](const std::vector<Tensor>& v) { return nn::kl_div_batchmean(v[0], v[1], true); },
                              {test_util::leaf({2, 3}, gen, -3.0, -0.1), test_util::leaf({2, 3}, gen, -3.0, -0.1)});
    // cross_entropy's backward under create_graph is itself differentiable.
    test_util::check_gradgrad("cross_entropy", [&](const std::vector<Tensor>& v) { return nn::cross_entropy(v[0], l3); },
                              {small_logits});
}

BOOST_AUTO_TEST_CASE(float32_cross_entropy_is_stable_for_large_logits)
{
    const Tensor big({1e4f, -1e4f, 0.f}, {1, 3});
    const Tensor y({1.f}, {1});
    BOOST_TEST(nn::cross_entropy(big, y).item() == 2e4, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(bad_input_is_a_clear_error)
{
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(logits, f64({0, 1, 3, 1}, {4})); }) ==
               "cross_entropy: label 3 of row 2 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(logits, f64({0.5, 1, 2, 1}, {4})); }) ==
               "cross_entropy: label 0.5 of row 0 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(logits, f64({0, 1}, {2})); }) ==
               "cross_entropy: logits [4, 3] and labels [2] (want [N, C] and [N])");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::mse_loss(x, scores); }) ==
               "mse_loss: input [3, 2] and target [4] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(logits, f64({0, -1, 2, 1}, {4})); }) ==
               "cross_entropy: label -1 of row 1 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(logits, Tensor({0.f, 1.f, 2.f, 1.f}, {4})); }) ==
               "cross_entropy: dtypes float64 and float32 differ (convert one with .to())");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::cross_entropy(labels, labels); }) ==
               "cross_entropy: logits [4] and labels [4] (want [N, C] and [N])");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::mse_loss(x, scores); }) ==
               "mse_loss: input [3, 2] and target [4] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::mse_loss(x, Tensor()); }) ==
               "mse_loss: input [3, 2] and target undefined must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::nll_loss(logits, f64({0, 1, 7, 1}, {4})); }) ==
               "nll_loss: label 7 of row 2 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::nll_loss(logits, f64({0, 1, 2, 1.5}, {4})); }) ==
               "nll_loss: label 1.5 of row 3 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::nll_loss(logits, f64({0, 1, 2}, {3})); }) ==
               "nll_loss: log_probs [4, 3] and labels [3] (want [N, C] and [N])");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::binary_cross_entropy(probs, scores); }) ==
               "binary_cross_entropy: input [3, 2] and target [4] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::binary_cross_entropy(probs, target, scores); }) ==
               "binary_cross_entropy: shapes [4] and [3, 2] cannot be broadcast together (dimension 1: 4 vs 2)");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::binary_cross_entropy(probs, target, Tensor::ones({2, 3, 2}, Dtype::Float64)); }) ==
               "binary_cross_entropy: weight [2, 3, 2] does not broadcast to input [3, 2]");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::binary_cross_entropy_with_logits(xl, target); }) ==
               "binary_cross_entropy_with_logits: input [5, 2] and target [3, 2] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::hinge_loss(scores, target); }) ==
               "hinge_loss: input [4] and target [3, 2] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::hinge_loss(scores, f64({1, -1, 0, 1}, {4})); }) ==
               "hinge_loss: label 0 at index 2 is not -1 or +1");
}

BOOST_AUTO_TEST_CASE(new_losses_reject_bad_options_and_shapes)
{
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::smooth_l1_loss(x, target, Reduction::Mean, -0.5); }) ==
               "smooth_l1_loss: beta -0.5 must be >= 0");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::huber_loss(x, target, Reduction::Mean, 0.0); }) ==
               "huber_loss: delta 0 must be > 0");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::l1_loss(x, scores); }) ==
               "l1_loss: input [3, 2] and target [4] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::kl_div(x, scores); }) ==
               "kl_div: input [3, 2] and target [4] must have the same shape");
    BOOST_TEST(message_of<std::invalid_argument>([] {
                   (void)nn::kl_div_batchmean(Tensor::zeros({0, 2}, Dtype::Float64), Tensor::zeros({0, 2}, Dtype::Float64));
               }) == "kl_div: a batch mean over no rows (input [0, 2])");
    // PyTorch's values at the edges: 0 log 0 = 0, and a 0-d batch mean is the loss itself
    const Tensor one = f64({-0.5}, {});
    BOOST_TEST(nn::kl_div(one, f64({0.0}, {})).item() == 0.0);
    BOOST_TEST(nn::kl_div_batchmean(one, f64({0.5}, {})).item() == 0.5 * (std::log(0.5) + 0.5), tt::tolerance(1e-15));
    // An infinite delta: all quadratic, 0.5 d^2 and gradient d (PyTorch's), not inf * 0 = NaN
    Tensor in = f64({1.0, -3.0}, {2}).requires_grad_();
    const Tensor loss = nn::huber_loss(in, f64({0.5, 2.0}, {2}), Reduction::Sum, std::numeric_limits<double>::infinity());
    BOOST_TEST(loss.item() == 0.5 * (0.25 + 25.0));
    loss.backward();
    BOOST_TEST(in.grad().to_vector() == (std::vector<double>{0.5, -5.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(an_undefined_weight_is_no_weight)
{
    const Tensor a = nn::binary_cross_entropy(probs, target, Tensor(), Reduction::Sum);
    BOOST_TEST(a.item() == nn::binary_cross_entropy(probs, target, Reduction::Sum).item());
}
