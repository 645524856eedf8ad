// evaluate: a checkpoint written by `train`, on a data set: accuracy, the per-class accuracy
// and the confusion matrix, with the class names of the training CSV's header. The model (an
// MLP's layers and activation, or a CNN's image size and padding) and feature scaler come from
// the checkpoint, and so does the split: by default
// evaluate scores the rows train held out for testing (the same seed, fractions and file), so
// that training rows never count.
//
//   evaluate --model mnist.safetensors --data data/mnist-10k          # the folder's test split
//   evaluate --model iris.safetensors --data data/iris.csv            # the 30 rows train held out
//   evaluate --model iris.safetensors --data data/iris.csv --split val
//   evaluate --model iris.safetensors --data other.csv --all          # every row of another file
#include "common/checkpoint.hpp"
#include "common/cli.hpp"
#include "common/wrapped_help.hpp"
#include "common/data_source.hpp"

#include <autograd/autograd.hpp>
#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

int main(int argc, char** argv)
try {
    CLI::App app{"evaluate: a model saved by train, on the rows it held out (or on every row, --all)"};
    tools::standard_help(app);
    app.set_version_flag("--version", [] {
        return fmt::format("evaluate (Backprop {})\nmatrix products: {}", BACKPROP_VERSION,
                           autograd::describe_matmul_backend());
    });
    std::string model_path, data, format_text = "auto", split_name = "test";
    bool all = false;
    app.add_option("--model", model_path, "a checkpoint written by train")->required()->check(CLI::ExistingFile);
    app.add_option("--data", data, "the data it was trained on (an MNIST folder or a CSV file), or other data with --all")->required();
    app.add_option("--format", format_text, "auto (a folder is idx, *.csv and *.csv.gz are csv), idx or csv")
        ->check(CLI::IsMember({"auto", "idx", "csv"}));
    app.add_option("--split", split_name, "which of train's splits to score: test, val or train")
        ->check(CLI::IsMember({"train", "val", "test"}));
    app.add_flag("--all", all, "score every row of --data (CSV: the file; IDX: its training and test files)");
    CLI11_PARSE(app, argc, argv);
    if (all && app.count("--split") > 0)
        throw std::invalid_argument("--all and --split: give one (--all scores every row)");

    const tools::Checkpoint checkpoint = tools::Checkpoint::read(model_path);
    tools::TrainedModel m = tools::load_trained_model(checkpoint);
    const tools::DataFormat format = tools::infer_format(data, format_text);

    std::vector<nn::LabelledTensors> sets;
    std::vector<std::string> data_names;
    std::string what;
    if (all) {
        if (format == tools::DataFormat::Idx) {
            sets = {tools::load_all(data, format, "train"), tools::load_all(data, format, "test")};
        } else {
            sets = {tools::load_all(data, format, "", &data_names)};
        }
        what = fmt::format("every row of {}", data);
    } else {
        // train's split, rebuilt from the checkpoint: the same file (by its row count), seed and fractions.
        const tools::SplitOptions options = tools::split_options(checkpoint);
        tools::Splits s = tools::load_splits(data, format, options);
        if (checkpoint.find("rows") != nullptr) {
            const std::int64_t rows = checkpoint.integer("rows", 0, std::numeric_limits<std::int64_t>::max());
            if (rows != s.rows)
                throw std::invalid_argument(fmt::format("--data {}: {} rows, but {} was trained on data of {} rows, so its "
                                                        "splits are not this file's; give --all to score every row",
                                                        data, s.rows, model_path, rows));
        }
        data_names = s.class_names;
        const nn::LabelledTensors& chosen = split_name == "train" ? s.train : split_name == "val" ? s.val : s.test;
        if (chosen.labels.numel() == 0)
            throw std::invalid_argument(fmt::format("--split {}: the model was trained with no {} rows ({}); give --all or "
                                                    "another --split",
                                                    split_name, split_name,
                                                    split_name == "val" ? fmt::format("--val-fraction {}", options.val_fraction)
                                                                        : fmt::format("--test-fraction {}", options.test_fraction)));
        sets = {chosen};
        what = fmt::format("the {} split of {}", split_name, data);
    }
    if (m.class_names.empty())
        m.class_names = data_names;

    const auto classes = static_cast<std::size_t>(m.sizes.back());
    std::vector<std::vector<std::int64_t>> confusion(classes, std::vector<std::int64_t>(classes, 0));
    std::int64_t right = 0, total = 0;
    autograd::NoGradGuard no_grad;
    for (const nn::LabelledTensors& set : sets) {
        if (set.features.size(1) != m.sizes.front())
            throw std::invalid_argument(fmt::format("--data {}: {} features per row, the model takes {}", data,
                                                    set.features.size(1), m.sizes.front()));
        const std::vector<double> predicted = autograd::argmax(m.model(m.scaler.transform(set.features)), 1).to_vector();
        const std::vector<double> labels = set.labels.to_vector();
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const auto y = static_cast<std::size_t>(labels[i]), p = static_cast<std::size_t>(predicted[i]);
            if (y >= classes)
                throw std::invalid_argument(fmt::format("--data {}: a label {} in a model of {} classes", data, labels[i], classes));
            ++confusion[y][p];
            right += y == p ? 1 : 0;
            ++total;
        }
    }
    fmt::print("{}: accuracy {:.2f}% ({} of {}) on {}, epoch {}\n", model_path, 100.0 * static_cast<double>(right) / static_cast<double>(total),
               right, total, what, checkpoint.text("epoch"));
    std::size_t width = 5, label_width = 5;
    for (std::size_t c = 0; c < classes; ++c) {
        width = std::max(width, m.class_name(c).size() + 2);
        label_width = std::max(label_width, m.class_name(c).size());
    }
    fmt::print("confusion (rows: label, columns: predicted)\n{:{}}", "", label_width);
    for (std::size_t c = 0; c < classes; ++c)
        fmt::print("{:>{}}", m.class_name(c), width);
    fmt::print("  accuracy\n");
    for (std::size_t r = 0; r < classes; ++r) {
        std::int64_t in_class = 0;
        fmt::print("{:>{}}", m.class_name(r), label_width);
        for (std::size_t c = 0; c < classes; ++c) {
            fmt::print("{:>{}}", confusion[r][c], width);
            in_class += confusion[r][c];
        }
        if (in_class > 0)
            fmt::print("  {:.1f}%\n", 100.0 * static_cast<double>(confusion[r][r]) / static_cast<double>(in_class));
        else
            fmt::print("  -\n");
    }
    return 0;
} catch (...) {
    return tools::report_failure("evaluate");
}
