// MNIST on tensors: the MLP 784-128-64-10 (ReLU) trained with cross-entropy and SGD with
// momentum on MNIST-10k (8000 training and 2000 test digits), mini-batches of 32, weight decay 5e-4, the learning
// rate annealed from 0.05 to 0 along a cosine.
//
// Shows a progress bar per epoch, the test accuracy after each, and leaves in OUT_DIR the
// weights (model.safetensors, readable by PyTorch's safetensors), the metrics (metrics.csv), the
// loss curve (loss.svg) and the model's graph (model.dot, and model.svg when built with Graphviz).
//
// usage: mnist [--epochs N] [--out DIR] [--data DIR]   (--help for the options)
#include "example_cli.hpp"

#include <autograd/dot.hpp>
#include <autograd/tensor.hpp>
#include <nn/metrics/accuracy.hpp>
#include <nn/modules/activation.hpp>
#include <nn/data/byte_image_dataset.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/metrics/metrics_log.hpp>
#include <nn/metrics/progress.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

using autograd::Tensor;

int main(int argc, char** argv)
try {
    int epochs = 12;
    std::string out = "mnist-run", data = BACKPROP_DATA "/mnist-10k";
    CLI::App app{"mnist: an MLP 784-128-64-10 trained on MNIST-10k; its weights, metrics, loss curve and graph saved"};
    examples::show_defaults(app);
    app.add_option("--epochs", epochs, "training epochs (the cosine schedule reaches 0 at the last)")->check(tools::whole_in(1, 1000));
    app.add_option("--out", out, "folder for model.safetensors, metrics.csv, loss.svg and model.dot (made if missing)");
    app.add_option("--data", data, "folder of the IDX files train-images-idx3-ubyte[.gz] and the like")
        ->check(CLI::ExistingDirectory);
    CLI11_PARSE(app, argc, argv);
    const std::filesystem::path out_dir = examples::output_folder("--out", out), data_dir = data;

    // Training images stay bytes and become floats batch by batch (a quarter of the memory); the
    // test images, evaluated whole after every epoch, are converted once.
    const nn::ByteImageDataset train = nn::load_mnist_bytes(data_dir, "train");
    const nn::LabelledTensors test = nn::load_mnist(data_dir, "test");
    fmt::print("MNIST-10k: {} training and {} test digits\n", train.size(), test.labels.numel());

    autograd::Generator gen(0);
    nn::Sequential model{nn::Linear(784, 128, gen), nn::ReLU(), nn::Linear(128, 64, gen), nn::ReLU(),
                         nn::Linear(64, 10, gen)};
    fmt::print("{}\n", model.summary());
    for (const auto& [name, p] : model.named_parameters())
        p.set_label(name); // names in the graph picture
    nn::SGD optimizer(model.parameters(), {.lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4});
    nn::CosineAnnealingLR schedule(optimizer, epochs); // the rate falls to 0 over the run
    nn::DataLoader loader(train, {.batch_size = 32, .shuffle = true, .seed = 0});

    nn::MetricsLog log({"epoch", "train_loss", "test_accuracy", "seconds"});
    double acc = 0.0;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        nn::ProgressBar bar(std::cout, loader.size(), fmt::format("epoch {}/{}", epoch, epochs));
        const auto t0 = std::chrono::steady_clock::now();
        double loss_sum = 0.0;
        std::size_t step = 0;
        for (const nn::Batch& batch : loader) {
            optimizer.zero_grad();
            const Tensor loss = nn::cross_entropy(model(batch.features), batch.targets);
            loss.backward();
            optimizer.step();
            loss_sum += loss.item();
            ++step;
            bar.update(step, static_cast<std::size_t>(batch.targets.numel()), {{"loss", loss_sum / static_cast<double>(step)}});
        }
        bar.finish();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        acc = nn::accuracy(model, test.features, test.labels);
        fmt::print("epoch {}: train loss {:.4f}, test accuracy {:.2f}%\n", epoch, loss_sum / static_cast<double>(step),
                   100.0 * acc);
        log.add({static_cast<double>(epoch), loss_sum / static_cast<double>(step), acc, seconds});
        schedule.step();
    }
    nn::save_safetensors(model.state_dict(), out_dir / "model.safetensors",
                         {{"model", "784-128-64-10 ReLU"}, {"test_accuracy", fmt::format("{:.4f}", acc)}});
    log.save_csv(out_dir / "metrics.csv");
    log.save_svg(out_dir / "loss.svg", "epoch", {"train_loss"}, "MNIST-10k: training loss");

    // The model's graph, for one example.
    const nn::Batch first = train.get_batch(std::vector<std::int64_t>{0});
    const Tensor one = nn::cross_entropy(model(first.features), first.targets);
    autograd::write_dot(one, out_dir / "model.dot");
    try {
        autograd::render_graph(one, out_dir / "model.svg");
        fmt::print("wrote {}, {}, {}, {} and {}\n", (out_dir / "model.safetensors").string(),
                   (out_dir / "metrics.csv").string(), (out_dir / "loss.svg").string(), (out_dir / "model.dot").string(),
                   (out_dir / "model.svg").string());
    } catch (const std::exception& e) { // built without Graphviz: the DOT text is there
        fmt::print("wrote {}, {}, {} and {} ({})\n", (out_dir / "model.safetensors").string(),
                   (out_dir / "metrics.csv").string(), (out_dir / "loss.svg").string(), (out_dir / "model.dot").string(),
                   e.what());
    }
    return 0;
} catch (...) {
    return tools::report_failure("mnist");
}
