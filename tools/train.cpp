// train: an MLP or a small CNN trained on a data set from the command line, with a progress bar,
// a metrics CSV, a loss curve, a learning-rate schedule, a validation split, early stopping, and
// checkpoints that resume exactly.
//
//   train --data data/mnist-10k --layers 784,128,64,10 --epochs 5 --save mnist.safetensors
//   train --data data/mnist-10k --model cnn --epochs 14 --batch-size 64 --save cnn.safetensors
//   train --data data/digits.csv.gz --model cnn --conv-padding same --epochs 20    # 8x8 digits
//   train --data data/wine_data.csv --layers 13,16,3 --epochs 100      # CSV: standardised by default
//   train --data data/iris.csv --layers 4,16,3 --optimizer adam --lr 0.01 --early-stopping 10 --save iris.safetensors
//   train ... --scheduler cosine --t-max 20 --epochs 10 --save c.safetensors
//   train ... --resume mnist.safetensors --epochs 5        # five more epochs, from where it stopped
//   train ... --activation sigmoid --grad-stats --metrics m.csv   # gradient sizes per layer, m.grad_norm.svg
//   train ... --export-weights model.safetensors           # weights only: PyTorch's load_state_dict takes it
//   mpirun -np 2 train --data data/mnist-10k --layers 784,128,10 --batch-size 64   # two processes
//
// The model: --model mlp (the default) is Linear layers of the sizes --layers gives, --activation
// between them. --model cnn is workload W5's network (tools/common/architecture.hpp: two 5x5
// convolutions with ReLU and 2x2 max-pools, then one Linear layer) on one-channel images whose
// pixels are the rows' features: an IDX folder's images are 28x28 (as its header says; load_mnist
// takes no other); a CSV's rows are square images (64 features: 8x8) unless --image HxW says
// otherwise. Images smaller than 16x16 do not fit W5's valid convolutions: --conv-padding same keeps
// each convolution's output the size of its input. Its outputs are the classes: 10 for an IDX
// folder (MNIST's digits), for a CSV the larger of the header's class names and the largest label
// + 1. --layers and --activation are the MLP's, and refused with --model cnn.
//
// The data: --format is inferred from --data (a folder is IDX, *.csv and *.csv.gz are CSV). CSV
// rows are shuffled by --seed, the last --test-fraction held out for testing and the
// --val-fraction before them for validation; an IDX folder brings its test split, and the last
// --val-fraction of its training rows validate. Features are scaled with numbers fitted on the
// training rows alone (--scale; standard for CSV, none for IDX, whose pixels are already in
// [0, 1]); the scaler is saved with the model, and evaluate and predict apply it.
//
// A checkpoint is one safetensors file (tools/common/checkpoint.hpp): the model's parameters under
// their names ("0.weight"), the optimizer's state under "optimizer.", the scheduler's under
// "scheduler.", the scaler's under "scaler.", and the epoch, seed and options in the metadata.
// Resuming for M epochs after N gives the weights of N + M epochs in one run, bit for bit: each
// epoch's shuffling depends on the seed and the epoch's number alone, every state that carries over
// is in the file, and the options that shape the run are taken from the file; given again, they
// must agree with it.
//
// Each epoch reports the training loss and accuracy (over the epoch's batches, as they were
// trained), the validation loss and accuracy and the test accuracy. --early-stopping P stops when
// the validation loss has not improved for P epochs; with --save FILE the best epoch's checkpoint
// is kept as FILE's stem + .best.safetensors (FILE stays the last epoch's, to resume from), and
// --export-weights writes the best epoch's weights.
//
// Schedulers step once per epoch, after it (PyTorch's usage): step multiplies the lr by --gamma
// every --step-size epochs; cosine anneals it to 0 over --t-max epochs; plateau multiplies it by
// --gamma after more than --patience epochs without the mean training loss improving.
//
// --metrics FILE writes one row per epoch after each epoch (a resumed run keeps the rows of the
// epochs before its checkpoint and appends its own) and FILE's stem + .svg, the loss curves of the
// whole file. --grad-stats reads every parameter's gradient after each backward
// (nn::GradientStats) and prints, per epoch, the mean over its steps of each gradient's L2 norm;
// with --metrics it adds three columns per parameter P (0.weight, 0.bias, ...): grad_norm.P and
// grad_mean_abs.P, the means over the epoch's steps of ||g|| and of mean |g|, and grad_max_abs.P,
// the largest |g| of any step; and draws FILE's stem + .grad_norm.svg, the weights' grad_norm per
// epoch, on a log axis when they span two decades. It only reads: the weights are the same with it
// or without it.
//
// Distributed (under mpirun with more than one process, or with --distributed): every process
// loads the data and builds the model alike, and trains on its block of every global batch
// (dist::distributed) with the gradients averaged over the processes (DistributedDataParallel),
// so the weights are one process's with the same --batch-size and --seed, to rounding. The epoch's
// training loss and accuracy are reduced over the processes; validation and test are scored on
// every process alike, and rank 0's numbers decide early stopping and the plateau schedule
// everywhere. Rank 0 alone prints and writes the files. A checkpoint does not depend on the
// number of processes (each epoch's order and batches are the same for any): it resumes under
// any. An error on one process ends the whole job with its message (ProcessGroup::abort).
//
// A loss that turns NaN or infinite stops the run at once, naming the epoch and the step, before
// the step changes any weight; the last checkpoint written stays as it was.
#include "common/checkpoint.hpp"
#include "common/cli.hpp"
#include "common/job.hpp"
#include "common/wrapped_help.hpp"
#include "common/data_source.hpp"

