#include "nn/scalar/train.hpp"

#include "nn/scalar/loss.hpp"

#include <autograd/random.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace nn {

std::string_view to_string(TrainMode mode)
{
    switch (mode) {
    case TrainMode::Online: return "online";
    case TrainMode::Batch: return "batch";
    case TrainMode::MiniBatch: break;
    }
    return "mini-batch";
}

autograd::Value mse_sample_loss(std::span<const autograd::Value> outputs, std::span<const double> target)
{
    return mse_loss(outputs, target);
}

namespace {

void check_data(const MLP& model, std::span<const Example> data)
{
    if (data.empty())
        throw std::invalid_argument("train: the data set is empty");
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i].input.size() != model.inputs())
            throw std::invalid_argument(fmt::format("train: sample {} has {} inputs, the model takes {}", i,
                                                    data[i].input.size(), model.inputs()));
        if (data[i].target.size() != model.outputs())
            throw std::invalid_argument(fmt::format("train: sample {} has {} targets, the model gives {} outputs", i,
                                                    data[i].target.size(), model.outputs()));
    }
}

} // namespace

double evaluate_loss(const MLP& model, std::span<const Example> data, const SampleLoss& loss)
{
    autograd::NoGradGuard no_grad;
    double total = 0.0;
    for (const Example& e : data) {
        const std::vector<autograd::Value> in(e.input.begin(), e.input.end());
        total += loss(model(in), e.target).data();
    }
    return total / static_cast<double>(data.size());
}

TrainHistory train(const MLP& model, Optimizer& optimizer, std::span<const Example> data, const SampleLoss& loss,
                   const TrainOptions& options, const EpochCallback& on_epoch)
{
    check_data(model, data);
    if (options.mode == TrainMode::MiniBatch && options.batch_size == 0)
        throw std::invalid_argument("train: batch_size must be at least 1 in mini-batch mode");
    const std::size_t batch = options.mode == TrainMode::Online  ? 1
                              : options.mode == TrainMode::Batch ? data.size()
                                                                 : std::min(options.batch_size, data.size());
    autograd::Generator gen(options.seed);
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), std::size_t{0});

    TrainHistory history;
    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
        if (options.mode == TrainMode::MiniBatch)
            gen.shuffle(std::span<std::size_t>(order));
        for (std::size_t start = 0; start < order.size(); start += batch) {
            const std::size_t end = std::min(start + batch, order.size());
            const double scale = 1.0 / static_cast<double>(end - start);
            optimizer.zero_grad();
            for (std::size_t k = start; k < end; ++k) {
                const Example& e = data[order[k]];
                const std::vector<autograd::Value> in(e.input.begin(), e.input.end());
                (loss(model(in), e.target) * scale).backward();
            }
            optimizer.step();
        }
        const double epoch_loss = evaluate_loss(model, data, loss);
        history.loss.push_back(epoch_loss);
        if (!history.epochs_to_target && epoch_loss <= options.target_loss)
            history.epochs_to_target = epoch;
        if (on_epoch && !on_epoch(epoch, epoch_loss))
            break;
        if (history.epochs_to_target && options.stop_at_target)
            break;
    }
    return history;
}

double accuracy(const MLP& model, std::span<const Example> data, double threshold)
{
    if (data.empty())
        return 0.0;
    std::size_t correct = 0;
    for (const Example& e : data) {
        const std::vector<double> out = model.predict(e.input);
        if (out.size() == 1) {
            correct += (out[0] >= threshold) == (e.target[0] >= threshold);
        } else {
            const auto predicted = std::max_element(out.begin(), out.end()) - out.begin();
            const auto expected = std::max_element(e.target.begin(), e.target.end()) - e.target.begin();
            correct += predicted == expected;
        }
    }
    return static_cast<double>(correct) / static_cast<double>(data.size());
}

} // namespace nn
