// The first tutorial's backpropagation, equation by equation, beside the engine: one sample
// through a 2-3-2 sigmoid network with biases and hand-chosen weights. Prints the weighted sums,
// activations and error (forward), the output and inner error terms and every weight gradient
// (backward), each by hand and by the tensor engine; then two updates with momentum and two with
// Nesterov momentum, by the textbook formulas and by nn::SGD. The equations and the network are
// in delta_rule.hpp.
//
// Exits with status 1 if any number differs between the two by more than 1e-12.
//
// usage: delta_rule [--help]
#include "delta_rule.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

namespace {

constexpr double kTolerance = 1e-12;
constexpr double kLr = 0.5, kMomentum = 0.9;
constexpr int kSteps = 2;

// Prints one row of a by-hand-versus-engine table and keeps the largest difference.
struct Table {
    double max_diff = 0;

    void header(const std::string& title, const char* hand = "by hand", const char* engine = "engine")
    {
        fmt::print("\n{}\n{:<22} {:>14} {:>14} {:>9}\n", title, "quantity", hand, engine, "|diff|");
    }
    void row(const std::string& name, double hand, double engine)
    {
        const double d = std::abs(hand - engine);
        max_diff = std::max(max_diff, std::isnan(d) ? INFINITY : d);
        fmt::print("{:<22} {:>14.10f} {:>14.10f} {:>9.1e}\n", name, hand, engine, d);
    }
};

std::string neuron(char layer, int i) { return fmt::format("{}{}", layer, i + 1); }

// The two updates of one rule: every weight before, after the first step and after the second
// (the one the momentum term changes), by hand and by nn::SGD.
double compare_updates(const std::string& title, const std::vector<delta_rule::Weights>& hand,
                       const std::vector<delta_rule::Weights>& sgd)
{
    fmt::print("\n{}\n{:<10} {:>11} {:>13} {:>13} {:>13} {:>8}\n", title, "weight", "w(0)", "w(1) hand",
               "w(2) hand", "w(2) SGD", "max|d|");
    double max_diff = 0;
    for (std::size_t k = 0; k < delta_rule::Weights::kSize; ++k) {
        double d = 0;
        for (std::size_t t = 0; t < hand.size(); ++t)
            d = std::max(d, std::abs(hand[t].v[k] - sgd[t].v[k]), [](double a, double b) {
                return a < b || std::isnan(b); // a NaN difference wins, so that it fails the check below
            });
        max_diff = std::max(max_diff, std::isnan(d) ? INFINITY : d);
        fmt::print("{:<10} {:>11.7f} {:>13.10f} {:>13.10f} {:>13.10f} {:>8.1e}\n", delta_rule::Weights::name(k),
                   hand[0].v[k], hand[1].v[k], hand[2].v[k], sgd[2].v[k], d);
    }
    return max_diff;
}

} // namespace