#include <nn/data/scaler.hpp>
#include <nn/data/tensor_dataset.hpp>
#include <nn/metrics/accuracy.hpp>
#include <nn/metrics/gradient_stats.hpp>
#include <nn/metrics/metrics_log.hpp>
#include <nn/metrics/progress.hpp>
#include <nn/metrics/terminal.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/lr_scheduler.hpp>
#include <nn/optim/reduce_lr_on_plateau.hpp>
#include <nn/optim/rprop.hpp>
#include <nn/optim/sgd.hpp>
#include <nn/data/data_loader.hpp>

#include <autograd/autograd.hpp>
#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

using autograd::Tensor;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kMaxEpochs = 1'000'000; // far past any run; keeps epoch counts in an int
// The hidden layer of an mlp when --layers is not given: scikit-learn MLPClassifier's default size.
constexpr std::int64_t kDefaultHidden = 100;

struct ScheduleOptions {
    std::string kind = "none"; // none, step, cosine, plateau
    std::int64_t step_size = 10;
    double gamma = 0.1;
    std::int64_t t_max = 0;
    std::int64_t patience = 10;
};

struct Options {
    std::string data, format = "auto", layers_text, act = "relu", loss_name = "cross_entropy", opt_name = "sgd";
    std::string save, resume, metrics, export_weights, scale = "auto", batch_text = "32", split = "stratified";
    std::string model = "mlp", image_text, conv_padding = "valid";
    double lr = 0.05, momentum = 0.9, weight_decay = 0.0, test_fraction = 0.2, val_fraction = 0.1;
    std::int64_t epochs = 5, batch = 32, early_stopping = 0;
    std::uint64_t seed = 0;
    bool grad_stats = false, standardize = false, distributed = false;
    int verbosity = 1; // 0: --quiet, 1: default, 2: --verbose
    ScheduleOptions sched;
};

std::unique_ptr<nn::Optimizer> optimizer(const Options& o, nn::Module& model)
{
    auto params = model.parameters();
    if (o.opt_name == "sgd")
        return std::make_unique<nn::SGD>(params, nn::SGDOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay});
    if (o.opt_name == "adam")
        return std::make_unique<nn::Adam>(params, nn::AdamOptions{.lr = o.lr, .weight_decay = o.weight_decay});
    if (o.opt_name == "rprop")
        return std::make_unique<nn::Rprop>(params, nn::RpropOptions{.lr = o.lr});
    throw std::invalid_argument("--optimizer: sgd, adam or rprop (got " + o.opt_name + ")");
}

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
std::uint64_t epoch_seed(std::uint64_t seed, std::int64_t epoch) { return mix(seed ^ mix(static_cast<std::uint64_t>(epoch))); }

std::string batch_text(std::int64_t batch) { return batch == 0 ? "full" : std::to_string(batch); }

// A resumed run continues the run in its checkpoint: the settings that shape that run are taken
// from the checkpoint's metadata; given on the command line, they must agree with it. `legacy` is
// the value a checkpoint from before the key was written was trained with (none: nothing known).
class Carry {
public:
    Carry(const CLI::App& app, const tools::Checkpoint& c) : app_(app), c_(c) {}

    template <class T> void operator()(const std::string& option, const std::string& key, T& value, std::optional<T> legacy = {})
    {
        std::optional<T> saved = legacy;
        if (c_.find(key) != nullptr) {
            if constexpr (std::is_same_v<T, std::string>)
                saved = c_.text(key);
            else if constexpr (std::is_floating_point_v<T>)
                saved = c_.number(key);
            else if constexpr (std::is_same_v<T, std::uint64_t>)
                saved = c_.unsigned_integer(key);
            else
                saved = c_.integer(key, 0, std::numeric_limits<std::int64_t>::max());
        }
        if (!saved)
            return;
        if (app_.count(option) > 0 && value != *saved)
            throw std::invalid_argument(fmt::format("{} {}: {} was trained with {} {}; resume with the same, or leave it out",
                                                    option, show(option, value), c_.path().string(), option, show(option, *saved)));
        value = *saved;
    }

private:
    template <class T> static std::string show(const std::string& option, const T& v)
    {
        if constexpr (std::is_same_v<T, std::int64_t>)
            if (option == "--batch-size")
                return batch_text(v);
        return fmt::format("{}", v);
    }
    const CLI::App& app_;
    const tools::Checkpoint& c_;
};

// What a model of these sizes would need: refused, with the sizes named, when the parameters
// alone (float32, plus the gradient and two optimizer slots) cannot fit in this machine's memory.
void check_model_fits(const std::vector<std::int64_t>& sizes, const std::string& text)
{
    long double params = 0;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
        params += static_cast<long double>(sizes[i]) * static_cast<long double>(sizes[i + 1]) + static_cast<long double>(sizes[i + 1]);
    const long double bytes = params * 4 * 4;
    const long double memory = static_cast<long double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<long double>(::sysconf(_SC_PAGE_SIZE));
    if (memory > 0 && bytes > memory)
        throw std::invalid_argument(fmt::format("--layers {}: {:.3g} parameters need about {:.3g} GB (weights, gradients and "
                                                "optimizer state as float32); this machine has {:.3g} GB",
                                                text, static_cast<double>(params), static_cast<double>(bytes / 1e9),
                                                static_cast<double>(memory / 1e9)));
}

// The image each row holds, for --model cnn: --image when given (its pixels must be the row's
// features); otherwise 28x28 for an IDX folder (load_mnist takes no other) and a square for a CSV.
tools::ImageSize image_of(const Options& o, tools::DataFormat format, std::int64_t features)
{
    if (!o.image_text.empty()) {
        const tools::ImageSize image = tools::parse_image_size(o.image_text);
        if (image.height * image.width != features)
            throw std::invalid_argument(fmt::format("--image {}: {} pixels, but the rows of {} have {} features",
                                                    o.image_text, image.height * image.width, o.data, features));
        return image;
    }
    if (format == tools::DataFormat::Idx)
        return {28, 28};
    const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(features))));
    if (side * side != features)
        throw std::invalid_argument(fmt::format("--model cnn: the rows of {} have {} features, not a square image; give "
                                                "--image HEIGHTxWIDTH with HEIGHT * WIDTH = {}",
                                                o.data, features, features));
    return {side, side};
}

