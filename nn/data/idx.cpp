#include "nn/data/idx.hpp"

#include "nn/data/file_bytes.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>
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

// Float and double files: every value finite and within the range of T. A NaN or an infinity
// would turn every loss into nan epochs later, far from the file that held it; a double beyond
// float's range would become one (its conversion is undefined). Positions as "sample i" (along the
// first dimension) and the byte offset, so a hex dump finds the value.
template <class S, class T>
void check_finite(const std::uint8_t* data, std::size_t count, std::size_t per_sample, std::size_t data_offset,
                  const std::string& name)
{
    for (std::size_t i = 0; i < count; ++i) {
        const S v = std::bit_cast<S>(big_endian<sizeof(S)>(data + i * sizeof(S)));
        const bool finite = std::isfinite(v);
        if (finite && std::abs(static_cast<double>(v)) <= static_cast<double>(std::numeric_limits<T>::max()))
            continue;
        throw std::runtime_error(fmt::format("{}: offset {}: element {} of sample {} is {}{}", name,
                                             data_offset + i * sizeof(S), i % per_sample, i / per_sample, v,
                                             finite ? ", beyond the range of float32"
                                                    : ": NaN and infinite values are refused"));
    }
}

// A checked IDX file: its element type and shape, and where its data starts.
struct IdxHeader {
    const IdxType* type;
    autograd::Shape shape;
    std::size_t data_offset;
    std::uint64_t count; // elements
};

