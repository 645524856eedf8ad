// Training loops in the tutorial's three modes:
//   online     - update after every sample, in data order (data that arrives one by one);
//   batch      - accumulate the gradients of the whole set, then update once per epoch;
//   mini-batch - stochastic: random mini-batches, reshuffled every epoch, one update each.
//
// Every mode minimises the same thing, the mean per-sample loss of a batch: each sample's loss
// is scaled by 1/batch and backward()ed on its own, so gradients accumulate across the batch
// (the graph of one sample at a time is alive, whatever the batch size).
//
//   nn::TrainOptions opts{.mode = nn::TrainMode::MiniBatch, .batch_size = 8, .epochs = 200, .seed = 1};
//   nn::TrainHistory h = nn::train(model, opt, data, nn::mse_sample_loss, opts);
#pragma once

#include "nn/data/example.hpp"
#include "nn/scalar/mlp.hpp"
#include "nn/optim/optimizer.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace nn {

enum class TrainMode { Online, Batch, MiniBatch };
std::string_view to_string(TrainMode mode);

struct TrainOptions {
    TrainMode mode = TrainMode::MiniBatch;
    std::size_t batch_size = 16; // mini-batch mode only
    std::size_t epochs = 100;
    std::uint64_t seed = 0;      // of the mini-batch shuffles
    double target_loss = 0.0;    // record the first epoch whose loss is at or below this
    bool stop_at_target = false; // and stop there
};

/// The loss of one sample: the model's outputs against the sample's target.
using SampleLoss = std::function<autograd::Value(std::span<const autograd::Value> outputs, std::span<const double> target)>;
/// nn::mse_loss as a SampleLoss.
autograd::Value mse_sample_loss(std::span<const autograd::Value> outputs, std::span<const double> target);

struct TrainHistory {
    std::vector<double> loss;                     // mean loss over the data set after each epoch
    std::optional<std::size_t> epochs_to_target;  // first epoch (1-based) at or below target_loss
};

/// Called after every epoch with its 1-based number and loss; return false to stop early.
using EpochCallback = std::function<bool(std::size_t epoch, double loss)>;

TrainHistory train(const MLP& model, Optimizer& optimizer, std::span<const Example> data, const SampleLoss& loss,
                   const TrainOptions& options, const EpochCallback& on_epoch = {});

/// Mean loss over the data set, without recording graphs.
double evaluate_loss(const MLP& model, std::span<const Example> data, const SampleLoss& loss);

/// Fraction of samples whose largest output is at the position of the largest target (one-hot
/// targets), or for one output, whose output falls on the same side of `threshold` as the target.
double accuracy(const MLP& model, std::span<const Example> data, double threshold = 0.5);

} // namespace nn
