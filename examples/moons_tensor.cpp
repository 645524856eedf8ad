// micrograd's moons demo on tensors (the scalar version is examples/moons.cpp): MLP 2-16-16-1
// with ReLU, labels -1/+1, hinge loss plus 1e-4 times the sum of squared weights, full-batch SGD
// with the learning rate falling from 1.0 to 0.1. The same computation as the W1t benchmark.
//
// usage: moons_tensor [--steps N]   (--help for the options)
#include "example_cli.hpp"

#include <nn/modules/activation.hpp>
#include <nn/data/csv.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

using autograd::Tensor;

int main(int argc, char** argv)
try {
    int steps = 100;
    CLI::App app{"moons_tensor: micrograd's moons demo on tensors, a 2-16-16-1 ReLU MLP, hinge loss and "
                 "full-batch SGD"};
    examples::show_defaults(app);
    app.add_option("--steps", steps, "full-batch SGD steps")->check(tools::whole_in(1, 1'000'000));
    CLI11_PARSE(app, argc, argv);
    const nn::LabelledData data = nn::load_csv(BACKPROP_DATA "/moons.csv");
    const nn::LabelledTensors t = nn::to_tensors(data);
    const Tensor x = t.features, y = t.labels * 2.0 - 1.0; // classes 0/1 -> -1/+1

    autograd::Generator gen(1337);
    nn::Sequential model{nn::Linear(2, 16, gen), nn::ReLU(), nn::Linear(16, 16, gen), nn::ReLU(), nn::Linear(16, 1, gen)};
    nn::SGD opt(model.parameters(), {.lr = 1.0});
    for (int k = 0; k < steps; ++k) {
        const Tensor scores = model(x).reshape({x.size(0)});
        Tensor loss = nn::hinge_loss(scores, y);
        for (const Tensor& p : model.parameters())
            loss = loss + 1e-4 * (p * p).sum();
        opt.zero_grad();
        loss.backward();
        opt.set_lr(1.0 - 0.9 * k / steps);
        opt.step();
        if (k % 10 == 0 || k == steps - 1) {
            const std::vector<double> s = scores.to_vector(), labels = y.to_vector();
            double right = 0;
            for (std::size_t i = 0; i < s.size(); ++i)
                right += (s[i] > 0) == (labels[i] > 0) ? 1 : 0;
            fmt::print("step {:3}: loss {:.4f}, accuracy {:.0f}%\n", k, loss.item(), 100 * right / static_cast<double>(s.size()));
        }
    }
    return 0;
} catch (...) {
    return tools::report_failure("moons_tensor");
}
