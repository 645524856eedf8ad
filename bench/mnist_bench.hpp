// What the MNIST workloads share (W2/W3's MLP in bench_w2, W5's CNN in bench_w5): their options,
// the data, and the timed training loop of their peers in shared/bench/libtorch (cross-entropy, SGD
// with lr 0.05 and momentum 0.9, shuffled mini-batches, the best epoch of several), printed in the
// peers' format so that the scripts read both sides alike.
//
//   bench::MnistBench o;
//   bench::add_options(app, o);             // --data --batch --epochs --seed
//   CLI11_PARSE(app, argc, argv);
//   autograd::Generator gen(o.seed);
//   nn::Sequential model = ...;             // from gen
//   bench::train_and_report(o, model, "cnn");   // "backprop cnn batch=64: 0.2500 s/epoch (best of 3), ..."
#pragma once

#include <nn/data/byte_image_dataset.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>
#include <nn/metrics/accuracy.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/module.hpp>
#include <nn/optim/sgd.hpp>

#include "tools/common/cli.hpp"

#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

struct MnistBench {
    std::string data_dir = BACKPROP_DATA "/mnist-10k";
    int batch = 64, epochs = 3;
    std::uint64_t seed = 0;
};

inline void add_options(CLI::App& app, MnistBench& o)
{
    app.add_option("--data", o.data_dir, "MNIST folder")->check(CLI::ExistingDirectory);
    app.add_option("--batch", o.batch, "batch size")->check(tools::whole_in(1, 1 << 20));
    app.add_option("--epochs", o.epochs, "epochs")->check(tools::whole_in(1, 1 << 20));
    app.add_option("--seed", o.seed, "seed of the initial weights and of the batches' order");
}

/// Trains the model for o.epochs on MNIST-10k's training split and prints the library that runs
/// the products, then "backprop {label} batch=B: S s/epoch (best of E), N samples/s, test acc A".
inline void train_and_report(const MnistBench& o, nn::Module& model, std::string_view label)
{
    fmt::print("matrix products: {}\n", autograd::describe_matmul_backend());
    // The images stay bytes, converted to floats batch by batch (as torchvision keeps MNIST):
    // 6.3 MB instead of float32's 25 MB for the training set.
    const nn::ByteImageDataset train = nn::load_mnist_bytes(o.data_dir, "train");
    const nn::ByteImageDataset test = nn::load_mnist_bytes(o.data_dir, "test");
    nn::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
    nn::DataLoader loader(train, {.batch_size = o.batch, .shuffle = true, .seed = o.seed});
    double best = 1e9;
    for (int e = 0; e < o.epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        for (const nn::Batch& b : loader) {
            opt.zero_grad();
            nn::cross_entropy(model(b.features), b.targets).backward();
            opt.step();
        }
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    // The test accuracy in batches of the training's size: the test set is never held as floats
    // whole and no buffer outgrows training's, so the peak memory stays training's.
    const auto n = static_cast<double>(train.size());
    fmt::print("backprop {} batch={}: {:.4f} s/epoch (best of {}), {:.0f} samples/s, test acc {:.4f}\n", label, o.batch,
               best, o.epochs, n / best, nn::accuracy(model, test, o.batch));
}

} // namespace bench
