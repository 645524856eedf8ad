// The second tutorial's worked example: one weight, one input, squared error, gradient descent.
//
//   a = i * w,  C = (a - y)^2,  dC/dw = 2 (a - y) i,  w <- w - r dC/dw
//
// with w = 0.8, i = 1.5, y = 0.5 and r = 0.1: w goes 0.8 -> 0.59 -> 0.4745 -> 0.410975 -> ...
// and settles at 1/3, where a = i w = 0.5. The graph of the first step, with its gradients, is
// written as DOT (and SVG when Graphviz is built in).
//
// usage: single_weight [--out DIR]   (--help for the options)
#include "example_cli.hpp"

#include <autograd/dot.hpp>
#include <autograd/value.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <string>

using autograd::Value;

int main(int argc, char** argv)
try {
    std::string out = ".";
    CLI::App app{"single_weight: the second tutorial's one weight trained by gradient descent (w = 0.8 to 1/3), "
                 "and its graph"};
    examples::show_defaults(app);
    app.add_option("--out", out, "folder for single_weight.dot and single_weight.svg (made if missing)");
    CLI11_PARSE(app, argc, argv);
    const std::filesystem::path out_dir = examples::output_folder("--out", out);

    Value w = Value::parameter(0.8, "w");
    const Value i = Value::constant(1.5).set_label("i");
    const double y = 0.5, rate = 0.1;
    nn::SGD optimizer({w}, {.lr = rate});

    fmt::print("One weight, one input: a = i*w, C = (a - y)^2, i = 1.5, y = 0.5, learning rate 0.1\n\n");
    fmt::print("{:>4}  {:>12}  {:>12}  {:>14}  {:>12}\n", "step", "w", "a = i*w", "C = (a-y)^2", "dC/dw");
    for (int step = 0; step <= 60; ++step) {
        const Value a = (i * w).set_label("a");
        const Value cost = pow(a - y, 2.0).set_label("C");
        optimizer.zero_grad();
        cost.backward();
        if (step < 12 || step % 10 == 0)
            fmt::print("{:>4}  {:>12.8f}  {:>12.8f}  {:>14.10f}  {:>12.8f}\n", step, w.data(), a.data(), cost.data(),
                       w.grad());
        if (step == 0) {
            autograd::write_dot(cost, out_dir / "single_weight.dot");
            if (autograd::graphviz_available())
                autograd::render_graph(cost, out_dir / "single_weight.svg");
        }
        optimizer.step(); // w <- w - r * dC/dw
    }
    fmt::print("\nw = {:.12f}; 1/3 = {:.12f}; |w - 1/3| = {:.2e}\n", w.data(), 1.0 / 3.0, std::abs(w.data() - 1.0 / 3.0));
    fmt::print("graph of step 0: {}{}\n", (out_dir / "single_weight.dot").string(),
               autograd::graphviz_available() ? fmt::format(" and {}", (out_dir / "single_weight.svg").string())
                                              : std::string(" (no SVG: built without Graphviz)"));
    return 0;
} catch (...) {
    return tools::report_failure("single_weight");
}
