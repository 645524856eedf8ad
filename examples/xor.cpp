// XOR on tensors, the smallest problem a hidden layer is needed for: MLP 2-8-1 with tanh and a
// sigmoid output, binary cross-entropy, Adam, all four examples in one batch. (With 4 hidden
// units and this seed it settles in the classic local minimum, two outputs at 0.5.)
//
// usage: xor [--steps N]   (--help for the options)
#include "example_cli.hpp"

#include <nn/modules/activation.hpp>
#include <nn/optim/adam.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/sequential.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

using autograd::Tensor;

int main(int argc, char** argv)
try {
    int steps = 500;
    CLI::App app{"xor: an MLP 2-8-1 (tanh, sigmoid output) learns XOR with binary cross-entropy and Adam"};
    examples::show_defaults(app);
    app.add_option("--steps", steps, "Adam steps")->check(tools::whole_in(1, 1'000'000));
    CLI11_PARSE(app, argc, argv);
    const Tensor x({0.f, 0.f, 0.f, 1.f, 1.f, 0.f, 1.f, 1.f}, {4, 2});
    const Tensor y({0.f, 1.f, 1.f, 0.f}, {4, 1});
    autograd::Generator gen(0);
    nn::Sequential model{nn::Linear(2, 8, gen), nn::Tanh(), nn::Linear(8, 1, gen), nn::Sigmoid()};
    nn::Adam opt(model.parameters(), {.lr = 0.05});
    for (int k = 1; k <= steps; ++k) {
        opt.zero_grad();
        const Tensor loss = nn::binary_cross_entropy(model(x), y);
        loss.backward();
        opt.step();
        if (k % 100 == 0)
            fmt::print("step {:4}: loss {:.5f}\n", k, loss.item());
    }
    const std::vector<double> p = model(x).to_vector();
    for (int i = 0; i < 4; ++i)
        fmt::print("{} xor {} -> {:.3f}\n", i / 2, i % 2, p[static_cast<std::size_t>(i)]);
    return 0;
} catch (...) {
    return tools::report_failure("xor");
}
