// The micrograd demo on Backprop's scalar engine: a 2-16-16-1 ReLU MLP separates two moons.
//
// Same recipe as micrograd's demo.ipynb: labels -1/+1, hinge loss mean(max(0, 1 - y*score))
// plus 1e-4 * sum(w^2), full-batch SGD with the learning rate falling from 1.0 to 0.1. Ends with a
// text picture of the decision boundary.
//
// usage: moons [--steps N] [--data CSV]   (--help for the options)
#include "example_cli.hpp"

#include <autograd/value.hpp>
#include <nn/data/csv.hpp>
#include <nn/scalar/loss.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using autograd::Value;

int main(int argc, char** argv)
try {
    int steps = 100;
    std::string path = BACKPROP_DATA "/moons.csv";
    CLI::App app{"moons: micrograd's demo on scalars, a 2-16-16-1 ReLU MLP separating two moons, and its "
                 "decision boundary"};
    examples::show_defaults(app);
    app.add_option("--steps", steps, "full-batch SGD steps")->check(tools::whole_in(1, 100'000));
    app.add_option("--data", path, "CSV of the points: x, y and the class (0 or 1), with a header")->check(CLI::ExistingFile);
    CLI11_PARSE(app, argc, argv);
    const nn::LabelledData data = nn::load_csv(path);
    if (data.num_features() != 2)
        throw std::invalid_argument(fmt::format("--data {}: {} feature{} a row; the moons are points in the plane (x, y)", path,
                                                data.num_features(), data.num_features() == 1 ? "" : "s"));
    if (data.num_classes() != 2)
        throw std::invalid_argument(fmt::format("--data {}: {} classes; the hinge loss here separates two", path, data.num_classes()));
    const std::vector<double> y = nn::signed_labels(data);
    // A file without a header names its classes by number.
    const auto class_name = [&data](std::size_t c) {
        return c < data.class_names.size() ? data.class_names[c] : std::to_string(c);
    };

    autograd::Generator gen(1337);
    const nn::MLP model(2, {16, 16, 1}, {.hidden = nn::Activation::Relu, .output = nn::Activation::Linear}, gen);
    const std::vector<Value> params = model.parameters();
    nn::SGD optimizer(params, {.lr = 1.0});
    fmt::print("{}\n", fmt::streamed(model));

    double accuracy = 0.0;
    for (int k = 0; k < steps; ++k) {
        std::vector<Value> scores;
        for (const auto& x : data.features)
            scores.push_back(model({Value(x[0]), Value(x[1])})[0]);
        const Value loss = nn::hinge_loss(scores, y) + 1e-4 * nn::l2_penalty(params);
        int correct = 0;
        for (std::size_t i = 0; i < scores.size(); ++i)
            correct += (scores[i].data() > 0) == (y[i] > 0);
        accuracy = correct / static_cast<double>(scores.size());

        optimizer.zero_grad();
        loss.backward();
        optimizer.set_lr(1.0 - 0.9 * k / steps);
        optimizer.step();
        if (k % 10 == 0 || k == steps - 1)
            fmt::print("step {:3d}  loss {:.4f}  accuracy {:3.0f}%\n", k, loss.data(), accuracy * 100);
    }

    // The decision boundary: '+' where the model predicts class 1 (score > 0), '.' class 0.
    const int cols = 64, rows = 24;
    const double x0 = -1.6, x1 = 2.6, y0 = -1.1, y1 = 1.6;
    std::vector<std::string> picture(rows, std::string(cols, ' '));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const double px = x0 + (x1 - x0) * (c + 0.5) / cols, py = y1 - (y1 - y0) * (r + 0.5) / rows;
            picture[r][c] = model.predict(std::vector<double>{px, py})[0] > 0 ? '+' : '.';
        }
    for (std::size_t i = 0; i < data.size(); ++i) {
        const int c = static_cast<int>((data.features[i][0] - x0) / (x1 - x0) * cols);
        const int r = static_cast<int>((y1 - data.features[i][1]) / (y1 - y0) * rows);
        if (r >= 0 && r < rows && c >= 0 && c < cols)
            picture[r][c] = y[i] > 0 ? 'X' : 'O';
    }
    fmt::print("\ndecision boundary: '+' the model says {}, '.' it says {}; X and O are the data\n",
               class_name(1), class_name(0));
    for (const std::string& line : picture)
        fmt::print("  {}\n", line);
    fmt::print("\nfinal training accuracy: {:.0f}%\n", accuracy * 100);
    return 0;
} catch (...) {
    return tools::report_failure("moons");
}
