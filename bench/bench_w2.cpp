// Workloads W2/W3 (DESIGN.md): an MLP on MNIST-10k, the same computation as
// shared/bench/libtorch/mnist_mlp.cpp: Linear layers with ReLU between, cross-entropy, SGD with
// lr 0.05 and momentum 0.9, shuffled mini-batches; prints the best epoch time, samples per second
// and the test accuracy in the same format (the loop: mnist_bench.hpp).
//
// usage: bench_w2 [--data DIR] [--hidden 128,64] [--batch 64] [--epochs 3] [--seed 0]
// (bench_gemm_floor times the same epoch's products alone.)
#include "mnist_bench.hpp"

#include <nn/modules/make_mlp.hpp>
#include <nn/modules/sequential.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv)
try {
    CLI::App app{"W2/W3: an MNIST MLP on Backprop's tensor engine"};
    bench::MnistBench o;
    std::string hidden = "128,64";
    bench::add_options(app, o);
    app.add_option("--hidden", hidden, "hidden layer sizes");
    CLI11_PARSE(app, argc, argv);
    const std::vector<std::int64_t> sizes = nn::parse_sizes(fmt::format("784,{},10", hidden));
    autograd::Generator gen(o.seed);
    nn::Sequential model = nn::make_mlp(sizes, "relu", gen);
    bench::train_and_report(o, model, "mlp " + hidden);
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "bench_w2: {}\n", e.what());
    return 1;
}