int main(int argc, char** argv)
try {
    CLI::App app{"delta_rule: the tutorial's backpropagation for a 2-3-2 sigmoid network, by hand beside the "
                 "engine (exit 1 if they differ)"};
    CLI11_PARSE(app, argc, argv);

    using delta_rule::kHidden, delta_rule::kOut;
    const delta_rule::Weights w = delta_rule::example_weights();
    const delta_rule::Sample s = delta_rule::example_sample();
    const delta_rule::Pass hand = delta_rule::by_hand(w, s);
    const delta_rule::Pass engine = delta_rule::by_engine(w, s);

    fmt::print("A 2-3-2 sigmoid network with biases; the sample x = ({}, {}), t = ({}, {}).\n", s.x[0],
               s.x[1], s.t[0], s.t[1]);
    fmt::print("Weights (w_ij: the weight neuron i gives to its input j; b: the bias):\n");
    for (std::size_t k = 0; k < delta_rule::Weights::kSize; ++k)
        fmt::print("  {:<9} {:>5}{}", delta_rule::Weights::name(k), w.v[k],
                   k % 4 == 3 || k + 1 == delta_rule::Weights::kSize ? "\n" : "");
    fmt::print("\nBy hand: plain loops over the tutorial's equations (numbered as in it).\n"
               "Engine: autograd::Tensor (float64) through nn::Linear layers; gradients from\n"
               "E.backward(), delta_i as dE/dnet_i from autograd::grad.\n");

    Table table;
    table.header("Forward pass");
    for (int i = 0; i < kHidden; ++i)
        table.row(fmt::format("net_{} = sum w a (1)", neuron('h', i)), hand.net_h[i], engine.net_h[i]);
    for (int i = 0; i < kHidden; ++i)
        table.row(fmt::format("a_{} = s(net) (3)", neuron('h', i)), hand.a_h[i], engine.a_h[i]);
    for (int i = 0; i < kOut; ++i)
        table.row(fmt::format("net_{} (1)", neuron('o', i)), hand.net_o[i], engine.net_o[i]);
    for (int i = 0; i < kOut; ++i)
        table.row(fmt::format("a_{} (3)", neuron('o', i)), hand.a_o[i], engine.a_o[i]);
    table.row("E = 1/2 sum(t-a)^2 (4)", hand.error, engine.error);

    table.header("Error terms delta_i = dE/dnet_i");
    for (int i = 0; i < kOut; ++i)
        table.row(fmt::format("delta_{} output (11)", neuron('o', i)), hand.delta_o[i], engine.delta_o[i]);
    for (int i = 0; i < kHidden; ++i)
        table.row(fmt::format("delta_{} inner (13)", neuron('h', i)), hand.delta_h[i], engine.delta_h[i]);

    table.header("Gradients dE/dw_ij = delta_i a_j (10)", "by hand", "backward()");
    for (std::size_t k = 0; k < delta_rule::Weights::kSize; ++k)
        table.row("dE/d" + delta_rule::Weights::name(k), hand.grad.v[k], engine.grad.v[k]);

    // NOTE: the tutorial writes momentum as a change of weight, dw(t) = -lr g(t) + mu dw(t-1),
    // w += dw; PyTorch (and nn::SGD) keeps a velocity of gradients, v(t) = mu v(t-1) + g(t),
    // w -= lr v. With v(-1) = 0 the two agree while lr is constant: by induction dw(t) = -lr v(t),
    // as -lr v(t) = -lr g(t) + mu (-lr v(t-1)) = -lr g(t) + mu dw(t-1). A changing lr breaks it:
    // PyTorch's old velocity is then scaled by the new rate, the tutorial's change by the old one.
    fmt::print("\nTwo updates on the sample, lr = {}, mu = {}:\n", kLr, kMomentum);
    fmt::print("  momentum by hand: dw(t) = -lr dE/dw(w(t)) + mu dw(t-1)\n"
               "                    w(t+1) = w(t) + dw(t)\n"
               "  nn::SGD:          v(t) = mu v(t-1) + dE/dw(w(t))\n"
               "                    w(t+1) = w(t) - lr v(t)        (the same: dw(t) = -lr v(t))\n");
    const double momentum_diff =
        compare_updates("Momentum", delta_rule::momentum_by_hand(w, s, kLr, kMomentum, kSteps),
                        delta_rule::by_sgd(w, s, {.lr = kLr, .momentum = kMomentum}, kSteps));

    fmt::print("\n  Nesterov by hand: dw(t) = -lr dE/dw(w(t) + mu dw(t-1)) + mu dw(t-1)\n"
               "                    w(t+1) = w(t) + dw(t)\n"
               "  nn::SGD:          g = dE/dw(w'(t)),  v(t) = mu v(t-1) + g\n"
               "                    w'(t+1) = w'(t) - lr (g + mu v(t))\n"
               "  SGD holds the look-ahead point w'(t) = w(t) + mu dw(t-1), where the gradient\n"
               "  is taken; the hand columns below are w'(t) too (w'(0) = w(0)).\n");
    const double nesterov_diff = compare_updates(
        "Nesterov momentum", delta_rule::nesterov_by_hand(w, s, kLr, kMomentum, kSteps),
        delta_rule::by_sgd(w, s, {.lr = kLr, .momentum = kMomentum, .nesterov = true}, kSteps));

    const double worst = std::max({table.max_diff, momentum_diff, nesterov_diff});
    fmt::print("\nLargest |difference|: passes {:.2e}, momentum {:.2e}, Nesterov {:.2e}\n"
               "(tolerance {:.0e}): {}\n",
               table.max_diff, momentum_diff, nesterov_diff, kTolerance, worst <= kTolerance ? "agree" : "DIFFER");
    return worst <= kTolerance ? 0 : 1;
} catch (const std::exception& e) {
    fmt::print(stderr, "delta_rule: {}\n", e.what());
    return 1;
}
