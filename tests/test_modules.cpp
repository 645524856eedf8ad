// Tensor modules: Linear (PyTorch's layout and initialisation), Sequential (names, forward),
// activation modules, Dropout (train/eval), parameters and state_dict (names, loading with
// checks), the printed summary (PyTorch's format).
#define BOOST_TEST_MODULE modules
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/metrics/accuracy.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/dropout.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/data/tensor_dataset.hpp>

#include <cmath>
#include <vector>

using autograd::Dtype;
using autograd::Generator;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(linear_follows_pytorch_layout_and_initialisation)
{
    Generator gen(7);
    nn::Linear layer(400, 30, gen);
    BOOST_TEST(layer.weight().shape() == (Shape{30, 400}), tt::per_element());
    BOOST_TEST(layer.bias().shape() == (Shape{30}), tt::per_element());
    // Uniform in +-1/sqrt(400) = +-0.05: every draw inside, and the extremes near the bounds
    // (a draw lands within 1e-4 of a given bound with probability 1e-3; none of 12000 does with
    // probability e^-12).
    const std::vector<double> w = layer.weight().to_vector();
    double lo = 1, hi = -1, mean = 0;
    for (double v : w) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        mean += v / static_cast<double>(w.size());
    }
    BOOST_TEST(lo >= -0.05);
    BOOST_TEST(hi < 0.05);
    BOOST_TEST(lo < -0.0499);
    BOOST_TEST(hi > 0.0499);
    BOOST_TEST(std::abs(mean) < 4 * 0.05 / std::sqrt(3.0 * 12000)); // 4 standard errors
    // The same seed gives the same layer.
    Generator again(7);
    nn::Linear twin(400, 30, again);
    BOOST_TEST(twin.weight().to_vector() == w, tt::per_element());
    BOOST_TEST(layer.weight().requires_grad());
    BOOST_TEST(!nn::Linear(3, 2, gen, false).bias().defined());
}

BOOST_AUTO_TEST_CASE(linear_computes_x_wt_plus_b)
{
    Generator gen(1);
    nn::Linear layer(3, 2, gen);
    // Set W = [[1, 0, -1], [1, 1, 1]], b = [10, 20]: x = [1, 2, 3] gives [-2 + 10, 6 + 20].
    const std::vector<float> w = {1, 0, -1, 1, 1, 1}, b = {10, 20};
    std::copy(w.begin(), w.end(), layer.weight().data_ptr<float>());
    std::copy(b.begin(), b.end(), layer.bias().data_ptr<float>());
    const Tensor y = layer(Tensor({1.f, 2.f, 3.f}, {1, 3}));
    BOOST_TEST(y.to_vector() == (std::vector<double>{8, 26}), tt::per_element());
    y.sum().backward();
    // d sum(y) / dW = x in each row; d / db = 1
    BOOST_TEST(layer.weight().grad().to_vector() == (std::vector<double>{1, 2, 3, 1, 2, 3}), tt::per_element());
    BOOST_TEST(layer.bias().grad().to_vector() == (std::vector<double>{1, 1}), tt::per_element());
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)layer(Tensor::ones({2, 4})); }) ==
               "Linear(3, 2): input of shape [2, 4] does not end in 3 features");
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { nn::Linear(0, 2, gen); }), "must be positive"));
}

