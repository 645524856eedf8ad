// Labelled data sets of plain numbers (features and integer class labels), and what training
// needs from them: standardised features and one-hot or +-1 targets.
//
//   nn::LabelledData wine = nn::load_csv("data/wine_data.csv");      // nn/data/csv.hpp
//   nn::standardize(wine);                                           // each column: mean 0, sd 1
//   std::vector<nn::Example> examples = nn::one_hot_examples(wine);  // targets {1, 0, 0}, ...
#pragma once

#include "nn/data/example.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace nn {

struct LabelledData {
    std::vector<std::vector<double>> features; // one row per sample, all rows the same width
    std::vector<std::size_t> labels;           // class index per sample, below num_classes()
    std::vector<std::string> class_names;      // may be empty; then classes are "0", "1", ...

    std::size_t size() const { return features.size(); }
    std::size_t num_features() const { return features.empty() ? 0 : features.front().size(); }
    /// Number of classes: the class names given, or the largest label + 1.
    std::size_t num_classes() const;
};

/// Rescales every feature column to mean 0 and standard deviation 1 (constant columns to 0).
/// Sigmoid units saturate on raw features such as a wine's proline (around 1000).
void standardize(LabelledData& data);

/// Examples with one-hot targets ({0, 1, 0} for class 1 of 3).
std::vector<Example> one_hot_examples(const LabelledData& data);

/// Labels of a two-class set as -1 (class 0) and +1 (class 1), for hinge losses.
/// Throws std::invalid_argument if the set has more than two classes.
std::vector<double> signed_labels(const LabelledData& data);

/// Keeps the samples whose index is in `indices` (for train/test splits).
LabelledData subset(const LabelledData& data, std::span<const std::size_t> indices);

} // namespace nn
