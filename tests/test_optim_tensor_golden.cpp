// Optimizers, schedulers and gradient clipping on tensor parameters against PyTorch: every
// configuration of tests/fixtures/optim_tensor_golden.txt (written by tests/golden/golden_optim.py,
// PyTorch in float64) is run for 20 steps on the same problem with Backprop float64 tensors, and
// every weight and the lr after every step must match within 1e-9. One parameter gets a gradient
// only every third step, so skipping parameters without a gradient and per-parameter step counts
// are checked too.
// Then: saving an optimizer's state midway, loading it into a fresh optimizer over a copy of the
// weights and continuing gives bit-identical weights to an uninterrupted run.
#define BOOST_TEST_MODULE optim_tensor_golden
#include <boost/test/unit_test.hpp>

#include "golden_file.hpp"

#include <autograd/tensor.hpp>
#include <nn/optim/adagrad.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/adamw.hpp>
#include <nn/optim/clip_grad.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/optim/reduce_lr_on_plateau.hpp>
#include <nn/optim/rmsprop.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using autograd::Tensor;

namespace {

constexpr std::size_t kSteps = 20;
constexpr std::size_t kWeights = 15; // W 3x2, b 2, c 2x2, d 3

struct Row {
    double lr = 0.0;
    double norm = 0.0;
    std::vector<double> w;
};

// Per step: lr, norm, then the weights.
std::map<std::string, std::vector<Row>> load_fixture()
{
    std::map<std::string, std::vector<Row>> out;
    for (const auto& [name, steps] : golden::read_trajectories(BACKPROP_FIXTURES "/optim_tensor_golden.txt", 2 + kWeights))
        for (const std::vector<double>& v : steps)
            out[name].push_back({v[0], v[1], std::vector<double>(v.begin() + 2, v.end())});
    return out;
}

// The script's problem, with the same data, start and loss.
std::vector<Tensor> start_params()
{
    std::vector<Tensor> p = {Tensor({0.1, -0.2, 0.4, 0.3, -0.5, 0.2}, {3, 2}), Tensor({0.05, -0.1}, {2}),
                             Tensor({-1.2, 1.0, 0.5, 1.5}, {2, 2}), Tensor({1.0, -0.5, 0.25}, {3})};
    for (Tensor& t : p)
        t.requires_grad_();
    return p;
}

// mean((tanh(X W + b) - Y)^2) + 0.1 sum((1 - c0)^2 + 5 (c1 - c0^2)^2) [+ sum(log(1 + (d - T)^2)) when 3 | step]
Tensor loss_at(const std::vector<Tensor>& p, std::size_t step)
{
    static const Tensor x({0.5, -1.2, 0.3, 1.5, 0.2, -0.7, -0.4, 0.9, 1.1, 0.8, -0.3, -1.6}, {4, 3});
    static const Tensor y({0.2, -0.5, 0.7, 0.1, -0.3, 0.4, 0.5, -0.8}, {4, 2});
    static const Tensor t({0.5, -1.0, 2.0}, {3});
    const Tensor& W = p[0];
    const Tensor& b = p[1];
    const Tensor& c = p[2];
    const Tensor& d = p[3];
    const Tensor fit = mean(pow(tanh(matmul(x, W) + b) - y, 2.0));
    const Tensor c0 = c.slice(1, 0, 1);
    const Tensor c1 = c.slice(1, 1, 2);
    const Tensor valley = sum(pow(1.0 - c0, 2.0) + 5.0 * pow(c1 - pow(c0, 2.0), 2.0)) * 0.1;
    Tensor loss = fit + valley;
    if (step % 3 == 0)
        loss = loss + sum(log(1.0 + pow(d - t, 2.0)));
    return loss;
}

std::vector<double> flat(const std::vector<Tensor>& p)
{
    std::vector<double> out;
    for (const Tensor& t : p)
        for (double v : t.to_vector())
            out.push_back(v);
    return out;
}

using OptimizerFactory = std::function<std::unique_ptr<nn::Optimizer>(nn::Params)>;
// Makes the scheduler for an optimizer and returns what steps it after each optimizer step
// (given that step's loss, which ReduceLROnPlateau watches).
using SchedulerFactory = std::function<std::function<void(double)>(nn::Optimizer&)>;

struct Config {
    OptimizerFactory optimizer;
    SchedulerFactory scheduler;         // empty: none
    std::optional<std::pair<double, double>> clip; // max_norm, norm_type
};

template <class O, class Options> OptimizerFactory make(Options options)
{
    return [options](nn::Params p) { return std::make_unique<O>(std::move(p), options); };
}

template <class S, class... Args> SchedulerFactory every_epoch(Args... args)
{
    return [=](nn::Optimizer& opt) -> std::function<void(double)> {
        auto s = std::make_shared<S>(opt, args...);
        return [s](double) { s->step(); };
    };
}

SchedulerFactory on_plateau(nn::ReduceLROnPlateauOptions options)
{
    return [=](nn::Optimizer& opt) -> std::function<void(double)> {
        auto s = std::make_shared<nn::ReduceLROnPlateau>(opt, options);
        const double sign = options.mode == nn::ReduceLROnPlateauOptions::Mode::Min ? 1.0 : -1.0;
        return [s, sign](double loss) { s->step(sign * loss); }; // max mode watches -loss, as the script
    };
}

const std::map<std::string, Config>& configs()
{
    using nn::ReduceLROnPlateauOptions;
    static const std::map<std::string, Config> table = {
        {"sgd", {make<nn::SGD>(nn::SGDOptions{.lr = 0.05}), {}, {}}},
        {"sgd_momentum", {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.9}), {}, {}}},
        {"sgd_nesterov", {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true}), {}, {}}},
        {"sgd_dampening_wd",
         {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.5, .dampening = 0.3, .weight_decay = 0.1}), {}, {}}},
        {"rprop", {make<nn::Rprop>(nn::RpropOptions{.lr = 0.01}), {}, {}}},
        {"rprop_custom",
         {make<nn::Rprop>(nn::RpropOptions{.lr = 0.1, .eta_minus = 0.3, .eta_plus = 1.5, .step_min = 1e-3, .step_max = 0.2}),
          {}, {}}},
        {"adam", {make<nn::Adam>(nn::AdamOptions{.lr = 0.05}), {}, {}}},
        {"adam_wd",
         {make<nn::Adam>(nn::AdamOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1}), {},
          {}}},
        {"adamw", {make<nn::AdamW>(nn::AdamWOptions{.lr = 0.05}), {}, {}}},
        {"adamw_custom",
         {make<nn::AdamW>(nn::AdamWOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.3}),
          {}, {}}},
        {"rmsprop", {make<nn::RMSprop>(nn::RMSpropOptions{.lr = 0.01}), {}, {}}},
        {"rmsprop_momentum_wd",
         {make<nn::RMSprop>(nn::RMSpropOptions{.lr = 0.01, .alpha = 0.9, .weight_decay = 0.05, .momentum = 0.5}), {},
          {}}},
        {"rmsprop_centered", {make<nn::RMSprop>(nn::RMSpropOptions{.lr = 0.01, .centered = true}), {}, {}}},
        {"rmsprop_centered_momentum",
         {make<nn::RMSprop>(nn::RMSpropOptions{
              .lr = 0.005, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.05, .momentum = 0.7, .centered = true}),
          {}, {}}},
        {"adagrad", {make<nn::Adagrad>(nn::AdagradOptions{.lr = 0.1}), {}, {}}},
        {"adagrad_custom",
         {make<nn::Adagrad>(nn::AdagradOptions{
              .lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1, .initial_accumulator_value = 0.5, .eps = 1e-8}),
          {}, {}}},
        {"steplr",
         {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.9}), every_epoch<nn::StepLR>(std::int64_t{5}, 0.5), {}}},
        {"exponentiallr", {make<nn::Adam>(nn::AdamOptions{.lr = 0.05}), every_epoch<nn::ExponentialLR>(0.9), {}}},
        {"cosineannealinglr",
         {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.5}),
          every_epoch<nn::CosineAnnealingLR>(std::int64_t{7}, 0.001), {}}},
        {"cosineannealinglr_rprop",
         {make<nn::Rprop>(nn::RpropOptions{.lr = 0.05}), every_epoch<nn::CosineAnnealingLR>(std::int64_t{4}, 0.0), {}}},
        {"plateau_min_rel",
         {make<nn::SGD>(nn::SGDOptions{.lr = 0.05}),
          on_plateau({.mode = ReduceLROnPlateauOptions::Mode::Min, .factor = 0.5, .patience = 1, .threshold = 0.05}),
          {}}},
        {"plateau_max_abs_cooldown",
         {make<nn::RMSprop>(nn::RMSpropOptions{.lr = 0.01}),
          on_plateau({.mode = ReduceLROnPlateauOptions::Mode::Max,
                      .factor = 0.3,
                      .patience = 0,
                      .threshold = 0.02,
                      .threshold_mode = ReduceLROnPlateauOptions::ThresholdMode::Abs,
                      .cooldown = 2,
                      .min_lr = 0.002}),
          {}}},
        {"clip_norm2", {make<nn::SGD>(nn::SGDOptions{.lr = 0.05, .momentum = 0.9}), {}, std::pair{0.5, 2.0}}},
        {"clip_norm_inf", {make<nn::Adam>(nn::AdamOptions{.lr = 0.05}), {}, std::pair{0.3, nn::inf_norm}}},
        {"clip_norm3", {make<nn::SGD>(nn::SGDOptions{.lr = 0.05}), {}, std::pair{0.4, 3.0}}},
    };
    return table;
}

