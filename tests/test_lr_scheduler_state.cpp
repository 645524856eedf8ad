// Schedulers' state_dict and load_state_dict: for each scheduler, the state saved after k steps
// and loaded into a fresh scheduler over a fresh optimizer (with another lr, so nothing carries
// over but the state) continues the lr sequence of an uninterrupted run exactly; and a malformed
// or mismatched state is an error naming the scheduler, the entry and the values, that changes
// nothing.
#define BOOST_TEST_MODULE lr_scheduler_state
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/tensor.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/optim/reduce_lr_on_plateau.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;

namespace {

constexpr std::size_t kEpochs = 24;

// A plateau-shaped metric: falls, stalls, falls again, stalls for long.
double metric_at(std::size_t epoch)
{
    static const double m[kEpochs] = {10, 9, 8.9, 8.9, 8.9, 8.9, 7, 6, 6, 6, 6, 6,
                                      6,  5, 5,   5,   5,   5,   5, 5, 4, 4, 4, 4};
    return m[epoch];
}

// Steps any of the schedulers: epoch-based ones ignore the metric.
struct Stepper {
    std::function<void(std::size_t)> step;
    std::function<nn::StateDict()> save;
    std::function<void(const nn::StateDict&)> load;
};

template <class S> Stepper stepper_of(std::shared_ptr<S> s)
{
    Stepper out;
    if constexpr (std::is_same_v<S, nn::ReduceLROnPlateau>)
        out.step = [s](std::size_t epoch) { s->step(metric_at(epoch)); };
    else
        out.step = [s](std::size_t) { s->step(); };
    out.save = [s] { return s->state_dict(); };
    out.load = [s](const nn::StateDict& state) { s->load_state_dict(state); };
    return out;
}

using Factory = std::function<Stepper(nn::Optimizer&)>;

const std::vector<std::pair<std::string, Factory>>& schedulers()
{
    static const std::vector<std::pair<std::string, Factory>> table = {
        {"StepLR", [](nn::Optimizer& o) { return stepper_of(std::make_shared<nn::StepLR>(o, 3, 0.5)); }},
        {"ExponentialLR", [](nn::Optimizer& o) { return stepper_of(std::make_shared<nn::ExponentialLR>(o, 0.9)); }},
        // T_max 5: 24 epochs pass the bottom (epoch 5, 15) and the step after it (6, 16), the
        // special case of the recursive form, on both sides of a reload.
        {"CosineAnnealingLR", [](nn::Optimizer& o) { return stepper_of(std::make_shared<nn::CosineAnnealingLR>(o, 5, 0.01)); }},
        {"ReduceLROnPlateau",
         [](nn::Optimizer& o) {
             return stepper_of(std::make_shared<nn::ReduceLROnPlateau>(
                 o, nn::ReduceLROnPlateauOptions{.factor = 0.5, .patience = 2, .threshold = 0.01, .cooldown = 2, .min_lr = 0.01}));
         }},
    };
    return table;
}

std::vector<Tensor> weights() { return {Tensor({1.0, 2.0}, {2}).requires_grad_()}; }

nn::StateDict with(const nn::StateDict& state, const std::string& name, const Tensor& value)
{
    nn::StateDict out;
    for (const auto& [n, t] : state)
        out.insert(n, n == name ? value : t);
    if (!state.contains(name))
        out.insert(name, value);
    return out;
}

nn::StateDict without(const nn::StateDict& state, const std::string& name)
{
    nn::StateDict out;
    for (const auto& [n, t] : state)
        if (n != name)
            out.insert(n, t);
    return out;
}

Tensor number(double v) { return Tensor::scalar(v, Dtype::Float64); }

} // namespace

