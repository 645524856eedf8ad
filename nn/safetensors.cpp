#include "nn/safetensors.hpp"

#include <autograd/atomic_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; this build assumes a little-endian host");

namespace nn {

using autograd::Tensor;
using nlohmann::json;

void save_safetensors(const StateDict& tensors, const std::filesystem::path& path,
                      const std::map<std::string, std::string>& metadata)
{
    json header = json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::size_t offset = 0;
    for (const auto& [name, t] : tensors) {
        if (name.empty() || name == "__metadata__")
            throw std::invalid_argument(fmt::format("save_safetensors: bad tensor name '{}'", name));
        if (!t.defined())
            throw std::invalid_argument(fmt::format("save_safetensors: '{}' is an undefined tensor", name));
        const std::size_t bytes = static_cast<std::size_t>(t.numel()) * autograd::itemsize(t.dtype());
        header[name] = {{"dtype", t.dtype() == autograd::Dtype::Float32 ? "F32" : "F64"},
                        {"shape", std::vector<std::int64_t>(t.shape().begin(), t.shape().end())},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' '); // the reference writer pads the header to 8 bytes
    std::string file(8, '\0');
    const std::uint64_t n = text.size();
    std::memcpy(file.data(), &n, 8); // little-endian (asserted above)
    file += text;
    file.reserve(file.size() + offset);
    for (const auto& [name, t] : tensors) {
        const Tensor c = t.contiguous();
        autograd::dispatch(c.dtype(), [&]<class T>() {
            const T* p = c.data_ptr<T>();
            file.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(c.numel()) * sizeof(T));
        });
    }
    autograd::write_file_atomically(path, file, true);
}

SafetensorsFile read_safetensors(const std::filesystem::path& path)
{
    const std::string name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(fmt::format("{}: cannot open the file", name));
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 8)
        throw std::runtime_error(fmt::format("{}: {} bytes, too short for a safetensors header length", name, bytes.size()));
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    if (n > bytes.size() - 8)
        throw std::runtime_error(fmt::format("{}: the header length {} runs past the end of the file ({} bytes)", name, n,
                                             bytes.size()));
    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    } catch (const json::exception& e) {
        throw std::runtime_error(fmt::format("{}: the header is not valid JSON ({})", name, e.what()));
    }
    if (!header.is_object())
        throw std::runtime_error(fmt::format("{}: the header is not a JSON object", name));
    const std::size_t data_begin = 8 + n, data_size = bytes.size() - data_begin;
    SafetensorsFile out;
    struct Entry {
        std::string name;
        autograd::Dtype dtype;
        autograd::Shape shape;
        std::size_t begin, end;
    };
    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object())
                throw std::runtime_error(fmt::format("{}: __metadata__ is not an object", name));
            for (const auto& [k, v] : value.items()) {
                if (!v.is_string())
                    throw std::runtime_error(fmt::format("{}: metadata '{}' is not a string", name, k));
                out.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        const auto fail = [&](const std::string& why) {
            return std::runtime_error(fmt::format("{}: tensor '{}': {}", name, key, why));
        };
        if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
            throw fail("not an object with dtype, shape and data_offsets");
        if (!value["dtype"].is_string())
            throw fail("dtype is not a string");
        const std::string dtype = value["dtype"].get<std::string>();
        if (dtype != "F32" && dtype != "F64")
            throw fail(fmt::format("dtype {} is not supported (F32 and F64 are)", dtype));
        Entry e{key, dtype == "F32" ? autograd::Dtype::Float32 : autograd::Dtype::Float64, {}, 0, 0};
        if (!value["shape"].is_array())
            throw fail("shape is not an array");
        std::uint64_t count = 1;
        for (const auto& d : value["shape"]) {
            if (!d.is_number_unsigned())
                throw fail(fmt::format("shape {} has an entry that is not a non-negative integer", value["shape"].dump()));
            const auto v = d.get<std::uint64_t>();
            if (__builtin_mul_overflow(count, v, &count) || count > (std::uint64_t{1} << 40))
                throw fail(fmt::format("shape {} is too large", value["shape"].dump()));
            e.shape.push_back(static_cast<std::int64_t>(v));
        }
        const json& off = value["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw fail("data_offsets is not a pair of non-negative integers");
        e.begin = off[0].get<std::size_t>();
        e.end = off[1].get<std::size_t>();
        if (e.begin > e.end || e.end > data_size)
            throw fail(fmt::format("data_offsets [{}, {}] are outside the {} bytes of data", e.begin, e.end, data_size));
        if (e.end - e.begin != count * autograd::itemsize(e.dtype))
            throw fail(fmt::format("data_offsets [{}, {}] hold {} bytes, shape {} of {} needs {}", e.begin, e.end,
                                   e.end - e.begin, autograd::to_string(e.shape), dtype,
                                   count * autograd::itemsize(e.dtype)));
        entries.push_back(std::move(e));
    }
    // The data must be covered exactly, in some order: no gaps, no overlaps, nothing after.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    std::size_t at = 0;
    for (const Entry& e : entries) {
        if (e.begin != at)
            throw std::runtime_error(fmt::format("{}: tensor '{}' starts at data offset {}, expected {} ({})", name,
                                                 e.name, e.begin, at, e.begin < at ? "overlap" : "gap"));
        at = e.end;
    }
    if (at != data_size)
        throw std::runtime_error(fmt::format("{}: {} bytes of data after the last tensor", name, data_size - at));
    for (const Entry& e : entries) {
        Tensor t = Tensor::empty(e.shape, e.dtype);
        if (e.end > e.begin)
            std::memcpy(e.dtype == autograd::Dtype::Float32 ? static_cast<void*>(t.data_ptr<float>())
                                                            : static_cast<void*>(t.data_ptr<double>()),
                        bytes.data() + data_begin + e.begin, e.end - e.begin);
        out.tensors.insert(e.name, std::move(t));
    }
    return out;
}

StateDict load_safetensors(const std::filesystem::path& path) { return read_safetensors(path).tensors; }

} // namespace nn
