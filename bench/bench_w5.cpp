// Workload W5 (issue 13): a small CNN on MNIST-10k, the same computation as
// shared/bench/libtorch/mnist_cnn.cpp: conv 1->8 5x5, ReLU, max-pool 2, conv 8->16 5x5, ReLU,
// max-pool 2, Flatten, Linear 256->10, cross-entropy, SGD with lr 0.05 and momentum 0.9, shuffled
// mini-batches; prints the best epoch time, samples per second and the test accuracy in the same
// format. examples/mnist_cnn.cpp trains the same network with per-epoch reports.
//
// usage: bench_w5 [--data DIR] [--batch 64] [--epochs 3] [--seed 0]
#include <nn/data/byte_image_dataset.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>
#include <nn/metrics/accuracy.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/conv.hpp>
#include <nn/modules/flatten.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/pool.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <autograd/matmul_backend.hpp>
#include <autograd/tensor.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

using autograd::Tensor;

int main(int argc, char** argv)
try {
    CLI::App app{"W5: an MNIST CNN on Backprop's tensor engine"};
    std::string data_dir = BACKPROP_DATA "/mnist-10k";
    int batch = 64, epochs = 3;
    std::uint64_t seed = 0;
    app.add_option("--data", data_dir, "MNIST folder")->check(CLI::ExistingDirectory);
    app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--epochs", epochs, "epochs")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed of the initial weights and of the batches' order");
    CLI11_PARSE(app, argc, argv);
    fmt::print("matrix products: {}\n", autograd::describe_matmul_backend());

    // The images stay bytes, converted to floats batch by batch (as in bench_w2).
    const nn::ByteImageDataset train = nn::load_mnist_bytes(data_dir, "train");
    const nn::ByteImageDataset test = nn::load_mnist_bytes(data_dir, "test");
    autograd::Generator gen(seed);
    // The rows of 784 pixels made images first (a view), so that nn::accuracy can score the model
    // batch by batch; the peer reshapes its whole float tensor once instead.
    nn::Sequential model{nn::Unflatten(1, {1, 28, 28}), nn::Conv2d(1, 8, 5, gen), nn::ReLU(),
                         nn::MaxPool2d(2),                nn::Conv2d(8, 16, 5, gen), nn::ReLU(),
                         nn::MaxPool2d(2),                nn::Flatten(),             nn::Linear(16 * 4 * 4, 10, gen)};
    nn::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
    nn::DataLoader loader(train, {.batch_size = batch, .shuffle = true, .seed = seed});
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
    // The test accuracy in batches of the training's size, so that the peak memory stays training's.
    const auto n = static_cast<double>(train.size());
    fmt::print("backprop cnn batch={}: {:.4f} s/epoch (best of {}), {:.0f} samples/s, test acc {:.4f}\n", batch, best,
               epochs, n / best, nn::accuracy(model, test, batch));
    return 0;
} catch (const std::exception& e) {
    fmt::print(stderr, "bench_w5: {}\n", e.what());
    return 1;
}