// Every check of the format, before anything is converted: the magic number, the type, the
// header's length, and data of exactly the dimensions' product.
IdxHeader parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name)
{
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
    // The product of the nonzero dimensions is bounded too: [0, 2^32 - 1, 2^32 - 1, ...] holds no
    // element, but its strides would overflow 64 bits.
    std::uint64_t count = 1, nonzero = 1;
    for (std::size_t d = 0; d < dims; ++d) {
        const std::uint32_t n = big_endian<4>(bytes.data() + 4 + 4 * d);
        shape.push_back(n);
        // 2^40 elements is far beyond any file this reads; the bound keeps count * size exact.
        if (n != 0 && nonzero > (std::uint64_t{1} << 40) / n)
            throw std::runtime_error(fmt::format("{}: offset {}: dimensions {} hold more than 2^40 elements", name,
                                                 4 + 4 * d, autograd::to_string(shape)));
        count *= n;
        nonzero *= n == 0 ? 1 : n;
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
    return {type, shape, header, count};
}

// The data of a checked IDX file as a tensor of its shape.
Tensor to_tensor(const std::vector<std::uint8_t>& bytes, const IdxHeader& h, autograd::Dtype dtype,
                 const std::string& name)
{
    const std::uint8_t* data = bytes.data() + h.data_offset;
    const std::size_t per_sample =
        h.shape.empty() || h.shape[0] == 0 ? 1 : static_cast<std::size_t>(h.count / static_cast<std::uint64_t>(h.shape[0]));
    autograd::dispatch(dtype, [&]<class T>() {
        if (h.type->code == 0x0D)
            check_finite<float, T>(data, h.count, per_sample, h.data_offset, name);
        else if (h.type->code == 0x0E)
            check_finite<double, T>(data, h.count, per_sample, h.data_offset, name);
    });
    Tensor out = Tensor::empty(h.shape, dtype); // every element is written below
    autograd::dispatch(dtype, [&]<class T>() {
        T* po = out.data_ptr<T>();
        switch (h.type->code) {
        case 0x08: convert<std::uint8_t>(data, h.count, po); break;
        case 0x09: convert<std::int8_t>(data, h.count, po); break;
        case 0x0B: convert<std::int16_t>(data, h.count, po); break;
        case 0x0C: convert<std::int32_t>(data, h.count, po); break;
        case 0x0D: convert<float>(data, h.count, po); break;
        default: convert<double>(data, h.count, po); break; // 0x0E
        }
    });
    return out;
}

// The first of the candidate names that exists in dir, with ".gz" or without.
std::filesystem::path find(const std::filesystem::path& dir, const std::vector<std::string>& stems, std::string_view op)
{
    for (const std::string& stem : stems)
        for (const char* suffix : {".gz", ""}) {
            const auto p = dir / (stem + suffix);
            std::error_code ec;
            if (std::filesystem::is_regular_file(p, ec))
                return p;
        }
    throw std::runtime_error(fmt::format("{}: {}: no file {}[.gz]", op, dir.string(), stems.front()));
}

// load_mnist and load_mnist_bytes: the pair of files found and checked, the images kept as bytes.
// `op` names the caller in the messages.
ByteImageDataset read_mnist(const std::filesystem::path& dir, const std::string& split, autograd::Dtype dtype,
                            std::string_view op)
{
    std::vector<std::string> images_stems{split + "-images-idx3-ubyte"}, labels_stems{split + "-labels-idx1-ubyte"};
    if (split == "test") {
        images_stems.emplace_back("t10k-images-idx3-ubyte");
        labels_stems.emplace_back("t10k-labels-idx1-ubyte");
    }
    const auto images_path = find(dir, images_stems, op);
    const auto labels_path = find(dir, labels_stems, op);
    std::vector<std::uint8_t> images = read_file_bytes(images_path);
    const IdxHeader x = parse_idx(images, images_path.string());
    const std::vector<std::uint8_t> labels = read_file_bytes(labels_path);
    const IdxHeader y = parse_idx(labels, labels_path.string());
    // The data set keeps the pixels as the file's bytes, and the 0..9 check reads labels as bytes.
    const auto require_bytes = [&](const IdxHeader& h, const std::filesystem::path& path) {
        if (h.type->code != 0x08)
            throw std::runtime_error(fmt::format("{}: {}: offset 2: IDX data type 0x{:02x} ({}), MNIST's are unsigned "
                                                 "bytes (0x08)",
                                                 op, path.string(), h.type->code, h.type->name));
    };
    require_bytes(x, images_path);
    require_bytes(y, labels_path);
    if (x.shape.size() != 3 || x.shape[1] != 28 || x.shape[2] != 28)
        throw std::runtime_error(fmt::format("{}: {}: shape {} is not [N, 28, 28]", op, images_path.string(),
                                             autograd::to_string(x.shape)));
    if (y.shape.size() != 1 || y.shape[0] != x.shape[0])
        throw std::runtime_error(fmt::format("{}: {}: shape {} does not match the {} images of {}", op,
                                             labels_path.string(), autograd::to_string(y.shape), x.shape[0],
                                             images_path.string()));
    std::vector<std::int64_t> classes(labels.begin() + static_cast<std::ptrdiff_t>(y.data_offset), labels.end());
    for (std::size_t i = 0; i < classes.size(); ++i)
        if (classes[i] > 9)
            throw std::runtime_error(fmt::format("{}: {}: offset {}: label {} of sample {} is not a digit 0-9", op,
                                                 labels_path.string(), y.data_offset + i, classes[i], i));
    // The pixels are the file's bytes after its header: moved down in place rather than copied,
    // so the file is never held twice.
    images.erase(images.begin(), images.begin() + static_cast<std::ptrdiff_t>(x.data_offset));
    return ByteImageDataset(std::move(images), 784, std::move(classes), dtype);
}

} // namespace

Tensor load_idx(const std::filesystem::path& path, autograd::Dtype dtype)
{
    const std::vector<std::uint8_t> bytes = read_file_bytes(path);
    return to_tensor(bytes, parse_idx(bytes, path.string()), dtype, path.string());
}

ByteImageDataset load_mnist_bytes(const std::filesystem::path& dir, const std::string& split, autograd::Dtype dtype)
{
    return read_mnist(dir, split, dtype, "load_mnist_bytes");
}

// The byte data set's batch of every sample: the same conversion as the batches of training.
LabelledTensors load_mnist(const std::filesystem::path& dir, const std::string& split, autograd::Dtype dtype)
{
    const ByteImageDataset data = read_mnist(dir, split, dtype, "load_mnist");
    std::vector<std::int64_t> all(static_cast<std::size_t>(data.size()));
    std::iota(all.begin(), all.end(), std::int64_t{0});
    Batch b = data.get_batch(all);
    return {std::move(b.features), std::move(b.targets)};
}

} // namespace nn
