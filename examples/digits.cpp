// Workload W4, the first tutorial's network on real data: scikit-learn's 8x8 digits (1797
// samples, pixels 0-16 scaled to [0, 1]), a sigmoid MLP 64-32-10, MSE against one-hot targets,
// trained twice: RPROP on the full batch, and SGD with momentum on mini-batches of 32. The first
// 1437 samples train, the last 360 test (the file's order, as bench/w4_torch.py does).
//
// usage: digits [--rprop-epochs N] [--sgd-epochs N]   (--help for the options)
#include "example_cli.hpp"

#include <autograd/tensor.hpp>
#include <nn/metrics/accuracy.hpp>
#include <nn/modules/activation.hpp>
#include <nn/data/csv.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>

using autograd::Tensor;

namespace {

nn::Sequential make_model(std::uint64_t seed)
{
    autograd::Generator gen(seed);
    return nn::Sequential{nn::Linear(64, 32, gen), nn::Sigmoid(), nn::Linear(32, 10, gen), nn::Sigmoid()};
}

} // namespace

int main(int argc, char** argv)
try {
    int rprop_epochs = 300, sgd_epochs = 60;
    CLI::App app{"digits: workload W4, a sigmoid MLP 64-32-10 on the 8x8 digits, trained by RPROP and by SGD "
                 "with momentum"};
    examples::show_defaults(app);
    app.add_option("--rprop-epochs", rprop_epochs, "epochs of RPROP (one full-batch step each)")->check(tools::whole_in(1, 100'000));
    app.add_option("--sgd-epochs", sgd_epochs, "epochs of SGD with momentum (45 mini-batches each)")->check(tools::whole_in(1, 100'000));
    CLI11_PARSE(app, argc, argv);
    const nn::LabelledTensors all = nn::to_tensors(nn::load_csv(BACKPROP_DATA "/digits.csv.gz"));
    const Tensor x = all.features / 16.0;
    const Tensor x_train = x.slice(0, 0, 1437), x_test = x.slice(0, 1437, 1797);
    const Tensor y_train = all.labels.slice(0, 0, 1437), y_test = all.labels.slice(0, 1437, 1797);
    const Tensor t_train = autograd::one_hot(y_train, 10);
    using Clock = std::chrono::steady_clock;

    { // RPROP, full batch: one step per epoch on all 1437 samples
        nn::Sequential model = make_model(0);
        nn::Rprop opt(model.parameters(), {.lr = 0.01});
        const auto t0 = Clock::now();
        double loss = 0;
        for (int e = 1; e <= rprop_epochs; ++e) {
            opt.zero_grad();
            const Tensor l = nn::mse_loss(model(x_train), t_train);
            l.backward();
            opt.step();
            loss = l.item();
            if (e % 50 == 0)
                fmt::print("rprop    epoch {:4}: loss {:.5f}, test accuracy {:.2f}%\n", e, loss, 100 * nn::accuracy(model, x_test, y_test));
        }
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        fmt::print("W4 rprop full batch: {} epochs in {:.3f} s ({:.2f} ms/epoch), loss {:.5f}, test accuracy {:.4f}\n",
                   rprop_epochs, s, 1e3 * s / rprop_epochs, loss, nn::accuracy(model, x_test, y_test));
    }
    { // SGD with momentum, mini-batches of 32
        nn::Sequential model = make_model(0);
        nn::SGD opt(model.parameters(), {.lr = 0.5, .momentum = 0.9});
        const nn::TensorDataset data(x_train, t_train);
        nn::DataLoader loader(data, {.batch_size = 32, .shuffle = true, .seed = 0});
        const auto t0 = Clock::now();
        double loss = 0;
        for (int e = 1; e <= sgd_epochs; ++e) {
            loss = 0;
            for (const nn::Batch& b : loader) {
                opt.zero_grad();
                const Tensor l = nn::mse_loss(model(b.features), b.targets);
                l.backward();
                opt.step();
                loss += l.item() / static_cast<double>(loader.size());
            }
            if (e % 10 == 0)
                fmt::print("sgd      epoch {:4}: loss {:.5f}, test accuracy {:.2f}%\n", e, loss, 100 * nn::accuracy(model, x_test, y_test));
        }
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        fmt::print("W4 sgd+momentum batch 32: {} epochs in {:.3f} s ({:.2f} ms/epoch), loss {:.5f}, test accuracy {:.4f}\n",
                   sgd_epochs, s, 1e3 * s / sgd_epochs, loss, nn::accuracy(model, x_test, y_test));
    }
    return 0;
} catch (...) {
    return tools::report_failure("digits");
}
