#include "nn/idx.hpp"

#include "nn/file_bytes.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace nn {

using autograd::Tensor;

namespace {

struct IdxType {
    std::uint8_t code;
    std::size_t size;
    const char* name;
};

constexpr IdxType idx_types[] = {
    {0x08, 1, "unsigned byte"}, {0x09, 1, "signed byte"}, {0x0B, 2, "short"},
    {0x0C, 4, "int"},           {0x0D, 4, "float"},       {0x0E, 8, "double"},
};

const IdxType* find_type(std::uint8_t code)
{
    for (const IdxType& t : idx_types)
        if (t.code == code)
            return &t;
    return nullptr;
}

// The unsigned integer of N big-endian bytes.
template <std::size_t N> auto big_endian(const std::uint8_t* p)
{
    using U = std::conditional_t<N == 1, std::uint8_t,
                                 std::conditional_t<N == 2, std::uint16_t,
                                                    std::conditional_t<N == 4, std::uint32_t, std::uint64_t>>>;
    U v = 0;
    for (std::size_t i = 0; i < N; ++i)
        v = static_cast<U>((v << 8) | p[i]);
    return v;
}

// Converts `count` big-endian elements of type S (stored as its unsigned bit pattern) to T.
template <class S, class T> void convert(const std::uint8_t* data, std::size_t count, T* out)
{
    for (std::size_t i = 0; i < count; ++i)
        out[i] = static_cast<T>(std::bit_cast<S>(big_endian<sizeof(S)>(data + i * sizeof(S))));
}

struct Idx {
    Tensor tensor;
    std::uint8_t type;
};

Idx read_idx(const std::filesystem::path& path, autograd::Dtype dtype)
{
    const std::vector<std::uint8_t> bytes = read_file_bytes(path);
    const std::string name = path.string();
    const std::size_t end = bytes.size();
    if (end < 4)
        throw std::runtime_error(
            fmt::format("{}: offset {}: the file ends inside the 4-byte IDX magic number", name, end));
    if (bytes[0] != 0 || bytes[1] != 0)
        throw std::runtime_error(fmt::format("{}: offset 0: bad magic number {:02x} {:02x} {:02x} {:02x} (an IDX file "
                                             "starts with two zero bytes)",
                                             name, bytes[0], bytes[1], bytes[2], bytes[3]));
    const IdxType* type = find_type(bytes[2]);
    if (type == nullptr)
        throw std::runtime_error(fmt::format("{}: offset 2: unknown IDX data type 0x{:02x} (known: 08 09 0b 0c 0d 0e)",
                                             name, bytes[2]));
    const std::size_t dims = bytes[3];
    const std::size_t header = 4 + 4 * dims;
    if (end < header)
        throw std::runtime_error(fmt::format("{}: offset {}: the file ends inside the header ({} dimensions need {} "
                                             "bytes)",
                                             name, end, dims, header));
    autograd::Shape shape;
    std::uint64_t count = 1;
    for (std::size_t d = 0; d < dims; ++d) {
        const std::uint32_t n = big_endian<4>(bytes.data() + 4 + 4 * d);
        shape.push_back(n);
        // 2^40 elements is far beyond any file this reads; the bound keeps count * size exact.
        if (n != 0 && count > (std::uint64_t{1} << 40) / n)
            throw std::runtime_error(fmt::format("{}: offset {}: dimensions {} hold more than 2^40 elements", name,
                                                 4 + 4 * d, autograd::to_string(shape)));
        count *= n;
    }
    const std::uint64_t want = header + count * type->size;
    if (end < want)
        throw std::runtime_error(fmt::format("{}: offset {}: the file ends inside the data (shape {} of {}s needs {} "
                                             "bytes from offset {}, to offset {})",
                                             name, end, autograd::to_string(shape), type->name, count * type->size,
                                             header, want));
    if (end > want)
        throw std::runtime_error(fmt::format("{}: offset {}: {} trailing bytes after the data of shape {} of {}s", name,
                                             want, end - want, autograd::to_string(shape), type->name));

    Tensor out = Tensor::empty(shape, dtype); // every element is written below
    const std::uint8_t* data = bytes.data() + header;
    autograd::dispatch(dtype, [&]<class T>() {
        T* po = out.data_ptr<T>();
        switch (type->code) {
        case 0x08: convert<std::uint8_t>(data, count, po); break;
        case 0x09: convert<std::int8_t>(data, count, po); break;
        case 0x0B: convert<std::int16_t>(data, count, po); break;
        case 0x0C: convert<std::int32_t>(data, count, po); break;
        case 0x0D: convert<float>(data, count, po); break;
        default: convert<double>(data, count, po); break; // 0x0E
        }
    });
    return {out, type->code};
}

// The first of the candidate names that exists in dir, with ".gz" or without.
std::filesystem::path find(const std::filesystem::path& dir, const std::vector<std::string>& stems)
{
    for (const std::string& stem : stems)
        for (const char* suffix : {".gz", ""}) {
            const auto p = dir / (stem + suffix);
            std::error_code ec;
            if (std::filesystem::is_regular_file(p, ec))
                return p;
        }
    throw std::runtime_error(fmt::format("load_mnist: {}: no file {}[.gz]", dir.string(), stems.front()));
}

} // namespace

