// Optimizer trajectories against PyTorch: SGD (plain, momentum, Nesterov, dampening with weight
// decay), Rprop (default and custom etas/step bounds) and Adam (default and with weight decay)
// minimise the same function of three weights for 20 steps; every weight after every step must
// match torch.optim's within 1e-9. The fixture tests/fixtures/optim_golden.txt is written by
// tests/golden/golden_optim.py (PyTorch in float64); the tests themselves never need PyTorch.
#define BOOST_TEST_MODULE optim_golden
#include <boost/test/unit_test.hpp>

#include "golden_file.hpp"

#include <autograd/value.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using autograd::Value;

namespace {

std::map<std::string, golden::Trajectory> load_fixture()
{
    return golden::read_trajectories(BACKPROP_FIXTURES "/optim_golden.txt", 3); // per step: w0 w1 w2
}

// The fixture's function, written with the scalar engine.
Value objective(const std::vector<Value>& w)
{
    return pow(1.0 - w[0], 2.0) + 5.0 * pow(w[1] - pow(w[0], 2.0), 2.0) + log(1.0 + pow(w[2], 2.0)) +
           sigmoid(w[0] * w[2]);
}

using Factory = std::function<std::unique_ptr<nn::Optimizer>(nn::Params)>;

const std::map<std::string, Factory>& factories()
{
    static const std::map<std::string, Factory> table = {
        {"sgd", [](auto p) { return std::make_unique<nn::SGD>(std::move(p), nn::SGDOptions{.lr = 0.01}); }},
        {"sgd_momentum",
         [](auto p) { return std::make_unique<nn::SGD>(std::move(p), nn::SGDOptions{.lr = 0.01, .momentum = 0.9}); }},
        {"sgd_nesterov",
         [](auto p) {
             return std::make_unique<nn::SGD>(std::move(p),
                                              nn::SGDOptions{.lr = 0.01, .momentum = 0.9, .nesterov = true});
         }},
        {"sgd_dampening_wd",
         [](auto p) {
             return std::make_unique<nn::SGD>(
                 std::move(p), nn::SGDOptions{.lr = 0.01, .momentum = 0.5, .dampening = 0.3, .weight_decay = 0.1});
         }},
        {"rprop", [](auto p) { return std::make_unique<nn::Rprop>(std::move(p), nn::RpropOptions{.lr = 0.01}); }},
        {"rprop_custom",
         [](auto p) {
             return std::make_unique<nn::Rprop>(
                 std::move(p),
                 nn::RpropOptions{.lr = 0.1, .eta_minus = 0.3, .eta_plus = 1.5, .step_min = 1e-3, .step_max = 0.2});
         }},
        {"adam", [](auto p) { return std::make_unique<nn::Adam>(std::move(p), nn::AdamOptions{.lr = 0.05}); }},
        {"adam_wd",
         [](auto p) {
             return std::make_unique<nn::Adam>(
                 std::move(p),
                 nn::AdamOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1});
         }},
    };
    return table;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_fixture_config_has_an_optimizer)
{
    const auto golden = load_fixture();
    BOOST_TEST(golden.size() == factories().size());
    for (const auto& [name, trajectory] : golden) {
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_TEST(factories().count(name) == 1u);
            BOOST_TEST(trajectory.size() == 20u);
        }
    }
}

BOOST_AUTO_TEST_CASE(trajectories_match_pytorch)
{
    for (const auto& [name, trajectory] : load_fixture()) {
        const auto it = factories().find(name);
        BOOST_REQUIRE_MESSAGE(it != factories().end(), "no optimizer for fixture config " << name);
        const std::vector<Value> w = {Value::parameter(-0.5), Value::parameter(1.5), Value::parameter(0.8)};
        const auto optimizer = it->second(w);
        for (std::size_t step = 0; step < trajectory.size(); ++step) {
            optimizer->zero_grad();
            objective(w).backward();
            optimizer->step();
            for (std::size_t i = 0; i < 3; ++i) {
                const double expected = trajectory[step][i];
                BOOST_TEST_CONTEXT(name << " step " << step + 1 << " w" << i)
                {
                    BOOST_TEST(std::abs(w[i].data() - expected) <= 1e-9, "got " << w[i].data() << ", PyTorch "
                                                                                 << expected);
                }
            }
        }
        BOOST_TEST(optimizer->steps() == trajectory.size());
    }
}
