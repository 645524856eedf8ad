// examples/delta_rule: the first tutorial's equations by hand (examples/delta_rule.hpp) against
// numbers derived on paper, the tensor engine against the hand computation, the two momentum
// rules against nn::SGD, and the built programs run as a user runs them (examples/delta_rule
// and examples/saturation, when the examples are built).
#define BOOST_TEST_MODULE delta_rule
#include <boost/test/unit_test.hpp>

#include "delta_rule.hpp"
#include "test_util.hpp"

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using test_util::contains;

namespace {

double max_abs_diff(const delta_rule::Weights& a, const delta_rule::Weights& b)
{
    double d = 0;
    for (std::size_t k = 0; k < delta_rule::Weights::kSize; ++k)
        d = std::max(d, std::abs(a.v[k] - b.v[k]));
    return d;
}

} // namespace

BOOST_AUTO_TEST_CASE(forward_and_error_terms_match_numbers_derived_by_hand)
{
    const delta_rule::Pass p = delta_rule::by_hand(delta_rule::example_weights(), delta_rule::example_sample());
    // Numbers on paper carry 6 significant digits, so they agree to a relative 1e-5.
    const auto tol = boost::test_tools::tolerance(1e-5);
    // x = (0.35, 0.9). h1: net = 0.05 + 0.1*0.35 + 0.8*0.9 = 0.05 + 0.035 + 0.72 = 0.805;
    // e^-0.805 = e^-0.8 e^-0.005 = 0.449329 * 0.995012 = 0.447088, a = 1/1.447088 = 0.691043.
    BOOST_TEST(p.net_h[0] == 0.805, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.a_h[0] == 0.691043, tol);
    // h2: net = -0.1 + 0.4*0.35 - 0.6*0.9 = -0.1 + 0.14 - 0.54 = -0.5; a = 1/(1 + e^0.5) = 1/2.648721 = 0.377541.
    BOOST_TEST(p.net_h[1] == -0.5, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.a_h[1] == 0.377541, tol);
    // h3: net = 0.2 - 0.3*0.35 + 0.5*0.9 = 0.545; e^-0.545 = 0.579842, a = 1/1.579842 = 0.632975.
    BOOST_TEST(p.a_h[2] == 0.632975, tol);
    // o1: net = 0.2 + 0.3*0.691043 + 0.9*0.377541 - 0.4*0.632975 = 0.2 + 0.207313 + 0.339787 - 0.253190
    // = 0.493910; e^-0.493910 = 0.610236, a = 1/1.610236 = 0.621027.
    BOOST_TEST(p.net_o[0] == 0.493910, tol);
    BOOST_TEST(p.a_o[0] == 0.621027, tol);
    // Output error term (eq. 11) with t1 = 0.2: (0.621027 - 0.2) * 0.621027 * 0.378973
    // = 0.421027 * 0.235352 = 0.0990897; it is also dE/db for o1's bias (eq. 10 with a_j = 1).
    BOOST_TEST(p.delta_o[0] == 0.0990897, tol);
    BOOST_TEST(p.grad.b2(0) == p.delta_o[0], boost::test_tools::tolerance(1e-15));
    // dE/dw for o1 <- h1 (eq. 10): delta_o1 a_h1 = 0.0990897 * 0.691043 = 0.0684752.
    BOOST_TEST(p.grad.w2(0, 0) == 0.0684752, tol);
}

BOOST_AUTO_TEST_CASE(engine_agrees_with_the_hand_computation)
{
    const delta_rule::Weights w = delta_rule::example_weights();
    const delta_rule::Sample s = delta_rule::example_sample();
    const delta_rule::Pass hand = delta_rule::by_hand(w, s), engine = delta_rule::by_engine(w, s);
    const auto tol = boost::test_tools::tolerance(1e-12);
    for (int i = 0; i < delta_rule::kHidden; ++i) {
        BOOST_TEST(engine.net_h[i] == hand.net_h[i], tol);
        BOOST_TEST(engine.a_h[i] == hand.a_h[i], tol);
        BOOST_TEST(std::abs(engine.delta_h[i] - hand.delta_h[i]) < 1e-15);
    }
    for (int i = 0; i < delta_rule::kOut; ++i) {
        BOOST_TEST(engine.a_o[i] == hand.a_o[i], tol);
        BOOST_TEST(std::abs(engine.delta_o[i] - hand.delta_o[i]) < 1e-15);
    }
    BOOST_TEST(engine.error == hand.error, tol);
    BOOST_TEST(max_abs_diff(engine.grad, hand.grad) < 1e-15);
    // The inner error terms are not zero: the comparison would pass vacuously otherwise.
    BOOST_TEST(std::abs(hand.delta_h[1]) > 1e-3);
}

