// predict: the class and the class probabilities a model saved by `train` gives new rows, as a
// table or as CSV. The model (an MLP's layers and activation, or a CNN's image size and padding)
// and feature scaler come from the checkpoint, so rows are given as they were in the training file
// (unscaled; a CNN's as rows of pixels, as train read them).
//
//   predict --model iris.safetensors --data new_flowers.csv          # a table
//   predict --model iris.safetensors --data new_flowers.csv --as csv > predictions.csv
//   predict --model mnist.safetensors --data data/mnist-10k/test-images-idx3-ubyte.gz --rows 5
//
// Data: a CSV file whose rows hold the model's features (a row with one more column has its label
// last: it is shown beside the prediction); an IDX images file (unsigned bytes, scaled to [0, 1]
// as train scales MNIST); or an MNIST folder (its test images and labels).
// Probabilities: the softmax of the outputs of a model trained with cross_entropy; a model
// trained with mse has sigmoid outputs, shown as they are ("score", not summing to 1).
#include "common/checkpoint.hpp"
#include "common/cli.hpp"
#include "common/wrapped_help.hpp"
#include "common/data_source.hpp"

#include <nn/data/csv.hpp>
#include <nn/data/idx.hpp>

#include <autograd/autograd.hpp>
#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using autograd::Tensor;
namespace fs = std::filesystem;

namespace {

struct Rows {
    Tensor features;                  // [N, F], unscaled
    std::vector<std::int64_t> labels; // empty when the data has none
};

bool is_idx_file(const fs::path& p)
{
    const std::string name = p.filename().string();
    return name.ends_with("-ubyte") || name.ends_with("-ubyte.gz") || name.ends_with(".idx") || name.ends_with(".idx.gz");
}

Rows read_rows(const fs::path& data, const std::string& format, std::int64_t features, std::vector<std::string>& class_names)
{
    std::error_code ec;
    if (format != "csv" && fs::is_directory(data, ec)) { // an MNIST folder: its test images and labels
        const nn::LabelledTensors t = nn::load_mnist(data, "test");
        Rows r{t.features, {}};
        for (double y : t.labels.to_vector())
            r.labels.push_back(static_cast<std::int64_t>(y));
        return r;
    }
    if (format == "idx" || (format == "auto" && is_idx_file(data))) {
        const Tensor images = nn::load_idx(data);
        if (images.dim() < 2)
            throw std::invalid_argument(fmt::format("--data {}: an IDX file of shape {}, not images [N, ...]", data.string(),
                                                    autograd::to_string(images.shape())));
        const std::int64_t n = images.size(0), per_row = images.numel() / std::max<std::int64_t>(n, 1);
        return {images.reshape({n, per_row}) / 255.0, {}};
    }
    if (format == "auto")
        tools::infer_format(data, "auto"); // not a folder or an IDX name: a CSV name, or an error asking for --format
    nn::LabelledData d = nn::load_csv(data, {.has_label = false});
    class_names = d.class_names;
    const auto width = static_cast<std::int64_t>(d.num_features());
    if (width != features && width != features + 1)
        throw std::invalid_argument(fmt::format("--data {}: rows of {} columns; the model takes {} features (and the "
                                                "label may follow as one more column)",
                                                data.string(), width, features));
    Rows r;
    std::vector<double> flat;
    flat.reserve(static_cast<std::size_t>(features) * d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
        const std::vector<double>& row = d.features[i];
        flat.insert(flat.end(), row.begin(), row.begin() + features);
        if (width == features + 1) {
            const double y = row.back();
            if (!(y >= 0 && y < 1e9) || y != static_cast<double>(static_cast<std::int64_t>(y)))
                throw std::invalid_argument(fmt::format("--data {}: row {}'s last column, the label, is {}: not a class number",
                                                        data.string(), i + 1, y));
            r.labels.push_back(static_cast<std::int64_t>(y));
        }
    }
    r.features = Tensor(std::move(flat), {static_cast<std::int64_t>(d.size()), features}).to(autograd::Dtype::Float32);
    return r;
}

} // namespace

