#define BOOST_TEST_MODULE value
#include <boost/test/unit_test.hpp>

#include <autograd/value.hpp>

using autograd::Value;

BOOST_AUTO_TEST_CASE(micrograd_sanity)
{
    Value x = -4.0;
    Value z = 2 * x + 2 + x;
    Value q = z.relu() + z * x;
    Value h = (z * z).relu();
    Value y = h + q + q * x;
    y.backward();
    BOOST_TEST(y.data() == -20.0);
    BOOST_TEST(x.grad() == 46.0);
}