// One training step as the script does it; returns the clip norm (0 without clipping).
double train_step(nn::Optimizer& opt, const std::vector<Tensor>& p, std::size_t step, const Config& c,
                  const std::function<void(double)>& scheduler)
{
    opt.zero_grad();
    const Tensor loss = loss_at(p, step);
    loss.backward();
    double norm = 0.0;
    if (c.clip)
        norm = nn::clip_grad_norm_(opt.params(), c.clip->first, c.clip->second);
    opt.step();
    if (scheduler)
        scheduler(loss.item());
    return norm;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_fixture_config_has_a_setup)
{
    const auto golden = load_fixture();
    BOOST_TEST(golden.size() == configs().size());
    for (const auto& [name, rows] : golden) {
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_TEST(configs().count(name) == 1u);
            BOOST_TEST(rows.size() == kSteps);
        }
    }
}

BOOST_AUTO_TEST_CASE(tensor_trajectories_match_pytorch)
{
    for (const auto& [name, rows] : load_fixture()) {
        const auto it = configs().find(name);
        BOOST_REQUIRE_MESSAGE(it != configs().end(), "no setup for fixture config " << name);
        const Config& c = it->second;
        const std::vector<Tensor> p = start_params();
        const auto opt = c.optimizer(p);
        const auto scheduler = c.scheduler ? c.scheduler(*opt) : std::function<void(double)>{};
        double worst = 0.0;
        for (std::size_t step = 1; step <= rows.size(); ++step) {
            const Row& row = rows[step - 1];
            const double norm = train_step(*opt, p, step, c, scheduler);
            BOOST_TEST_CONTEXT(name << " step " << step)
            {
                BOOST_TEST(std::abs(opt->lr() - row.lr) <= 1e-12, "lr " << opt->lr() << ", PyTorch " << row.lr);
                BOOST_TEST(std::abs(norm - row.norm) <= 1e-9, "norm " << norm << ", PyTorch " << row.norm);
                const std::vector<double> w = flat(p);
                for (std::size_t i = 0; i < kWeights; ++i) {
                    worst = std::max(worst, std::abs(w[i] - row.w[i]));
                    BOOST_TEST(std::abs(w[i] - row.w[i]) <= 1e-9,
                               "weight " << i << ": got " << w[i] << ", PyTorch " << row.w[i]);
                }
            }
        }
        BOOST_TEST_MESSAGE(name << ": largest difference from PyTorch " << worst);
        BOOST_TEST(opt->steps() == kSteps);
        BOOST_TEST(opt->param_steps(0) == kSteps);
        BOOST_TEST(opt->param_steps(3) == kSteps / 3); // d had a gradient in steps 3, 6, ..., 18 only
    }
}