BOOST_AUTO_TEST_CASE(sequential_names_counts_and_prints_as_pytorch)
{
    Generator gen(0);
    nn::Sequential model(nn::Linear(784, 128, gen), nn::ReLU(), nn::Linear(128, 64, gen), nn::ReLU(),
                         nn::Linear(64, 10, gen));
    std::vector<std::string> names;
    for (const auto& [name, t] : model.named_parameters())
        names.push_back(name);
    BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}),
               tt::per_element());
    // 784*128 + 128 + 128*64 + 64 + 64*10 + 10, what torch's sum(p.numel()) gives
    BOOST_TEST(model.num_parameters() == 109386);
    BOOST_TEST(model.summary() == "Sequential(\n"
                                  "  (0): Linear(in_features=784, out_features=128, bias=True)\n"
                                  "  (1): ReLU()\n"
                                  "  (2): Linear(in_features=128, out_features=64, bias=True)\n"
                                  "  (3): ReLU()\n"
                                  "  (4): Linear(in_features=64, out_features=10, bias=True)\n"
                                  ")\n"
                                  "Parameters: 109,386 in 6 tensors\n");
    const Tensor out = model(Tensor::ones({5, 784}));
    BOOST_TEST(out.shape() == (Shape{5, 10}), tt::per_element());
    model.push_back(std::make_shared<nn::LogSoftmax>(1));
    // Rows of log-probabilities: exp sums to 1.
    const Tensor p = model(Tensor::ones({2, 784})).exp().sum(1);
    BOOST_TEST(p.to_vector() == (std::vector<double>{1, 1}), tt::tolerance(1e-5) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(activation_modules_match_the_ops)
{
    const Tensor x({-2.f, -0.5f, 0.f, 1.5f}, {4});
    BOOST_TEST(nn::ReLU()(x).to_vector() == relu(x).to_vector(), tt::per_element());
    BOOST_TEST(nn::Sigmoid()(x).to_vector() == sigmoid(x).to_vector(), tt::per_element());
    BOOST_TEST(nn::Tanh()(x).to_vector() == tanh(x).to_vector(), tt::per_element());
    BOOST_TEST(nn::LeakyReLU(0.1)(x).to_vector() == (std::vector<double>{-0.2, -0.05, 0, 1.5}),
               tt::tolerance(1e-6) << tt::per_element());
    BOOST_TEST(nn::Softmax(0)(x).sum().item() == 1.0, tt::tolerance(1e-6));
    BOOST_TEST(nn::LeakyReLU(0.2).extra_repr() == "negative_slope=0.2");
}

BOOST_AUTO_TEST_CASE(dropout_honours_train_and_eval)
{
    Generator gen(3);
    nn::Dropout drop(0.25, gen);
    const Tensor x = Tensor::ones({100000}).requires_grad_();
    const Tensor y = drop(x);
    // Kept elements are scaled to 1/(1 - 0.25); about a quarter are zero (4 standard errors:
    // sqrt(0.25 * 0.75 / 1e5) = 0.00137).
    std::size_t zeros = 0;
    for (double v : y.to_vector()) {
        BOOST_TEST((v == 0.0 || std::abs(v - 4.0 / 3.0) < 1e-6));
        zeros += v == 0.0 ? 1 : 0;
    }
    BOOST_TEST(std::abs(static_cast<double>(zeros) / 1e5 - 0.25) < 4 * 0.00137);
    // The gradient is the mask.
    y.sum().backward();
    BOOST_TEST(x.grad().to_vector() == y.detach().to_vector(), tt::per_element());
    drop.eval();
    BOOST_TEST(!drop.is_training());
    BOOST_TEST(drop(x).to_vector() == x.to_vector(), tt::per_element());
    // train()/eval() reach modules inside a Sequential.
    nn::Sequential model(nn::Linear(2, 2, gen), nn::Dropout(0.5, gen));
    model.eval();
    BOOST_TEST(!model[1]->is_training());
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::Dropout(1.5, gen); }) == "Dropout: p must be in [0, 1] (got 1.5)");
}

// Braces make the modules in order, whatever the compiler: the first Linear draws first from the
// generator, as the same layers made one by one.
BOOST_AUTO_TEST_CASE(braced_sequential_makes_its_modules_in_order)
{
    Generator g1(9), g2(9);
    const nn::Sequential braced{nn::Linear(3, 4, g1), nn::ReLU(), nn::Linear(4, 2, g1)};
    const nn::Linear first(3, 4, g2);
    const nn::Linear second(4, 2, g2);
    const std::vector<Tensor> p = braced.parameters();
    BOOST_TEST(p[0].to_vector() == first.weight().to_vector(), tt::per_element());
    BOOST_TEST(p[2].to_vector() == second.weight().to_vector(), tt::per_element());
}

