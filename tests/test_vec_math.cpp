// The vectorisable float32 exp, sigmoid and tanh of autograd/cpu/vec_math.hpp against the C
// library's functions in double (the reference), over a dense sample of every float: at most
// 3 ulp from the correctly rounded value, and the special values right.
#define BOOST_TEST_MODULE vec_math
#include <boost/test/unit_test.hpp>

#include <autograd/cpu/vec_math.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace {

// Distance from got to the float nearest want, in units of the last place at want.
double ulps(float got, double want)
{
    const auto w = static_cast<float>(want);
    if (std::isinf(w))
        return got == w ? 0.0 : 1e9;
    float ulp = std::nextafter(std::fabs(w), std::numeric_limits<float>::infinity()) - std::fabs(w);
    return std::fabs(static_cast<double>(got) - want) / static_cast<double>(ulp);
}

template <class F, class R> double worst(F f, R reference)
{
    double worst_ulps = 0.0;
    for (std::uint64_t b = 0; b <= 0xFFFFFFFFull; b += 997) { // about 4.3 million floats of every magnitude
        const auto bits = static_cast<std::uint32_t>(b);
        float x;
        std::memcpy(&x, &bits, sizeof x);
        if (std::isnan(x))
            continue;
        worst_ulps = std::max(worst_ulps, ulps(f(x), reference(static_cast<double>(x))));
    }
    return worst_ulps;
}

} // namespace

using namespace autograd::detail;

BOOST_AUTO_TEST_CASE(exp_sigmoid_tanh_within_three_ulp)
{
    BOOST_TEST(worst(vexp, [](double x) { return std::exp(x); }) <= 3.0);
    BOOST_TEST(worst(vsigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }) <= 3.0);
    BOOST_TEST(worst(vtanh, [](double x) { return std::tanh(x); }) <= 3.0);
}

BOOST_AUTO_TEST_CASE(special_values)
{
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    BOOST_TEST(vexp(0.0f) == 1.0f);
    BOOST_TEST(vexp(inf) == inf);
    BOOST_TEST(vexp(-inf) == 0.0f);
    BOOST_TEST(vexp(89.0f) == inf);   // overflow
    BOOST_TEST(vexp(-104.0f) == 0.0f); // below the smallest subnormal
    BOOST_TEST(std::isnan(vexp(nan)));
    BOOST_TEST(vsigmoid(inf) == 1.0f);
    BOOST_TEST(vsigmoid(-inf) == 0.0f);
    BOOST_TEST(vsigmoid(0.0f) == 0.5f);
    BOOST_TEST(std::isnan(vsigmoid(nan)));
    BOOST_TEST(vtanh(inf) == 1.0f);
    BOOST_TEST(vtanh(-inf) == -1.0f);
    BOOST_TEST(vtanh(-0.0f) == 0.0f);
    BOOST_TEST(std::isnan(vtanh(nan)));
}
