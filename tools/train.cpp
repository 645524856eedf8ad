// train: an MLP trained on a data set from the command line, with a progress bar, a metrics CSV,
// a loss curve, and checkpoints that resume exactly.
//
//   train --data data/mnist-10k --format idx --layers 784,128,64,10 --epochs 5 --save mnist.safetensors
//   train --data data/iris.csv --format csv --layers 4,16,3 --optimizer adam --lr 0.01 --epochs 200
//   train ... --resume mnist.safetensors --epochs 5        # five more epochs, from where it stopped
//
// A checkpoint is one safetensors file: the model's parameters under their names ("0.weight"),
// the optimizer's state under "optimizer.", and the epoch and seed in the metadata. With idx,
// --data is an MNIST folder (train and test splits); with csv, a file whose last column is the
// label, whose rows are shuffled (by --seed) and the last --test-fraction held out.
#include <nn/accuracy.hpp>
#include <nn/activation_modules.hpp>
#include <nn/adam.hpp>
#include <nn/csv.hpp>
#include <nn/data_loader.hpp>
#include <nn/idx.hpp>
#include <nn/linear.hpp>
#include <nn/losses.hpp>
#include <nn/metrics_log.hpp>
#include <nn/progress.hpp>
#include <nn/rprop.hpp>
#include <nn/safetensors.hpp>
#include <nn/sequential.hpp>
#include <nn/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using autograd::Tensor;

namespace {

struct Split {
    nn::LabelledTensors train, test;
};

Split load(const std::string& path, const std::string& format, double test_fraction, std::uint64_t seed)
{
    if (format == "idx")
        return {nn::load_mnist(path, "train"), nn::load_mnist(path, "test")};
    nn::LabelledTensors all = nn::to_tensors(nn::load_csv(path));
    const std::int64_t n = all.labels.numel();
    // Rows in a seeded random order before the split: files are often sorted by class.
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        order[static_cast<std::size_t>(i)] = i;
    autograd::Generator gen(seed);
    gen.shuffle(std::span<std::int64_t>(order));
    all.features = all.features.index_select(0, order);
    all.labels = all.labels.index_select(0, order);
    const auto n_test = static_cast<std::int64_t>(static_cast<double>(n) * test_fraction);
    return {{all.features.slice(0, 0, n - n_test), all.labels.slice(0, 0, n - n_test)},
            {all.features.slice(0, n - n_test, n), all.labels.slice(0, n - n_test, n)}};
}

std::shared_ptr<nn::Module> activation(const std::string& name)
{
    if (name == "relu")
        return std::make_shared<nn::ReLU>();
    if (name == "sigmoid")
        return std::make_shared<nn::Sigmoid>();
    if (name == "tanh")
        return std::make_shared<nn::Tanh>();
    throw std::invalid_argument("--activation: relu, sigmoid or tanh (got " + name + ")");
}

std::unique_ptr<nn::Optimizer> optimizer(const std::string& name, nn::Module& model, double lr)
{
    auto params = nn::param_refs(model.parameters());
    if (name == "sgd")
        return std::make_unique<nn::SGD>(params, nn::SGDOptions{.lr = lr, .momentum = 0.9});
    if (name == "adam")
        return std::make_unique<nn::Adam>(params, nn::AdamOptions{.lr = lr});
    if (name == "rprop")
        return std::make_unique<nn::Rprop>(params, nn::RpropOptions{.lr = lr});
    throw std::invalid_argument("--optimizer: sgd, adam or rprop (got " + name + ")");
}

} // namespace

