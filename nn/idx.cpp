#include "nn/idx.hpp"

#include "nn/file_bytes.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

namespace {

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Element i of big-endian data of type code `type`, as a double.
double element(const std::uint8_t* data, std::uint8_t type, std::size_t i)
{
    switch (type) {
    case 0x08: return data[i];
    case 0x09: return static_cast<std::int8_t>(data[i]);
    case 0x0B: {
        const auto v = static_cast<std::uint16_t>((data[2 * i] << 8) | data[2 * i + 1]);
        return static_cast<std::int16_t>(v);
    }
    case 0x0C: return static_cast<std::int32_t>(be32(data + 4 * i));
    case 0x0D: return std::bit_cast<float>(be32(data + 4 * i));
    default: { // 0x0E
        const std::uint64_t v = (std::uint64_t{be32(data + 8 * i)} << 32) | be32(data + 8 * i + 4);
        return std::bit_cast<double>(v);
    }
    }
}

std::size_t type_size(std::uint8_t type)
{
    switch (type) {
    case 0x08:
    case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C:
    case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
    }
}

} // namespace

Tensor load_idx(const std::filesystem::path& path, autograd::Dtype dtype)
{
    const std::vector<std::uint8_t> bytes = read_file_bytes(path);
    const std::string name = path.string();
    if (bytes.size() < 4)
        throw std::runtime_error(fmt::format("{}: {} bytes, too short for the IDX magic number", name, bytes.size()));
    if (bytes[0] != 0 || bytes[1] != 0)
        throw std::runtime_error(fmt::format("{}: offset 0: bad magic number {:02x} {:02x} {:02x} {:02x} (an IDX file "
                                             "starts with two zero bytes)",
                                             name, bytes[0], bytes[1], bytes[2], bytes[3]));
    const std::uint8_t type = bytes[2];
    const std::size_t size = type_size(type);
    if (size == 0)
        throw std::runtime_error(fmt::format("{}: offset 2: unknown IDX data type 0x{:02x}", name, type));
    const std::size_t dims = bytes[3];
    const std::size_t header = 4 + 4 * dims;
    if (bytes.size() < header)
        throw std::runtime_error(fmt::format("{}: truncated header: {} dimensions need {} bytes, the file has {}", name,
                                             dims, header, bytes.size()));
    autograd::Shape shape;
    std::uint64_t count = 1;
    for (std::size_t d = 0; d < dims; ++d) {
        const std::uint32_t n = be32(bytes.data() + 4 + 4 * d);
        shape.push_back(n);
        if (__builtin_mul_overflow(count, std::uint64_t{n}, &count) || count > (std::uint64_t{1} << 40))
            throw std::runtime_error(fmt::format("{}: offset {}: dimensions {} are too large", name, 4 + 4 * d,
                                                 autograd::to_string(shape)));
    }
    const std::uint64_t want = header + count * size;
    if (bytes.size() < want)
        throw std::runtime_error(fmt::format("{}: truncated: shape {} needs {} bytes of data from offset {}, the file "
                                             "ends at offset {}",
                                             name, autograd::to_string(shape), count * size, header, bytes.size()));
    if (bytes.size() > want)
        throw std::runtime_error(fmt::format("{}: {} trailing bytes after the data, from offset {}", name,
                                             bytes.size() - want, want));
    Tensor out = Tensor::empty(shape, dtype); // every element is written below
    const std::uint8_t* data = bytes.data() + header;
    autograd::dispatch(dtype, [&]<class T>() {
        T* po = out.data_ptr<T>();
        if (type == 0x08) // the common case, MNIST's bytes
            for (std::size_t i = 0; i < count; ++i)
                po[i] = static_cast<T>(data[i]);
        else
            for (std::size_t i = 0; i < count; ++i)
                po[i] = static_cast<T>(element(data, type, i));
    });
    return out;
}

namespace {

std::filesystem::path find(const std::filesystem::path& dir, const std::string& stem)
{
    for (const char* suffix : {".gz", ""}) {
        const auto p = dir / (stem + suffix);
        if (std::filesystem::exists(p))
            return p;
    }
    throw std::runtime_error(fmt::format("{}: no file {}[.gz]", dir.string(), stem));
}

} // namespace

LabelledTensors load_mnist(const std::filesystem::path& dir, const std::string& split)
{
    const auto images_path = find(dir, split + "-images-idx3-ubyte");
    const auto labels_path = find(dir, split + "-labels-idx1-ubyte");
    Tensor images = load_idx(images_path);
    Tensor labels = load_idx(labels_path);
    if (images.dim() != 3 || images.size(1) != 28 || images.size(2) != 28)
        throw std::runtime_error(fmt::format("{}: shape {} is not [N, 28, 28]", images_path.string(),
                                             autograd::to_string(images.shape())));
    if (labels.dim() != 1 || labels.size(0) != images.size(0))
        throw std::runtime_error(fmt::format("{}: shape {} does not match the {} images of {}", labels_path.string(),
                                             autograd::to_string(labels.shape()), images.size(0), images_path.string()));
    const float* pl = labels.data_ptr<float>();
    for (std::int64_t i = 0; i < labels.numel(); ++i)
        if (pl[i] > 9.0f)
            throw std::runtime_error(fmt::format("{}: label {} of sample {} is not a digit 0-9 (offset {})",
                                                 labels_path.string(), pl[i], i, 8 + i));
    float* px = images.data_ptr<float>();
    for (std::int64_t i = 0; i < images.numel(); ++i)
        px[i] /= 255.0f;
    return {images.reshape({images.size(0), 784}), labels};
}

} // namespace nn