Tensor load_idx(const std::filesystem::path& path, autograd::Dtype dtype) { return read_idx(path, dtype).tensor; }

LabelledTensors load_mnist(const std::filesystem::path& dir, const std::string& split, autograd::Dtype dtype)
{
    std::vector<std::string> images_stems{split + "-images-idx3-ubyte"}, labels_stems{split + "-labels-idx1-ubyte"};
    if (split == "test") {
        images_stems.emplace_back("t10k-images-idx3-ubyte");
        labels_stems.emplace_back("t10k-labels-idx1-ubyte");
    }
    const auto images_path = find(dir, images_stems);
    const auto labels_path = find(dir, labels_stems);
    Idx images = read_idx(images_path, dtype);
    Idx labels = read_idx(labels_path, dtype);
    // The scaling by 1/255 and the 0..9 check below assume bytes.
    const auto require_bytes = [](const Idx& idx, const std::filesystem::path& path) {
        if (idx.type != 0x08)
            throw std::runtime_error(fmt::format("load_mnist: {}: offset 2: IDX data type 0x{:02x} ({}), MNIST's are "
                                                 "unsigned bytes (0x08)",
                                                 path.string(), idx.type, find_type(idx.type)->name));
    };
    require_bytes(images, images_path);
    require_bytes(labels, labels_path);
    const Tensor& x = images.tensor;
    const Tensor& y = labels.tensor;
    if (x.dim() != 3 || x.size(1) != 28 || x.size(2) != 28)
        throw std::runtime_error(fmt::format("load_mnist: {}: shape {} is not [N, 28, 28]", images_path.string(),
                                             autograd::to_string(x.shape())));
    if (y.dim() != 1 || y.size(0) != x.size(0))
        throw std::runtime_error(fmt::format("load_mnist: {}: shape {} does not match the {} images of {}",
                                             labels_path.string(), autograd::to_string(y.shape()), x.size(0),
                                             images_path.string()));
    autograd::dispatch(dtype, [&]<class T>() {
        const T* py = y.data_ptr<T>();
        for (std::int64_t i = 0; i < y.numel(); ++i)
            if (py[i] > T(9))
                throw std::runtime_error(fmt::format("load_mnist: {}: offset {}: label {} of sample {} is not a digit "
                                                     "0-9",
                                                     labels_path.string(), 8 + i, py[i], i));
        T* px = x.data_ptr<T>();
        for (std::int64_t i = 0; i < x.numel(); ++i)
            px[i] /= T(255);
    });
    return {x.reshape({x.size(0), 784}), y};
}

} // namespace nn
