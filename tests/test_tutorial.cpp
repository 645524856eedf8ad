// The seed tutorials' worked numbers and formulas, checked against the engine.
//
// 1. The second tutorial: a = i*w, C = (a - y)^2, w <- w - r dC/dw with w = 0.8, i = 1.5,
//    y = 0.5, r = 0.1 gives w = 0.59, 0.4745, 0.410975, ... and converges to 1/3.
// 2. The first tutorial's backpropagation formulas for sigmoid neurons with E = 1/2 (t - o)^2:
//    output neuron j:  delta_j = (o_j - t_j) o_j (1 - o_j)                     (eqs. 9, 11)
//    inner neuron j:   delta_j = (sum_l w_jl delta_l) o_j (1 - o_j)             (eq. 13)
//    weight i -> j:    dE/dw_ij = delta_j o_i                                   (eq. 10)
//    computed by hand here for a 2-2-1 network and compared with backward().
#define BOOST_TEST_MODULE tutorial
#include <boost/test/unit_test.hpp>

#include <autograd/value.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>

using autograd::Value;

BOOST_AUTO_TEST_CASE(single_weight_descends_to_one_third)
{
    const Value w = Value::parameter(0.8, "w");
    const Value i = Value::constant(1.5);
    nn::SGD sgd({w}, {.lr = 0.1});
    const double expected[] = {0.8, 0.59, 0.4745, 0.410975};
    for (int step = 0; step < 200; ++step) {
        if (step < 4)
            BOOST_TEST(w.data() == expected[step], boost::test_tools::tolerance(1e-15));
        const Value cost = pow(i * w - 0.5, 2.0);
        if (step == 0) {
            BOOST_TEST(cost.data() == 0.49, boost::test_tools::tolerance(1e-15)); // (1.2 - 0.5)^2
        }
        sgd.zero_grad();
        cost.backward();
        if (step == 0)
            BOOST_TEST(w.grad() == 2.1, boost::test_tools::tolerance(1e-15)); // 2 (1.2 - 0.5) 1.5
        sgd.step();
    }
    BOOST_TEST(std::abs(w.data() - 1.0 / 3.0) < 1e-12);
}

BOOST_AUTO_TEST_CASE(sigmoid_network_gradients_match_the_tutorial_formulas)
{
    // 2 inputs -> 2 hidden sigmoid neurons -> 1 sigmoid output, with biases.
    const double x[2] = {0.35, 0.9};
    const double t = 0.5;
    const double w_hidden[2][2] = {{0.1, 0.8}, {0.4, 0.6}}; // [hidden j][input i]
    const double b_hidden[2] = {0.05, -0.1};
    const double w_out[2] = {0.3, 0.9};
    const double b_out = 0.2;

    // By hand, in doubles.
    const auto sig = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
    double h[2];
    for (int j = 0; j < 2; ++j)
        h[j] = sig(b_hidden[j] + w_hidden[j][0] * x[0] + w_hidden[j][1] * x[1]);
    const double o = sig(b_out + w_out[0] * h[0] + w_out[1] * h[1]);
    const double delta_out = (o - t) * o * (1.0 - o);
    double delta_hidden[2];
    for (int j = 0; j < 2; ++j)
        delta_hidden[j] = w_out[j] * delta_out * h[j] * (1.0 - h[j]);

    // With the engine.
    Value wh[2][2], bh[2], wo[2];
    for (int j = 0; j < 2; ++j) {
        bh[j] = Value::parameter(b_hidden[j]);
        wo[j] = Value::parameter(w_out[j]);
        for (int i = 0; i < 2; ++i)
            wh[j][i] = Value::parameter(w_hidden[j][i]);
    }
    const Value bo = Value::parameter(b_out);
    Value hv[2];
    for (int j = 0; j < 2; ++j)
        hv[j] = sigmoid(bh[j] + wh[j][0] * x[0] + wh[j][1] * x[1]);
    const Value ov = sigmoid(bo + wo[0] * hv[0] + wo[1] * hv[1]);
    const Value error = 0.5 * pow(t - ov, 2.0);
    error.backward();

    const auto tol = boost::test_tools::tolerance(1e-13);
    BOOST_TEST(ov.data() == o, tol);
    BOOST_TEST(bo.grad() == delta_out, tol);
    for (int j = 0; j < 2; ++j) {
        BOOST_TEST(wo[j].grad() == delta_out * h[j], tol);
        BOOST_TEST(bh[j].grad() == delta_hidden[j], tol);
        for (int i = 0; i < 2; ++i)
            BOOST_TEST(wh[j][i].grad() == delta_hidden[j] * x[i], tol);
    }
}