int main(int argc, char** argv)
try {
    CLI::App app{"predict: the class and class probabilities a model saved by train gives each row of new data"};
    tools::standard_help(app);
    app.set_version_flag("--version", [] {
        return fmt::format("predict (Backprop {})\nmatrix products: {}", BACKPROP_VERSION, autograd::describe_matmul_backend());
    });
    std::string model_path, data, format = "auto", as = "table";
    std::int64_t max_rows = 0;
    app.add_option("--model", model_path, "a checkpoint written by train")->required()->check(CLI::ExistingFile);
    app.add_option("--data", data, "a CSV file of feature rows (a label may follow as the last column), an IDX images file, "
                                   "or an MNIST folder (its test images)")
        ->required();
    app.add_option("--format", format, "auto (from --data's name), csv or idx")->check(CLI::IsMember({"auto", "csv", "idx"}));
    app.add_option("--as", as, "table (aligned, for reading) or csv (one line per row, for programs)")
        ->check(CLI::IsMember({"table", "csv"}));
    app.add_option("--rows", max_rows, "only the first N rows (0: all)")->check(tools::whole_in(0, std::numeric_limits<std::int64_t>::max()));
    CLI11_PARSE(app, argc, argv);

    const tools::Checkpoint checkpoint = tools::Checkpoint::read(model_path);
    tools::TrainedModel m = tools::load_trained_model(checkpoint);
    std::vector<std::string> data_names;
    Rows rows = read_rows(data, format, m.sizes.front(), data_names);
    if (rows.features.size(1) != m.sizes.front())
        throw std::invalid_argument(fmt::format("--data {}: {} features per row, the model takes {}", data, rows.features.size(1),
                                                m.sizes.front()));
    if (m.class_names.empty())
        m.class_names = data_names;
    std::int64_t n = rows.features.size(0);
    if (max_rows > 0 && max_rows < n) {
        n = max_rows;
        rows.features = rows.features.slice(0, 0, n);
    }

    autograd::NoGradGuard no_grad;
    const Tensor out = m.model(m.scaler.transform(rows.features));
    const bool softmax = m.loss != "mse";
    const Tensor probs = softmax ? autograd::softmax(out, 1) : autograd::sigmoid(out);
    const std::vector<double> p = probs.to_vector();
    const auto classes = static_cast<std::size_t>(m.sizes.back());
    const bool labelled = !rows.labels.empty();

    std::vector<std::string> header{"row"};
    if (labelled)
        header.push_back("label");
    header.push_back("predicted");
    for (std::size_t c = 0; c < classes; ++c)
        header.push_back(fmt::format("{}({})", softmax ? "p" : "score", m.class_name(c)));
    std::vector<std::vector<std::string>> table{header};
    std::int64_t right = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double* row = p.data() + static_cast<std::size_t>(i) * classes;
        const auto best = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
        std::vector<std::string> line{std::to_string(i + 1)};
        if (labelled) {
            line.push_back(m.class_name(static_cast<std::size_t>(rows.labels[static_cast<std::size_t>(i)])));
            right += static_cast<std::size_t>(rows.labels[static_cast<std::size_t>(i)]) == best ? 1 : 0;
        }
        line.push_back(m.class_name(best));
        // A table is read by people; CSV by programs, which get every digit of the float32.
        for (std::size_t c = 0; c < classes; ++c)
            line.push_back(as == "csv" ? fmt::format("{:.9g}", row[c]) : fmt::format("{:.4f}", row[c]));
        table.push_back(std::move(line));
    }
    if (as == "csv") {
        for (const auto& line : table)
            fmt::print("{}\n", fmt::join(line, ","));
        return 0;
    }
    std::vector<std::size_t> width(header.size(), 0);
    for (const auto& line : table)
        for (std::size_t j = 0; j < line.size(); ++j)
            width[j] = std::max(width[j], line[j].size());
    for (const auto& line : table) {
        std::string text;
        for (std::size_t j = 0; j < line.size(); ++j)
            text += fmt::format("{}{:>{}}", j == 0 ? "" : "  ", line[j], width[j]);
        fmt::print("{}\n", text);
    }
    if (labelled)
        fmt::print("{} of {} rows predicted as labelled ({:.2f}%)\n", right, n, 100.0 * static_cast<double>(right) / static_cast<double>(n));
    return 0;
} catch (...) {
    return tools::report_failure("predict");
}
