// Tensor initialisation: each rule's spread against its formula over 1e5 draws (the tolerance is
// a few standard errors, so a wrong constant fails), bounds, seeding, fans and gains (PyTorch's
// values), and the errors.
#define BOOST_TEST_MODULE tensor_init
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/modules/init.hpp>

#include <cmath>
#include <functional>
#include <vector>

using autograd::Tensor;
using test_util::message_of;
namespace tt = boost::test_tools;

namespace {

struct Moments {
    double mean = 0, std = 0, lo = 1e300, hi = -1e300;
};

Moments moments(const Tensor& t)
{
    const std::vector<double> v = t.to_vector();
    Moments m;
    for (double x : v) {
        m.mean += x / static_cast<double>(v.size());
        m.lo = std::min(m.lo, x);
        m.hi = std::max(m.hi, x);
    }
    for (double x : v)
        m.std += (x - m.mean) * (x - m.mean) / static_cast<double>(v.size());
    m.std = std::sqrt(m.std);
    return m;
}

} // namespace

BOOST_AUTO_TEST_CASE(fans_and_gains)
{
    const auto [in, out] = nn::fans(Tensor::zeros({200, 500}));
    BOOST_TEST(in == 500.0);
    BOOST_TEST(out == 200.0);
    const auto [in3, out3] = nn::fans(Tensor::zeros({4, 3, 5})); // receptive field 5
    BOOST_TEST(in3 == 15.0);
    BOOST_TEST(out3 == 20.0);
    BOOST_TEST(nn::calculate_gain("relu") == std::sqrt(2.0));
    BOOST_TEST(nn::calculate_gain("tanh") == 5.0 / 3.0);
    BOOST_TEST(nn::calculate_gain("leaky_relu", std::sqrt(5.0)) == std::sqrt(1.0 / 3.0), tt::tolerance(1e-15));
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::fans(Tensor::zeros({5})); }) ==
               "fans: fan in and fan out need a tensor of 2 or more dimensions (got [5])");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)nn::calculate_gain("softplus"); }) ==
               "calculate_gain: unknown nonlinearity 'softplus'");
}

namespace {

// Tolerances are five standard errors over n = 1e5 draws: the mean's is s / sqrt(n); the sample
// std's is s sqrt((kurtosis - 1) / (4 n)), kurtosis 9/5 for a uniform and 3 for a normal. A
// spread off by 2% fails (the mean is off by 5 standard errors only for a gross error).
constexpr double kN = 1e5;

void check_uniform(const Tensor& w, double lo, double hi)
{
    const Moments m = moments(w);
    const double s = (hi - lo) / std::sqrt(12.0);
    BOOST_TEST(m.lo >= lo);
    BOOST_TEST(m.hi <= hi);
    // the draws reach both ends (a draw misses the last 0.05% with probability e^-50 over 1e5)
    BOOST_TEST(m.lo < lo + 5e-4 * (hi - lo));
    BOOST_TEST(m.hi > hi - 5e-4 * (hi - lo));
    BOOST_TEST(std::abs(m.mean - (lo + hi) / 2) < 5 * s / std::sqrt(kN));
    BOOST_TEST(std::abs(m.std - s) < 5 * s * std::sqrt(0.8 / (4 * kN)));
}

void check_normal(const Tensor& w, double mean, double s)
{
    const Moments m = moments(w);
    BOOST_TEST(std::abs(m.mean - mean) < 5 * s / std::sqrt(kN));
    BOOST_TEST(std::abs(m.std - s) < 5 * s * std::sqrt(2.0 / (4 * kN)));
    // a normal's shape, not only its spread: 68.27% within one std (a uniform has 57.7%)
    double inside = 0;
    for (double x : w.to_vector())
        inside += std::abs(x - mean) < s ? 1.0 : 0.0;
    const double p = 0.682689;
    BOOST_TEST(std::abs(inside / kN - p) < 5 * std::sqrt(p * (1 - p) / kN));
}

} // namespace