// FILE.safetensors -> FILE.best.safetensors: where early stopping keeps the best epoch.
fs::path best_path(const fs::path& save)
{
    fs::path p = save;
    return p.replace_filename(save.stem().string() + ".best" + save.extension().string());
}

// A copy that owns its data (a state dict's tensors share the parameters' storage).
nn::StateDict copy_of(const nn::StateDict& state)
{
    nn::StateDict out;
    for (const auto& [name, t] : state)
        out.insert(name, Tensor(t.to_vector(), t.shape()).to(t.dtype()));
    return out;
}

// The mean loss and the accuracy of the model on a split, without a graph, from one forward pass.
// The loss is the one training minimises: an mse model's outputs already pass its sigmoid.
struct Score {
    double loss = std::numeric_limits<double>::quiet_NaN(), accuracy = std::numeric_limits<double>::quiet_NaN();
};
Score score(nn::Module& model, const nn::LabelledTensors& set, const std::string& loss_name, std::int64_t classes)
{
    if (set.labels.numel() == 0)
        return {};
    autograd::NoGradGuard no_grad;
    const Tensor out = model(set.features);
    const Tensor loss = loss_name == "mse" ? nn::mse_loss(out, autograd::one_hot(set.labels, classes))
                                           : nn::cross_entropy(out, set.labels);
    return {loss.item(), static_cast<double>(nn::count_correct(out, set.labels)) / static_cast<double>(set.labels.numel())};
}

// Whether the epoch's last global batch (of `rows` training rows, batch `batch`, 0 the whole set)
// is not a multiple of `processes`: the DataLoader then pads it with repeated rows.
bool last_batch_pads(std::int64_t rows, std::int64_t batch, std::int64_t processes)
{
    const std::int64_t last = batch == 0 || batch >= rows ? rows : rows % batch;
    return last % processes != 0;
}

std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fmt::format("{:.2f}%", 100 * fraction); }

