// Workloads W2/W3 (DESIGN.md): an MLP on MNIST-10k, the same computation as
// shared/bench/libtorch/mnist_mlp.cpp: Linear layers with ReLU between, cross-entropy, SGD with
// lr 0.05 and momentum 0.9, shuffled mini-batches; prints the best epoch time, samples per second
// and the test accuracy in the same format.
//
// usage: bench_w2 [--data DIR] [--hidden 128,64] [--batch 64] [--epochs 3]
#include <nn/activation_modules.hpp>
#include <nn/data_loader.hpp>
#include <nn/idx.hpp>
#include <nn/linear.hpp>
#include <nn/losses.hpp>
#include <nn/sequential.hpp>
#include <nn/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

using autograd::Tensor;

int main(int argc, char** argv)
{
    CLI::App app{"W2/W3: an MNIST MLP on Backprop's tensor engine"};
    std::string data_dir = BACKPROP_DATA "/mnist-10k", hidden = "128,64";
    int batch = 64, epochs = 3;
    app.add_option("--data", data_dir, "MNIST folder")->check(CLI::ExistingDirectory);
    app.add_option("--hidden", hidden, "hidden layer sizes");
    app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--epochs", epochs, "epochs")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);

    const nn::LabelledTensors train = nn::load_mnist(data_dir, "train");
    const nn::LabelledTensors test = nn::load_mnist(data_dir, "test");
    std::vector<std::int64_t> sizes{784};
    std::stringstream ss(hidden);
    for (std::string h; std::getline(ss, h, ',');)
        sizes.push_back(std::stoll(h));
    sizes.push_back(10);
    autograd::Generator gen(0);
    nn::Sequential model;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
        model.push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], gen));
        if (i + 2 < sizes.size())
            model.push_back(std::make_shared<nn::ReLU>());
    }
    nn::SGD opt(nn::param_refs(model.parameters()), {.lr = 0.05, .momentum = 0.9});
    const nn::TensorDataset data(train.features, train.labels);
    nn::DataLoader loader(data, {.batch_size = batch, .shuffle = true, .seed = 0});
    double best = 1e9;
    for (int e = 0; e < epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const nn::Batch& b : loader) {
            opt.zero_grad();
            nn::cross_entropy(model(b.features), b.targets).backward();
            opt.step();
        }
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    autograd::NoGradGuard no_grad;
    const std::vector<double> predicted = autograd::argmax(model(test.features), 1).to_vector();
    const std::vector<double> labels = test.labels.to_vector();
    double right = 0;
    for (std::size_t i = 0; i < labels.size(); ++i)
        right += predicted[i] == labels[i] ? 1 : 0;
    const auto n = static_cast<double>(train.labels.numel());
    fmt::print("backprop mlp {} batch={}: {:.4f} s/epoch (best of {}), {:.0f} samples/s, test acc {:.4f}\n", hidden,
               batch, best, epochs, n / best, right / static_cast<double>(labels.size()));
    return 0;
}
