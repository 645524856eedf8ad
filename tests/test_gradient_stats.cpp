// nn::GradientStats: the per-parameter gradient numbers of a step (L2 norm, mean |g|, max |g|),
// their epoch summary, a parameter without a gradient, and the double sums of float32 and
// float64 gradients, each against values derived by hand below.
#define BOOST_TEST_MODULE gradient_stats
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/metrics/gradient_stats.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/sequential.hpp>

#include <autograd/ops/matmul.hpp>

#include <cmath>
#include <vector>

using autograd::Dtype;
using autograd::Tensor;
namespace tt = boost::test_tools;

namespace {

// y = x w, with a second parameter the forward never uses (so no backward reaches it).
class Toy : public nn::Module {
public:
    Toy()
    {
        w_ = register_parameter("w", Tensor({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2}));
        register_parameter("unused", Tensor::zeros({3}));
    }
    Tensor forward(const Tensor& x) override { return autograd::matmul(x, w_); }
    std::string type_name() const override { return "Toy"; }

private:
    Tensor w_;
};

} // namespace

BOOST_AUTO_TEST_CASE(steps_and_their_epoch_summary_on_a_hand_made_model)
{
    Toy model;
    nn::GradientStats stats(model);
    BOOST_TEST(stats.names() == (std::vector<std::string>{"w", "unused"}), tt::per_element());
    BOOST_TEST(stats.last().empty());

    // L = sum_j (x w)_j = sum_j (x0 w0j + x1 w1j), so dL/dw_ij = x_i whatever w is.
    // Step 1, x = [3, -4]: g = [[3, 3], [-4, -4]];
    //   ||g|| = sqrt(9 + 9 + 16 + 16) = sqrt(50) = 5 sqrt(2), mean |g| = 14 / 4 = 3.5, max |g| = 4.
    model(Tensor({3.0f, -4.0f}, {1, 2})).sum().backward();
    const std::vector<nn::GradientStat> first = stats.update();
    BOOST_TEST_REQUIRE(first.size() == 2u);
    BOOST_TEST(first[0].has_grad);
    BOOST_TEST(first[0].norm == 5 * std::sqrt(2.0), tt::tolerance(1e-12));
    BOOST_TEST(first[0].mean_abs == 3.5, tt::tolerance(1e-12));
    BOOST_TEST(first[0].max_abs == 4.0, tt::tolerance(1e-12));
    // "unused": no gradient, which is reported as none, not as zeros.
    BOOST_TEST(!first[1].has_grad);
    BOOST_TEST(std::isnan(first[1].norm));
    BOOST_TEST(std::isnan(first[1].mean_abs));
    BOOST_TEST(std::isnan(first[1].max_abs));

    // Step 2, x = [0.5, 0]: g = [[0.5, 0.5], [0, 0]];
    //   ||g|| = sqrt(0.25 + 0.25) = sqrt(2) / 2, mean |g| = 1 / 4, max |g| = 0.5.
    model.zero_grad();
    model(Tensor({0.5f, 0.0f}, {1, 2})).sum().backward();
    stats.update();
    BOOST_TEST(stats.last()[0].norm == std::sqrt(2.0) / 2, tt::tolerance(1e-12));
    BOOST_TEST(stats.last()[0].mean_abs == 0.25, tt::tolerance(1e-12));
    BOOST_TEST(stats.last()[0].max_abs == 0.5, tt::tolerance(1e-12));

    // Step 3: gradients dropped and no backward, so w has none this step.
    model.zero_grad();
    BOOST_TEST(!stats.update()[0].has_grad);

    // The epoch: three steps, two with a gradient for w; the means are over those two:
    //   mean ||g|| = (5 sqrt(2) + sqrt(2) / 2) / 2 = 11 sqrt(2) / 4,  (over three, counting the
    //   missing step as 0, it would be 11 sqrt(2) / 6)
    //   mean of mean |g| = (3.5 + 0.25) / 2 = 1.875, mean of max |g| = (4 + 0.5) / 2 = 2.25,
    //   largest max |g| = 4.
    const std::vector<nn::GradientEpochStats> epoch = stats.compute();
    BOOST_TEST_REQUIRE(epoch.size() == 2u);
    BOOST_TEST(epoch[0].name == "w");
    BOOST_TEST(epoch[0].steps == 3u);
    BOOST_TEST(epoch[0].steps_with_grad == 2u);
    BOOST_TEST(epoch[0].mean_norm == 11 * std::sqrt(2.0) / 4, tt::tolerance(1e-12));
    BOOST_TEST(epoch[0].mean_mean_abs == 1.875, tt::tolerance(1e-12));
    BOOST_TEST(epoch[0].mean_max_abs == 2.25, tt::tolerance(1e-12));
    BOOST_TEST(epoch[0].max_max_abs == 4.0, tt::tolerance(1e-12));
    BOOST_TEST(epoch[1].name == "unused");
    BOOST_TEST(epoch[1].steps == 3u);
    BOOST_TEST(epoch[1].steps_with_grad == 0u);
    BOOST_TEST(std::isnan(epoch[1].mean_norm));
    BOOST_TEST(std::isnan(epoch[1].mean_mean_abs));
    BOOST_TEST(std::isnan(epoch[1].mean_max_abs));
    BOOST_TEST(std::isnan(epoch[1].max_max_abs));

    // reset() starts the next epoch: only the steps after it count.
    // Step 4, x = [1, 2]: g = [[1, 1], [2, 2]]; ||g|| = sqrt(10), mean |g| = 1.5, max |g| = 2.
    stats.reset();
    BOOST_TEST(stats.compute()[0].steps == 0u);
    BOOST_TEST(std::isnan(stats.compute()[0].mean_norm));
    model(Tensor({1.0f, 2.0f}, {1, 2})).sum().backward();
    stats.update();
    const nn::GradientEpochStats next = stats.compute()[0];
    BOOST_TEST(next.steps == 1u);
    BOOST_TEST(next.steps_with_grad == 1u);
    BOOST_TEST(next.mean_norm == std::sqrt(10.0), tt::tolerance(1e-12));
    BOOST_TEST(next.mean_mean_abs == 1.5, tt::tolerance(1e-12));
    BOOST_TEST(next.mean_max_abs == 2.0, tt::tolerance(1e-12));
    BOOST_TEST(next.max_max_abs == 2.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_sequentials_named_parameters_in_float32_and_float64)
{
    // y = x W^T + b over two rows, L = sum(y): dL/dW = x_1 + x_2 (the rows summed), dL/db = 2
    // (one per row), whatever the weights.
    //   float32, x = [[3, -4], [1, 2]]: dW = [4, -2]; ||dW|| = sqrt(20), mean 3, max 4; db = [2].
    //   float64, x = [[0.1, -0.3], [0.2, 0.1]]: dW = [0.3, -0.2]; ||dW|| = sqrt(0.13), mean 0.25,
    //   max 0.3.
    struct Case {
        Dtype dtype;
        Tensor x;
        double norm, mean_abs, max_abs;
    };
    const Case cases[] = {
        {Dtype::Float32, Tensor({3.0f, -4.0f, 1.0f, 2.0f}, {2, 2}), std::sqrt(20.0), 3.0, 4.0},
        {Dtype::Float64, Tensor({0.1, -0.3, 0.2, 0.1}, {2, 2}), std::sqrt(0.13), 0.25, 0.3},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.dtype)
        {
            autograd::Generator gen(7);
            nn::Sequential model(nn::Linear(2, 1, gen, true, c.dtype));
            nn::GradientStats stats(model);
            BOOST_TEST(stats.names() == (std::vector<std::string>{"0.weight", "0.bias"}), tt::per_element());
            model(c.x).sum().backward();
            const std::vector<nn::GradientStat> s = stats.update();
            // float64 sums are exact to a few ulps; float32 inputs here are whole numbers, exact too.
            BOOST_TEST(s[0].norm == c.norm, tt::tolerance(1e-14));
            BOOST_TEST(s[0].mean_abs == c.mean_abs, tt::tolerance(1e-14));
            BOOST_TEST(s[0].max_abs == c.max_abs, tt::tolerance(1e-14));
            BOOST_TEST(s[1].norm == 2.0, tt::tolerance(1e-14));
            BOOST_TEST(s[1].mean_abs == 2.0, tt::tolerance(1e-14));
            BOOST_TEST(s[1].max_abs == 2.0, tt::tolerance(1e-14));
        }
    }
}

