// Workloads W2/W3 (DESIGN.md): an MLP on MNIST-10k, the same computation as
// shared/bench/libtorch/mnist_mlp.cpp: Linear layers with ReLU between, cross-entropy, SGD with
// lr 0.05 and momentum 0.9, shuffled mini-batches; prints the best epoch time, samples per second
// and the test accuracy in the same format.
//
// usage: bench_w2 [--data DIR] [--hidden 128,64] [--batch 64] [--epochs 3] [--seed 0]
// (bench_gemm_floor times the same epoch's products alone.)
#include <nn/metrics/accuracy.hpp>
#include <nn/data/byte_image_dataset.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

using autograd::Tensor;

int main(int argc, char** argv)
{
    CLI::App app{"W2/W3: an MNIST MLP on Backprop's tensor engine"};
    std::string data_dir = BACKPROP_DATA "/mnist-10k", hidden = "128,64";
    int batch = 64, epochs = 3;
    std::uint64_t seed = 0;
    app.add_option("--data", data_dir, "MNIST folder")->check(CLI::ExistingDirectory);
    app.add_option("--hidden", hidden, "hidden layer sizes");
    app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--epochs", epochs, "epochs")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed of the initial weights and of the batches' order");
    CLI11_PARSE(app, argc, argv);
    fmt::print("matrix products: {}\n", autograd::describe_matmul_backend());

    // The images stay bytes, converted to floats batch by batch (as torchvision keeps MNIST):
    // 6.3 MB instead of float32's 25 MB for the training set.
    const nn::ByteImageDataset train = nn::load_mnist_bytes(data_dir, "train");
    const nn::ByteImageDataset test = nn::load_mnist_bytes(data_dir, "test");
    std::vector<std::int64_t> sizes = nn::parse_sizes(fmt::format("784,{},10", hidden));
    autograd::Generator gen(seed);
    nn::Sequential model = nn::make_mlp(sizes, "relu", gen);
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
    // The test accuracy in batches of the training's size: the test set is never held as floats
    // whole and no buffer outgrows training's, so the peak memory stays training's.
    const auto n = static_cast<double>(train.size());
    fmt::print("backprop mlp {} batch={}: {:.4f} s/epoch (best of {}), {:.0f} samples/s, test acc {:.4f}\n", hidden,
               batch, best, epochs, n / best, nn::accuracy(model, test, batch));
    return 0;
}