BOOST_AUTO_TEST_CASE(spreads_match_the_formulas)
{
    autograd::Generator gen(9);
    for (autograd::Dtype dtype : {autograd::Dtype::Float32, autograd::Dtype::Float64}) {
        BOOST_TEST_CONTEXT("dtype " << autograd::to_string(dtype))
        {
            const Tensor w = Tensor::zeros({200, 500}, dtype); // 1e5 draws; fan_in 500, fan_out 200
            const double xu = std::sqrt(6.0 / 700.0);
            BOOST_TEST(&nn::xavier_uniform_(w, gen) == &w); // returns its argument
            check_uniform(w, -xu, xu);
            nn::xavier_uniform_(w, gen, 5.0 / 3.0);
            check_uniform(w, -5.0 / 3.0 * xu, 5.0 / 3.0 * xu);
            nn::xavier_normal_(w, gen, 2.0);
            check_normal(w, 0.0, 2.0 * std::sqrt(2.0 / 700.0));
            nn::kaiming_uniform_(w, gen, 0.0, nn::FanMode::FanIn, "relu");
            check_uniform(w, -std::sqrt(6.0 / 500.0), std::sqrt(6.0 / 500.0));
            nn::kaiming_uniform_(w, gen, 0.0, nn::FanMode::FanOut, "relu");
            check_uniform(w, -std::sqrt(6.0 / 200.0), std::sqrt(6.0 / 200.0));
            nn::kaiming_normal_(w, gen, 0.0, nn::FanMode::FanOut, "relu");
            check_normal(w, 0.0, std::sqrt(2.0) / std::sqrt(200.0));
            nn::kaiming_normal_(w, gen); // leaky_relu with a = 0 is relu: sqrt(2 / fan_in)
            check_normal(w, 0.0, std::sqrt(2.0 / 500.0));
            // kaiming_uniform_ with a = sqrt(5), PyTorch's Linear default: bound 1 / sqrt(fan_in)
            nn::kaiming_uniform_(w, gen, std::sqrt(5.0));
            check_uniform(w, -1.0 / std::sqrt(500.0), 1.0 / std::sqrt(500.0));
            nn::kaiming_normal_(w, gen, 0.0, nn::FanMode::FanIn, "tanh");
            check_normal(w, 0.0, 5.0 / 3.0 / std::sqrt(500.0));
            nn::uniform_(w, gen, 2.0, 5.0);
            check_uniform(w, 2.0, 5.0);
            nn::uniform_(w, gen);
            check_uniform(w, 0.0, 1.0);
            nn::normal_(w, gen, 0.0, 0.02);
            check_normal(w, 0.0, 0.02);
            nn::normal_(w, gen, -3.0, 1.5);
            check_normal(w, -3.0, 1.5);
            nn::zeros_(w);
            BOOST_TEST(moments(w).lo == 0.0);
            BOOST_TEST(moments(w).hi == 0.0);
            nn::ones_(w);
            BOOST_TEST(moments(w).lo == 1.0);
            BOOST_TEST(moments(w).hi == 1.0);
        }
    }
}

BOOST_AUTO_TEST_CASE(fans_of_a_conv_weight_include_the_receptive_field)
{
    autograd::Generator gen(2);
    const Tensor w = Tensor::zeros({100, 40, 5, 5}); // fan_in 1000, fan_out 2500
    nn::kaiming_uniform_(w, gen, 0.0, nn::FanMode::FanOut, "relu");
    check_uniform(w, -std::sqrt(6.0 / 2500.0), std::sqrt(6.0 / 2500.0));
}

BOOST_AUTO_TEST_CASE(initialisation_records_no_graph)
{
    autograd::Generator gen(1);
    const Tensor w = Tensor::zeros({3, 4}).requires_grad_();
    nn::xavier_normal_(w, gen);
    BOOST_TEST(w.is_leaf());
    BOOST_TEST(w.requires_grad());
    BOOST_TEST(!w.grad_fn());
    BOOST_TEST(!w.grad().defined());
}

BOOST_AUTO_TEST_CASE(misuse_is_a_clear_error)
{
    autograd::Generator gen(0);
    const Tensor bias = Tensor::zeros({5});
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::xavier_uniform_(bias, gen); }) ==
               "xavier_uniform_: fan in and fan out need a tensor of 2 or more dimensions (got [5])");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::xavier_normal_(Tensor::scalar(1.0), gen); }) ==
               "xavier_normal_: fan in and fan out need a tensor of 2 or more dimensions (got [])");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::kaiming_uniform_(bias, gen); }) ==
               "kaiming_uniform_: fan in and fan out need a tensor of 2 or more dimensions (got [5])");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::kaiming_normal_(Tensor(), gen); }) ==
               "kaiming_normal_: fan in and fan out need a tensor of 2 or more dimensions (got undefined)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::kaiming_normal_(Tensor::zeros({2, 2}), gen, 0.0,
                                                                                 nn::FanMode::FanIn, "gelu"); }) ==
               "calculate_gain: unknown nonlinearity 'gelu'");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::uniform_(bias, gen, 1.0, -1.0); }) ==
               "uniform_: the range [1, -1) is empty (want a <= b)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::normal_(bias, gen, 0.0, -0.5); }) ==
               "normal_: std -0.5 is negative (want std >= 0)");
    // 1-d tensors are fine where no fan is needed (biases)
    nn::uniform_(bias, gen, -0.1, 0.1);
    nn::normal_(bias, gen);
    BOOST_TEST(bias.numel() == 5);
}

BOOST_AUTO_TEST_CASE(a_seed_gives_the_same_weights)
{
    autograd::Generator a(4), b(4);
    const Tensor x = Tensor::zeros({3, 4}), y = Tensor::zeros({3, 4});
    using Init = std::function<void(const Tensor&, autograd::Generator&)>;
    const std::vector<Init> inits = {
        [](const Tensor& t, autograd::Generator& g) { nn::xavier_uniform_(t, g); },
        [](const Tensor& t, autograd::Generator& g) { nn::xavier_normal_(t, g); },
        [](const Tensor& t, autograd::Generator& g) { nn::kaiming_uniform_(t, g); },
        [](const Tensor& t, autograd::Generator& g) { nn::kaiming_normal_(t, g); },
        [](const Tensor& t, autograd::Generator& g) { nn::uniform_(t, g, -1.0, 1.0); },
        [](const Tensor& t, autograd::Generator& g) { nn::normal_(t, g); },
    };
    for (std::size_t i = 0; i < inits.size(); ++i) {
        BOOST_TEST_CONTEXT("init " << i)
        {
            inits[i](x, a);
            inits[i](y, b);
            BOOST_TEST(x.to_vector() == y.to_vector(), tt::per_element());
            autograd::Generator other(5);
            inits[i](y, other);
            BOOST_TEST(x.to_vector() != y.to_vector()); // and another seed gives others
        }
    }
}