int main(int argc, char** argv)
try {
    CLI::App app{"train: an MLP on a data set, with checkpoints"};
    std::string data, format = "idx", layers_text, act = "relu", loss_name = "cross_entropy", opt_name = "sgd";
    std::string save, resume, metrics;
    double lr = 0.05, test_fraction = 0.2;
    int epochs = 5;
    std::int64_t batch = 32;
    std::uint64_t seed = 0;
    app.add_option("--data", data, "an MNIST folder (idx) or a CSV file (csv)")->required();
    app.add_option("--format", format, "idx or csv")->check(CLI::IsMember({"idx", "csv"}));
    app.add_option("--layers", layers_text, "layer sizes, input first: 784,128,64,10")->required();
    app.add_option("--activation", act, "hidden activation: relu, sigmoid, tanh");
    app.add_option("--loss", loss_name, "cross_entropy or mse (on one-hot targets)")->check(CLI::IsMember({"cross_entropy", "mse"}));
    app.add_option("--optimizer", opt_name, "sgd (momentum 0.9), adam or rprop");
    app.add_option("--lr", lr, "learning rate (rprop: initial step)");
    app.add_option("--epochs", epochs, "epochs to train")->check(CLI::NonNegativeNumber);
    app.add_option("--batch-size", batch, "samples per step; 0 = the whole set, 1 = online")->check(CLI::NonNegativeNumber);
    app.add_option("--seed", seed, "seed of the initial weights and the shuffling");
    app.add_option("--test-fraction", test_fraction, "csv: the share held out for testing")->check(CLI::Range(0.0, 0.9));
    app.add_option("--save", save, "checkpoint to write after each epoch (safetensors)");
    app.add_option("--resume", resume, "checkpoint to start from")->check(CLI::ExistingFile);
    app.add_option("--metrics", metrics, "metrics CSV to write (and an SVG loss curve beside it)");
    CLI11_PARSE(app, argc, argv);

    std::vector<std::int64_t> sizes;
    std::stringstream ss(layers_text);
    for (std::string s; std::getline(ss, s, ',');)
        sizes.push_back(std::stoll(s));
    if (sizes.size() < 2)
        throw std::invalid_argument("--layers: at least an input and an output size");
    const Split split = load(data, format, test_fraction, seed);
    if (split.train.features.size(1) != sizes.front())
        throw std::invalid_argument(fmt::format("--layers: the data has {} features, the first layer {}",
                                                split.train.features.size(1), sizes.front()));

    autograd::Generator gen(seed);
    nn::Sequential model;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
        model.push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], gen));
        if (i + 2 < sizes.size())
            model.push_back(activation(act));
        else if (loss_name == "mse")
            model.push_back(std::make_shared<nn::Sigmoid>());
    }
    auto opt = optimizer(opt_name, model, lr);
    int first_epoch = 1;
    if (!resume.empty()) {
        const nn::SafetensorsFile f = nn::read_safetensors(resume);
        nn::StateDict weights, opt_state;
        for (const auto& [name, t] : f.tensors) {
            if (name.rfind("optimizer.", 0) == 0)
                opt_state.insert(name.substr(10), t);
            else
                weights.insert(name, t);
        }
        model.load_state_dict(weights);
        opt->load_state_dict(opt_state);
        first_epoch = std::stoi(f.metadata.at("epoch")) + 1;
        fmt::print("resumed from {} after epoch {}\n", resume, first_epoch - 1);
    }
    std::cout << model.summary();

    const Tensor targets = loss_name == "mse" ? autograd::one_hot(split.train.labels, sizes.back()) : split.train.labels;
    const nn::TensorDataset dataset(split.train.features, targets);
    nn::DataLoader loader(dataset, {.batch_size = batch, .shuffle = true, .seed = seed + static_cast<std::uint64_t>(first_epoch)});
    nn::MetricsLog log({"epoch", "train_loss", "test_accuracy"});
    for (int epoch = first_epoch; epoch < first_epoch + epochs; ++epoch) {
        nn::ProgressBar bar(std::cout, loader.size(), fmt::format("epoch {}", epoch));
        double total = 0;
        std::size_t step = 0;
        for (const nn::Batch& b : loader) {
            opt->zero_grad();
            const Tensor out = model(b.features);
            const Tensor loss = loss_name == "mse" ? nn::mse_loss(out, b.targets) : nn::cross_entropy(out, b.targets);
            loss.backward();
            opt->step();
            total += loss.item();
            ++step;
            bar.update(step, static_cast<std::size_t>(b.features.size(0)), {{"loss", total / static_cast<double>(step)}});
        }
        bar.finish();
        const double acc = nn::accuracy(model, split.test.features, split.test.labels);
        fmt::print("epoch {}: train loss {:.4f}, test accuracy {:.2f}%\n", epoch, total / static_cast<double>(step), 100 * acc);
        log.add({static_cast<double>(epoch), total / static_cast<double>(step), acc});
        if (!save.empty()) {
            nn::StateDict checkpoint = model.state_dict();
            for (const auto& [name, t] : opt->state_dict())
                checkpoint.insert("optimizer." + name, t);
            nn::save_safetensors(checkpoint, save, {{"epoch", std::to_string(epoch)}, {"layers", layers_text},
                                                    {"activation", act}, {"loss", loss_name},
                                                    {"optimizer", opt_name}, {"seed", std::to_string(seed)}});
        }
    }
    if (!metrics.empty()) {
        log.save_csv(metrics);
        log.save_svg(std::filesystem::path(metrics).replace_extension(".svg"), "epoch", {"train_loss"});
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << "train: " << e.what() << '\n';
    return 1;
}
