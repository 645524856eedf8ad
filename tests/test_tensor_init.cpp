// Tensor initialisation: each rule's spread against its formula over 1e5 draws (the tolerance is
// a few standard errors, so a wrong constant fails), bounds, seeding, fans and gains (PyTorch's
// values), and the errors.
#define BOOST_TEST_MODULE tensor_init
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/tensor_init.hpp>

#include <cmath>
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

BOOST_AUTO_TEST_CASE(spreads_match_the_formulas)
{
    autograd::Generator gen(9);
    const Tensor w = Tensor::zeros({200, 500}); // 1e5 draws; fan_in 500, fan_out 200
    // U(-a, a) has std a / sqrt(3); the sample std's standard error is about std / sqrt(2n).
    const auto check_uniform = [&](double a) {
        const Moments m = moments(w);
        BOOST_TEST(m.lo >= -a);
        BOOST_TEST(m.hi <= a);
        BOOST_TEST(m.std == a / std::sqrt(3.0), tt::tolerance(0.015));
        BOOST_TEST(std::abs(m.mean) < 4 * a / std::sqrt(3.0 * 1e5));
    };
    const auto check_normal = [&](double s) {
        const Moments m = moments(w);
        BOOST_TEST(m.std == s, tt::tolerance(0.015));
        BOOST_TEST(std::abs(m.mean) < 4 * s / std::sqrt(1e5));
    };
    nn::xavier_uniform_(w, gen);
    check_uniform(std::sqrt(6.0 / 700.0));
    nn::xavier_normal_(w, gen, 2.0);
    check_normal(2.0 * std::sqrt(2.0 / 700.0));
    nn::kaiming_uniform_(w, gen, 0.0, nn::FanMode::FanIn, "relu");
    check_uniform(std::sqrt(2.0) * std::sqrt(3.0 / 500.0));
    nn::kaiming_normal_(w, gen, 0.0, nn::FanMode::FanOut, "relu");
    check_normal(std::sqrt(2.0) / std::sqrt(200.0));
    // kaiming_uniform_ with a = sqrt(5), PyTorch's Linear default: bound 1 / sqrt(fan_in)
    nn::kaiming_uniform_(w, gen, std::sqrt(5.0));
    check_uniform(1.0 / std::sqrt(500.0));
    nn::normal_(w, gen, 0.0, 0.02);
    check_normal(0.02);
    nn::zeros_(w);
    BOOST_TEST(moments(w).hi == 0.0);
    nn::ones_(w);
    BOOST_TEST(moments(w).lo == 1.0);
}

BOOST_AUTO_TEST_CASE(a_seed_gives_the_same_weights)
{
    autograd::Generator a(4), b(4);
    const Tensor x = Tensor::zeros({3, 4}), y = Tensor::zeros({3, 4});
    nn::xavier_uniform_(x, a);
    nn::xavier_uniform_(y, b);
    BOOST_TEST(x.to_vector() == y.to_vector(), tt::per_element());
}
