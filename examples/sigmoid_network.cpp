// The first tutorial's network: sigmoid neurons, mean squared error, Xavier initialisation,
// trained by backpropagation with plain SGD, momentum, Nesterov momentum and RPROP, in online,
// batch and mini-batch (stochastic) mode, on XOR and on the iris flowers.
//
// Prints one table: for each data set, optimizer and mode, the final loss, the training
// accuracy and the epoch at which the loss first reached the target (or "-" if it never did).
//
// usage: sigmoid_network [--data IRIS_CSV]   (--help for the options)
#include "example_cli.hpp"

#include <nn/data/csv.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>
#include <nn/scalar/train.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace {

struct Problem {
    std::string name;
    std::vector<nn::Example> data;
    std::vector<std::size_t> sizes; // hidden and output layer sizes
    std::size_t epochs;
    std::size_t batch_size;         // for mini-batch mode
    double target_loss;
};

struct Method {
    std::string name;
    // Builds the optimizer for a fresh model's parameters.
    std::unique_ptr<nn::Optimizer> (*make)(const std::vector<autograd::Value>&);
};

const Method kMethods[] = {
    {"SGD", [](const std::vector<autograd::Value>& p) -> std::unique_ptr<nn::Optimizer> {
         return std::make_unique<nn::SGD>(p, nn::SGDOptions{.lr = 1.0});
     }},
    {"momentum", [](const std::vector<autograd::Value>& p) -> std::unique_ptr<nn::Optimizer> {
         return std::make_unique<nn::SGD>(p, nn::SGDOptions{.lr = 0.3, .momentum = 0.9});
     }},
    {"Nesterov", [](const std::vector<autograd::Value>& p) -> std::unique_ptr<nn::Optimizer> {
         return std::make_unique<nn::SGD>(p, nn::SGDOptions{.lr = 0.3, .momentum = 0.9, .nesterov = true});
     }},
    {"RPROP", [](const std::vector<autograd::Value>& p) -> std::unique_ptr<nn::Optimizer> {
         return std::make_unique<nn::Rprop>(p, nn::RpropOptions{.lr = 0.05});
     }},
};

std::vector<nn::Example> xor_data()
{
    return {{{0, 0}, {0}}, {{0, 1}, {1}}, {{1, 0}, {1}}, {{1, 1}, {0}}};
}

} // namespace

int main(int argc, char** argv)
try {
    std::string iris_path = BACKPROP_DATA "/iris.csv";
    CLI::App app{"sigmoid_network: the first tutorial's sigmoid MLPs on XOR and iris by SGD, momentum, Nesterov "
                 "and RPROP"};
    examples::show_defaults(app);
    app.add_option("--data", iris_path, "the iris CSV (4 features and the species, with a header)")->check(CLI::ExistingFile);
    CLI11_PARSE(app, argc, argv);
    nn::LabelledData iris = nn::load_csv(iris_path);
    nn::standardize(iris);

    const std::vector<Problem> problems = {
        {"XOR", xor_data(), {4, 1}, 2000, 2, 0.01},
        {"iris", nn::one_hot_examples(iris), {8, iris.num_classes()}, 300, 16, 0.03}, // iris: 3 classes
    };
    const nn::TrainMode modes[] = {nn::TrainMode::Online, nn::TrainMode::Batch, nn::TrainMode::MiniBatch};

    fmt::print("Sigmoid MLPs, MSE loss, Xavier-uniform initialisation (seed 7 for every run)\n");
    fmt::print("{:<5} {:<9} {:<10} {:>7} {:>11} {:>9} {:>16}\n", "data", "optimizer", "mode", "epochs", "final loss",
               "accuracy", "epochs to target");
    for (const Problem& problem : problems) {
        for (const Method& method : kMethods) {
            for (nn::TrainMode mode : modes) {
                autograd::Generator gen(7);
                const nn::MLP model(problem.data[0].input.size(), problem.sizes,
                                    {.hidden = nn::Activation::Sigmoid,
                                     .output = nn::Activation::Sigmoid,
                                     .init = nn::Init::xavier_uniform()},
                                    gen);
                const auto optimizer = method.make(model.parameters());
                const nn::TrainHistory h = nn::train(
                    model, *optimizer, problem.data, nn::mse_sample_loss,
                    {.mode = mode,
                     .batch_size = problem.batch_size,
                     .epochs = problem.epochs,
                     .seed = 1,
                     .target_loss = problem.target_loss});
                const std::string reached = h.epochs_to_target ? fmt::format("{}", *h.epochs_to_target) : "-";
                fmt::print("{:<5} {:<9} {:<10} {:>7} {:>11.5f} {:>8.1f}% {:>16}\n", problem.name, method.name,
                           nn::to_string(mode), h.loss.size(), h.loss.back(), 100 * nn::accuracy(model, problem.data),
                           fmt::format("{} (<= {})", reached, problem.target_loss));
            }
        }
    }
    fmt::print("\nAccuracy is on the training data. Online mode updates after every sample, batch mode once per\n"
               "epoch, mini-batch mode once per shuffled batch; RPROP is meant for full batches: it reads only\n"
               "the gradient's sign, which flips from one sample's gradient to the next.\n");
    return 0;
} catch (...) {
    return tools::report_failure("sigmoid_network");
}
