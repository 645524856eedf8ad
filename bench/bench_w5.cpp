// Workload W5 (issue 13): a small CNN on MNIST-10k, the same computation as
// shared/bench/libtorch/mnist_cnn.cpp: conv 1->8 5x5, ReLU, max-pool 2, conv 8->16 5x5, ReLU,
// max-pool 2, Flatten, Linear 256->10, cross-entropy, SGD with lr 0.05 and momentum 0.9, shuffled
// mini-batches; prints the best epoch time, samples per second and the test accuracy in the same
// format (the loop: mnist_bench.hpp). examples/mnist_cnn.cpp trains the same network with
// per-epoch reports.
//
// usage: bench_w5 [--data DIR] [--batch 64] [--epochs 3] [--seed 0]
#include "mnist_bench.hpp"

#include <nn/modules/activation.hpp>
#include <nn/modules/conv.hpp>
#include <nn/modules/flatten.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/pool.hpp>
#include <nn/modules/sequential.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>

int main(int argc, char** argv)
try {
    CLI::App app{"W5: an MNIST CNN on Backprop's tensor engine"};
    bench::MnistBench o;
    bench::add_options(app, o);
    CLI11_PARSE(app, argc, argv);
    autograd::Generator gen(o.seed);
    // The rows of 784 pixels made images first (a view), so that nn::accuracy can score the model
    // batch by batch; the peer reshapes its whole float tensor once instead.
    nn::Sequential model{nn::Unflatten(1, {1, 28, 28}), nn::Conv2d(1, 8, 5, gen), nn::ReLU(),
                         nn::MaxPool2d(2),                nn::Conv2d(8, 16, 5, gen), nn::ReLU(),
                         nn::MaxPool2d(2),                nn::Flatten(),             nn::Linear(16 * 4 * 4, 10, gen)};
    bench::train_and_report(o, model, "cnn");
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "bench_w5: {}\n", e.what());
    return 1;
}
