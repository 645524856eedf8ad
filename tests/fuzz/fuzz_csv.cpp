// libFuzzer harness of the CSV reader (nn/data/csv.hpp). The first byte picks the options (the
// delimiter, the label column, whether there is one, a class count), the rest is the text. A
// read either throws std::runtime_error (the documented errors) or returns data that keeps the
// header's promises: rows of one width, finite features, labels below the class count given;
// to_tensors then holds the same numbers or throws std::range_error for a value beyond float32.
//
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DBACKPROP_FUZZ=ON -DBACKPROP_BLAS=openblas
//   cmake --build build-fuzz --target fuzz_csv
//   build-fuzz/tests/fuzz/fuzz_csv -max_total_time=60 tests/fuzz/csv_corpus
#include <nn/data/csv.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    const std::uint8_t mode = data[0];
    nn::CsvOptions options;
    options.delimiter = (mode & 1) != 0 ? ';' : ',';
    options.label_column = static_cast<int>((mode >> 1) & 3) - 2; // -2 .. 1
    options.has_label = (mode & 8) == 0;
    options.num_classes = (mode >> 4) & 7; // 0: no limit
    std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
    nn::LabelledData d;
    try {
        d = nn::read_csv(in, "fuzz.csv", options);
    } catch (const std::runtime_error&) {
        return 0;
    }
    if (d.features.empty())
        __builtin_trap(); // "no data rows" is an error
    const std::size_t width = d.features.front().size();
    for (const auto& row : d.features) {
        if (row.size() != width)
            __builtin_trap();
        for (double v : row)
            if (!std::isfinite(v))
                __builtin_trap();
    }
    if (d.labels.size() != (options.has_label ? d.features.size() : 0))
        __builtin_trap();
    for (std::size_t label : d.labels)
        if ((options.num_classes != 0 && label >= options.num_classes) ||
            (!d.class_names.empty() && label >= d.class_names.size()))
            __builtin_trap();
    if (!options.has_label)
        return 0; // to_tensors wants a label per row
    for (const auto dtype : {autograd::Dtype::Float32, autograd::Dtype::Float64}) {
        try {
            const nn::LabelledTensors t = nn::to_tensors(d, dtype);
            const std::vector<double> x = t.features.to_vector();
            for (double v : x)
                if (!std::isfinite(v))
                    __builtin_trap();
        } catch (const std::range_error&) {
            if (dtype == autograd::Dtype::Float64)
                __builtin_trap(); // every finite double fits
        }
    }
    return 0;
}
