// Optimizers on tensors, by hand: which tensors ParamRef takes, the forms of parameters every
// optimizer is made from, its name and lr checks, skipping tensors without a gradient,
// zero_grad, float32, errors of load_state_dict and of the new optimizers' options, gradient
// clipping, and the schedules against their closed forms. (Trajectories against
// PyTorch are in test_optim_tensor_golden.cpp.)
#define BOOST_TEST_MODULE optim
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/tensor.hpp>
#include <autograd/value.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/adagrad.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/adamw.hpp>
#include <nn/optim/clip_grad.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/optim/reduce_lr_on_plateau.hpp>
#include <nn/optim/rmsprop.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>
#include <nn/scalar/mlp.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

namespace tt = boost::test_tools;
using autograd::Dtype;
using autograd::Tensor;
using autograd::Value;
using test_util::contains;
using test_util::message_of;

namespace {

Tensor leaf(std::vector<double> v, autograd::Shape shape) { return Tensor(std::move(v), std::move(shape)).requires_grad_(); }

} // namespace

// ---------------------------------------------------------------------------------------------
// ParamRef

BOOST_AUTO_TEST_CASE(param_ref_takes_leaves_that_require_grad)
{
    const Tensor w = leaf({1.0, 2.0}, {2});
    const nn::ParamRef p(w);
    BOOST_TEST(p.is_tensor());
    BOOST_TEST(p.numel() == 2u);
    BOOST_TEST(!p.has_grad());

    std::string m = message_of<std::invalid_argument>([] { (void)nn::ParamRef(Tensor({1.f, 2.f}, {2})); });
    BOOST_TEST(contains(m, "does not require grad"), m);
    m = message_of<std::invalid_argument>([&] { (void)nn::ParamRef(w * 2.0); });
    BOOST_TEST(contains(m, "leaf"), m);
    BOOST_CHECK_THROW((void)nn::ParamRef(Tensor()), std::invalid_argument);
    BOOST_CHECK_THROW((void)nn::Params(std::vector<Tensor>{w, w + 1.0}), std::invalid_argument);

    // The same parameter twice would be updated twice a step.
    m = message_of<std::invalid_argument>([&] { nn::SGD opt({w, leaf({1.0}, {1}), w}, {}); });
    BOOST_TEST(contains(m, "parameters 0 and 2"), m);
    const Value v = Value::parameter(1.0);
    BOOST_CHECK_THROW((void)nn::SGD({v, v}, {}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// What every optimizer shares: the forms its parameters come in, its name, its lr

namespace {

// Makes an O with lr 0.25 from each form of parameters and checks that it holds those very
// parameters (a step moves them), is called `name`, and keeps and checks its lr in the base class.
template <class O> void check_optimizer(const std::string& name)
{
    BOOST_TEST_CONTEXT(name)
    {
        autograd::Generator gen(5);
        nn::Sequential model{nn::Linear(3, 2, gen), nn::Tanh(), nn::Linear(2, 1, gen)};
        O from_module(model.parameters(), {.lr = 0.25});
        const std::vector<Tensor> tensors = model.parameters();
        BOOST_TEST_REQUIRE(from_module.params().size() == tensors.size());
        for (std::size_t n = 0; n < tensors.size(); ++n)
            BOOST_TEST(from_module.params()[n].tensor()->id() == tensors[n].id());
        const std::vector<double> before = tensors[0].to_vector();
        sum(model(Tensor({0.5f, -1.0f, 2.0f}, {1, 3}))).backward();
        from_module.step();
        BOOST_TEST(tensors[0].to_vector() != before); // the module's own weights moved

        const nn::MLP mlp(2, {3, 1}, {}, gen);
        O from_values(mlp.parameters(), {.lr = 0.25}); // std::vector<Value>
        const std::vector<Value> values = mlp.parameters();
        BOOST_TEST_REQUIRE(from_values.params().size() == values.size());
        for (std::size_t n = 0; n < values.size(); ++n)
            BOOST_TEST(&from_values.params()[n].value()->node() == &values[n].node());

        const Value a = Value::parameter(1.0), b = Value::parameter(-2.0);
        O from_list({a, b}, {.lr = 0.25});
        BOOST_TEST(from_list.params().size() == 2u);
        (a * a + b * b).backward();
        from_list.step();
        BOOST_TEST(a.data() < 1.0); // down the gradient
        BOOST_TEST(b.data() > -2.0);

        for (const nn::Optimizer* opt : {static_cast<nn::Optimizer*>(&from_module), static_cast<nn::Optimizer*>(&from_values),
                                         static_cast<nn::Optimizer*>(&from_list)}) {
            BOOST_TEST(opt->name() == name);
            BOOST_TEST(opt->lr() == 0.25);
        }

        // One check of the lr, in the base class, for set_lr and the constructor alike; a
        // rejected lr leaves the one there was.
        BOOST_TEST(message_of<std::invalid_argument>([&] { from_list.set_lr(-0.5); }) ==
                   name + ": lr must be >= 0 (got -0.5)");
        BOOST_TEST(message_of<std::invalid_argument>([&] { from_list.set_lr(std::nan("")); }) ==
                   name + ": lr must be >= 0 (got nan)");
        BOOST_TEST(from_list.lr() == 0.25);
        const std::string made = message_of<std::invalid_argument>([&] { O bad({a}, {.lr = -1.0}); });
        BOOST_TEST(contains(made, name + ": lr"), made);
        BOOST_TEST(contains(made, "-1"), made);
        BOOST_CHECK_THROW(O({a}, {.lr = std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);

        // options() reports the lr the base class keeps, as the schedulers set it.
        from_list.set_lr(0.125);
        BOOST_TEST(from_list.lr() == 0.125);
        BOOST_TEST(from_list.options().lr == 0.125);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(every_optimizer_takes_parameters_as_they_come)
{
    check_optimizer<nn::SGD>("SGD");
    check_optimizer<nn::Rprop>("Rprop");
    check_optimizer<nn::Adam>("Adam");
    check_optimizer<nn::AdamW>("AdamW");
    check_optimizer<nn::RMSprop>("RMSprop");
    check_optimizer<nn::Adagrad>("Adagrad");
}

BOOST_AUTO_TEST_CASE(the_scalar_mlp_example_is_code)
{
    // The example at the top of nn/scalar/mlp.hpp, as it stands there.
    autograd::Generator gen(42);
    nn::MLP model(2, {16, 16, 1}, {.hidden = nn::Activation::Relu, .output = nn::Activation::Linear}, gen);
    std::vector<Value> out = model({Value(0.5), Value(-1.0)});
    nn::SGD opt(model.parameters(), {.lr = 0.1});

    BOOST_TEST(out.size() == 1u);
    BOOST_TEST(opt.params().size() == model.num_parameters());
}

BOOST_AUTO_TEST_CASE(tensors_without_a_gradient_are_skipped)
{
    // PyTorch: a parameter whose grad is None is not updated, not even by weight decay or
    // momentum, and its state (and step count) stays as it was.
    const Tensor used = leaf({1.0, -2.0}, {2});
    const Tensor unused = leaf({3.0, 4.0, 5.0}, {3});
    nn::Adam opt({used, unused}, {.lr = 0.1, .weight_decay = 0.5});
    for (int i = 0; i < 3; ++i) {
        opt.zero_grad();
        sum(used * used).backward();
        opt.step();
    }
    BOOST_TEST(unused.to_vector() == (std::vector<double>{3.0, 4.0, 5.0}), tt::per_element());
    BOOST_TEST(!unused.grad().defined());
    BOOST_TEST(opt.param_steps(0) == 3u);
    BOOST_TEST(opt.param_steps(1) == 0u);
    const nn::StateDict s = opt.state_dict();
    BOOST_TEST(s.at("state.1.exp_avg").to_vector() == (std::vector<double>{0.0, 0.0, 0.0}), tt::per_element());

    // Its first update is a first step: Adam's bias correction starts at t = 1, so the move is lr.
    opt.zero_grad();
    sum(unused).backward();
    opt.step();
    BOOST_TEST(opt.param_steps(1) == 1u);
    // g = 1 + 0.5 w; m / sqrt(v) = sign(g) after bias correction: every element moves by lr.
    BOOST_TEST(unused.to_vector()[0] == 2.9, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(zero_grad_drops_tensor_gradients_and_zeroes_values)
{
    const Tensor w = leaf({1.0, 2.0}, {2});
    const Value v = Value::parameter(3.0);
    nn::SGD opt({nn::ParamRef(w), nn::ParamRef(v)}, {.lr = 0.1});
    (sum(w) * 2.0).backward();
    (v * v).backward();
    BOOST_TEST(w.grad().defined());
    BOOST_TEST(v.grad() == 6.0);
    opt.step(); // one optimizer over a tensor and a Value
    BOOST_TEST(w.to_vector()[0] == 0.8, tt::tolerance(1e-15));
    BOOST_TEST(w.to_vector()[1] == 1.8, tt::tolerance(1e-15));
    BOOST_TEST(v.data() == 2.4, tt::tolerance(1e-15));
    opt.zero_grad();
    BOOST_TEST(!w.grad().defined()); // set_to_none
    BOOST_TEST(v.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(float32_tensors_follow_the_float64_run)
{
    autograd::Generator gen(3);
    const Tensor w64 = Tensor::randn({1000}, gen, 0.0, 1.0, Dtype::Float64).requires_grad_();
    const Tensor w32 = w64.detach().to(Dtype::Float32).requires_grad_();
    nn::Adam a64({w64}, {.lr = 0.01, .weight_decay = 0.1});
    nn::Adam a32({w32}, {.lr = 0.01, .weight_decay = 0.1});
    for (int i = 0; i < 5; ++i) {
        for (auto [w, opt] : {std::pair{w64, &a64}, std::pair{w32, &a32}}) {
            opt->zero_grad();
            sum(tanh(w) * w).backward();
            opt->step();
        }
    }
    BOOST_TEST(w32.dtype() == Dtype::Float32);
    const std::vector<double> x = w64.to_vector(), y = w32.to_vector();
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i)
        worst = std::max(worst, std::abs(x[i] - y[i]));
    BOOST_TEST(worst < 1e-5);
}

// State is kept in each parameter's dtype, as PyTorch keeps it: SGD's momentum for a float32
// weight is a float32 buffer (its dtype is the sharp check here), with values as worked by hand in
// float32 over two steps from the gradients backward gave. (The values match to float precision
// only: the compiler may fuse a multiply and an add in one computation and not the other, so they
// cannot tell float32 from float64 arithmetic apart.)
BOOST_AUTO_TEST_CASE(float32_parameters_keep_float32_state)
{
    const Tensor w32 = Tensor({1.0f, -2.0f}, {2}).requires_grad_();
    const Tensor w64 = Tensor({0.5}, {1}).requires_grad_();
    nn::SGD opt({w32, w64}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
    float w[2] = {1.0f, -2.0f}, buf[2] = {0.f, 0.f};
    for (int step = 0; step < 2; ++step) {
        opt.zero_grad();
        sum(w32 * w32 * 3.0).backward();
        sum(w64 * w64).backward();
        const float grad[2] = {w32.grad().data_ptr<float>()[0], w32.grad().data_ptr<float>()[1]};
        opt.step();
        for (int k = 0; k < 2; ++k) {
            const float g = grad[k] + 0.01f * w[k];
            buf[k] = step == 0 ? g : 0.9f * buf[k] + 1.0f * g;
            w[k] -= 0.1f * buf[k];
        }
    }
    BOOST_TEST(w32.data_ptr<float>()[0] == w[0], tt::tolerance(1e-6f));
    BOOST_TEST(w32.data_ptr<float>()[1] == w[1], tt::tolerance(1e-6f));
    const nn::StateDict state = opt.state_dict();
    BOOST_TEST(state.at("state.0.momentum_buffer").dtype() == Dtype::Float32);
    BOOST_TEST(state.at("state.0.momentum_buffer").data_ptr<float>()[1] == buf[1], tt::tolerance(1e-6f));
    BOOST_TEST(state.at("state.1.momentum_buffer").dtype() == Dtype::Float64);
    BOOST_TEST(state.at("step").dtype() == Dtype::Float64);

    // A float64 buffer for the float32 weight (as checkpoints stored every buffer before) is
    // converted to float32, as PyTorch casts loaded state; a float32 count is refused.
    nn::StateDict old_format;
    for (const auto& [n, t] : state)
        old_format.insert(n, n == "state.0.momentum_buffer" ? t.to(Dtype::Float64) * 2.0 : t);
    opt.load_state_dict(old_format);
    const nn::StateDict loaded = opt.state_dict();
    BOOST_TEST(loaded.at("state.0.momentum_buffer").dtype() == Dtype::Float32);
    BOOST_TEST(loaded.at("state.0.momentum_buffer").data_ptr<float>()[1] == 2.0f * buf[1], tt::tolerance(1e-6f));
    nn::StateDict wrong;
    for (const auto& [n, t] : state)
        wrong.insert(n, n == "state.0.step" ? t.to(Dtype::Float32) : t);
    const std::string m = message_of<std::invalid_argument>([&] { opt.load_state_dict(wrong); });
    BOOST_TEST(contains(m, "'state.0.step' is float32, expected float64"), m);
}

// ---------------------------------------------------------------------------------------------
// Options and state dicts

BOOST_AUTO_TEST_CASE(new_optimizers_validate_their_options)
{
    const std::vector<Tensor> w{leaf({1.0}, {1})};
    const auto check = [](const std::string& m, const char* optimizer, const char* what, const char* value) {
        BOOST_TEST(contains(m, optimizer), m);
        BOOST_TEST(contains(m, what), m);
        BOOST_TEST(contains(m, value), m);
    };
    const auto adamw = [&](nn::AdamWOptions o) {
        return message_of<std::invalid_argument>([&] { nn::AdamW opt(w, o); });
    };
    check(adamw({.beta1 = 1.5}), "AdamW", "beta1", "1.5");
    check(adamw({.beta2 = -0.25}), "AdamW", "beta2", "-0.25");
    check(adamw({.lr = -2.0}), "AdamW", "lr", "-2");
    check(adamw({.eps = -1.0}), "AdamW", "eps", "-1");
    check(adamw({.weight_decay = -0.5}), "AdamW", "weight_decay", "-0.5");
    BOOST_TEST(nn::AdamW(w, {}).options().weight_decay == 1e-2);
    BOOST_TEST(nn::AdamW(w, {}).lr() == 1e-3);

    const auto rms = [&](nn::RMSpropOptions o) {
        return message_of<std::invalid_argument>([&] { nn::RMSprop opt(w, o); });
    };
    check(rms({.lr = -0.5}), "RMSprop", "lr", "-0.5");
    check(rms({.alpha = -0.5}), "RMSprop", "alpha", "-0.5");
    check(rms({.eps = -0.5}), "RMSprop", "eps", "-0.5");
    check(rms({.weight_decay = -0.5}), "RMSprop", "weight_decay", "-0.5");
    check(rms({.momentum = -0.5}), "RMSprop", "momentum", "-0.5");

    const auto ada = [&](nn::AdagradOptions o) {
        return message_of<std::invalid_argument>([&] { nn::Adagrad opt(w, o); });
    };
    check(ada({.lr = -0.5}), "Adagrad", "lr", "-0.5");
    check(ada({.lr_decay = -0.5}), "Adagrad", "lr_decay", "-0.5");
    check(ada({.weight_decay = -0.5}), "Adagrad", "weight_decay", "-0.5");
    check(ada({.initial_accumulator_value = -0.5}), "Adagrad", "initial_accumulator_value", "-0.5");
    check(ada({.eps = -0.5}), "Adagrad", "eps", "-0.5");

    nn::RMSprop r(w, {});
    check(message_of<std::invalid_argument>([&] { r.set_lr(-3.0); }), "RMSprop", "lr", "-3");
    nn::Adam a(w, {});
    check(message_of<std::invalid_argument>([&] { a.set_lr(-3.0); }), "Adam", "lr", "-3");
}

BOOST_AUTO_TEST_CASE(load_state_dict_reports_what_is_wrong_and_changes_nothing)
{
    const std::vector<Tensor> w{leaf({1.0, 2.0, 3.0, 4.0}, {2, 2}), leaf({1.0}, {1})};
    nn::Adam opt(w, {.lr = 0.1});
    opt.zero_grad();
    sum(w[0] * w[0]).backward();
    opt.step();
    const nn::StateDict good = opt.state_dict();

    const auto load_msg = [&](const nn::StateDict& s) {
        return message_of<std::invalid_argument>([&] { opt.load_state_dict(s); });
    };
    const auto without = [&](const std::string& name) {
        nn::StateDict s;
        for (const auto& [n, t] : good)
            if (n != name)
                s.insert(n, t);
        return s;
    };
    const auto replaced = [&](const std::string& name, const Tensor& by) {
        nn::StateDict s;
        for (const auto& [n, t] : good)
            s.insert(n, n == name ? by : t);
        return s;
    };

    std::string m = load_msg(without("state.1.exp_avg_sq"));
    BOOST_TEST(contains(m, "Adam"), m);
    BOOST_TEST(contains(m, "'state.1.exp_avg_sq'"), m);
    m = load_msg(without("lr"));
    BOOST_TEST(contains(m, "'lr'"), m);
    m = load_msg(replaced("state.0.exp_avg", Tensor::zeros({4}, Dtype::Float64)));
    BOOST_TEST(contains(m, "'state.0.exp_avg'"), m);
    BOOST_TEST(contains(m, "[4]"), m);
    BOOST_TEST(contains(m, "[2, 2]"), m);
    m = load_msg(replaced("state.0.step", Tensor::scalar(1.0, Dtype::Float32)));
    BOOST_TEST(contains(m, "'state.0.step' is float32, expected float64"), m);
    m = load_msg(replaced("state.0.step", Tensor::scalar(1.5, Dtype::Float64)));
    BOOST_TEST(contains(m, "'state.0.step'"), m);
    nn::StateDict extra = good;
    extra.insert("state.2.exp_avg", Tensor::zeros({1}, Dtype::Float64));
    m = load_msg(extra);
    BOOST_TEST(contains(m, "unexpected"), m);
    BOOST_TEST(contains(m, "'state.2.exp_avg'"), m);
    // Another optimizer's state: SGD with momentum keeps momentum_buffer, not exp_avg.
    nn::SGD sgd(w, {.lr = 0.1, .momentum = 0.9});
    m = message_of<std::invalid_argument>([&] { sgd.load_state_dict(good); });
    BOOST_TEST(contains(m, "SGD"), m);
    BOOST_TEST(contains(m, "exp_avg"), m);
    BOOST_TEST(sgd.steps() == 0u);

    // After all those failures the state is still the one saved.
    const nn::StateDict after = opt.state_dict();
    for (const auto& [n, t] : good)
        BOOST_TEST(after.at(n).to_vector() == t.to_vector(), tt::per_element());
    BOOST_CHECK_NO_THROW(opt.load_state_dict(good));
}

BOOST_AUTO_TEST_CASE(rprop_set_lr_is_the_initial_step_size)
{
    const Tensor a = leaf({0.0}, {1});
    const Tensor b = leaf({0.0}, {1});
    nn::Rprop opt({a, b}, {.lr = 0.1});
    opt.zero_grad();
    sum(a).backward(); // b gets no gradient: not started
    opt.step();
    BOOST_TEST(a.item() == -0.1);
    opt.set_lr(0.01);
    opt.zero_grad();
    sum(a + b).backward();
    opt.step();
    BOOST_TEST(a.item() == -0.1 - 0.1 * 1.2, tt::tolerance(1e-15)); // a's adapted step size goes on
    BOOST_TEST(b.item() == -0.01, tt::tolerance(1e-15));            // b starts from the new lr
    BOOST_CHECK_NO_THROW(opt.set_lr(0.0));
    BOOST_CHECK_THROW(opt.set_lr(-1.0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Gradient clipping

BOOST_AUTO_TEST_CASE(clip_grad_norm_scales_to_max_norm)
{
    const Tensor a = leaf({0.0, 0.0}, {2});
    const Tensor b = leaf({0.0}, {1});
    const Tensor none = leaf({0.0}, {1});
    const auto grads = [&] {
        a.set_grad(Tensor({3.0, 0.0}, {2}));
        b.set_grad(Tensor({-4.0}, {1}));
        none.zero_grad();
    };
    const std::vector<Tensor> p = {a, b, none}; // as a Module's parameters() come

    grads();
    BOOST_TEST(nn::clip_grad_norm_(p, 1.0) == 5.0); // sqrt(9 + 16)
    const double coef = 1.0 / (5.0 + 1e-6);
    BOOST_TEST(a.grad().to_vector()[0] == 3.0 * coef, tt::tolerance(1e-15));
    BOOST_TEST(b.grad().to_vector()[0] == -4.0 * coef, tt::tolerance(1e-15));
    BOOST_TEST(!none.grad().defined());

    grads(); // below max_norm: untouched
    BOOST_TEST(nn::clip_grad_norm_(p, 10.0) == 5.0);
    BOOST_TEST(a.grad().to_vector()[0] == 3.0);

    grads();
    BOOST_TEST(nn::clip_grad_norm_(p, 2.0, nn::inf_norm) == 4.0);
    BOOST_TEST(b.grad().to_vector()[0] == -4.0 * 2.0 / (4.0 + 1e-6), tt::tolerance(1e-15));

    grads();
    BOOST_TEST(nn::clip_grad_norm_(p, 100.0, 1.0) == 7.0, tt::tolerance(1e-15));

    // Scalar Values are clipped the same way.
    const Value v = Value::parameter(0.0);
    v.set_grad(-8.0);
    BOOST_TEST(nn::clip_grad_norm_({v}, 4.0) == 8.0);
    BOOST_TEST(v.grad() == -8.0 * 4.0 / (8.0 + 1e-6), tt::tolerance(1e-15));

    BOOST_TEST(nn::clip_grad_norm_({none}, 1.0) == 0.0); // no gradients at all

    a.set_grad(Tensor({std::numeric_limits<double>::infinity(), 1.0}, {2}));
    const std::string m = message_of<std::runtime_error>([&] { nn::clip_grad_norm_(p, 1.0, 2.0, true); });
    BOOST_TEST(contains(m, "clip_grad_norm_"), m);
    BOOST_TEST(contains(m, "inf"), m);
    BOOST_TEST(a.grad().to_vector()[1] == 1.0); // left alone
    BOOST_CHECK_THROW(nn::clip_grad_norm_(p, 1.0, 0.0), std::invalid_argument);
    BOOST_CHECK_THROW(nn::clip_grad_norm_(p, -1.0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Schedules

BOOST_AUTO_TEST_CASE(schedules_follow_their_closed_forms)
{
    const std::vector<Tensor> w{leaf({1.0}, {1})};
    {
        nn::SGD opt(w, {.lr = 0.5});
        nn::StepLR s(opt, 3, 0.1);
        BOOST_TEST(s.base_lr() == 0.5);
        for (int e = 1; e <= 10; ++e) {
            s.step();
            BOOST_TEST(opt.lr() == 0.5 * std::pow(0.1, e / 3), tt::tolerance(1e-14));
        }
        BOOST_TEST(s.last_epoch() == 10);
    }
    {
        nn::Adagrad opt(w, {.lr = 0.5});
        nn::ExponentialLR s(opt, 0.8);
        for (int e = 1; e <= 10; ++e) {
            s.step();
            BOOST_TEST(s.last_lr() == 0.5 * std::pow(0.8, e), tt::tolerance(1e-14));
        }
    }
    {
        nn::AdamW opt(w, {.lr = 0.5});
        nn::CosineAnnealingLR s(opt, 5, 0.01);
        for (int e = 1; e <= 23; ++e) { // through the bottom (epoch 5) and back up, twice
            s.step();
            const double closed = 0.01 + (0.5 - 0.01) * (1.0 + std::cos(std::numbers::pi * e / 5.0)) / 2.0;
            BOOST_TEST(opt.lr() == closed, tt::tolerance(1e-12));
        }
    }
    nn::SGD opt(w, {});
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)nn::StepLR(opt, 0); }), "step_size"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)nn::ExponentialLR(opt, -0.5); }), "-0.5"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)nn::CosineAnnealingLR(opt, 0); }), "T_max"));
}

namespace {
// An optimizer without a learning rate (the base class's default).
class Frozen : public nn::Optimizer {
public:
    using Optimizer::Optimizer;
    void step() override {}
};
} // namespace

BOOST_AUTO_TEST_CASE(schedulers_need_an_optimizer_with_a_learning_rate)
{
    const std::vector<Tensor> w{leaf({1.0}, {1})};
    Frozen frozen(w);
    BOOST_CHECK_THROW((void)nn::ExponentialLR(frozen, 0.5), std::logic_error);
    BOOST_CHECK_THROW((void)nn::ReduceLROnPlateau(frozen), std::logic_error);
}

BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_by_hand)
{
    const std::vector<Tensor> w{leaf({1.0}, {1})};
    nn::SGD opt(w, {.lr = 1.0});
    // min, rel: better means below best * 0.9. patience 1: the second bad epoch in a row reduces.
    nn::ReduceLROnPlateau s(opt, {.factor = 0.5, .patience = 1, .threshold = 0.1, .cooldown = 1, .min_lr = 0.2});
    const double metrics[] = {10.0, 9.5, 9.2, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0};
    // epoch:                    1     2    3    4    5    6    7    8    9    10
    // bad (vs best*0.9):        -     b    b    -    b    b    b(cd) b   b    b
    // lr after:                 1     1   .5   .5   .5  .25  .25  .25  .2   .2
    const double lrs[] = {1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2};
    for (std::size_t e = 0; e < std::size(metrics); ++e) {
        s.step(metrics[e]);
        BOOST_TEST(opt.lr() == lrs[e], "epoch " << e + 1 << ": lr " << opt.lr());
    }
    BOOST_TEST(s.best() == 8.0);

    nn::SGD opt2(w, {.lr = 1.0});
    // max, abs: better means above best + 0.5; patience 0 reduces at the first bad epoch.
    nn::ReduceLROnPlateau up(opt2, {.mode = nn::ReduceLROnPlateau::Mode::Max, .factor = 0.1, .patience = 0,
                                    .threshold = 0.5, .threshold_mode = nn::ReduceLROnPlateau::ThresholdMode::Abs});
    up.step(1.0);
    BOOST_TEST(opt2.lr() == 1.0);
    up.step(1.4); // not 0.5 above 1.0
    BOOST_TEST(opt2.lr() == 0.1, tt::tolerance(1e-15));
    up.step(2.0);
    BOOST_TEST(opt2.lr() == 0.1, tt::tolerance(1e-15));

    std::string m = message_of<std::invalid_argument>([&] { (void)nn::ReduceLROnPlateau(opt, {.factor = 1.0}); });
    BOOST_TEST(contains(m, "ReduceLROnPlateau"), m);
    BOOST_TEST(contains(m, "factor"), m);
    BOOST_CHECK_THROW((void)nn::ReduceLROnPlateau(opt, {.patience = -1}), std::invalid_argument);
}

// set_partition (dist's sharded step): step() updates the listed parameters alone, counts the
// step for every parameter with a gradient, and param_state() is each parameter's slice of the
// state, the bytes state_dict() reports. Values by hand: SGD momentum 0.5, lr 0.1, gradient 1.
BOOST_AUTO_TEST_CASE(a_partition_updates_its_parameters_and_counts_all)
{
    const Tensor a = Tensor({1.0, 2.0}, {2}).requires_grad_();
    const Tensor b = Tensor({3.0}, {1}).requires_grad_();
    nn::SGD opt({a, b}, {.lr = 0.1, .momentum = 0.5});
    BOOST_TEST(opt.updates(0));
    opt.set_partition({1});
    BOOST_TEST(!opt.updates(0));
    BOOST_TEST(opt.updates(1));
    for (int step = 0; step < 2; ++step) {
        a.set_grad(Tensor({1.0, 1.0}, {2}));
        b.set_grad(Tensor({1.0}, {1}));
        opt.step();
    }
    BOOST_TEST(a.to_vector() == (std::vector<double>{1.0, 2.0}), boost::test_tools::per_element()); // not updated
    BOOST_TEST(b.item() == 3.0 - 0.1 * 1.0 - 0.1 * 1.5, boost::test_tools::tolerance(1e-15)); // buf 1, then 1.5
    BOOST_TEST(opt.param_steps(0) == 2U); // counted all the same
    BOOST_TEST(opt.param_steps(1) == 2U);
    const auto state = opt.param_state(1);
    BOOST_TEST_REQUIRE(state.size() == 1U); // momentum_buffer
    BOOST_TEST(state[0].size() == sizeof(double));
    double buffer = 0;
    std::memcpy(&buffer, state[0].data(), sizeof buffer);
    BOOST_TEST(buffer == 1.5);
    BOOST_TEST(opt.state_dict().at("state.1.momentum_buffer").item() == 1.5);
    BOOST_CHECK_THROW(opt.set_partition({2}), std::out_of_range);
    BOOST_CHECK_THROW(opt.param_state(2), std::out_of_range);
    opt.set_partition({}); // none
    opt.step();
    BOOST_TEST(b.item() == 3.0 - 0.1 * 1.0 - 0.1 * 1.5, boost::test_tools::tolerance(1e-15));
    opt.clear_partition(); // all again
    opt.step();
    BOOST_TEST(a.to_vector()[0] < 1.0);
}