BOOST_AUTO_TEST_CASE(a_reloaded_schedule_continues_the_lr_sequence_exactly)
{
    for (const auto& [name, make] : schedulers()) {
        const std::vector<Tensor> w = weights();
        nn::SGD straight_opt(w, {.lr = 0.5});
        Stepper straight = make(straight_opt);
        std::vector<double> want;
        for (std::size_t e = 0; e < kEpochs; ++e) {
            straight.step(e);
            want.push_back(straight_opt.lr());
        }
        // The sequence must move, or the comparison below proves nothing.
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(want.back() < 0.5 * 0.5); }

        for (std::size_t k : {1u, 4u, 5u, 6u, 9u, 15u}) {
            BOOST_TEST_CONTEXT(name << ", saved after " << k << " steps")
            {
                nn::StateDict saved;
                {
                    nn::SGD opt(w, {.lr = 0.5});
                    Stepper first = make(opt);
                    for (std::size_t e = 0; e < k; ++e)
                        first.step(e);
                    saved = first.save();
                } // only the state goes on

                nn::SGD opt(w, {.lr = 7.0}); // another lr: the state must set it
                Stepper resumed = make(opt);
                resumed.load(saved);
                BOOST_TEST(opt.lr() == want[k - 1]);
                std::vector<double> got(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(k));
                for (std::size_t e = k; e < kEpochs; ++e) {
                    resumed.step(e);
                    got.push_back(opt.lr());
                }
                BOOST_TEST(got == want, boost::test_tools::per_element()); // bit for bit
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(state_dict_holds_pytorchs_names_and_values)
{
    const std::vector<Tensor> w = weights();
    nn::SGD opt(w, {.lr = 0.5});
    nn::StepLR step(opt, 3, 0.5);
    for (int e = 0; e < 4; ++e)
        step.step();
    const nn::StateDict s = step.state_dict();
    BOOST_TEST(s.size() == 5u);
    BOOST_TEST(s.at("last_epoch").item() == 4.0);
    BOOST_TEST(s.at("base_lr").item() == 0.5);
    BOOST_TEST(s.at("last_lr").item() == 0.25);
    BOOST_TEST(s.at("step_size").item() == 3.0);
    BOOST_TEST(s.at("gamma").item() == 0.5);
    BOOST_TEST((s.at("last_lr").dtype() == Dtype::Float64));
    BOOST_TEST(s.at("last_lr").dim() == 0);

    nn::SGD opt2(w, {.lr = 1.0});
    nn::ReduceLROnPlateau plateau(opt2, {.mode = nn::ReduceLROnPlateauOptions::Mode::Max, .patience = 3});
    plateau.step(0.7);
    plateau.step(0.6);
    const nn::StateDict p = plateau.state_dict();
    BOOST_TEST(p.at("best").item() == 0.7);
    BOOST_TEST(p.at("num_bad_epochs").item() == 1.0);
    BOOST_TEST(p.at("cooldown_counter").item() == 0.0);
    BOOST_TEST(p.at("last_epoch").item() == 2.0);
    BOOST_TEST(p.at("mode").item() == 1.0);
    BOOST_TEST(p.at("patience").item() == 3.0);
    BOOST_TEST(p.size() == 13u);

    // Before the first step, best is -inf (max mode), which must survive a reload.
    nn::ReduceLROnPlateau fresh(opt2, {.mode = nn::ReduceLROnPlateauOptions::Mode::Max, .patience = 3});
    nn::ReduceLROnPlateau other(opt2, {.mode = nn::ReduceLROnPlateauOptions::Mode::Max, .patience = 3});
    other.step(5.0);
    other.load_state_dict(fresh.state_dict());
    BOOST_TEST(other.best() == -std::numeric_limits<double>::infinity());
    BOOST_TEST(other.last_epoch() == 0);
}

BOOST_AUTO_TEST_CASE(malformed_lr_scheduler_state_is_an_error_that_changes_nothing)
{
    const std::vector<Tensor> w = weights();
    nn::SGD opt(w, {.lr = 0.5});
    nn::StepLR saved_from(opt, 3, 0.5);
    for (int e = 0; e < 4; ++e)
        saved_from.step();
    const nn::StateDict good = saved_from.state_dict();

    nn::SGD target_opt(w, {.lr = 0.9});
    nn::StepLR target(target_opt, 3, 0.5);
    target.step();
    const auto load_error = [&](const nn::StateDict& state) {
        return message_of<std::invalid_argument>([&] { target.load_state_dict(state); });
    };

    std::string m = load_error(without(good, "last_epoch"));
    BOOST_TEST(contains(m, "StepLR: load_state_dict: no entry named 'last_epoch'"), m);
    BOOST_TEST(contains(m, "last_epoch, base_lr, last_lr, step_size, gamma"), m); // what it keeps

    m = load_error(with(good, "momentum", number(0.9)));
    BOOST_TEST(contains(m, "unexpected entry 'momentum'"), m);

    m = load_error(with(good, "step_size", number(4.0)));
    BOOST_TEST(contains(m, "'step_size' is 4 in the state but 3 in this scheduler"), m);

    m = load_error(with(good, "gamma", number(0.1)));
    BOOST_TEST(contains(m, "'gamma' is 0.1 in the state but 0.5"), m);

    m = load_error(with(good, "last_epoch", number(2.5)));
    BOOST_TEST(contains(m, "'last_epoch' must be a count"), m);
    BOOST_TEST(contains(m, "2.5"), m);

    m = load_error(with(good, "last_epoch", number(-1.0)));
    BOOST_TEST(contains(m, "-1"), m);

    m = load_error(with(good, "last_epoch", Tensor::scalar(4.0, Dtype::Float32)));
    BOOST_TEST(contains(m, "'last_epoch' is float32, expected float64"), m);

    m = load_error(with(good, "last_lr", Tensor({0.25}, {1})));
    BOOST_TEST(contains(m, "'last_lr' has shape [1]"), m);

    m = load_error(with(good, "last_lr", number(std::nan(""))));
    BOOST_TEST(contains(m, "'last_lr' is NaN"), m);

    m = load_error(with(good, "base_lr", number(-0.5)));
    BOOST_TEST(contains(m, "'base_lr' must be finite and >= 0, got -0.5"), m);

    m = load_error(with(good, "last_lr", number(-0.25))); // the optimizer refuses it
    BOOST_TEST(contains(m, "-0.25"), m);

    // Another kind of scheduler's state: its own entries are the unexpected ones.
    nn::ExponentialLR exp(target_opt, 0.5);
    m = message_of<std::invalid_argument>([&] { exp.load_state_dict(good); });
    BOOST_TEST(contains(m, "ExponentialLR: load_state_dict: unexpected entry 'step_size'"), m);
    nn::CosineAnnealingLR cos(target_opt, 10);
    m = message_of<std::invalid_argument>([&] { cos.load_state_dict(good); });
    BOOST_TEST(contains(m, "CosineAnnealingLR"), m);

    // None of it changed the target.
    BOOST_TEST(target.last_epoch() == 1);
    BOOST_TEST(target.base_lr() == 0.9);
    BOOST_TEST(target_opt.lr() == 0.9 * 1.0); // epoch 1 of step_size 3: unchanged
    target.load_state_dict(good);
    BOOST_TEST(target.last_epoch() == 4);
    BOOST_TEST(target.base_lr() == 0.5);
    BOOST_TEST(target_opt.lr() == 0.25);
}

BOOST_AUTO_TEST_CASE(malformed_plateau_state_is_an_error_that_changes_nothing)
{
    const std::vector<Tensor> w = weights();
    nn::SGD opt(w, {.lr = 1.0});
    const nn::ReduceLROnPlateauOptions options{.factor = 0.5, .patience = 2, .cooldown = 1};
    nn::ReduceLROnPlateau saved_from(opt, options);
    saved_from.step(3.0);
    saved_from.step(4.0);
    const nn::StateDict good = saved_from.state_dict();

    nn::SGD target_opt(w, {.lr = 0.3});
    nn::ReduceLROnPlateau target(target_opt, options);
    target.step(1.0);
    const auto load_error = [&](const nn::StateDict& state) {
        return message_of<std::invalid_argument>([&] { target.load_state_dict(state); });
    };

    std::string m = load_error(without(good, "best"));
    BOOST_TEST(contains(m, "ReduceLROnPlateau: load_state_dict: no entry named 'best'"), m);

    m = load_error(with(good, "mode", number(1.0)));
    BOOST_TEST(contains(m, "'mode' is 1 in the state but 0 in this scheduler; 0 = min, 1 = max"), m);

    nn::ReduceLROnPlateau patient(target_opt, {.factor = 0.5, .patience = 5, .cooldown = 1});
    m = message_of<std::invalid_argument>([&] { patient.load_state_dict(good); });
    BOOST_TEST(contains(m, "'patience' is 2 in the state but 5"), m);

    m = load_error(with(good, "num_bad_epochs", number(3.0)));
    BOOST_TEST(contains(m, "'num_bad_epochs' is 3, above the patience 2"), m);

    m = load_error(with(good, "cooldown_counter", number(2.0)));
    BOOST_TEST(contains(m, "'cooldown_counter' is 2, above the cooldown 1"), m);

    m = load_error(with(good, "best", number(std::nan(""))));
    BOOST_TEST(contains(m, "'best' is NaN"), m);

    BOOST_TEST(target.best() == 1.0);
    BOOST_TEST(target.last_epoch() == 1);
    BOOST_TEST(target_opt.lr() == 0.3);
    target.load_state_dict(good);
    BOOST_TEST(target.best() == 3.0);
    BOOST_TEST(target.num_bad_epochs() == 1);
    BOOST_TEST(target.last_epoch() == 2);
    BOOST_TEST(target_opt.lr() == 1.0);
}
