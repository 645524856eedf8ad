// The data a tool is pointed at (--data, --format) and its split into training, validation and
// test rows: one definition shared by train, evaluate and predict, so that evaluate scores
// exactly the rows train held out.
//
//   DataFormat f = infer_format("data/iris.csv", "auto");            // Csv: from the name
//   Splits s = load_splits("data/iris.csv", f, {.val_fraction = 0.1, .test_fraction = 0.2, .seed = 0});
//
// CSV: the rows in a seeded random order (files are often sorted by class), test_fraction of
// them held out for testing and val_fraction of the rest for validation, stratified by default:
// each class in each split in the proportion it has in the file, give or take a row (as
// scikit-learn's train_test_split(stratify=y)), so that a small set's test split is not short of
// a class by chance. Unstratified (checkpoints from before), the last rows of the order are the test
// split and the ones before them the validation split.
// IDX (an MNIST folder): the folder's test files are the test split, and the last val_fraction
// of its training rows are the validation split (in file order, as Keras's validation_split).
#pragma once

#include <nn/data/labelled_tensors.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

enum class DataFormat { Idx, Csv };

/// given is "idx", "csv" or "auto". With "auto": a folder is IDX, a name ending in .csv or
/// .csv.gz is CSV; anything else is a std::invalid_argument naming the path and asking for
/// --format.
DataFormat infer_format(const std::filesystem::path& data, std::string_view given);
std::string to_string(DataFormat format);

struct SplitOptions {
    double val_fraction = 0.0;
    double test_fraction = 0.2; // CSV only: IDX folders bring their own test split
    std::uint64_t seed = 0;
    bool stratified = true; // CSV only
};

struct Splits {
    nn::LabelledTensors train, val, test; // val or test may have no rows
    std::vector<std::string> class_names; // from a CSV header; empty otherwise
    std::int64_t rows = 0;                // rows of the CSV file, or of the IDX training files
};

/// Throws std::invalid_argument when the training split would be empty.
Splits load_splits(const std::filesystem::path& data, DataFormat format, const SplitOptions& options);

/// Every row of the data (CSV: in file order; IDX: the given split, "train" or "test").
nn::LabelledTensors load_all(const std::filesystem::path& data, DataFormat format, const std::string& idx_split,
                             std::vector<std::string>* class_names = nullptr);

} // namespace tools