BOOST_AUTO_TEST_CASE(float32_gradients_are_summed_in_double)
{
    // g = [1e8, 1, 1, 1, 1], all exact in float32. In double, sum |g| = 100000004 exactly, so
    // mean |g| = 20000000.8; a float32 sum would lose every 1 (the float32 spacing at 1e8 is 8)
    // and give 2e7. sum g^2 = 1e16 + 4, exact in double (spacing 2 there).
    Tensor p = Tensor::zeros({5});
    p.requires_grad_();
    p.set_grad(Tensor({1e8f, 1.0f, 1.0f, 1.0f, 1.0f}, {5}));
    const nn::GradientStat s = nn::gradient_stat(p.grad());
    BOOST_TEST(s.has_grad);
    BOOST_TEST(s.mean_abs == 20000000.8, tt::tolerance(1e-15));
    BOOST_TEST(s.mean_abs != 2e7);
    BOOST_TEST(s.norm == std::sqrt(1e16 + 4.0), tt::tolerance(1e-15));
    BOOST_TEST(s.max_abs == 1e8);
}

BOOST_AUTO_TEST_CASE(non_finite_gradients_and_misuse)
{
    // A NaN makes all three NaN (max |g| too, though std::max would step over it); an infinity
    // makes the norm, the mean and the max infinite.
    Tensor p = Tensor::zeros({3}, Dtype::Float64);
    p.requires_grad_();
    nn::GradientStats stats({{"p", p}});
    p.set_grad(Tensor({1.0, NAN, 2.0}, {3}));
    const nn::GradientStat nan = stats.update()[0];
    BOOST_TEST((std::isnan(nan.norm) && std::isnan(nan.mean_abs) && std::isnan(nan.max_abs)));
    p.set_grad(Tensor({1.0, -INFINITY, 2.0}, {3}));
    const nn::GradientStat inf = stats.update()[0];
    BOOST_TEST((std::isinf(inf.norm) && std::isinf(inf.mean_abs) && std::isinf(inf.max_abs)));
    // The epoch keeps the NaN: its largest max |g| is NaN, not the later infinity.
    BOOST_TEST(std::isnan(stats.compute()[0].max_max_abs));
    BOOST_TEST(std::isnan(stats.compute()[0].mean_norm));

    BOOST_TEST(!nn::gradient_stat(Tensor()).has_grad);
    BOOST_TEST(test_util::message_of<std::invalid_argument>([] { nn::GradientStats({{"ghost", Tensor()}}); }) ==
               "GradientStats: parameter 'ghost' is an undefined tensor");
}