BOOST_AUTO_TEST_CASE(state_dict_resumes_bit_identically)
{
    // Optimizers whose state has every kind of buffer; the lr is changed midway so that it must
    // be saved too.
    const char* names[] = {"sgd_dampening_wd", "sgd_nesterov",  "rprop_custom",   "adam_wd",
                           "adamw_custom",     "rmsprop_centered_momentum",      "adagrad_custom"};
    constexpr std::size_t first_run = 7, total = 16;
    for (const char* name : names) {
        BOOST_TEST_CONTEXT(name)
        {
            const Config& c = configs().at(name);

            const std::vector<Tensor> straight = start_params();
            const auto a = c.optimizer(straight);
            for (std::size_t step = 1; step <= total; ++step) {
                if (step == first_run + 1)
                    a->set_lr(a->lr() * 0.5);
                train_step(*a, straight, step, c, {});
            }

            const std::vector<Tensor> first = start_params();
            nn::StateDict saved;
            {
                const auto b = c.optimizer(first);
                for (std::size_t step = 1; step <= first_run; ++step)
                    train_step(*b, first, step, c, {});
                b->set_lr(b->lr() * 0.5);
                saved = b->state_dict();
            } // the first optimizer is gone: only the saved state and the weights go on

            std::vector<Tensor> resumed; // a copy of the weights, new leaves
            for (const Tensor& t : first)
                resumed.push_back(Tensor(t.to_vector_as<double>(), t.shape()).requires_grad_());
            const auto fresh = c.optimizer(resumed);
            fresh->load_state_dict(saved);
            BOOST_TEST(fresh->steps() == first_run);
            BOOST_TEST(fresh->param_steps(3) == first_run / 3);
            for (std::size_t step = first_run + 1; step <= total; ++step)
                train_step(*fresh, resumed, step, c, {});

            const std::vector<double> want = flat(straight);
            const std::vector<double> got = flat(resumed);
            BOOST_TEST(got == want, boost::test_tools::per_element()); // exactly equal
            BOOST_TEST(fresh->lr() == a->lr());
        }
    }
}