BOOST_AUTO_TEST_CASE(momentum_and_nesterov_by_hand_match_sgd_over_two_steps)
{
    const delta_rule::Weights w = delta_rule::example_weights();
    const delta_rule::Sample s = delta_rule::example_sample();
    const double lr = 0.5, mu = 0.9;
    const auto momentum = delta_rule::momentum_by_hand(w, s, lr, mu, 2);
    const auto sgd_momentum = delta_rule::by_sgd(w, s, {.lr = lr, .momentum = mu}, 2);
    const auto nesterov = delta_rule::nesterov_by_hand(w, s, lr, mu, 2);
    const auto sgd_nesterov = delta_rule::by_sgd(w, s, {.lr = lr, .momentum = mu, .nesterov = true}, 2);
    BOOST_REQUIRE(momentum.size() == 3 && sgd_momentum.size() == 3 && nesterov.size() == 3 && sgd_nesterov.size() == 3);
    for (std::size_t t = 0; t < 3; ++t) {
        BOOST_TEST(max_abs_diff(momentum[t], sgd_momentum[t]) < 1e-12);
        BOOST_TEST(max_abs_diff(nesterov[t], sgd_nesterov[t]) < 1e-12);
    }
    // The first step by hand: o1's bias has gradient delta_o1 = 0.0990897 (above), so with
    // momentum b = 0.2 - 0.5 * 0.0990897 = 0.1504551, and with Nesterov's look-ahead form the
    // first step is (1 + mu) times as long: 0.2 - 1.9 * 0.5 * 0.0990897 = 0.1058647.
    const auto tol = boost::test_tools::tolerance(1e-6);
    BOOST_TEST(momentum[1].b2(0) == 0.1504551, tol);
    BOOST_TEST(nesterov[1].b2(0) == 0.1058647, tol);
    // The second step is where the momentum term acts: without it the weights differ.
    const auto plain = delta_rule::momentum_by_hand(w, s, lr, 0.0, 2);
    BOOST_TEST(max_abs_diff(plain[1], momentum[1]) < 1e-15);
    BOOST_TEST(max_abs_diff(plain[2], momentum[2]) > 1e-2);
    BOOST_TEST(max_abs_diff(momentum[2], nesterov[2]) > 1e-2);
}

#ifdef BACKPROP_DELTA_RULE
namespace {

using Run = test_util::ProgramRun;

// Runs a built example (no shell quoting needed: the paths have no spaces or quotes).
Run run(const std::string& program, const std::string& args)
{
    const std::filesystem::path dir = test_util::temp_dir(fmt::format("backprop_examples_{}", ::getpid()));
    return test_util::run_program(program, args, dir / "output.txt");
}

} // namespace

BOOST_AUTO_TEST_CASE(the_delta_rule_program_agrees_and_prints_the_numbers)
{
    const Run r = run(BACKPROP_DELTA_RULE, "");
    BOOST_TEST(r.status == 0);
    BOOST_TEST(contains(r.output, ": agree"));
    BOOST_TEST(contains(r.output, "0.6910430124"));  // a_h1, derived above to 6 places
    BOOST_TEST(contains(r.output, "0.0990897423"));  // delta_o1
    BOOST_TEST(contains(r.output, "0.1504551288"));  // b o1 after one step with momentum
    const Run help = run(BACKPROP_DELTA_RULE, "--help");
    BOOST_TEST(help.status == 0);
    BOOST_TEST(contains(help.output, "Usage"));
    const Run bad = run(BACKPROP_DELTA_RULE, "--steps 3");
    BOOST_TEST(bad.status != 0);
    BOOST_TEST(contains(bad.output, "--steps"));
}

BOOST_AUTO_TEST_CASE(the_saturation_program_shows_the_uniform_network_stuck)
{
    const std::filesystem::path dir = test_util::temp_dir(fmt::format("backprop_saturation_{}", ::getpid()));
    const Run r = run(BACKPROP_SATURATION, fmt::format("--epochs 2 --out '{}'", dir.string()));
    BOOST_TEST(r.status == 0, r.output);
    for (const char* file : {"layers.csv", "loss.csv", "activations.svg", "gradients.svg", "loss.svg"})
        BOOST_TEST(std::filesystem::exists(dir / file), file);
    // Weights in [0, 1) on inputs in [0, 1]: every net input is large and positive, every sigmoid
    // sits at 1, so the outputs are all 1 and the loss is the MSE of 1 against one-hot targets:
    // (9 * 1^2 + 0^2) / 10 = 0.9, every epoch.
    BOOST_TEST(contains(r.output, "     2     0.900000"));
    const Run bad = run(BACKPROP_SATURATION, "--epochs 0");
    BOOST_TEST(bad.status != 0);
    BOOST_TEST(contains(bad.output, "--epochs"));
    const Run bad_seed = run(BACKPROP_SATURATION, "--seed banana");
    BOOST_TEST(bad_seed.status != 0);
    BOOST_TEST(contains(bad_seed.output, "banana"));
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    std::filesystem::remove_all(dir.parent_path() / fmt::format("backprop_examples_{}", ::getpid()), ignored);
}
#endif
