// train: an MLP trained on a data set from the command line, with a progress bar, a metrics CSV,
// a loss curve, a learning-rate schedule, and checkpoints that resume exactly.
//
//   train --data data/mnist-10k --format idx --layers 784,128,64,10 --epochs 5 --save mnist.safetensors
//   train --data data/iris.csv --format csv --layers 4,16,3 --optimizer adam --lr 0.01 --epochs 200
//   train ... --scheduler cosine --t-max 20 --epochs 10 --save c.safetensors
//   train ... --resume mnist.safetensors --epochs 5        # five more epochs, from where it stopped
//   train ... --activation sigmoid --grad-stats --metrics m.csv   # gradient sizes per layer, m.grad_norm.svg
//
// A checkpoint is one safetensors file: the model's parameters under their names ("0.weight"),
// the optimizer's state under "optimizer.", the scheduler's under "scheduler.", and the epoch,
// seed and options in the metadata. Resuming for M epochs after N gives the weights of N + M
// epochs in one run, bit for bit: each epoch's shuffling depends on the seed and the epoch's
// number alone, every state that carries over is in the file, and the options that shape the run
// (layers, activation, loss, optimizer, seed, batch size, test fraction, the scheduler and its
// settings) are taken from the file; given again, they must agree with it. With idx, --data is an MNIST
// folder (train and test splits); with csv, a file whose last column is the label, whose rows are
// shuffled (by --seed) and the last --test-fraction held out.
//
// Schedulers step once per epoch, after it (PyTorch's usage): step multiplies the lr by --gamma
// every --step-size epochs; cosine anneals it to 0 over --t-max epochs; plateau multiplies it by
// --gamma after more than --patience epochs without the mean training loss improving.
//
// --metrics FILE writes one row per epoch of this run (a resumed run writes its own epochs, over
// what was there) and FILE's stem + .svg, the loss curve. --grad-stats reads every parameter's
// gradient after each backward (nn::GradientStats) and prints, per epoch, the mean over its steps
// of each gradient's L2 norm; with --metrics it adds three columns per parameter P (0.weight,
// 0.bias, ...): grad_norm.P and grad_mean_abs.P, the means over the epoch's steps of ||g|| and of
// mean |g|, and grad_max_abs.P, the largest |g| of any step; and draws FILE's stem +
// .grad_norm.svg, the weights' grad_norm per epoch, on a log axis when they span two decades.
// It only reads: the weights are the same with it or without it.
#include <nn/metrics/accuracy.hpp>
#include <nn/metrics/gradient_stats.hpp>
#include <nn/optim/adam.hpp>
#include <nn/data/csv.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>
#include <nn/modules/loss.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/metrics/metrics_log.hpp>
#include <nn/metrics/progress.hpp>
#include <nn/optim/reduce_lr_on_plateau.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/sgd.hpp>

#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
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

std::unique_ptr<nn::Optimizer> optimizer(const std::string& name, nn::Module& model, double lr)
{
    auto params = model.parameters();
    if (name == "sgd")
        return std::make_unique<nn::SGD>(params, nn::SGDOptions{.lr = lr, .momentum = 0.9});
    if (name == "adam")
        return std::make_unique<nn::Adam>(params, nn::AdamOptions{.lr = lr});
    if (name == "rprop")
        return std::make_unique<nn::Rprop>(params, nn::RpropOptions{.lr = lr});
    throw std::invalid_argument("--optimizer: sgd, adam or rprop (got " + name + ")");
}

struct ScheduleOptions {
    std::string kind = "none"; // none, step, cosine, plateau
    std::int64_t step_size = 10;
    double gamma = 0.1;
    std::int64_t t_max = 0;
    std::int64_t patience = 10;
};

// The two kinds of scheduler behind one interface: step() after each epoch, with that epoch's
// mean training loss (which only plateau looks at), and their state for the checkpoint.
class Schedule {
public:
    Schedule(const ScheduleOptions& o, nn::Optimizer& opt)
    {
        if (o.kind == "step")
            epochs_ = std::make_unique<nn::StepLR>(opt, o.step_size, o.gamma);
        else if (o.kind == "cosine")
            epochs_ = std::make_unique<nn::CosineAnnealingLR>(opt, o.t_max);
        else if (o.kind == "plateau")
            plateau_ = std::make_unique<nn::ReduceLROnPlateau>(opt, nn::ReduceLROnPlateauOptions{.factor = o.gamma, .patience = o.patience});
    }
    bool active() const { return epochs_ || plateau_; }
    void step(double train_loss)
    {
        if (epochs_)
            epochs_->step();
        if (plateau_)
            plateau_->step(train_loss);
    }
    nn::StateDict state_dict() const
    {
        return epochs_ ? epochs_->state_dict() : plateau_ ? plateau_->state_dict() : nn::StateDict{};
    }
    void load_state_dict(const nn::StateDict& state)
    {
        if (epochs_)
            epochs_->load_state_dict(state);
        if (plateau_)
            plateau_->load_state_dict(state);
    }

private:
    std::unique_ptr<nn::LRScheduler> epochs_;
    std::unique_ptr<nn::ReduceLROnPlateau> plateau_;
};