BOOST_AUTO_TEST_CASE(state_dict_round_trip_and_checks)
{
    Generator gen(5), other_gen(6);
    nn::Sequential a(nn::Linear(3, 4, gen), nn::Tanh(), nn::Linear(4, 2, gen));
    nn::Sequential b(nn::Linear(3, 4, other_gen), nn::Tanh(), nn::Linear(4, 2, other_gen));
    const Tensor x = Tensor::rand({5, 3}, gen);
    BOOST_TEST(a(x).to_vector() != b(x).to_vector());
    b.load_state_dict(a.state_dict());
    BOOST_TEST(a(x).to_vector() == b(x).to_vector(), tt::per_element());

    // A different model: the names that are missing and unexpected are listed, nothing is written.
    nn::Sequential c(nn::Linear(3, 4, gen), nn::Linear(4, 2, gen));
    const std::vector<double> before = c.parameters()[0].to_vector();
    BOOST_TEST(message_of<std::invalid_argument>([&] { c.load_state_dict(a.state_dict()); }) ==
               "load_state_dict: the names differ: missing 2 ('1.weight', '1.bias'); unexpected 2 ('2.weight', '2.bias')");
    nn::Sequential d(nn::Linear(3, 5, gen), nn::Tanh(), nn::Linear(5, 2, gen));
    BOOST_TEST(message_of<std::invalid_argument>([&] { d.load_state_dict(a.state_dict()); }) ==
               "load_state_dict: '0.weight' is float32 [4, 3] in the source but float32 [5, 3] in the destination");
    BOOST_TEST(c.parameters()[0].to_vector() == before, tt::per_element());
    // Not strict: what matches is loaded, the rest left alone.
    c.load_state_dict(a.state_dict(), false);
    BOOST_TEST(c.parameters()[0].to_vector() == a.parameters()[0].to_vector(), tt::per_element());

    a(x).sum().backward();
    BOOST_TEST(a.parameters()[0].grad().defined());
    a.zero_grad();
    BOOST_TEST(!a.parameters()[0].grad().defined());
}

BOOST_AUTO_TEST_CASE(accuracy_of_a_classifier)
{
    // A Linear layer with W = I and no bias scores each row by itself: argmax is the position of
    // the largest feature. Rows: argmax 0, 1, 1; labels 0, 1, 0 -> 2 of 3 right.
    Generator gen(0);
    nn::Linear layer(2, 2, gen, false);
    const std::vector<float> identity = {1, 0, 0, 1};
    std::copy(identity.begin(), identity.end(), layer.weight().data_ptr<float>());
    const Tensor x({3.f, 1.f, 0.f, 2.f, 1.f, 5.f}, {3, 2});
    BOOST_TEST(nn::accuracy(layer, x, Tensor({0.f, 1.f, 0.f}, {3})) == 2.0 / 3.0);
    BOOST_TEST(!layer.weight().grad().defined()); // no graph, no gradient
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::accuracy(layer, x, Tensor({0.f}, {1})); }) ==
               "accuracy: scores [3, 2] and labels [1] (want [N, C] and [N])");

    // Over a data set in batches: the same 2 of 3 whether the batches divide the rows or not.
    const nn::TensorDataset data(x, Tensor({0.f, 1.f, 0.f}, {3}));
    for (std::int64_t batch : {1, 2, 3, 10})
        BOOST_TEST(nn::accuracy(layer, data, batch) == 2.0 / 3.0, "batch " << batch);
    BOOST_TEST(nn::accuracy(layer, nn::TensorDataset(x.slice(0, 0, 0), Tensor::zeros({0}))) == 0.0);
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::accuracy(layer, data, 0); }) ==
               "accuracy: batch size 0 (want at least 1)");
}
