#include "data_source.hpp"

#include <nn/data/csv.hpp>
#include <nn/data/idx.hpp>

#include <autograd/random.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <utility>
#include <stdexcept>

namespace tools {
namespace fs = std::filesystem;

DataFormat infer_format(const fs::path& data, std::string_view given)
{
    if (given == "idx")
        return DataFormat::Idx;
    if (given == "csv")
        return DataFormat::Csv;
    if (given != "auto")
        throw std::invalid_argument(fmt::format("--format '{}': want auto, idx or csv", given));
    std::error_code ec;
    if (fs::is_directory(data, ec))
        return DataFormat::Idx;
    const std::string name = data.filename().string();
    if (name.ends_with(".csv") || name.ends_with(".csv.gz"))
        return DataFormat::Csv;
    if (!fs::exists(data, ec))
        throw std::invalid_argument(fmt::format("--data {}: no such file or folder", data.string()));
    throw std::invalid_argument(fmt::format("--data {}: cannot tell the format from the name (a folder is IDX, "
                                            "*.csv or *.csv.gz is CSV); give --format idx or --format csv",
                                            data.string()));
}

std::string to_string(DataFormat format) { return format == DataFormat::Idx ? "idx" : "csv"; }

nn::LabelledTensors load_all(const fs::path& data, DataFormat format, const std::string& idx_split,
                             std::vector<std::string>* class_names)
{
    if (format == DataFormat::Idx)
        return nn::load_mnist(data, idx_split);
    const nn::LabelledData rows = nn::load_csv(data);
    if (class_names != nullptr)
        *class_names = rows.class_names;
    return nn::to_tensors(rows);
}

namespace {

nn::LabelledTensors rows_of(const nn::LabelledTensors& all, std::int64_t begin, std::int64_t end)
{
    return {all.features.slice(0, begin, end), all.labels.slice(0, begin, end)};
}

// floor(n * fraction), the rule train has used for its test split since its first checkpoint.
std::int64_t share(std::int64_t n, double fraction) { return static_cast<std::int64_t>(static_cast<double>(n) * fraction); }

// Splits the rows of `order` into (kept, picked), picked holding share(n, fraction) of them with
// each class in its proportion: the rows sorted by class (stably, so still shuffled within one),
// every position where floor((i + 1) f) steps up is picked, which spreads the picks evenly over
// the classes. Both parts keep the order's sequence.
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> pick_stratified(const std::vector<std::int64_t>& order,
                                                                                const std::vector<double>& labels,
                                                                                double fraction)
{
    std::vector<std::int64_t> by_class = order;
    std::stable_sort(by_class.begin(), by_class.end(), [&](std::int64_t a, std::int64_t b) {
        return labels[static_cast<std::size_t>(a)] < labels[static_cast<std::size_t>(b)];
    });
    std::vector<char> picked(labels.size(), 0);
    for (std::size_t i = 0; i < by_class.size(); ++i)
        if (share(static_cast<std::int64_t>(i + 1), fraction) != share(static_cast<std::int64_t>(i), fraction))
            picked[static_cast<std::size_t>(by_class[i])] = 1;
    std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> out;
    for (std::int64_t row : order)
        (picked[static_cast<std::size_t>(row)] ? out.second : out.first).push_back(row);
    return out;
}

} // namespace

Splits load_splits(const fs::path& data, DataFormat format, const SplitOptions& options)
{
    Splits s;
    nn::LabelledTensors pool; // the rows the training and validation splits come from
    if (format == DataFormat::Idx) {
        pool = nn::load_mnist(data, "train");
        s.test = nn::load_mnist(data, "test");
        s.rows = pool.labels.numel();
    } else {
        nn::LabelledTensors all = load_all(data, format, "", &s.class_names);
        const std::int64_t n = all.labels.numel();
        s.rows = n;
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i)
            order[static_cast<std::size_t>(i)] = i;
        autograd::Generator gen(options.seed);
        gen.shuffle(std::span<std::int64_t>(order));
        if (options.stratified) {
            const std::vector<double> labels = all.labels.to_vector();
            auto [rest, test] = pick_stratified(order, labels, options.test_fraction);
            auto [train, val] = pick_stratified(rest, labels, options.val_fraction);
            // Train, then validation, then test rows: the layout of the unstratified split below.
            order = train;
            order.insert(order.end(), val.begin(), val.end());
            order.insert(order.end(), test.begin(), test.end());
        }
        all.features = all.features.index_select(0, order);
        all.labels = all.labels.index_select(0, order);
        // share(rows, f) of the stratified picks too: the same counts either way.
        const std::int64_t n_test = share(n, options.test_fraction);
        s.test = rows_of(all, n - n_test, n);
        pool = rows_of(all, 0, n - n_test);
    }
    const std::int64_t n = pool.labels.numel(), n_val = share(n, options.val_fraction);
    s.train = rows_of(pool, 0, n - n_val);
    s.val = rows_of(pool, n - n_val, n);
    if (s.train.labels.numel() == 0)
        throw std::invalid_argument(fmt::format("{}: {} rows leave none for training with --val-fraction {} and "
                                                "--test-fraction {}",
                                                data.string(), s.rows, options.val_fraction, options.test_fraction));
    return s;
}

} // namespace tools