BOOST_AUTO_TEST_CASE(state_dict_names_follow_pytorch)
{
    const std::vector<Tensor> p = start_params();
    nn::Adam adam(p, {.lr = 0.05});
    train_step(adam, p, 1, configs().at("adam"), {});
    const nn::StateDict s = adam.state_dict();
    BOOST_TEST(s.at("step").item() == 1.0);
    BOOST_TEST(s.at("lr").item() == 0.05);
    BOOST_TEST(s.at("state.0.step").item() == 1.0);
    BOOST_TEST(s.at("state.3.step").item() == 0.0); // d had no gradient in step 1
    BOOST_TEST((s.at("state.0.exp_avg").shape() == autograd::Shape{3, 2}));
    BOOST_TEST((s.at("state.2.exp_avg_sq").shape() == autograd::Shape{2, 2}));
    BOOST_TEST((s.at("state.3.exp_avg").dtype() == autograd::Dtype::Float64));
    BOOST_TEST(s.size() == 2u + 4u * 3u);
    // A copy: stepping on does not change what was saved.
    const double m = s.at("state.0.exp_avg").to_vector()[0];
    train_step(adam, p, 2, configs().at("adam"), {});
    BOOST_TEST(s.at("state.0.exp_avg").to_vector()[0] == m);
}
