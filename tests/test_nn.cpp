// The nn layer: neurons, MLPs, initialisation, the random generator, losses, optimizer options
// and the training loops.
//
// Where the expected numbers come from:
// - Neuron outputs: the definition y = f(b + sum_i w_i x_i) evaluated by hand with <cmath>
//   (numbers in the test), for each activation.
// - Parameter counts: (inputs + 1) * outputs per layer; 2-16-16-1 has 3*16 + 17*16 + 17*1 = 337.
// - Xavier: the bounds and standard deviations of Glorot & Bengio (2010), stated in nn/scalar/init.hpp,
//   checked as properties of 40,000 draws (a 200x200 layer).
// - Generator: std::mt19937_64's sequence is fixed by the C++ standard ([rand.predef]: the
//   10000th output of a default-constructed mt19937_64 is 9981545732273789042, checked here).
//   The first outputs of mt19937_64 seeded with 42 and the uniform() values the Generator makes
//   of them ((r >> 11) * 2^-53, exact in double) are recorded as constants below.
// - Losses: small cases derived by hand in the comments.
// - SGD momentum: the tutorial's rule Δw_t = -lr g_t + m Δw_{t-1} written out by hand for three
//   steps on f(w) = w^2, and PyTorch's Nesterov rule for two.
// - Training: properties (the loss falls, XOR is learnt, step counts per mode, the batch
//   gradient is the mean of the per-sample gradients computed explicitly here).
#define BOOST_TEST_MODULE nn
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/random.hpp>
#include <autograd/value.hpp>
#include <nn/scalar/activation.hpp>
#include <nn/optim/adam.hpp>
#include <nn/scalar/init.hpp>
#include <nn/scalar/loss.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/optimizer.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>
#include <nn/scalar/train.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using autograd::Generator;
using autograd::Value;
namespace tt = boost::test_tools;

using test_util::contains;
using test_util::message_of;

namespace {

double mean_of(const std::vector<double>& xs) { return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size()); }

double std_of(const std::vector<double>& xs)
{
    const double m = mean_of(xs);
    double ss = 0.0;
    for (double x : xs)
        ss += (x - m) * (x - m);
    return std::sqrt(ss / static_cast<double>(xs.size()));
}

std::vector<double> weights_of(const nn::Layer& layer)
{
    std::vector<double> out;
    for (const nn::Neuron& n : layer.neurons())
        for (const Value& w : n.weights())
            out.push_back(w.data());
    return out;
}

std::vector<double> data_of(const std::vector<Value>& values)
{
    std::vector<double> out;
    for (const Value& v : values)
        out.push_back(v.data());
    return out;
}

const std::vector<nn::Example>& xor_data()
{
    static const std::vector<nn::Example> data{{{0, 0}, {0}}, {{0, 1}, {1}}, {{1, 0}, {1}}, {{1, 1}, {0}}};
    return data;
}

// The tutorial's XOR network: 2-4-1, sigmoid everywhere, Xavier uniform.
nn::MLP xor_model(std::uint64_t seed)
{
    Generator gen(seed);
    return nn::MLP(2, {4, 1},
                   {.hidden = nn::Activation::Sigmoid, .output = nn::Activation::Sigmoid, .init = nn::Init::xavier_uniform()},
                   gen);
}

// An optimizer that changes nothing and records the gradients it was given at each step.
class Recorder : public nn::Optimizer {
public:
    using Optimizer::Optimizer;
    void step() override
    {
        std::vector<double> g;
        for_each_param([&](const Slot&, auto, auto grad) { g.insert(g.end(), grad.begin(), grad.end()); });
        grads.push_back(std::move(g));
    }
    std::vector<std::vector<double>> grads;
};

// d mse(model(x), t) / d parameters, one sample, computed directly.
std::vector<double> sample_gradient(const nn::MLP& model, const nn::Example& e)
{
    const std::vector<Value> params = model.parameters();
    autograd::zero_grad(params);
    const std::vector<Value> in(e.input.begin(), e.input.end());
    nn::mse_loss(model(in), e.target).backward();
    std::vector<double> g;
    for (const Value& p : params)
        g.push_back(p.grad());
    return g;
}