// The whole run, in `job` once the command line is read: main's handler needs the job after this
// function's scope has ended, to end every rank on an error of one.
int train(int argc, char** argv, std::optional<tools::Job>& job)
{
    CLI::App app{"train: an MLP or a small CNN on a data set (an MNIST folder or a CSV file), with checkpoints.\n"
                 "CSV features are standardised by default (--scale), with numbers fitted on the training rows\n"
                 "and saved in the checkpoint; evaluate and predict apply them."};
    tools::standard_help(app);
    app.set_version_flag("--version", [] {
        return fmt::format("train (Backprop {})\nmatrix products: {}", BACKPROP_VERSION,
                           autograd::describe_matmul_backend());
    });
    Options o;
    ScheduleOptions& sched = o.sched;
    app.add_option("--data", o.data, "an MNIST folder of IDX files, or a CSV file (.csv, .csv.gz) whose last column is the label")->required();
    app.add_option("--format", o.format, "auto (from --data: a folder is idx, *.csv and *.csv.gz are csv), idx or csv")
        ->check(CLI::IsMember({"auto", "idx", "csv"}));
    app.add_option("--model", o.model, "mlp (Linear layers of --layers) or cnn (W5: conv 1->8 5x5, ReLU, max-pool 2, conv "
                                       "8->16 5x5, ReLU, max-pool 2, Linear to the classes) on images of the rows' pixels")
        ->check(CLI::IsMember({"mlp", "cnn"}));
    app.add_option("--layers", o.layers_text, fmt::format("mlp: layer sizes, input first: 784,128,64,10 (default: the data's "
                                                          "features, {}, its classes; with --resume: the checkpoint's)",
                                                          kDefaultHidden));
    app.add_option("--image", o.image_text, "cnn: the image each row holds, HEIGHTxWIDTH (default: 28x28 for an IDX folder, "
                                            "a square for a CSV: 64 features are 8x8)");
    app.add_option("--conv-padding", o.conv_padding, "cnn: valid (W5's: images of 16x16 or more) or same (each "
                                                     "convolution keeps its input's size: images down to 4x4)")
        ->check(CLI::IsMember({"valid", "same"}));
    app.add_option("--activation", o.act, "mlp: hidden activation: relu, leaky_relu, sigmoid, tanh")
        ->check(CLI::IsMember({"relu", "leaky_relu", "sigmoid", "tanh"}));
    app.add_option("--loss", o.loss_name, "cross_entropy or mse (on one-hot targets)")->check(CLI::IsMember({"cross_entropy", "mse"}));
    app.add_option("--optimizer", o.opt_name, "sgd, adam or rprop")->check(CLI::IsMember({"sgd", "adam", "rprop"}));
    app.add_option("--lr", o.lr, "learning rate (rprop: initial step)")->check(tools::finite_above(0));
    app.add_option("--momentum", o.momentum, "sgd: momentum (online training, --batch-size 1, wants 0 or a lower --lr)")
        ->check(tools::number_in(0, 1, tools::Bound::Open));
    app.add_option("--weight-decay", o.weight_decay, "sgd, adam: L2 penalty added to each gradient")->check(tools::number_in(0, 1e6));
    app.add_option("--epochs", o.epochs, "epochs to train")->check(tools::whole_in(0, kMaxEpochs));
    app.add_option("--batch-size", o.batch_text, "samples per step: a whole number >= 1 (1: online), or full (the whole training set)")
        ->check(CLI::Validator(
            [](std::string& s) -> std::string {
                return s == "full" || tools::whole_in(1, std::numeric_limits<int>::max())(s).empty()
                           ? std::string{}
                           : fmt::format("'{}' is not a whole number >= 1 or 'full'", s);
            },
            "N|full"));
    app.add_option("--seed", o.seed, "seed of the initial weights, the split of a CSV and the shuffling")
        ->check(tools::whole_in(0, std::numeric_limits<std::int64_t>::max()));
    app.add_option("--test-fraction", o.test_fraction, "csv: the share of rows held out for testing (0: no test split)")
        ->check(tools::number_in(0, 0.9));
    app.add_option("--val-fraction", o.val_fraction, "the share of the training rows held out for validation (0: none)")
        ->check(tools::number_in(0, 0.9));
    app.add_option("--split", o.split, "csv: stratified (each class in its proportion in every split) or random")
        ->check(CLI::IsMember({"stratified", "random"}));
    app.add_option("--scale", o.scale, "feature scaling fitted on the training rows: auto (standard for csv, none for idx), "
                                       "standard (mean 0, sd 1), minmax ([0, 1]) or none")
        ->check(CLI::IsMember({"auto", "standard", "minmax", "none"}));
    app.add_flag("--standardize", o.standardize, "the same as --scale standard");
    app.add_option("--save", o.save, "checkpoint to write after each epoch (safetensors)")->check(tools::output_file());
    app.add_option("--resume", o.resume, "checkpoint to start from")->check(CLI::ExistingFile);
    app.add_option("--early-stopping", o.early_stopping,
                   "stop after this many epochs without the validation loss improving, keeping the best epoch (0: off)")
        ->check(tools::whole_in(0, kMaxEpochs));
    app.add_option("--export-weights", o.export_weights,
                   "at the end, the model's weights alone (the best epoch's with --early-stopping) as a safetensors file "
                   "that PyTorch's load_state_dict accepts for the same nn.Sequential")
        ->check(tools::output_file());
    app.add_option("--metrics", o.metrics, "metrics CSV, a row per epoch (appended to on --resume), and FILE's stem + .svg, the loss curves")
        ->check(tools::output_file());
    app.add_flag("-q,--quiet", [&](std::int64_t) { o.verbosity = 0; }, "print only errors and the last epoch's line");
    app.add_flag("-v,--verbose", [&](std::int64_t) { o.verbosity = 2; },
                 "also each epoch's time and speed, and the progress bar's lines when the output is not a terminal");
    app.add_flag("--grad-stats", o.grad_stats,
                 "per-parameter gradient sizes each epoch: printed (mean L2 norm); with --metrics, columns "
                 "grad_norm.P, grad_mean_abs.P (means over the epoch's steps of ||g||, mean |g|) and grad_max_abs.P "
                 "(largest |g|) for each parameter P (0.weight, 0.bias, ...), and FILE's stem + .grad_norm.svg");
    app.add_option("--scheduler", sched.kind, "lr schedule, stepped after each epoch: none, step, cosine or plateau")
        ->check(CLI::IsMember({"none", "step", "cosine", "plateau"}));
    app.add_option("--step-size", sched.step_size, "step: epochs between lr drops")->check(tools::whole_in(1, kMaxEpochs));
    app.add_option("--gamma", sched.gamma, "step, plateau: the factor each drop multiplies the lr by")->check(tools::number_in(0, 1));
    app.add_option("--t-max", sched.t_max, "cosine: epochs from lr to 0 (0: --epochs, or the checkpoint's)")
        ->check(tools::whole_in(0, kMaxEpochs));
    app.add_option("--patience", sched.patience, "plateau: epochs without the mean train loss improving before a drop")
        ->check(tools::whole_in(0, kMaxEpochs));
    app.add_flag("--distributed", o.distributed,
                 "train data-parallel over MPI even as one process (under mpirun with more than one process it is "
                 "on by itself); see below");
    app.footer(tools::wrap_text("Distributed: mpirun -np 2 train --data ... --batch-size 64 (as root: mpirun --allow-run-as-root; more "
               "processes than cores: --oversubscribe; several machines: --hostfile FILE). Each process trains on "
               "batch-size / processes rows of every batch (the world size must divide --batch-size) and the "
               "weights are those of one process with the same options, to rounding. Rank 0 prints and writes "
               "--save, --metrics and --export-weights; every process reads --data and --resume, so on several "
               "machines give paths every machine sees. A checkpoint resumes under any number of processes.", tools::help_width() - 1));
    CLI11_PARSE(app, argc, argv);
    job.emplace(tools::Job::wanted(o.distributed), &argc, &argv);
    if (o.standardize) {
        if (app.count("--scale") > 0 && o.scale != "standard")
            throw std::invalid_argument(fmt::format("--standardize and --scale {} disagree: give one", o.scale));
        o.scale = "standard";
    }
    o.batch = o.batch_text == "full" ? 0 : std::stoll(o.batch_text);
    const tools::DataFormat format = tools::infer_format(o.data, o.format);

    if (!o.image_text.empty()) // as the checkpoint writes it, so that --resume compares like with like
        o.image_text = tools::to_string(tools::parse_image_size(o.image_text));

    std::optional<tools::Checkpoint> checkpoint;
    if (!o.resume.empty()) {
        checkpoint = tools::Checkpoint::read(o.resume);
        Carry carry(app, *checkpoint);
        carry("--model", "model", o.model, std::optional<std::string>("mlp")); // checkpoints from before --model
        carry("--layers", "layers", o.layers_text);
        carry("--activation", "activation", o.act);
        carry("--image", "image", o.image_text);
        carry("--conv-padding", "conv_padding", o.conv_padding);
        carry("--loss", "loss", o.loss_name);
        carry("--optimizer", "optimizer", o.opt_name);
        carry("--scheduler", "scheduler", sched.kind);
        carry("--seed", "seed", o.seed);
        carry("--batch-size", "batch_size", o.batch);
        carry("--test-fraction", "test_fraction", o.test_fraction);
        // Checkpoints from before these options were trained without validation rows or scaling,
        // with SGD's momentum at 0.9 and no weight decay.
        carry("--val-fraction", "val_fraction", o.val_fraction, std::optional<double>(tools::kLegacyValFraction));
        carry("--scale", "scaler", o.scale, std::optional<std::string>("none"));
        carry("--split", "split", o.split, std::optional<std::string>(tools::kLegacySplit));
        carry("--momentum", "momentum", o.momentum, std::optional<double>(0.9));
        carry("--weight-decay", "weight_decay", o.weight_decay, std::optional<double>(0.0));
        carry("--step-size", "step_size", sched.step_size);
        carry("--gamma", "gamma", sched.gamma);
        carry("--t-max", "t_max", sched.t_max);
        carry("--patience", "patience", sched.patience);
    }
    if (o.batch > 0 && o.batch % job->size() != 0)
        throw std::invalid_argument(fmt::format("--batch-size {}: not a multiple of the {} processes of this job; each "
                                                "process must train on an equal share of every batch",
                                                o.batch, job->size()));
    if (o.scale == "auto")
        o.scale = format == tools::DataFormat::Csv ? "standard" : "none";
    if (o.val_fraction + o.test_fraction >= 1.0)
        throw std::invalid_argument(fmt::format("--val-fraction {} and --test-fraction {} leave no training rows", o.val_fraction,
                                                o.test_fraction));
    if (o.early_stopping > 0 && o.val_fraction <= 0.0)
        throw std::invalid_argument("--early-stopping watches the validation loss: give a --val-fraction above 0");
    if (o.opt_name == "rprop" && o.weight_decay != 0.0)
        throw std::invalid_argument(fmt::format("--weight-decay {}: rprop takes none (sgd and adam do)", o.weight_decay));

    tools::Architecture arch;
    arch.kind = o.model;
    arch.activation = o.act;
    const bool cnn = o.model == "cnn";
    if (cnn) {
        // The CNN's layers are fixed and its outputs are the data's classes: MLP options do not apply.
        if (!o.layers_text.empty())
            throw std::invalid_argument(fmt::format("--layers {} is the mlp's: --model cnn has fixed layers and one output "
                                                    "per class of the data; leave --layers out",
                                                    o.layers_text));
        if (app.count("--activation") > 0 && o.act != "relu")
            throw std::invalid_argument(fmt::format("--activation {} is the mlp's: --model cnn uses ReLU; leave "
                                                    "--activation out",
                                                    o.act));
        arch.activation = "relu";
        arch.padding = tools::parse_conv_padding(o.conv_padding);
    } else {
        for (const char* option : {"--image", "--conv-padding"})
            if (app.count(option) > 0)
                throw std::invalid_argument(fmt::format("{} is for --model cnn (this run's model is {})", option, o.model));
        if (!o.layers_text.empty()) { // else the data's sizes, once it is read
            try {
                arch.sizes = nn::parse_sizes(o.layers_text);
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument(fmt::format("--layers: {}", e.what()));
            }
            if (arch.sizes.size() < 2)
                throw std::invalid_argument(fmt::format("--layers '{}': at least an input and an output size", o.layers_text));
            check_model_fits(arch.sizes, o.layers_text);
        }
    }

    tools::Splits split = tools::load_splits(o.data, format, {.val_fraction = o.val_fraction, .test_fraction = o.test_fraction, .seed = o.seed, .stratified = o.split == "stratified"});
    const std::int64_t features = split.train.features.size(1);
    double top_label = 0; // the largest class label of any split
    for (const nn::LabelledTensors* s : {&split.train, &split.val, &split.test})
        if (s->labels.numel() > 0)
            top_label = std::max(top_label, autograd::max(s->labels).item());
    // The classes of the data: MNIST's ten digits whichever a subset holds (load_mnist takes labels
    // 0..9 only); a CSV's named classes, or its labels 0 to the largest.
    const std::int64_t data_classes =
        format == tools::DataFormat::Idx
            ? 10
            : std::max(static_cast<std::int64_t>(split.class_names.size()), static_cast<std::int64_t>(top_label) + 1);
    if (cnn) {
        arch.image = image_of(o, format, features);
        arch.classes = checkpoint ? checkpoint->integer("classes", 0, std::numeric_limits<std::int64_t>::max()) // check() bounds it
                                  : data_classes;
        arch.check();
    } else if (arch.sizes.empty()) {
        // No --layers: one hidden layer of 100 between the data's features and its classes, the
        // default of scikit-learn's MLPClassifier (hidden_layer_sizes=(100,)). Written into the
        // checkpoint as if given, so that --resume, evaluate and predict rebuild the same model.
        arch.sizes = {features, kDefaultHidden, data_classes};
        o.layers_text = fmt::format("{}", fmt::join(arch.sizes, ","));
        check_model_fits(arch.sizes, o.layers_text);
    } else if (features != arch.sizes.front()) {
        throw std::invalid_argument(fmt::format("--layers: the data has {} features, the first layer {}", features,
                                                arch.sizes.front()));
    }
    const std::int64_t classes = arch.outputs();
    if (top_label >= static_cast<double>(classes))
        throw std::invalid_argument(
            cnn ? fmt::format("--resume {}: {} has class labels up to {}, more classes than the model's {} outputs", o.resume,
                              o.data, top_label, classes)
                : fmt::format("--layers {}: {} has class labels up to {}, more classes than the last layer's {} outputs",
                              o.layers_text, o.data, top_label, classes));
    if (checkpoint && checkpoint->find("rows") != nullptr) {
        const std::int64_t rows = checkpoint->integer("rows", 0, std::numeric_limits<std::int64_t>::max());
        if (rows != split.rows)
            throw std::invalid_argument(fmt::format("--data {}: {} rows, but {} was trained on data of {} rows", o.data,
                                                    split.rows, o.resume, rows));
    }

    nn::Scaler scaler(nn::parse_scaler_kind(o.scale));
    if (checkpoint && scaler.kind() != nn::ScalerKind::None)
        scaler.load_state_dict(checkpoint->section("scaler.")); // the numbers of the first run's training rows
    else
        scaler.fit(split.train.features);
    for (nn::LabelledTensors* s : {&split.train, &split.val, &split.test})
        if (s->labels.numel() > 0)
            s->features = scaler.transform(s->features);

    autograd::Generator gen(o.seed);
    // Shared with the data-parallel wrapper, which averages its gradients over the job's ranks.
    const auto shared_model = std::make_shared<nn::Sequential>(tools::build(arch, gen, o.loss_name == "mse" ? "sigmoid" : "none"));
    nn::Sequential& model = *shared_model;
    auto opt = optimizer(o, model);
    std::int64_t first_epoch = 1;
    // Early stopping's state, carried by the checkpoint.
    double best_val_loss = std::numeric_limits<double>::infinity();
    std::int64_t best_epoch = 0, epochs_since_best = 0;
    nn::StateDict best_weights;
    if (checkpoint) {
        model.load_state_dict(checkpoint->weights());
        opt->load_state_dict(checkpoint->section("optimizer."));
        first_epoch = checkpoint->integer("epoch", 0, kMaxEpochs) + 1;
        if (checkpoint->find("best_epoch") != nullptr) {
            best_epoch = checkpoint->integer("best_epoch", 0, kMaxEpochs);
            best_val_loss = checkpoint->number("best_val_loss");
            epochs_since_best = checkpoint->integer("epochs_since_best", 0, kMaxEpochs);
            const fs::path best = best_path(o.resume);
            if (best_epoch > 0 && fs::exists(best))
                best_weights = tools::Checkpoint::read(best).weights();
        }
    }
    // Every rank has built (and resumed) the same model; the wrapper checks that and gives each
    // rank's rank 0's weights. The optimizer's state needs no broadcast: every rank loaded it from
    // the same file, and every step's averaged gradient is the same on every rank.
    job->wrap(shared_model);
    if (sched.t_max == 0)
        sched.t_max = o.epochs;
    // The schedulers' own checks, made here to name the options they come from.
    if (sched.kind == "plateau" && !(sched.gamma < 1.0))
        throw std::invalid_argument(fmt::format("--gamma {}: plateau needs a factor below 1", sched.gamma));
    if (sched.kind == "cosine" && sched.t_max < 1)
        throw std::invalid_argument("--scheduler cosine: --t-max (by default --epochs) must be at least 1");
    Schedule schedule(sched, *opt);
    if (checkpoint && schedule.active())
        schedule.load_state_dict(checkpoint->section("scheduler."));

    const bool root = job->root(); // prints and writes the files
    const bool talk = o.verbosity >= 1 && root;
    if (talk) {
        if (checkpoint)
            fmt::print("resumed from {} after epoch {}\n", o.resume, first_epoch - 1);
        if (job->distributed())
            fmt::print("distributed: {} processes, each training on {}{}\n", job->size(),
                       o.batch > 0 ? fmt::format("{} rows of every batch of {}", o.batch / job->size(), o.batch)
                                   : fmt::format("1/{} of the full batch", job->size()),
                       last_batch_pads(split.train.labels.numel(), o.batch, job->size())
                           ? " (the last batch of each epoch is not a multiple of the processes: padded with repeated "
                             "rows, as torch's DistributedSampler pads, so the weights differ a little from one process's)"
                           : "");
        fmt::print("data: {} ({}): {} training, {} validation, {} test rows; features scaled: {}\n", o.data, tools::to_string(format),
                   split.train.labels.numel(), split.val.labels.numel(), split.test.labels.numel(), o.scale);
        std::cout << model.summary();
    }

    const Tensor targets = o.loss_name == "mse" ? autograd::one_hot(split.train.labels, classes) : split.train.labels;
    const nn::TensorDataset dataset(split.train.features, targets);
    std::optional<nn::GradientStats> gradients;
    std::vector<std::string> columns{"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_accuracy", "lr"}, norm_columns;
    if (o.grad_stats) {
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
    if (root && !o.metrics.empty() && checkpoint && fs::exists(o.metrics)) {
        // The run goes on: so does its log, without rows past the checkpoint it resumes from.
        nn::MetricsLog earlier = nn::MetricsLog::read_csv(o.metrics);
        if (earlier.columns() != columns)
            throw std::invalid_argument(fmt::format("--metrics {}: its columns ({}) are not this run's ({}); give another file",
                                                    o.metrics, fmt::join(earlier.columns(), ","), fmt::join(columns, ",")));
        earlier.keep_rows_below("epoch", static_cast<double>(first_epoch));
        log = std::move(earlier);
    }
    const auto save_metrics = [&] {
        if (o.metrics.empty() || !root)
            return;
        log.save_csv(o.metrics);
        std::vector<std::string> curves{"train_loss"};
        if (split.val.labels.numel() > 0)
            curves.push_back("val_loss");
        log.save_svg(fs::path(o.metrics).replace_extension(".svg"), "epoch", curves);
        if (gradients)
            log.save_svg(fs::path(o.metrics).replace_extension(".grad_norm.svg"), "epoch", norm_columns,
                         {.title = "gradient L2 norm per layer (mean over each epoch's steps)",
                          .y_label = "||grad||",
                          .y_scale = nn::AxisScale::Auto});
    };
    const auto save_checkpoint = [&](const fs::path& path, std::int64_t epoch, const nn::StateDict& opt_state) {
        nn::StateDict out = model.state_dict();
        for (const auto& [name, t] : opt_state)
            out.insert("optimizer." + name, t);
        for (const auto& [name, t] : schedule.state_dict())
            out.insert("scheduler." + name, t);
        for (const auto& [name, t] : scaler.state_dict())
            out.insert("scaler." + name, t);
        std::map<std::string, std::string> meta{
            {"epoch", std::to_string(epoch)}, {"layers", o.layers_text}, {"activation", o.act}, {"loss", o.loss_name},
            {"optimizer", o.opt_name}, {"scheduler", sched.kind}, {"seed", std::to_string(o.seed)},
            {"batch_size", std::to_string(o.batch)}, {"test_fraction", fmt::format("{}", o.test_fraction)},
            {"val_fraction", fmt::format("{}", o.val_fraction)}, {"split", o.split}, {"scaler", o.scale},
            {"momentum", fmt::format("{}", o.momentum)}, {"weight_decay", fmt::format("{}", o.weight_decay)},
            {"step_size", std::to_string(sched.step_size)}, {"gamma", fmt::format("{}", sched.gamma)},
            {"t_max", std::to_string(sched.t_max)}, {"patience", std::to_string(sched.patience)},
            {"format", tools::to_string(format)}, {"rows", std::to_string(split.rows)},
            {"class_names", tools::join_class_names(split.class_names)},
            // For information: the run goes on under any number of processes (its position in the
            // data's order is the epoch; every global batch is the same whatever the world size).
            {"world_size", std::to_string(job->size())}};
        if (cnn)
            meta.erase("layers"); // an mlp's option; the cnn's shape is in the keys write_metadata adds
        tools::write_metadata(arch, meta);
        if (o.early_stopping > 0)
            meta.insert({{"best_epoch", std::to_string(best_epoch)}, {"best_val_loss", fmt::format("{}", best_val_loss)},
                         {"epochs_since_best", std::to_string(epochs_since_best)}});
        nn::save_safetensors(out, path, meta);
    };

    const bool bar_on = root && (nn::is_terminal(std::cout) ? talk : o.verbosity >= 2);
    std::string last_line;
    for (std::int64_t epoch = first_epoch; epoch < first_epoch + o.epochs; ++epoch) {
        const auto started = std::chrono::steady_clock::now();
        // A loader per epoch, seeded by the run's seed and the epoch's number: a resumed run
        // shuffles as the uninterrupted one did.
        // Distributed, each rank's batches are its block of every global batch of this order.
        nn::DataLoader loader(dataset, job->loader({.batch_size = o.batch, .shuffle = true, .seed = epoch_seed(o.seed, epoch)}));
        std::optional<nn::ProgressBar> bar;
        if (bar_on)
            bar.emplace(std::cout, loader.size(), fmt::format("epoch {}", epoch));
        // Per step, this rank's loss times its rows, then its rows; the correct answers last. Summed
        // over the ranks after the epoch, step s's global mean loss is its first sum over its second.
        std::vector<double> sums(2 * loader.size() + 1, 0.0);
        double total = 0; // this rank's, for the progress bar
        std::size_t step = 0;
        for (const nn::Batch& b : loader) {
            opt->zero_grad();
            const Tensor out = model(b.features);
            const Tensor loss = o.loss_name == "mse" ? nn::mse_loss(out, b.targets) : nn::cross_entropy(out, b.targets);
            const double value = loss.item();
            if (!std::isfinite(value))
                throw std::runtime_error(fmt::format(
                    "epoch {}, step {}: the loss is {}; training stopped before the step changed a weight. The learning "
                    "rate (--lr {}) may be too high for this model and data: try a tenth of it{}",
                    epoch, step + 1, value, o.lr,
                    o.save.empty() || epoch == 1 ? std::string{}
                                                 : fmt::format(". {} holds epoch {}, as it was", o.save, epoch - 1)));
            loss.backward();
            // Every rank: the step of the gradient of the global batch's mean loss; with gradient
            // statistics, those gradients are in place before it.
            if (gradients)
                job->step(*opt, [&] { gradients->update(); });
            else
                job->step(*opt);
            const auto rows = static_cast<double>(b.features.size(0));
            sums[step] = value * rows;
            sums[loader.size() + step] = rows;
            sums.back() += static_cast<double>(nn::count_correct(out, o.loss_name == "mse" ? autograd::argmax(b.targets, 1) : b.targets));
            total += value;
            ++step;
            if (bar)
                // The whole job's rows (every rank's share is alike), for its samples/s; rank 0's loss.
                bar->update(step, static_cast<std::size_t>(b.features.size(0) * job->size()), {{"loss", total / static_cast<double>(step)}});
        }
        if (bar)
            bar->finish();
        job->sum(sums);
        // The mean over the steps of each global batch's mean loss (one process's batch losses
        // are means over its rows already: the same numbers, to rounding).
        double loss_sum = 0, seen = 0;
        for (std::size_t s = 0; s < step; ++s) {
            loss_sum += sums[s] / sums[loader.size() + s];
            seen += sums[loader.size() + s];
        }
        // NOTE: validation and test are scored on every rank, each the whole split, not sharded:
        // the ranks hold the same weights, so this costs no message and gives one process's
        // numbers in one process's order of sums; their splits are small beside the training
        // set. Rank 0's numbers are then every rank's, so that early stopping and the plateau
        // schedule decide alike on every rank even if rounding ever told the ranks apart.
        const Score mine = score(model, split.val, o.loss_name, classes);
        std::vector<double> epoch_numbers{loss_sum / static_cast<double>(step), sums.back() / seen, mine.loss, mine.accuracy,
                                          split.test.labels.numel() > 0 ? nn::accuracy(model, split.test.features, split.test.labels)
                                                                        : std::numeric_limits<double>::quiet_NaN()};
        job->from_root(epoch_numbers);
        const double train_loss = epoch_numbers[0], train_acc = epoch_numbers[1];
        const Score val{.loss = epoch_numbers[2], .accuracy = epoch_numbers[3]};
        const double test_acc = epoch_numbers[4];
        if (split.val.labels.numel() > 0 && !std::isfinite(val.loss))
            throw std::runtime_error(fmt::format("epoch {}: the validation loss is {}; training stopped. The learning rate "
                                                 "(--lr {}) may be too high: try a tenth of it",
                                                 epoch, val.loss, o.lr));
        const double lr = opt->lr();
        std::vector<std::string> fields{fmt::format("train loss {:.4f}", train_loss),
                                        fmt::format("train accuracy {}", percent(train_acc))};
        if (split.val.labels.numel() > 0) {
            fields.push_back(fmt::format("val loss {:.4f}", val.loss));
            fields.push_back(fmt::format("val accuracy {}", percent(val.accuracy)));
        }
        if (split.test.labels.numel() > 0)
            fields.push_back(fmt::format("test accuracy {}", percent(test_acc)));
        if (schedule.active())
            fields.push_back(fmt::format("lr {:.6g}", lr));
        if (o.verbosity >= 2) {
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            fields.back() += fmt::format(" ({:.2f} s, {:.0f} samples/s)", seconds, seen / seconds);
        }
        // One line an epoch, for logs and grep; in a terminal narrower than that (or $COLUMNS), broken
        // after a comma, so that a narrow window does not cut the numbers mid-word.
        last_line = tools::wrap_fields(fmt::format("epoch {}:", epoch), fields,
                                       nn::terminal_width(std::cout).value_or(std::numeric_limits<std::size_t>::max()));
        if (talk)
            fmt::print("{}\n", last_line);
        std::vector<double> row{static_cast<double>(epoch), train_loss, train_acc, val.loss, val.accuracy, test_acc, lr};
        if (gradients) {
            std::vector<std::string> norms;
            for (const nn::GradientEpochStats& g : gradients->compute()) {
                norms.push_back(fmt::format("{} {:.3g}", g.name, g.mean_norm));
                row.insert(row.end(), {g.mean_norm, g.mean_mean_abs, g.max_max_abs});
            }
            if (talk)
                fmt::print("epoch {}: gradient norm {}\n", epoch, fmt::join(norms, ", "));
            gradients->reset();
        }
        log.add(std::move(row));
        save_metrics();
        schedule.step(train_loss); // the lr of the next epoch
        bool stop = false;
        if (o.early_stopping > 0) {
            if (val.loss < best_val_loss) {
                best_val_loss = val.loss;
                best_epoch = epoch;
                epochs_since_best = 0;
                best_weights = copy_of(model.state_dict());
            } else {
                stop = ++epochs_since_best >= o.early_stopping;
            }
        }
        if (!o.save.empty()) {
            // Every rank: the optimizer's state may be shared out among them (Job::optimizer_state).
            const nn::StateDict opt_state = job->optimizer_state(*opt);
            if (root) {
                save_checkpoint(o.save, epoch, opt_state);
                if (o.early_stopping > 0 && best_epoch == epoch)
                    save_checkpoint(best_path(o.save), epoch, opt_state);
            }
        }
        if (stop) {
            if (talk)
                fmt::print("early stopping after epoch {}: the validation loss has not improved for {} epochs; the best was "
                           "{:.4f}, at epoch {}{}\n",
                           epoch, epochs_since_best, best_val_loss, best_epoch,
                           o.save.empty() ? std::string{} : fmt::format(" (saved in {})", best_path(o.save).string()));
            break;
        }
    }
    if (root && !talk && !last_line.empty())
        fmt::print("{}\n", last_line);
    if (root && !o.export_weights.empty()) {
        // Only what torch.nn.Sequential's load_state_dict(strict=True) takes; the scaler and the
        // model's shape go in the metadata, which PyTorch ignores and a user's script can read.
        const bool use_best = o.early_stopping > 0 && !best_weights.empty();
        const nn::StateDict weights = use_best ? best_weights : model.state_dict();
        std::map<std::string, std::string> meta{{"format", "pt"}, {"layers", o.layers_text}, {"activation", o.act},
                                                {"loss", o.loss_name}, {"scaler", o.scale},
                                                {"class_names", tools::join_class_names(split.class_names)}};
        if (cnn)
            meta.erase("layers");
        tools::write_metadata(arch, meta);
        if (scaler.fitted()) {
            meta["scaler_center"] = fmt::format("{}", fmt::join(scaler.center().to_vector(), ","));
            meta["scaler_scale"] = fmt::format("{}", fmt::join(scaler.scale().to_vector(), ","));
        }
        nn::save_safetensors(weights, o.export_weights, meta);
        if (talk)
            fmt::print("weights{} written to {}\n", use_best ? fmt::format(" of epoch {}", best_epoch) : std::string{}, o.export_weights);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    std::optional<tools::Job> job;
    try {
        return train(argc, argv, job);
    } catch (...) {
        const char* hint = " (the model, --batch-size or the data set is too large for this machine)";
        return job ? job->fail("train", hint) : tools::report_failure("train", hint);
    }
}
