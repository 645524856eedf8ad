// Workload W1t (DESIGN.md): the micrograd moons model on the tensor engine, timed per step,
// the same computation as shared/bench/libtorch/moons.cpp: MLP 2-16-16-1 (ReLU) on 100 points,
// loss = mean(relu(1 - y*score)) + 1e-4 * sum(p^2), SGD with lr = 1 - 0.9 k/steps, float32,
// weights initialised as torch.nn.Linear does (uniform in +-1/sqrt(fan_in)), layers computed
// by linear() as torch.nn.Linear computes them.
//
// usage: bench_w1t [--steps N] [--warmup N] [--data moons.csv]
#include <autograd/tensor.hpp>
#include <nn/data/csv.hpp>
#include <nn/data/labelled_data.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <sys/resource.h>

using autograd::Tensor;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv)
{
    CLI::App app{"W1t: the moons MLP on Backprop's tensor engine"};
    int steps = 2000, warmup = 50;
    std::string path = BACKPROP_DATA "/moons.csv";
    app.add_option("--steps", steps, "timed steps")->check(CLI::PositiveNumber);
    app.add_option("--warmup", warmup, "untimed steps first")->check(CLI::NonNegativeNumber);
    app.add_option("--data", path, "moons CSV")->check(CLI::ExistingFile);
    CLI11_PARSE(app, argc, argv);

    const nn::LabelledData data = nn::load_csv(path);
    std::vector<float> xs, ys;
    for (std::size_t i = 0; i < data.size(); ++i) {
        xs.push_back(static_cast<float>(data.features[i][0]));
        xs.push_back(static_cast<float>(data.features[i][1]));
    }
    for (double label : nn::signed_labels(data))
        ys.push_back(static_cast<float>(label));
    const auto n = static_cast<std::int64_t>(data.size());
    const Tensor X(xs, {n, 2}), y(ys, {n});

    autograd::Generator gen(1337);
    const auto make_layer = [&](std::int64_t in, std::int64_t out) {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        Tensor w = Tensor::rand({out, in}, gen, -bound, bound); // [out, in], as torch.nn.Linear
        Tensor b = Tensor::rand({out}, gen, -bound, bound);
        return std::pair{w.requires_grad_(), b.requires_grad_()};
    };
    const auto [w1, b1] = make_layer(2, 16);
    const auto [w2, b2] = make_layer(16, 16);
    const auto [w3, b3] = make_layer(16, 1);
    const std::vector<Tensor> params = {w1, b1, w2, b2, w3, b3};

    double loss_value = 0.0;
    std::vector<double> step_us;
    const int total = warmup + steps;
    for (int k = 0; k < total; ++k) {
        const auto t0 = Clock::now();
        const Tensor h1 = relu(linear(X, w1, b1)); // torch.nn.Linear's addmm
        const Tensor h2 = relu(linear(h1, w2, b2));
        const Tensor scores = linear(h2, w3, b3).reshape({n});
        Tensor loss = relu(1.0 - y * scores).mean();
        for (const Tensor& p : params)
            loss = loss + 1e-4 * (p * p).sum();
        for (const Tensor& p : params)
            p.zero_grad();
        loss.backward();
        const auto lr = static_cast<float>(1.0 - 0.9 * k / total);
        for (const Tensor& p : params) {
            float* w = p.data_ptr<float>();
            const float* g = p.grad().data_ptr<float>();
            for (std::int64_t i = 0, n = p.numel(); i < n; ++i)
                w[i] -= lr * g[i];
        }
        loss_value = loss.item();
        if (k >= warmup)
            step_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    double total_us = 0.0;
    for (double t : step_us)
        total_us += t;
    std::sort(step_us.begin(), step_us.end());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print("W1t tensor moons: {:.1f} us/step over {} steps ({} warm-up), loss {:.4f}\n", total_us / steps, steps,
               warmup, loss_value);
    fmt::print("  step time  median {:.1f} us, fastest {:.1f} us, 99th percentile {:.1f} us, slowest {:.1f} us\n",
               step_us[step_us.size() / 2], step_us.front(), step_us[step_us.size() * 99 / 100], step_us.back());
    fmt::print("  peak RSS   {:.1f} MiB\n", usage.ru_maxrss / 1024.0);
    return 0;
}
