// Reading labelled data from CSV files: numeric feature columns and an integer label column.
//
//   nn::LabelledData iris = nn::load_csv("data/iris.csv");   // label in the last column
//
// Header detection: a first line with any non-numeric field is a header. The scikit-learn
// layout ("150,4,setosa,versicolor,virginica": sample count, feature count, class names) is
// recognised and its counts (non-negative integers) are checked. Errors are std::runtime_error
// naming the file, the line of the file and the field: ragged rows, non-numeric fields, NaN or
// infinite features, labels that are not non-negative integers or are beyond the classes.
#pragma once

#include "nn/data/labelled_data.hpp"
#include "nn/data/labelled_tensors.hpp"

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>

namespace nn {

struct CsvOptions {
    int label_column = -1; // column of the class label; negative counts from the end
    char delimiter = ',';
    bool has_label = true; // false: every column is a feature, and labels stay empty (new rows to predict)
    // Nonzero: every label must be below it (a trained model's class count), so that a label out of
    // range is reported with its line of the file, not later as a row of some shuffled batch.
    std::size_t num_classes = 0;
};

/// Plain or gzipped files alike (told apart by their first bytes, not their names).
LabelledData load_csv(const std::filesystem::path& path, const CsvOptions& options = {});
/// The same from a stream; `name` is used in error messages.
LabelledData read_csv(std::istream& in, const std::string& name, const CsvOptions& options = {});

/// The same data as tensors for the tensor engine: features [N, F] of `dtype` and labels [N]
/// (int64 class indices, as torch's). Throws std::range_error naming the row and column (1-based) of a value beyond
/// the dtype's range (1e300 in float32).
LabelledTensors to_tensors(const LabelledData& data, autograd::Dtype dtype = autograd::Dtype::Float32);

} // namespace nn
