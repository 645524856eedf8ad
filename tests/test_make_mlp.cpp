// nn::make_mlp and nn::parse_sizes: the layers, names and shapes of the model built, weights equal
// to the loop written out, and the errors for bad sizes and activation names. Also
// autograd::reduce, the reduction every loss ends in.
#define BOOST_TEST_MODULE make_mlp
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/ops/loss.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/make_mlp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using autograd::Tensor;
using test_util::contains;
using test_util::message_of;

BOOST_AUTO_TEST_CASE(layers_names_and_shapes)
{
    autograd::Generator gen(0);
    nn::Sequential model = nn::make_mlp({4, 16, 8, 3}, "tanh", gen);
    BOOST_TEST(model.size() == 5u); // Linear, Tanh, Linear, Tanh, Linear
    BOOST_TEST(model[1]->type_name() == "Tanh");
    BOOST_TEST(model[3]->type_name() == "Tanh");
    BOOST_TEST(model[4]->type_name() == "Linear");
    const auto named = model.named_parameters();
    const std::vector<std::pair<std::string, autograd::Shape>> want = {
        {"0.weight", {16, 4}}, {"0.bias", {16}}, {"2.weight", {8, 16}}, {"2.bias", {8}}, {"4.weight", {3, 8}}, {"4.bias", {3}}};
    BOOST_REQUIRE(named.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST(named[i].first == want[i].first);
        BOOST_TEST((named[i].second.shape() == want[i].second), named[i].first);
    }
    BOOST_TEST(model.num_parameters() == 16 * 4 + 16 + 8 * 16 + 8 + 3 * 8 + 3);
    const Tensor out = model(Tensor::zeros({5, 4}));
    BOOST_TEST((out.shape() == autograd::Shape{5, 3}));

    nn::Sequential with_output = nn::make_mlp({2, 1}, "relu", gen, "sigmoid");
    BOOST_TEST(with_output.size() == 2u);
    BOOST_TEST(with_output[1]->type_name() == "Sigmoid");
    nn::Sequential leaky = nn::make_mlp({2, 3, 1}, "leaky_relu", gen);
    BOOST_TEST(leaky[1]->type_name() == "LeakyReLU");
}

BOOST_AUTO_TEST_CASE(weights_are_the_written_out_loops)
{
    // The tools' checkpoints from before make_mlp must load into the same weights for a seed.
    autograd::Generator a(7), b(7);
    nn::Sequential built = nn::make_mlp({3, 5, 2}, "relu", a);
    // NOTE: pushed one by one: the arguments of Sequential(Linear(..., b), ReLU(), Linear(..., b))
    // are evaluated in an unspecified order (GCC: last first), and so would draw the weights.
    nn::Sequential by_hand;
    by_hand.push_back(std::make_shared<nn::Linear>(3, 5, b));
    by_hand.push_back(std::make_shared<nn::ReLU>());
    by_hand.push_back(std::make_shared<nn::Linear>(5, 2, b));
    const auto x = built.parameters(), y = by_hand.parameters();
    BOOST_REQUIRE(x.size() == y.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        BOOST_TEST(x[i].to_vector() == y[i].to_vector(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_sizes_and_names_are_errors)
{
    autograd::Generator gen(0);
    std::string m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp({784}, "relu", gen); });
    BOOST_TEST(contains(m, "make_mlp: sizes [784] need at least an input and an output size"), m);
    m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp(std::vector<std::int64_t>{}, "relu", gen); });
    BOOST_TEST(contains(m, "sizes []"), m);
    m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp({4, 0, 3}, "relu", gen); });
    BOOST_TEST(contains(m, "sizes [4, 0, 3]: size 1 is 0, must be >= 1"), m);
    m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp({4, 3}, "gelu", gen); });
    BOOST_TEST(contains(m, "unknown activation 'gelu'"), m);
    BOOST_TEST(contains(m, "relu, leaky_relu, sigmoid or tanh"), m);
    // "none" is for the output only.
    m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp({4, 3}, "none", gen); });
    BOOST_TEST(contains(m, "unknown activation 'none'"), m);
    m = message_of<std::invalid_argument>([&] { (void)nn::make_mlp({4, 3}, "relu", gen, "softmax"); });
    BOOST_TEST(contains(m, "unknown output activation 'softmax'"), m);
    BOOST_TEST(contains(m, "or none"), m);
}

BOOST_AUTO_TEST_CASE(parse_sizes_reads_a_layers_option)
{
    BOOST_TEST(nn::parse_sizes("784,128,10") == (std::vector<std::int64_t>{784, 128, 10}), boost::test_tools::per_element());
    BOOST_TEST(nn::parse_sizes(" 4, 16 ,3") == (std::vector<std::int64_t>{4, 16, 3}), boost::test_tools::per_element());
    BOOST_TEST(nn::parse_sizes("7") == (std::vector<std::int64_t>{7}), boost::test_tools::per_element());
    for (const char* bad : {"", "4,,3", "4,x,3", "4,-2", "4,3,", "4.5,3", "4,0"}) {
        const std::string m = message_of<std::invalid_argument>([&] { (void)nn::parse_sizes(bad); });
        BOOST_TEST(contains(m, std::string("layer sizes '") + bad + "'"), m);
        BOOST_TEST(contains(m, "is not a whole number >= 1"), m);
    }
    const std::string m = message_of<std::invalid_argument>([&] { (void)nn::parse_sizes("4,x,3"); });
    BOOST_TEST(contains(m, "'x' is not"), m);
}

BOOST_AUTO_TEST_CASE(reduce_is_mean_sum_or_none)
{
    const Tensor v({1.0, 2.0, 6.0}, {3});
    BOOST_TEST(autograd::reduce(v, autograd::Reduction::Mean).item() == 3.0);
    BOOST_TEST(autograd::reduce(v, autograd::Reduction::Sum).item() == 9.0);
    const Tensor none = autograd::reduce(v, autograd::Reduction::None);
    BOOST_TEST(none.to_vector() == v.to_vector(), boost::test_tools::per_element());
    const std::string m =
        message_of<std::invalid_argument>([&] { (void)autograd::reduce(v, static_cast<autograd::Reduction>(7)); });
    BOOST_TEST(contains(m, "reduce: unknown Reduction 7"), m);
}
