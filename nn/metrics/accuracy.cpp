#include "nn/metrics/accuracy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include <stdexcept>
#include <vector>

namespace nn {

std::size_t count_correct(const autograd::Tensor& scores, const autograd::Tensor& labels)
{
    if (scores.dim() != 2 || labels.dim() != 1 || scores.size(0) != labels.size(0))
        throw std::invalid_argument(fmt::format("accuracy: scores {} and labels {} (want [N, C] and [N])",
                                                autograd::to_string(scores.shape()), autograd::to_string(labels.shape())));
    autograd::NoGradGuard no_grad;
    const std::vector<double> predicted = autograd::argmax(scores, 1).to_vector(), y = labels.to_vector();
    std::size_t right = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        right += predicted[i] == y[i] ? 1 : 0;
    return right;
}

namespace {

// Rows of features whose largest score is at their label.
std::size_t count_right(Module& model, const autograd::Tensor& features, const autograd::Tensor& labels)
{
    autograd::NoGradGuard no_grad;
    return count_correct(model(features), labels);
}

} // namespace

double accuracy(Module& model, const autograd::Tensor& features, const autograd::Tensor& labels)
{
    const std::size_t right = count_right(model, features, labels);
    return labels.numel() == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(labels.numel());
}

double accuracy(Module& model, const Dataset& data, std::int64_t batch_size)
{
    if (batch_size < 1)
        throw std::invalid_argument(fmt::format("accuracy: batch size {} (want at least 1)", batch_size));
    std::size_t right = 0;
    std::vector<std::int64_t> rows;
    for (std::int64_t first = 0; first < data.size(); first += batch_size) {
        rows.resize(static_cast<std::size_t>(std::min(batch_size, data.size() - first)));
        std::iota(rows.begin(), rows.end(), first);
        const Batch b = data.get_batch(rows);
        right += count_right(model, b.features, b.targets);
    }
    return data.size() == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(data.size());
}

} // namespace nn
