// Workload W1s (DESIGN.md): the micrograd moons demo on the scalar engine, timed per step.
//
// MLP 2-16-16-1 ReLU, the 100 points of data/moons.csv (make_moons(100, noise=0.1,
// random_state=1)), loss = mean(relu(1 - y*score)) + 1e-4 * sum(p^2), full-batch SGD with
// lr = 1 - 0.9 k/steps: the loop of shared/bench/micrograd_moons.py, node for node.
// A step is everything: building the graph, backward, the update and freeing the graph.
//
// usage: bench_w1s [--steps N] [--warmup N] [--data moons.csv]
#include <autograd/value.hpp>
#include <nn/data/csv.hpp>
#include <nn/scalar/loss.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <sys/resource.h>

using autograd::Value;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv)
{
    CLI::App app{"W1s: micrograd's moons demo on Backprop's scalar engine"};
    int steps = 200, warmup = 10;
    std::string path = BACKPROP_DATA "/moons.csv";
    app.add_option("--steps", steps, "timed steps")->check(CLI::PositiveNumber);
    app.add_option("--warmup", warmup, "untimed steps first")->check(CLI::NonNegativeNumber);
    app.add_option("--data", path, "moons CSV")->check(CLI::ExistingFile);
    CLI11_PARSE(app, argc, argv);

    const nn::LabelledData data = nn::load_csv(path);
    const std::vector<double> y = nn::signed_labels(data);
    autograd::Generator gen(1337);
    const nn::MLP model(2, {16, 16, 1}, {.hidden = nn::Activation::Relu, .output = nn::Activation::Linear}, gen);
    const std::vector<Value> params = model.parameters();
    nn::SGD optimizer(params, {.lr = 1.0});

    std::size_t nodes = 0;
    double loss_value = 0.0, accuracy = 0.0;
    Clock::duration forward{}, backward{}, update_and_free{};
    std::vector<double> step_ms; // each timed step, for the median (robust to a noisy machine)
    const int total_steps = warmup + steps;
    for (int k = 0; k < total_steps; ++k) {
        const auto t0 = Clock::now();
        Clock::time_point t1, t2;
        {
            std::vector<Value> scores;
            scores.reserve(data.size());
            for (const auto& x : data.features)
                scores.push_back(model({Value(x[0]), Value(x[1])})[0]);
            const Value loss = nn::hinge_loss(scores, y) + 1e-4 * nn::l2_penalty(params);
            t1 = Clock::now();
            optimizer.zero_grad();
            loss.backward();
            t2 = Clock::now();
            optimizer.set_lr(1.0 - 0.9 * k / total_steps);
            optimizer.step();
            if (k == 0)
                nodes = autograd::graph_size(loss);
            loss_value = loss.data();
            int correct = 0;
            for (std::size_t i = 0; i < scores.size(); ++i)
                correct += (scores[i].data() > 0) == (y[i] > 0);
            accuracy = correct / static_cast<double>(scores.size());
        } // the graph is freed here, inside the timed step
        const auto t3 = Clock::now();
        if (k >= warmup) {
            step_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t0).count());
            forward += t1 - t0;
            backward += t2 - t1;
            update_and_free += t3 - t2;
        }
    }
    const auto ns = [&](Clock::duration d) { return std::chrono::duration<double, std::nano>(d).count() / steps; };
    const double step_ns = ns(forward) + ns(backward) + ns(update_and_free);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);

    std::sort(step_ms.begin(), step_ms.end());
    fmt::print("W1s scalar moons: {:.3f} ms/step over {} steps ({} warm-up), loss {:.4f}, acc {:.2f}\n",
               step_ns / 1e6, steps, warmup, loss_value, accuracy);
    fmt::print("  step time          median {:.3f} ms, fastest {:.3f} ms, slowest {:.3f} ms\n", step_ms[step_ms.size() / 2],
               step_ms.front(), step_ms.back());
    fmt::print("  nodes per step     {}\n", nodes);
    fmt::print("  ns per node        {:.2f} (forward {:.2f}, backward {:.2f}, update+free {:.2f})\n", step_ns / nodes,
               ns(forward) / nodes, ns(backward) / nodes, ns(update_and_free) / nodes);
    // backward walks the arena in place: it allocates nothing per node.
    fmt::print("  bytes per node     {} (the node itself; backward adds none)\n", sizeof(autograd::detail::ScalarNode));
    fmt::print("  node arenas        {:.2f} MiB reserved ({:.1f} bytes per node of one step's graph)\n",
               autograd::detail::node_pool_bytes() / 1048576.0,
               static_cast<double>(autograd::detail::node_pool_bytes()) / nodes);
    fmt::print("  peak RSS           {:.1f} MiB\n", usage.ru_maxrss / 1024.0);
    return 0;
}
