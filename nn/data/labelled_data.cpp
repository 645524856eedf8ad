#include "nn/data/labelled_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nn {

std::size_t LabelledData::num_classes() const
{
    std::size_t n = class_names.size();
    for (std::size_t label : labels)
        n = std::max(n, label + 1);
    return n;
}

void standardize(LabelledData& data)
{
    const std::size_t width = data.num_features();
    const double count = static_cast<double>(data.size());
    for (std::size_t j = 0; j < width; ++j) {
        double mean = 0.0;
        for (const auto& row : data.features)
            mean += row[j];
        mean /= count;
        double var = 0.0;
        for (const auto& row : data.features)
            var += (row[j] - mean) * (row[j] - mean);
        const double sd = std::sqrt(var / count);
        for (auto& row : data.features)
            row[j] = sd > 0.0 ? (row[j] - mean) / sd : 0.0;
    }
}

std::vector<Example> one_hot_examples(const LabelledData& data)
{
    const std::size_t classes = data.num_classes();
    std::vector<Example> out;
    out.reserve(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        Example e{data.features[i], std::vector<double>(classes, 0.0)};
        e.target[data.labels[i]] = 1.0;
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<double> signed_labels(const LabelledData& data)
{
    if (data.num_classes() > 2)
        throw std::invalid_argument(
            fmt::format("signed_labels: the data has {} classes; -1/+1 labels need two", data.num_classes()));
    std::vector<double> out;
    out.reserve(data.size());
    for (std::size_t label : data.labels)
        out.push_back(label == 1 ? 1.0 : -1.0);
    return out;
}

LabelledData subset(const LabelledData& data, std::span<const std::size_t> indices)
{
    LabelledData out;
    out.class_names = data.class_names;
    for (std::size_t i : indices) {
        if (i >= data.size())
            throw std::out_of_range(fmt::format("subset: index {} is out of range for {} samples", i, data.size()));
        out.features.push_back(data.features[i]);
        out.labels.push_back(data.labels[i]);
    }
    return out;
}

} // namespace nn