void check_close(const std::vector<double>& got, const std::vector<double>& expected, double tol)
{
    BOOST_REQUIRE_EQUAL(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        BOOST_TEST(std::abs(got[i] - expected[i]) <= tol * (1.0 + std::abs(expected[i])), "element " << i << ": " << got[i] << " vs " << expected[i]);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Neuron, Layer, MLP

BOOST_AUTO_TEST_CASE(neuron_output_is_f_of_the_weighted_sum)
{
    // w = (0.4, -0.6, 0.25), b = 0.1
    // x1 = (0.5, -1.2, 2.0):  z = 0.1 + 0.2 + 0.72 + 0.5 = 1.52
    // x2 = (-1, 1, -1):       z = 0.1 - 0.4 - 0.6 - 0.25 = -1.15
    const auto sig = [](double z) { return 1.0 / (1.0 + std::exp(-z)); };
    struct Case {
        nn::Activation a;
        double y1, y2;
    };
    const Case cases[] = {
        {nn::Activation::Linear, 1.52, -1.15},
        {nn::Activation::Sigmoid, sig(1.52), sig(-1.15)},
        {nn::Activation::Tanh, std::tanh(1.52), std::tanh(-1.15)},
        {nn::Activation::Relu, 1.52, 0.0},
    };
    const std::vector<Value> x1{0.5, -1.2, 2.0};
    const std::vector<Value> x2{-1.0, 1.0, -1.0};
    for (const Case& c : cases) {
        Generator gen(7);
        const nn::Neuron n(3, c.a, nn::Init::uniform(-1.0, 1.0), gen);
        BOOST_TEST((n.activation() == c.a));
        BOOST_TEST(n.weights().size() == 3u);
        n.weights()[0].set_data(0.4);
        n.weights()[1].set_data(-0.6);
        n.weights()[2].set_data(0.25);
        n.bias().set_data(0.1);
        BOOST_TEST(n(x1).data() == c.y1, tt::tolerance(1e-14));
        BOOST_TEST(n(x2).data() == c.y2, tt::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_CASE(neuron_gradient_is_f_prime_times_input)
{
    // dy/dw_i = f'(z) x_i and dy/db = f'(z), with f = sigmoid, f' = y (1 - y).
    Generator gen(3);
    const nn::Neuron n(2, nn::Activation::Sigmoid, nn::Init::uniform(-1.0, 1.0), gen);
    n.weights()[0].set_data(0.7);
    n.weights()[1].set_data(-0.2);
    n.bias().set_data(0.05);
    const std::vector<Value> x{Value::constant(1.5), Value::constant(2.0)};
    const Value y = n(x);
    y.backward();
    const double z = 0.05 + 0.7 * 1.5 - 0.2 * 2.0; // 0.7
    const double s = 1.0 / (1.0 + std::exp(-z));
    BOOST_TEST(y.data() == s, tt::tolerance(1e-14));
    BOOST_TEST(n.weights()[0].grad() == s * (1 - s) * 1.5, tt::tolerance(1e-14));
    BOOST_TEST(n.weights()[1].grad() == s * (1 - s) * 2.0, tt::tolerance(1e-14));
    BOOST_TEST(n.bias().grad() == s * (1 - s), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(wrong_input_count_throws_with_the_counts)
{
    Generator gen(1);
    const nn::Neuron n(3, nn::Activation::Linear, nn::Init::uniform(-1.0, 1.0), gen);
    const std::vector<Value> two{1.0, 2.0};
    const std::string msg = message_of<std::invalid_argument>([&] { (void)n(two); });
    BOOST_TEST(contains(msg, "expected 3 inputs, got 2"), msg);

    const nn::Layer layer(4, 2, nn::Activation::Relu, nn::Init::uniform(-1.0, 1.0), gen);
    const std::vector<Value> five{1.0, 2.0, 3.0, 4.0, 5.0};
    const std::string lmsg = message_of<std::invalid_argument>([&] { (void)layer(five); });
    BOOST_TEST(contains(lmsg, "expected 4 inputs, got 5"), lmsg);

    const nn::MLP mlp(2, {3, 1}, {}, gen);
    const std::string mmsg = message_of<std::invalid_argument>([&] { (void)mlp({1.0, 2.0, 3.0}); });
    BOOST_TEST(contains(mmsg, "expected 2 inputs, got 3"), mmsg);

    BOOST_CHECK_THROW(nn::Neuron(0, nn::Activation::Linear, nn::Init::uniform(-1.0, 1.0), gen), std::invalid_argument);
    BOOST_CHECK_THROW(nn::Layer(2, 0, nn::Activation::Linear, nn::Init::uniform(-1.0, 1.0), gen), std::invalid_argument);
    BOOST_CHECK_THROW(nn::MLP(2, {}, {}, gen), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(mlp_parameters_and_names)
{
    Generator gen(42);
    const nn::MLP model(2, {16, 16, 1}, {.hidden = nn::Activation::Relu, .output = nn::Activation::Linear}, gen);
    BOOST_TEST(model.num_parameters() == 337u); // 3*16 + 17*16 + 17*1
    const std::vector<Value> params = model.parameters();
    BOOST_TEST(params.size() == 337u);
    const auto named = model.named_parameters();
    BOOST_REQUIRE_EQUAL(named.size(), 337u);
    // Layer by layer, neuron by neuron, weights then bias: neuron 3 of layer 0 starts at 3*3.
    BOOST_TEST(named[0].first == "l0.n0.w0");
    BOOST_TEST(named[2].first == "l0.n0.b");
    BOOST_TEST(named[10].first == "l0.n3.w1");
    BOOST_TEST(named[11].first == "l0.n3.b");
    BOOST_TEST(named[48].first == "l1.n0.w0");
    BOOST_TEST(named[48 + 16].first == "l1.n0.b");
    BOOST_TEST(named[336].first == "l2.n0.b");
    BOOST_TEST(named[335].first == "l2.n0.w15");
    for (std::size_t i = 0; i < params.size(); ++i) {
        BOOST_TEST(named[i].second.id() == params[i].id()); // the same nodes, not copies
        BOOST_TEST(params[i].is_parameter());
        BOOST_TEST(params[i].label() == named[i].first); // labelled for DOT output
    }
    std::ostringstream os;
    os << model;
    BOOST_TEST(os.str() == "MLP(2 -> 16 relu -> 16 relu -> 1 linear), 337 parameters");
    BOOST_TEST(model.inputs() == 2u);
    BOOST_TEST(model.outputs() == 1u);
}

BOOST_AUTO_TEST_CASE(predict_equals_the_recorded_forward)
{
    Generator gen(5);
    const nn::MLP model(3, {4, 2}, {.hidden = nn::Activation::Tanh, .output = nn::Activation::Sigmoid}, gen);
    const std::vector<double> x{0.3, -0.7, 1.1};
    const std::vector<double> p = model.predict(x);
    const std::vector<Value> out = model({0.3, -0.7, 1.1});
    BOOST_REQUIRE_EQUAL(p.size(), 2u);
    BOOST_TEST(p == data_of(out), tt::per_element());
}

BOOST_AUTO_TEST_CASE(same_seed_same_weights)
{
    const auto weights = [](std::uint64_t seed, nn::Init init) {
        Generator gen(seed);
        const nn::MLP model(2, {8, 8, 1}, {.init = init}, gen);
        return data_of(model.parameters());
    };
    for (const nn::Init& init : {nn::Init::uniform(-1.0, 1.0), nn::Init::xavier_uniform(), nn::Init::xavier_normal()}) {
        const std::vector<double> a = weights(42, init);
        BOOST_TEST(a == weights(42, init), tt::per_element());
        BOOST_TEST(a != weights(43, init));
    }
}

BOOST_AUTO_TEST_CASE(uniform_init_stays_in_range)
{
    Generator gen(11);
    const nn::Layer layer(50, 40, nn::Activation::Linear, nn::Init::uniform(-0.3, 0.2), gen);
    const std::vector<double> w = weights_of(layer);
    BOOST_TEST(*std::min_element(w.begin(), w.end()) >= -0.3);
    BOOST_TEST(*std::max_element(w.begin(), w.end()) < 0.2);
    BOOST_TEST(*std::min_element(w.begin(), w.end()) < -0.29); // the range is used, not a part of it
    BOOST_TEST(*std::max_element(w.begin(), w.end()) > 0.19);
    BOOST_TEST(mean_of(w) == -0.05, tt::tolerance(0.2)); // U(-0.3, 0.2) has mean -0.05
}

BOOST_AUTO_TEST_CASE(xavier_functions)
{
    BOOST_TEST(nn::xavier_uniform_bound(3, 3) == 1.0, tt::tolerance(1e-15));       // sqrt(6/6)
    BOOST_TEST(nn::xavier_uniform_bound(2, 1) == std::sqrt(2.0), tt::tolerance(1e-15)); // sqrt(6/3)
    BOOST_TEST(nn::xavier_uniform_bound(3, 3, 2.0) == 2.0, tt::tolerance(1e-15));
    BOOST_TEST(nn::xavier_normal_std(1, 1) == 1.0, tt::tolerance(1e-15));            // sqrt(2/2)
    BOOST_TEST(nn::xavier_normal_std(200, 200) == 0.05 * std::sqrt(2.0), tt::tolerance(1e-15)); // sqrt(1/200)
    BOOST_TEST(nn::xavier_normal_std(1, 1, 5.0 / 3.0) == 5.0 / 3.0, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(xavier_uniform_weights_lie_within_the_bound)
{
    for (auto [fan_in, fan_out] : {std::pair<std::size_t, std::size_t>{200, 200}, {100, 20}}) {
        Generator gen(123);
        const nn::Layer layer(fan_in, fan_out, nn::Activation::Sigmoid, nn::Init::xavier_uniform(), gen);
        const std::vector<double> w = weights_of(layer);
        BOOST_REQUIRE_EQUAL(w.size(), fan_in * fan_out);
        const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
        double largest = 0.0;
        for (double x : w)
            largest = std::max(largest, std::abs(x));
        BOOST_TEST(largest <= a, "fans " << fan_in << "x" << fan_out);
        BOOST_TEST(largest > 0.99 * a, "fans " << fan_in << "x" << fan_out); // the whole range is used
        // U(-a, a) has variance a^2 / 3 = 2 / (fan_in + fan_out).
        BOOST_TEST(std_of(w) == a / std::sqrt(3.0), tt::tolerance(0.05));
    }
}

BOOST_AUTO_TEST_CASE(xavier_normal_weights_have_the_glorot_std)
{
    Generator gen(2024);
    const nn::Layer layer(200, 200, nn::Activation::Sigmoid, nn::Init::xavier_normal(), gen);
    const std::vector<double> w = weights_of(layer);
    const double expected = std::sqrt(2.0 / 400.0);
    BOOST_TEST(std_of(w) == expected, tt::tolerance(0.05));
    BOOST_TEST(std::abs(mean_of(w)) < 0.05 * expected);

    Generator gen2(2024);
    const nn::Layer tanh_layer(200, 200, nn::Activation::Tanh, nn::Init::xavier_normal(5.0 / 3.0), gen2);
    BOOST_TEST(std_of(weights_of(tanh_layer)) == 5.0 / 3.0 * expected, tt::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(init_and_activation_names)
{
    BOOST_TEST((nn::parse_init("xavier_normal").kind == nn::Init::Kind::XavierNormal));
    BOOST_TEST((nn::parse_init("xavier_uniform").kind == nn::Init::Kind::XavierUniform));
    BOOST_TEST((nn::parse_init("uniform").kind == nn::Init::Kind::Uniform));
    const std::string msg = message_of<std::invalid_argument>([] { (void)nn::parse_init("he"); });
    BOOST_TEST(contains(msg, "'he'"), msg);
    for (nn::Activation a : {nn::Activation::Linear, nn::Activation::Sigmoid, nn::Activation::Tanh, nn::Activation::Relu})
        BOOST_TEST((nn::parse_activation(nn::to_string(a)) == a));
    const std::string amsg = message_of<std::invalid_argument>([] { (void)nn::parse_activation("gelu"); });
    BOOST_TEST(contains(amsg, "'gelu'"), amsg);
}

// ---------------------------------------------------------------------------------------------
// Generator

BOOST_AUTO_TEST_CASE(mt19937_64_is_the_standard_sequence)
{
    // [rand.predef]: "the 10000th consecutive invocation of a default-constructed object of
    // type mt19937_64 shall produce the value 9981545732273789042".
    std::mt19937_64 engine;
    engine.discard(9999);
    BOOST_TEST(engine() == 9981545732273789042ull);
}

BOOST_AUTO_TEST_CASE(generator_first_values_are_fixed)
{
    // The first outputs of std::mt19937_64 seeded with 42, and uniform() = (r >> 11) * 2^-53.
    const std::uint64_t raw[] = {13930160852258120406ull, 11788048577503494824ull, 13874630024467741450ull,
                                 2513787319205155662ull};
    const double uniform[] = {0.75515553295453897, 0.63903139385469743, 0.7521452007480266, 0.13627268363243705};
    std::mt19937_64 engine(42);
    for (std::uint64_t r : raw)
        BOOST_TEST(engine() == r);
    for (int k = 0; k < 4; ++k)
        BOOST_TEST(static_cast<double>(raw[k] >> 11) * 0x1.0p-53 == uniform[k]);

    Generator gen(42);
    for (double u : uniform)
        BOOST_TEST(gen.uniform() == u); // exact: the same bits on every platform
    // seed() restarts the sequence.
    gen.seed(42);
    BOOST_TEST(gen.uniform() == uniform[0]);
    // uniform(low, high) is low + (high - low) * uniform().
    Generator gen2(42);
    BOOST_TEST(gen2.uniform(-1.0, 1.0) == -1.0 + 2.0 * uniform[0]);
}

BOOST_AUTO_TEST_CASE(generator_normal_and_below)
{
    Generator gen(9);
    std::vector<double> z(200000);
    for (double& v : z)
        v = gen.normal();
    BOOST_TEST(std::abs(mean_of(z)) < 0.01);
    BOOST_TEST(std_of(z) == 1.0, tt::tolerance(0.01));
    std::vector<double> z2(20000);
    for (double& v : z2)
        v = gen.normal(3.0, 0.5);
    BOOST_TEST(mean_of(z2) == 3.0, tt::tolerance(0.01));
    BOOST_TEST(std_of(z2) == 0.5, tt::tolerance(0.03));

    // seed() drops a spare normal draw: the sequence restarts exactly.
    Generator a(5), b(5);
    (void)a.normal();
    a.seed(5);
    BOOST_TEST(a.normal() == b.normal());
    BOOST_TEST(a.normal() == b.normal());

    std::vector<int> counts(7, 0); // counts[6]: draws out of range
    for (int k = 0; k < 60000; ++k)
        ++counts[std::min<std::uint64_t>(gen.below(6), 6)];
    BOOST_TEST(counts[6] == 0);
    counts.pop_back();
    for (int c : counts)
        BOOST_TEST(std::abs(c - 10000) < 500, "count " << c);
    BOOST_TEST(gen.below(1) == 0u);
}

BOOST_AUTO_TEST_CASE(shuffle_is_a_reproducible_permutation)
{
    std::vector<int> items(100);
    std::iota(items.begin(), items.end(), 0);
    std::vector<int> a = items, b = items, c = items;
    Generator ga(42), gb(42), gc(43);
    ga.shuffle(std::span<int>(a));
    gb.shuffle(std::span<int>(b));
    gc.shuffle(std::span<int>(c));
    BOOST_TEST(a == b, tt::per_element());
    BOOST_TEST(a != items);
    BOOST_TEST(a != c);
    for (std::vector<int>* v : {&a, &c}) {
        std::vector<int> sorted = *v;
        std::sort(sorted.begin(), sorted.end());
        BOOST_TEST(sorted == items, tt::per_element());
    }
    // Every element moves somewhere over many shuffles (no position is stuck).
    std::vector<int> seen_elsewhere(100, 0);
    Generator g(1);
    for (int round = 0; round < 50; ++round) {
        std::vector<int> v = items;
        g.shuffle(std::span<int>(v));
        for (int i = 0; i < 100; ++i)
            seen_elsewhere[static_cast<std::size_t>(i)] += v[static_cast<std::size_t>(i)] != i;
    }
    for (int s : seen_elsewhere)
        BOOST_TEST(s > 0);
}

// ---------------------------------------------------------------------------------------------
// Losses

BOOST_AUTO_TEST_CASE(mse_loss_by_hand)
{
    // One output: the tutorial's (a - y)^2 with a = 1.2, y = 0.5: 0.49, d/da = 2 (a - y) = 1.4.
    const std::vector<Value> one{Value(1.2)};
    const double y1[] = {0.5};
    const Value c1 = nn::mse_loss(one, y1);
    c1.backward();
    BOOST_TEST(c1.data() == 0.49, tt::tolerance(1e-14));
    BOOST_TEST(one[0].grad() == 1.4, tt::tolerance(1e-14));

    // Two outputs (0.5, 2.0) against (1, 0): ((-0.5)^2 + 2^2) / 2 = 2.125;
    // d/do_i = 2 (o_i - t_i) / 2: -0.5 and 2.0.
    const std::vector<Value> two{Value(0.5), Value(2.0)};
    const double y2[] = {1.0, 0.0};
    const Value c2 = nn::mse_loss(two, y2);
    c2.backward();
    BOOST_TEST(c2.data() == 2.125, tt::tolerance(1e-14));
    BOOST_TEST(two[0].grad() == -0.5, tt::tolerance(1e-14));
    BOOST_TEST(two[1].grad() == 2.0, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(hinge_loss_by_hand)
{
    // scores (2.0, 0.5, -0.3), labels (+1, +1, -1): margins 1 - y s = -1, 0.5, 0.7;
    // loss = (0 + 0.5 + 0.7) / 3 = 0.4; d/ds_i = -y_i / 3 where the margin is positive:
    // 0, -1/3, +1/3.
    const std::vector<Value> s{Value(2.0), Value(0.5), Value(-0.3)};
    const double y[] = {1.0, 1.0, -1.0};
    const Value loss = nn::hinge_loss(s, y);
    loss.backward();
    BOOST_TEST(loss.data() == 0.4, tt::tolerance(1e-14));
    BOOST_TEST(s[0].grad() == 0.0);
    BOOST_TEST(s[1].grad() == -1.0 / 3.0, tt::tolerance(1e-14));
    BOOST_TEST(s[2].grad() == 1.0 / 3.0, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(l2_penalty_by_hand)
{
    // 0.5^2 + (-2)^2 = 4.25; d/dw = 2w.
    const std::vector<Value> w{Value(0.5), Value(-2.0)};
    const Value p = nn::l2_penalty(w);
    p.backward();
    BOOST_TEST(p.data() == 4.25, tt::tolerance(1e-15));
    BOOST_TEST(w[0].grad() == 1.0, tt::tolerance(1e-15));
    BOOST_TEST(w[1].grad() == -4.0, tt::tolerance(1e-15));
    BOOST_TEST(nn::l2_penalty(std::vector<Value>{}).data() == 0.0);
}

BOOST_AUTO_TEST_CASE(loss_misuse_throws_with_messages)
{
    const std::vector<Value> two{Value(0.5), Value(2.0)};
    const double three[] = {1.0, 0.0, 1.0};
    const std::string mse = message_of<std::invalid_argument>([&] { (void)nn::mse_loss(two, three); });
    BOOST_TEST(contains(mse, "mse_loss"), mse);
    BOOST_TEST(contains(mse, "2 outputs but 3 targets"), mse);
    const std::string hinge = message_of<std::invalid_argument>([&] { (void)nn::hinge_loss(two, three); });
    BOOST_TEST(contains(hinge, "hinge_loss"), hinge);
    BOOST_TEST(contains(hinge, "2 outputs but 3 targets"), hinge);
    BOOST_CHECK_THROW((void)nn::mse_loss(std::vector<Value>{}, std::vector<double>{}), std::invalid_argument);

    const double bad[] = {1.0, 0.0}; // 0/1 labels instead of -1/+1
    const std::string labels = message_of<std::invalid_argument>([&] { (void)nn::hinge_loss(two, bad); });
    BOOST_TEST(contains(labels, "-1 or +1"), labels);
    BOOST_TEST(contains(labels, "got 0"), labels);
}

// ---------------------------------------------------------------------------------------------
// Optimizers

BOOST_AUTO_TEST_CASE(optimizer_options_are_validated)
{
    const std::vector<Value> w{Value::parameter(1.0)};
    const auto sgd_msg = [&](nn::SGDOptions o) { return message_of<std::invalid_argument>([&] { nn::SGD opt(w, o); }); };

    std::string m = sgd_msg({.lr = 0.1, .nesterov = true});
    BOOST_TEST(contains(m, "SGD"), m);
    BOOST_TEST(contains(m, "nesterov"), m);
    m = sgd_msg({.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true});
    BOOST_TEST(contains(m, "dampening"), m);
    m = sgd_msg({.lr = -0.1});
    BOOST_TEST(contains(m, "lr"), m);
    BOOST_TEST(contains(m, "-0.1"), m);
    m = sgd_msg({.lr = 0.1, .momentum = -0.5});
    BOOST_TEST(contains(m, "momentum"), m);
    m = sgd_msg({.lr = 0.1, .weight_decay = -1.0});
    BOOST_TEST(contains(m, "weight_decay"), m);
    nn::SGD ok(w, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    BOOST_CHECK_THROW(ok.set_lr(-1.0), std::invalid_argument);
    ok.set_lr(0.5);
    BOOST_TEST(ok.options().lr == 0.5);

    const auto rprop_msg = [&](nn::RpropOptions o) { return message_of<std::invalid_argument>([&] { nn::Rprop opt(w, o); }); };
    m = rprop_msg({.eta_plus = 1.0});
    BOOST_TEST(contains(m, "Rprop"), m);
    BOOST_TEST(contains(m, "eta_plus"), m);
    BOOST_TEST(contains(rprop_msg({.eta_plus = 0.9}), "eta_plus"));
    BOOST_TEST(contains(rprop_msg({.eta_minus = 1.0}), "eta_minus"));
    BOOST_TEST(contains(rprop_msg({.eta_minus = 0.0}), "eta_minus"));
    BOOST_TEST(contains(rprop_msg({.lr = 0.0}), "lr"));
    BOOST_TEST(contains(rprop_msg({.step_min = 1.0, .step_max = 0.5}), "step_min"));
    BOOST_CHECK_NO_THROW(nn::Rprop(w, {}));

    const auto adam_msg = [&](nn::AdamOptions o) { return message_of<std::invalid_argument>([&] { nn::Adam opt(w, o); }); };
    m = adam_msg({.beta1 = 1.0});
    BOOST_TEST(contains(m, "Adam"), m);
    BOOST_TEST(contains(m, "beta1"), m);
    BOOST_TEST(contains(adam_msg({.beta2 = -0.1}), "beta2"));
    BOOST_TEST(contains(adam_msg({.lr = -1.0}), "lr"));
    BOOST_TEST(contains(adam_msg({.eps = -1e-8}), "eps"));
    BOOST_TEST(contains(adam_msg({.weight_decay = -0.1}), "weight_decay"));
    BOOST_CHECK_NO_THROW(nn::Adam(w, {}));
}

BOOST_AUTO_TEST_CASE(sgd_momentum_follows_the_tutorial_rule)
{
    // f(w) = w^2, g = 2w, w0 = 1, lr = 0.1, m = 0.9; Δw_t = -lr g_t + m Δw_{t-1}, Δw_{-1} = 0:
    //   g0 = 2     Δ0 = -0.2                          w1 = 0.8
    //   g1 = 1.6   Δ1 = -0.16 + 0.9 (-0.2)  = -0.34   w2 = 0.46
    //   g2 = 0.92  Δ2 = -0.092 + 0.9 (-0.34) = -0.398 w3 = 0.062
    const double expected[] = {0.8, 0.46, 0.062};
    const Value w = Value::parameter(1.0, "w");
    nn::SGD opt({w}, {.lr = 0.1, .momentum = 0.9});
    double rule_w = 1.0, rule_delta = 0.0;
    for (int t = 0; t < 3; ++t) {
        opt.zero_grad();
        pow(w, 2.0).backward();
        BOOST_TEST(w.grad() == 2.0 * rule_w, tt::tolerance(1e-14));
        opt.step();
        rule_delta = -0.1 * (2.0 * rule_w) + 0.9 * rule_delta;
        rule_w += rule_delta;
        BOOST_TEST(w.data() == expected[t], tt::tolerance(1e-13));
        BOOST_TEST(w.data() == rule_w, tt::tolerance(1e-13));
    }
    BOOST_TEST(opt.steps() == 3u);
}

BOOST_AUTO_TEST_CASE(sgd_nesterov_and_weight_decay_by_hand)
{
    // Nesterov (PyTorch): buf = m buf + g (buf = g at first), w -= lr (g + m buf).
    // f(w) = w^2, w0 = 1, lr = 0.1, m = 0.9:
    //   g = 2,    buf = 2,                 w1 = 1 - 0.1 (2 + 1.8)       = 0.62
    //   g = 1.24, buf = 1.8 + 1.24 = 3.04, w2 = 0.62 - 0.1 (1.24 + 2.736) = 0.2224
    const Value w = Value::parameter(1.0);
    nn::SGD opt({w}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    const double expected[] = {0.62, 0.2224};
    for (double e : expected) {
        opt.zero_grad();
        pow(w, 2.0).backward();
        opt.step();
        BOOST_TEST(w.data() == e, tt::tolerance(1e-13));
    }
    // Weight decay adds wd * w to the gradient: w = 1, g = 2 + 0.1 = 2.1, w1 = 1 - 0.1 * 2.1 = 0.79.
    const Value v = Value::parameter(1.0);
    nn::SGD decay({v}, {.lr = 0.1, .weight_decay = 0.1});
    pow(v, 2.0).backward();
    decay.step();
    BOOST_TEST(v.data() == 0.79, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(optimizer_zero_grad_clears_every_parameter)
{
    const std::vector<Value> w{Value::parameter(1.0), Value::parameter(2.0)};
    nn::SGD opt(w, {.lr = 0.1});
    (w[0] * w[1]).backward();
    BOOST_TEST(w[0].grad() == 2.0);
    BOOST_TEST(opt.numel() == 2u);
    opt.zero_grad();
    BOOST_TEST(w[0].grad() == 0.0);
    BOOST_TEST(w[1].grad() == 0.0);
}

// ---------------------------------------------------------------------------------------------
// Training

BOOST_AUTO_TEST_CASE(xor_is_learnt_in_every_mode)
{
    for (nn::TrainMode mode : {nn::TrainMode::Online, nn::TrainMode::Batch, nn::TrainMode::MiniBatch}) {
        BOOST_TEST_CONTEXT("mode " << nn::to_string(mode))
        {
            const nn::MLP model = xor_model(1);
            nn::SGD opt(model.parameters(), {.lr = 0.5, .momentum = 0.9});
            const nn::TrainHistory h =
                nn::train(model, opt, xor_data(), nn::mse_sample_loss, {.mode = mode, .batch_size = 2, .epochs = 2000, .seed = 3});
            BOOST_REQUIRE_EQUAL(h.loss.size(), 2000u);
            BOOST_TEST(h.loss.back() < h.loss.front() / 4.0, h.loss.front() << " -> " << h.loss.back());
            BOOST_TEST(nn::accuracy(model, xor_data()) == 1.0);
            BOOST_TEST(h.loss.back() == nn::evaluate_loss(model, xor_data(), nn::mse_sample_loss), tt::tolerance(1e-15));
        }
    }
    // RPROP, the tutorial's other batch method, learns it too.
    const nn::MLP model = xor_model(1);
    nn::Rprop opt(model.parameters(), {.lr = 0.05});
    const nn::TrainHistory h =
        nn::train(model, opt, xor_data(), nn::mse_sample_loss, {.mode = nn::TrainMode::Batch, .epochs = 500});
    BOOST_TEST(h.loss.back() < h.loss.front() / 4.0, h.loss.front() << " -> " << h.loss.back());
}

BOOST_AUTO_TEST_CASE(steps_per_epoch_in_each_mode)
{
    // Five samples: online makes 5 steps an epoch, batch 1, mini-batch ceil(5 / b).
    std::vector<nn::Example> data = xor_data();
    data.push_back({{0.5, 0.5}, {1}});
    const std::size_t epochs = 3;
    struct Case {
        nn::TrainMode mode;
        std::size_t batch;
        std::size_t per_epoch;
    };
    const Case cases[] = {
        {nn::TrainMode::Online, 16, 5},   {nn::TrainMode::Batch, 16, 1},    {nn::TrainMode::MiniBatch, 1, 5},
        {nn::TrainMode::MiniBatch, 2, 3}, {nn::TrainMode::MiniBatch, 3, 2}, {nn::TrainMode::MiniBatch, 5, 1},
        {nn::TrainMode::MiniBatch, 7, 1},
    };
    for (const Case& c : cases) {
        const nn::MLP model = xor_model(2);
        nn::SGD opt(model.parameters(), {.lr = 0.1});
        const nn::TrainHistory h =
            nn::train(model, opt, data, nn::mse_sample_loss, {.mode = c.mode, .batch_size = c.batch, .epochs = epochs});
        BOOST_TEST(opt.steps() == epochs * c.per_epoch, nn::to_string(c.mode) << " batch " << c.batch);
        BOOST_TEST(h.loss.size() == epochs);
    }
}

BOOST_AUTO_TEST_CASE(batch_gradient_is_the_mean_of_sample_gradients)
{
    std::vector<nn::Example> data = xor_data();
    data.push_back({{0.3, -0.8}, {0.6}});
    const nn::MLP model = xor_model(4);
    const std::vector<Value> params = model.parameters();

    std::vector<std::vector<double>> per_sample;
    for (const nn::Example& e : data)
        per_sample.push_back(sample_gradient(model, e));
    std::vector<double> mean(params.size(), 0.0);
    for (const auto& g : per_sample)
        for (std::size_t i = 0; i < g.size(); ++i)
            mean[i] += g[i] / static_cast<double>(data.size());
    BOOST_TEST(std::any_of(mean.begin(), mean.end(), [](double g) { return std::abs(g) > 1e-3; }));

    {   // Batch: one step with the mean gradient.
        Recorder rec(params);
        nn::train(model, rec, data, nn::mse_sample_loss, {.mode = nn::TrainMode::Batch, .epochs = 1});
        BOOST_REQUIRE_EQUAL(rec.grads.size(), 1u);
        check_close(rec.grads[0], mean, 1e-13);
    }
    {   // Online: one step per sample, in data order, with that sample's gradient.
        Recorder rec(params);
        nn::train(model, rec, data, nn::mse_sample_loss, {.mode = nn::TrainMode::Online, .epochs = 1});
        BOOST_REQUIRE_EQUAL(rec.grads.size(), data.size());
        for (std::size_t k = 0; k < data.size(); ++k)
            check_close(rec.grads[k], per_sample[k], 1e-13);
    }
    {   // Mini-batch of 2 over 5 samples: batches of 2, 2, 1, each the mean of its samples, so
        // 2 g_0 + 2 g_1 + 1 g_2 is the sum of all sample gradients (each sample once an epoch),
        // and the last batch's gradient is one sample's.
        Recorder rec(params);
        nn::train(model, rec, data, nn::mse_sample_loss, {.mode = nn::TrainMode::MiniBatch, .batch_size = 2, .epochs = 1, .seed = 8});
        BOOST_REQUIRE_EQUAL(rec.grads.size(), 3u);
        std::vector<double> total(params.size());
        for (std::size_t i = 0; i < total.size(); ++i)
            total[i] = (2.0 * rec.grads[0][i] + 2.0 * rec.grads[1][i] + rec.grads[2][i]) / 5.0;
        check_close(total, mean, 1e-13);
        std::size_t matches = 0;
        for (const auto& g : per_sample) {
            bool same = true;
            for (std::size_t i = 0; i < g.size(); ++i)
                same = same && std::abs(g[i] - rec.grads[2][i]) <= 1e-13 * (1.0 + std::abs(g[i]));
            matches += same;
        }
        BOOST_TEST(matches == 1u);
    }
}

BOOST_AUTO_TEST_CASE(train_rejects_mismatched_data)
{
    const nn::MLP model = xor_model(1);
    nn::SGD opt(model.parameters(), {.lr = 0.1});
    std::vector<nn::Example> data = xor_data();
    data[1].input.push_back(0.0);
    std::string m = message_of<std::invalid_argument>([&] { nn::train(model, opt, data, nn::mse_sample_loss, {}); });
    BOOST_TEST(contains(m, "sample 1 has 3 inputs, the model takes 2"), m);

    data = xor_data();
    data[2].target.push_back(1.0);
    m = message_of<std::invalid_argument>([&] { nn::train(model, opt, data, nn::mse_sample_loss, {}); });
    BOOST_TEST(contains(m, "sample 2 has 2 targets"), m);

    BOOST_CHECK_THROW(nn::train(model, opt, std::vector<nn::Example>{}, nn::mse_sample_loss, {}), std::invalid_argument);
    const nn::TrainOptions zero_batch{.mode = nn::TrainMode::MiniBatch, .batch_size = 0};
    m = message_of<std::invalid_argument>([&] { nn::train(model, opt, xor_data(), nn::mse_sample_loss, zero_batch); });
    BOOST_TEST(contains(m, "batch_size"), m);
    BOOST_TEST(opt.steps() == 0u); // nothing ran
}

BOOST_AUTO_TEST_CASE(stop_at_target_stops_early)
{
    const auto run = [](bool stop) {
        const nn::MLP model = xor_model(1);
        nn::SGD opt(model.parameters(), {.lr = 0.5, .momentum = 0.9});
        return nn::train(model, opt, xor_data(), nn::mse_sample_loss,
                         {.mode = nn::TrainMode::Batch, .epochs = 1000, .target_loss = 0.01, .stop_at_target = stop});
    };
    const nn::TrainHistory full = run(false);
    const nn::TrainHistory stopped = run(true);
    BOOST_REQUIRE(full.epochs_to_target.has_value());
    const std::size_t e = *full.epochs_to_target;
    BOOST_TEST(e > 1u);
    BOOST_TEST(e < 1000u);
    BOOST_TEST(full.loss.size() == 1000u);
    BOOST_TEST(full.loss[e - 1] <= 0.01);
    BOOST_TEST(full.loss[e - 2] > 0.01); // the first epoch at or below the target
    BOOST_TEST(std::all_of(full.loss.begin(), full.loss.begin() + static_cast<long>(e - 1), [](double l) { return l > 0.01; }));

    BOOST_REQUIRE(stopped.epochs_to_target.has_value());
    BOOST_TEST(*stopped.epochs_to_target == e);
    BOOST_TEST(stopped.loss.size() == e);
    BOOST_TEST(stopped.loss == std::vector<double>(full.loss.begin(), full.loss.begin() + static_cast<long>(e)), tt::per_element());

    // The default target (0) is never reached by a sigmoid network's MSE.
    const nn::MLP model = xor_model(1);
    nn::SGD opt(model.parameters(), {.lr = 0.5});
    const nn::TrainHistory h = nn::train(model, opt, xor_data(), nn::mse_sample_loss, {.mode = nn::TrainMode::Batch, .epochs = 10});
    BOOST_TEST(!h.epochs_to_target.has_value());
}

BOOST_AUTO_TEST_CASE(epoch_callback_can_stop_training)
{
    const nn::MLP model = xor_model(1);
    nn::SGD opt(model.parameters(), {.lr = 0.5});
    std::vector<std::size_t> epochs;
    const nn::TrainHistory h = nn::train(model, opt, xor_data(), nn::mse_sample_loss, {.mode = nn::TrainMode::Online, .epochs = 100},
                                         [&](std::size_t epoch, double loss) {
                                             epochs.push_back(epoch);
                                             BOOST_TEST(loss > 0.0);
                                             return epoch < 5;
                                         });
    BOOST_TEST(h.loss.size() == 5u);
    BOOST_TEST(epochs == (std::vector<std::size_t>{1, 2, 3, 4, 5}), tt::per_element());
    BOOST_TEST(opt.steps() == 5u * 4u);
}

BOOST_AUTO_TEST_CASE(accuracy_and_evaluate_loss_by_hand)
{
    // A 2-2 linear layer set to the identity: outputs equal inputs.
    Generator gen(1);
    const nn::MLP id(2, {2}, {.output = nn::Activation::Linear}, gen);
    const auto& neurons = id.layers()[0].neurons();
    for (std::size_t j = 0; j < 2; ++j) {
        for (std::size_t i = 0; i < 2; ++i)
            neurons[j].weights()[i].set_data(i == j ? 1.0 : 0.0);
        neurons[j].bias().set_data(0.0);
    }
    // argmax: (1, 0) -> class 0 right; (0, 1) -> class 1 but target 0, wrong; (0.2, 0.9) right.
    // MSE per sample: 0; (1 + 1)/2 = 1; (0.04 + 0.01)/2 = 0.025. Mean 1.025 / 3.
    const std::vector<nn::Example> data{{{1, 0}, {1, 0}}, {{0, 1}, {1, 0}}, {{0.2, 0.9}, {0, 1}}};
    BOOST_TEST(nn::accuracy(id, data) == 2.0 / 3.0, tt::tolerance(1e-15));
    BOOST_TEST(nn::evaluate_loss(id, data, nn::mse_sample_loss) == 1.025 / 3.0, tt::tolerance(1e-14));

    // One output: the threshold (0.5) decides. 0.7 vs 1 right, 0.2 vs 0 right, 0.6 vs 0 wrong.
    const nn::MLP one(1, {1}, {.output = nn::Activation::Linear}, gen);
    one.layers()[0].neurons()[0].weights()[0].set_data(1.0);
    one.layers()[0].neurons()[0].bias().set_data(0.0);
    const std::vector<nn::Example> bin{{{0.7}, {1}}, {{0.2}, {0}}, {{0.6}, {0}}};
    BOOST_TEST(nn::accuracy(one, bin) == 2.0 / 3.0, tt::tolerance(1e-15));
    BOOST_TEST(nn::accuracy(one, bin, 0.65) == 1.0);
}
