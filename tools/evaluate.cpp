// evaluate: a checkpoint written by `train`, on a data set: accuracy, the per-class accuracy
// and the confusion matrix. The model's layers and activation come from the checkpoint's
// metadata, so only the file and the data are needed.
//
//   evaluate --model mnist.safetensors --data data/mnist-10k
//   evaluate --model iris.safetensors --data data/iris.csv --format csv
#include <nn/data/csv.hpp>
#include <nn/data/idx.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/sequential.hpp>

#include <autograd/matmul_backend.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv)
try {
    CLI::App app{"evaluate: a saved model on a data set"};
    app.set_version_flag("--version", [] {
        return fmt::format("evaluate (Backprop {})\nmatrix products: {}", BACKPROP_VERSION,
                           autograd::describe_matmul_backend());
    });
    std::string model_path, data, format = "idx", split = "test";
    app.add_option("--model", model_path, "a checkpoint written by train")->required()->check(CLI::ExistingFile);
    app.add_option("--data", data, "an MNIST folder (idx) or a CSV file (csv)")->required();
    app.add_option("--format", format, "idx or csv")->check(CLI::IsMember({"idx", "csv"}));
    app.add_option("--split", split, "idx: train or test")->check(CLI::IsMember({"train", "test"}));
    CLI11_PARSE(app, argc, argv);

    const nn::SafetensorsFile file = nn::read_safetensors(model_path);
    const auto meta = [&](const std::string& key) {
        const auto it = file.metadata.find(key);
        if (it == file.metadata.end())
            throw std::runtime_error(fmt::format("{}: no '{}' in the metadata (not written by train?)", model_path, key));
        return it->second;
    };
    const std::vector<std::int64_t> sizes = nn::parse_sizes(meta("layers"));
    autograd::Generator gen(0); // the weights are replaced by the checkpoint's
    // The output sigmoid of an mse-trained model is left out: it has no weights and keeps the argmax.
    nn::Sequential model = nn::make_mlp(sizes, meta("activation"), gen);
    // Strict over the model's own entries: a missing or extra weight is an error, the optimizer's
    // and scheduler's entries are not the model's.
    nn::StateDict weights;
    for (const auto& [name, t] : file.tensors)
        if (!name.starts_with("optimizer.") && !name.starts_with("scheduler."))
            weights.insert(name, t);
    model.load_state_dict(weights);
    const nn::LabelledTensors set = format == "idx" ? nn::load_mnist(data, split) : nn::to_tensors(nn::load_csv(data));

    autograd::NoGradGuard no_grad;
    const std::vector<double> predicted = autograd::argmax(model(set.features), 1).to_vector();
    const std::vector<double> labels = set.labels.to_vector();
    const auto classes = static_cast<std::size_t>(sizes.back());
    std::vector<std::vector<int>> confusion(classes, std::vector<int>(classes, 0));
    std::size_t right = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto y = static_cast<std::size_t>(labels[i]), p = static_cast<std::size_t>(predicted[i]);
        if (y < classes && p < classes)
            ++confusion[y][p];
        right += y == p ? 1 : 0;
    }
    fmt::print("{}: accuracy {:.2f}% ({} of {}), epoch {}\n", model_path, 100.0 * static_cast<double>(right) / static_cast<double>(labels.size()),
               right, labels.size(), meta("epoch"));
    fmt::print("confusion (rows: label, columns: predicted)\n     ");
    for (std::size_t c = 0; c < classes; ++c)
        fmt::print("{:>5}", c);
    fmt::print("  accuracy\n");
    for (std::size_t r = 0; r < classes; ++r) {
        int total = 0;
        fmt::print("{:>5}", r);
        for (std::size_t c = 0; c < classes; ++c) {
            fmt::print("{:>5}", confusion[r][c]);
            total += confusion[r][c];
        }
        fmt::print("  {:.1f}%\n", total > 0 ? 100.0 * confusion[r][r] / total : 0.0);
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << "evaluate: " << e.what() << '\n';
    return 1;
}