// The shuffling seed of one epoch: the run's seed and the epoch's number mixed (SplitMix64's
// finaliser), so that a resumed run shuffles as the uninterrupted one did, and runs with
// neighbouring seeds do not share their orders one epoch apart (as seed + epoch would).
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
std::uint64_t epoch_seed(std::uint64_t seed, int epoch) { return mix(seed ^ mix(static_cast<std::uint64_t>(epoch))); }

} // namespace

int main(int argc, char** argv)
try {
    CLI::App app{"train: an MLP on a data set, with checkpoints"};
    app.set_version_flag("--version", [] {
        return fmt::format("train (Backprop {})\nmatrix products: {}", BACKPROP_VERSION,
                           autograd::describe_matmul_backend());
    });
    std::string data, format = "idx", layers_text, act = "relu", loss_name = "cross_entropy", opt_name = "sgd";
    std::string save, resume, metrics;
    double lr = 0.05, test_fraction = 0.2;
    int epochs = 5;
    std::int64_t batch = 32;
    std::uint64_t seed = 0;
    bool grad_stats = false;
    ScheduleOptions sched;
    app.add_option("--data", data, "an MNIST folder (idx) or a CSV file (csv)")->required();
    app.add_option("--format", format, "idx or csv")->check(CLI::IsMember({"idx", "csv"}));
    app.add_option("--layers", layers_text, "layer sizes, input first: 784,128,64,10 (with --resume: the checkpoint's)");
    app.add_option("--activation", act, "hidden activation: relu, leaky_relu, sigmoid, tanh")
        ->check(CLI::IsMember({"relu", "leaky_relu", "sigmoid", "tanh"}));
    app.add_option("--loss", loss_name, "cross_entropy or mse (on one-hot targets)")->check(CLI::IsMember({"cross_entropy", "mse"}));
    app.add_option("--optimizer", opt_name, "sgd (momentum 0.9), adam or rprop");
    app.add_option("--lr", lr, "learning rate (rprop: initial step)");
    app.add_option("--epochs", epochs, "epochs to train")->check(CLI::NonNegativeNumber);
    app.add_option("--batch-size", batch, "samples per step; 0 = the whole set, 1 = online")->check(CLI::NonNegativeNumber);
    app.add_option("--seed", seed, "seed of the initial weights and the shuffling");
    app.add_option("--test-fraction", test_fraction, "csv: the share held out for testing")->check(CLI::Range(0.0, 0.9));
    app.add_option("--save", save, "checkpoint to write after each epoch (safetensors)");
    app.add_option("--resume", resume, "checkpoint to start from")->check(CLI::ExistingFile);
    app.add_option("--metrics", metrics, "metrics CSV to write, a row per epoch (and FILE's stem + .svg, the loss curve)");
    app.add_flag("--grad-stats", grad_stats,
                 "per-parameter gradient sizes each epoch: printed (mean L2 norm); with --metrics, columns "
                 "grad_norm.P, grad_mean_abs.P (means over the epoch's steps of ||g||, mean |g|) and grad_max_abs.P "
                 "(largest |g|) for each parameter P (0.weight, 0.bias, ...), and FILE's stem + .grad_norm.svg");
    app.add_option("--scheduler", sched.kind, "lr schedule, stepped after each epoch: none, step, cosine or plateau")
        ->check(CLI::IsMember({"none", "step", "cosine", "plateau"}));
    app.add_option("--step-size", sched.step_size, "step: epochs between lr drops (10)")->check(CLI::PositiveNumber);
    app.add_option("--gamma", sched.gamma, "step, plateau: the factor each drop multiplies the lr by (0.1)")->check(CLI::Range(0.0, 1.0));
    app.add_option("--t-max", sched.t_max, "cosine: epochs from lr to 0 (default: --epochs, or the checkpoint's)")
        ->check(CLI::PositiveNumber);
    app.add_option("--patience", sched.patience, "plateau: epochs without the mean train loss improving before a drop (10)")->check(CLI::NonNegativeNumber);
    CLI11_PARSE(app, argc, argv);

    // A resumed run continues the run in its checkpoint: the settings that shape that run (the
    // split of the data, the model, the loss, the optimizer, the shuffling, the schedule) are
    // taken from the checkpoint's metadata; given on the command line, they must agree with it.
    std::optional<nn::SafetensorsFile> checkpoint;
    if (!resume.empty()) {
        checkpoint = nn::read_safetensors(resume);
        const auto carry = [&](const std::string& option, const std::string& key, auto& value) {
            const auto it = checkpoint->metadata.find(key);
            if (it == checkpoint->metadata.end())
                return; // a checkpoint from before the key was written: nothing to check
            std::remove_reference_t<decltype(value)> saved{};
            try {
                if constexpr (std::is_same_v<std::remove_reference_t<decltype(value)>, std::string>)
                    saved = it->second;
                else if constexpr (std::is_floating_point_v<std::remove_reference_t<decltype(value)>>)
                    saved = std::stod(it->second);
                else
                    saved = static_cast<std::remove_reference_t<decltype(value)>>(std::stoull(it->second));
            } catch (const std::exception&) {
                throw std::invalid_argument(fmt::format("{}: metadata '{}' is '{}', not a valid {}", resume, key, it->second, option));
            }
            if (app.count(option) > 0 && value != saved)
                throw std::invalid_argument(fmt::format("{} {}: {} was trained with {} {}; resume with the same, or leave it out",
                                                        option, value, resume, option, saved));
            value = saved;
        };
        carry("--layers", "layers", layers_text);
        carry("--activation", "activation", act);
        carry("--loss", "loss", loss_name);
        carry("--optimizer", "optimizer", opt_name);
        carry("--scheduler", "scheduler", sched.kind);
        carry("--seed", "seed", seed);
        carry("--batch-size", "batch_size", batch);
        carry("--test-fraction", "test_fraction", test_fraction);
        carry("--step-size", "step_size", sched.step_size);
        carry("--gamma", "gamma", sched.gamma);
        carry("--t-max", "t_max", sched.t_max);
        carry("--patience", "patience", sched.patience);
    }

    if (layers_text.empty())
        throw std::invalid_argument("--layers is required (the sizes of the layers, input first: 784,128,64,10), "
                                    "unless --resume gives them");
    std::vector<std::int64_t> sizes;
    try {
        sizes = nn::parse_sizes(layers_text);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(fmt::format("--layers: {}", e.what()));
    }
    if (sizes.size() < 2)
        throw std::invalid_argument(fmt::format("--layers '{}': at least an input and an output size", layers_text));
    const Split split = load(data, format, test_fraction, seed);
    if (split.train.features.size(1) != sizes.front())
        throw std::invalid_argument(fmt::format("--layers: the data has {} features, the first layer {}",
                                                split.train.features.size(1), sizes.front()));

    autograd::Generator gen(seed);
    nn::Sequential model = nn::make_mlp(sizes, act, gen, loss_name == "mse" ? "sigmoid" : "none");
    auto opt = optimizer(opt_name, model, lr);
    int first_epoch = 1;
    nn::StateDict sched_state;
    if (checkpoint) {
        nn::StateDict weights, opt_state;
        for (const auto& [name, t] : checkpoint->tensors) {
            if (name.starts_with("optimizer."))
                opt_state.insert(name.substr(10), t);
            else if (name.starts_with("scheduler."))
                sched_state.insert(name.substr(10), t);
            else
                weights.insert(name, t);
        }
        model.load_state_dict(weights);
        opt->load_state_dict(opt_state);
        const auto epoch = checkpoint->metadata.find("epoch");
        if (epoch == checkpoint->metadata.end())
            throw std::invalid_argument(fmt::format("{}: no 'epoch' in the metadata (not written by train?)", resume));
        first_epoch = std::stoi(epoch->second) + 1;
    }
    if (sched.t_max == 0)
        sched.t_max = epochs;
    // The schedulers' own checks, made here to name the options they come from.
    if (sched.kind == "plateau" && !(sched.gamma < 1.0))
        throw std::invalid_argument(fmt::format("--gamma {}: plateau needs a factor below 1", sched.gamma));
    if (sched.kind == "cosine" && sched.t_max < 1)
        throw std::invalid_argument("--scheduler cosine: --t-max (by default --epochs) must be at least 1");
    Schedule schedule(sched, *opt);
    if (checkpoint) {
        if (schedule.active())
            schedule.load_state_dict(sched_state);
        fmt::print("resumed from {} after epoch {}\n", resume, first_epoch - 1);
    }
    std::cout << model.summary();

    const Tensor targets = loss_name == "mse" ? autograd::one_hot(split.train.labels, sizes.back()) : split.train.labels;
    const nn::TensorDataset dataset(split.train.features, targets);
    std::optional<nn::GradientStats> gradients;
    std::vector<std::string> columns{"epoch", "train_loss", "test_accuracy"}, norm_columns;
    if (grad_stats) {
        gradients.emplace(model);
        for (const std::string& name : gradients->names()) {
            columns.push_back("grad_norm." + name);
            columns.push_back("grad_mean_abs." + name);
            columns.push_back("grad_max_abs." + name);
            if (name.ends_with("weight"))
                norm_columns.push_back("grad_norm." + name);
        }
    }
    nn::MetricsLog log(columns);
    for (int epoch = first_epoch; epoch < first_epoch + epochs; ++epoch) {
        // A loader per epoch, seeded by the run's seed and the epoch's number: a resumed run
        // shuffles as the uninterrupted one did.
        nn::DataLoader loader(dataset, {.batch_size = batch, .shuffle = true, .seed = epoch_seed(seed, epoch)});
        nn::ProgressBar bar(std::cout, loader.size(), fmt::format("epoch {}", epoch));
        double total = 0;
        std::size_t step = 0;
        for (const nn::Batch& b : loader) {
            opt->zero_grad();
            const Tensor out = model(b.features);
            const Tensor loss = loss_name == "mse" ? nn::mse_loss(out, b.targets) : nn::cross_entropy(out, b.targets);
            loss.backward();
            if (gradients)
                gradients->update();
            opt->step();
            total += loss.item();
            ++step;
            bar.update(step, static_cast<std::size_t>(b.features.size(0)), {{"loss", total / static_cast<double>(step)}});
        }
        bar.finish();
        const double acc = nn::accuracy(model, split.test.features, split.test.labels);
        const double train_loss = total / static_cast<double>(step);
        if (schedule.active())
            fmt::print("epoch {}: train loss {:.4f}, test accuracy {:.2f}%, lr {:.6g}\n", epoch, train_loss, 100 * acc, opt->lr());
        else
            fmt::print("epoch {}: train loss {:.4f}, test accuracy {:.2f}%\n", epoch, train_loss, 100 * acc);
        std::vector<double> row{static_cast<double>(epoch), train_loss, acc};
        if (gradients) {
            std::vector<std::string> norms;
            for (const nn::GradientEpochStats& g : gradients->compute()) {
                norms.push_back(fmt::format("{} {:.3g}", g.name, g.mean_norm));
                row.insert(row.end(), {g.mean_norm, g.mean_mean_abs, g.max_max_abs});
            }
            fmt::print("epoch {}: gradient norm {}\n", epoch, fmt::join(norms, ", "));
            gradients->reset();
        }
        log.add(std::move(row));
        schedule.step(train_loss); // the lr of the next epoch
        if (!save.empty()) {
            nn::StateDict out = model.state_dict();
            for (const auto& [name, t] : opt->state_dict())
                out.insert("optimizer." + name, t);
            for (const auto& [name, t] : schedule.state_dict())
                out.insert("scheduler." + name, t);
            nn::save_safetensors(out, save, {{"epoch", std::to_string(epoch)}, {"layers", layers_text},
                                             {"activation", act}, {"loss", loss_name}, {"optimizer", opt_name},
                                             {"scheduler", sched.kind}, {"seed", std::to_string(seed)},
                                             {"batch_size", std::to_string(batch)},
                                             {"test_fraction", fmt::format("{}", test_fraction)},
                                             {"step_size", std::to_string(sched.step_size)},
                                             {"gamma", fmt::format("{}", sched.gamma)},
                                             {"t_max", std::to_string(sched.t_max)},
                                             {"patience", std::to_string(sched.patience)}});
        }
    }
    if (!metrics.empty()) {
        log.save_csv(metrics);
        log.save_svg(std::filesystem::path(metrics).replace_extension(".svg"), "epoch", {"train_loss"});
        if (gradients)
            log.save_svg(std::filesystem::path(metrics).replace_extension(".grad_norm.svg"), "epoch", norm_columns,
                         {.title = "gradient L2 norm per layer (mean over each epoch's steps)",
                          .y_label = "||grad||",
                          .y_scale = nn::AxisScale::Auto});
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << "train: " << e.what() << '\n';
    return 1;
}
