#include "nn/data/csv.hpp"

#include "nn/data/file_bytes.hpp"

#include <fmt/format.h>

#include <sstream>

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace nn {
namespace {

std::vector<std::string_view> split(std::string_view line, char delimiter)
{
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = line.find(delimiter, start);
        std::string_view f = line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        while (!f.empty() && (f.front() == ' ' || f.front() == '\t'))
            f.remove_prefix(1);
        while (!f.empty() && (f.back() == ' ' || f.back() == '\t' || f.back() == '\r'))
            f.remove_suffix(1);
        fields.push_back(f);
        if (end == std::string_view::npos)
            return fields;
        start = end + 1;
    }
}

bool parse_number(std::string_view text, double& out)
{
    if (text.empty())
        return false;
    if (text.front() == '+')
        text.remove_prefix(1);
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

// A count of the scikit-learn header ("150,4,setosa,..."): digits only, as an integer. Parsed as
// a double and cast, 1e300 would be undefined behaviour and nan would pass as some number.
bool parse_count(std::string_view text, long long& out)
{
    if (text.empty() || text.front() < '0' || text.front() > '9')
        return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

} // namespace

LabelledData read_csv(std::istream& in, const std::string& name, const CsvOptions& options)
{
    LabelledData data;
    std::string line;
    std::size_t line_no = 0;
    std::size_t width = 0;       // fields per row, from the first data row
    std::size_t label_index = 0;
    long long expected_rows = -1; // from a scikit-learn header
    long long expected_features = -1;
    bool first = true;
    const auto fail = [&](const std::string& why) {
        throw std::runtime_error(fmt::format("load_csv: {}:{}: {}", name, line_no, why));
    };

    while (std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        const std::vector<std::string_view> fields = split(line, options.delimiter);
        std::vector<double> numbers(fields.size());
        std::size_t bad = fields.size();
        for (std::size_t i = 0; i < fields.size() && bad == fields.size(); ++i)
            if (!parse_number(fields[i], numbers[i]))
                bad = i;

        if (first) {
            first = false;
            if (bad != fields.size()) { // a header
                // Two numbers and names: the scikit-learn layout, whose counts must be counts.
                double n = 0, f = 0;
                if (fields.size() >= 3 && parse_number(fields[0], n) && parse_number(fields[1], f)) {
                    for (std::size_t i = 0; i < 2; ++i)
                        if (!parse_count(fields[i], i == 0 ? expected_rows : expected_features))
                            fail(fmt::format("header field {} ('{}') should be the {} count, a non-negative integer",
                                             i + 1, fields[i], i == 0 ? "sample" : "feature"));
                    for (std::size_t i = 2; i < fields.size(); ++i)
                        data.class_names.emplace_back(fields[i]);
                }
                continue;
            }
        }
        if (width == 0) {
            width = fields.size();
            label_index = width; // no column is the label, unless options say one is
            if (options.has_label) {
                if (width < 2)
                    fail("a row needs at least one feature and a label");
                const long long col = options.label_column < 0 ? static_cast<long long>(width) + options.label_column
                                                               : options.label_column;
                if (col < 0 || col >= static_cast<long long>(width))
                    fail(fmt::format("label column {} is outside the {} columns", options.label_column, width));
                label_index = static_cast<std::size_t>(col);
                if (expected_features >= 0 && static_cast<long long>(width) - 1 != expected_features)
                    fail(fmt::format("the header promises {} features but rows have {} (plus the label)", expected_features,
                                     width - 1));
            }
        }
        if (fields.size() != width)
            fail(fmt::format("{} fields, but the first data row has {}", fields.size(), width));
        if (bad != fields.size())
            fail(fmt::format("field {} ('{}') is not a number", bad + 1, fields[bad]));
        // from_chars reads "nan" and "inf" as numbers; as features they would turn every loss into
        // nan epochs later, far from the line that caused it. (The label has its own check below.)
        for (std::size_t i = 0; i < width; ++i)
            if (i != label_index && !std::isfinite(numbers[i]))
                fail(fmt::format("field {} ('{}') is not a finite number: NaN and infinite features are refused", i + 1,
                                 fields[i]));

        if (!options.has_label) {
            data.features.push_back(std::move(numbers));
            continue;
        }
        const double label = numbers[label_index];
        // NOTE: range first: casting a double beyond long long's range (1e300, inf) is undefined.
        if (!(label >= 0.0 && label < 0x1p53) || label != static_cast<double>(static_cast<long long>(label)))
            fail(fmt::format("label '{}' is not a non-negative integer", fields[label_index]));
        const auto cls = static_cast<std::size_t>(label);
        if (!data.class_names.empty() && cls >= data.class_names.size())
            fail(fmt::format("label {} is out of range: the header names {} classes", cls, data.class_names.size()));
        if (options.num_classes != 0 && cls >= options.num_classes)
            fail(fmt::format("label {} is out of range for {} classes", cls, options.num_classes));
        std::vector<double> row;
        row.reserve(width - 1);
        for (std::size_t i = 0; i < width; ++i)
            if (i != label_index)
                row.push_back(numbers[i]);
        data.features.push_back(std::move(row));
        data.labels.push_back(cls);
    }
    if (in.bad())
        throw std::runtime_error(fmt::format("load_csv: {}: read error after line {}", name, line_no));
    if (data.features.empty())
        throw std::runtime_error(fmt::format("load_csv: {}: no data rows", name));
    if (expected_rows >= 0 && static_cast<long long>(data.size()) != expected_rows)
        throw std::runtime_error(fmt::format("load_csv: {}: the header promises {} rows but the file has {} (truncated?)",
                                             name, expected_rows, data.size()));
    return data;
}

LabelledData load_csv(const std::filesystem::path& path, const CsvOptions& options)
{
    if (!std::filesystem::exists(path))
        throw std::runtime_error(fmt::format("load_csv: cannot open '{}'", path.string()));
    // Plain or gzipped (digits.csv.gz): read_file_bytes decides by the file's first bytes.
    const std::vector<std::uint8_t> bytes = read_file_bytes(path);
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    return read_csv(in, path.string(), options);
}

LabelledTensors to_tensors(const LabelledData& data, autograd::Dtype dtype)
{
    const auto n = static_cast<std::int64_t>(data.size()), f = static_cast<std::int64_t>(data.num_features());
    autograd::Tensor x = autograd::Tensor::empty({n, f}, dtype), y = autograd::Tensor::empty({n}, autograd::Dtype::Int64);
    autograd::dispatch(dtype, [&]<class T>() {
        T* px = x.data_ptr<T>();
        std::int64_t* py = y.data_ptr<std::int64_t>(); // class labels: int64, as torch's
        for (std::int64_t i = 0; i < n; ++i) {
            for (std::int64_t j = 0; j < f; ++j) {
                const double v = data.features[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
                // A finite double such as 1e300 becomes inf in float32 (and a double beyond float's
                // range converted to it is undefined): refused like the inf read_csv refuses.
                if (std::isfinite(v) && std::abs(v) > static_cast<double>(std::numeric_limits<T>::max()))
                    throw std::range_error(fmt::format("to_tensors: row {} column {}: {} is beyond the range of {}",
                                                       i + 1, j + 1, v, autograd::to_string(dtype)));
                px[i * f + j] = static_cast<T>(v);
            }
            py[i] = static_cast<std::int64_t>(data.labels[static_cast<std::size_t>(i)]);
        }
    });
    return {x, y};
}

} // namespace nn
