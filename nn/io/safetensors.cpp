#include "nn/io/safetensors.hpp"

#include <autograd/atomic_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <vector>

namespace nn {

namespace {

using autograd::Dtype;
using autograd::Tensor;
using nlohmann::json;

// The reference reader refuses longer headers: a longer one is a corrupt or hostile file, and
// reading it whole would be the first thing to exhaust memory.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::uint64_t kMaxInt64 = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// ---- Little-endian encoding, spelled out so that the format does not depend on the host.

template <class U> void store_le(char* out, U v)
{
    for (std::size_t i = 0; i < sizeof(U); ++i)
        out[i] = static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}

template <class U> U load_le(const char* in)
{
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i)
        v = static_cast<U>(v | static_cast<U>(static_cast<U>(static_cast<unsigned char>(in[i])) << (8 * i)));
    return v;
}

// The bits of a float or double as the unsigned integer of its size.
template <class T> using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// Writes n elements as little-endian bytes: straight from memory on a little-endian host,
// through a small buffer otherwise.
template <class T> void write_le(std::ostream& out, const T* p, std::size_t n)
{
    if constexpr (std::endian::native == std::endian::little) {
        out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n * sizeof(T)));
    } else {
        std::array<char, 4096> buffer;
        for (std::size_t i = 0; i < n;) {
            const std::size_t m = std::min(n - i, buffer.size() / sizeof(T));
            for (std::size_t j = 0; j < m; ++j)
                store_le(buffer.data() + j * sizeof(T), std::bit_cast<Bits<T>>(p[i + j]));
            out.write(buffer.data(), static_cast<std::streamsize>(m * sizeof(T)));
            i += m;
        }
    }
}

// Turns n elements read as little-endian bytes into p into host order (nothing to do on a
// little-endian host).
template <class T> void from_le_in_place([[maybe_unused]] T* p, [[maybe_unused]] std::size_t n)
{
    if constexpr (std::endian::native != std::endian::little) {
        for (std::size_t i = 0; i < n; ++i) {
            char raw[sizeof(T)];
            std::memcpy(raw, p + i, sizeof(T));
            p[i] = std::bit_cast<T>(load_le<Bits<T>>(raw));
        }
    }
}

// IEEE half precision to float: exact (float has more exponent and mantissa bits).
float half_to_float(std::uint16_t h)
{
    const bool negative = (h & 0x8000u) != 0;
    const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
    float v = 0;
    if (exponent == 0x1f) // infinity or NaN: all exponent bits set, the payload kept
        return std::bit_cast<float>((negative ? 0x80000000u : 0u) | 0x7f800000u | (mantissa << 13));
    if (exponent == 0) // zero or subnormal: mantissa * 2^-24
        v = std::ldexp(static_cast<float>(mantissa), -24);
    else // normal: rebias the exponent from 15 to 127
        return std::bit_cast<float>((negative ? 0x80000000u : 0u) | ((exponent + 112) << 23) | (mantissa << 13));
    return negative ? -v : v;
}

// bfloat16 is the upper half of a float32.
float bfloat16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

// ---- Dtypes.

std::string_view file_dtype(Dtype d)
{
    switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
    case Dtype::Bool: return "BOOL";
    }
    throw std::logic_error("save_safetensors: a dtype without a safetensors name");
}

struct ReadableDtype {
    std::string_view name;
    std::size_t itemsize;
    Dtype loaded_as;
};
constexpr ReadableDtype kReadable[] = {{"F32", 4, Dtype::Float32}, {"F64", 8, Dtype::Float64},
                                       {"I64", 8, Dtype::Int64},   {"BOOL", 1, Dtype::Bool},
                                       {"F16", 2, Dtype::Float32}, {"BF16", 2, Dtype::Float32}};
// The format's other dtypes: known, so the error can say "not supported" rather than "unknown".
constexpr std::string_view kUnreadable[] = {"U8",  "I8",  "I16",     "U16",     "I32",     "U32",     "U64",
                                            "C64", "F4",  "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0"};

// ---- One header entry, checked.

struct Entry {
    std::string name;
    const ReadableDtype* dtype;
    autograd::Shape shape;
    std::uint64_t begin, end; // within the data, which starts after the header
};

[[noreturn]] void fail(const std::string& file, std::string_view what)
{
    throw std::runtime_error(fmt::format("{}: {}", file, what));
}

Entry parse_entry(const std::string& file, const std::string& key, const json& value, std::uint64_t data_size)
{
    const auto error = [&](std::string_view why) {
        return std::runtime_error(fmt::format("{}: tensor '{}': {}", file, key, why));
    };
    if (key.empty())
        fail(file, "a tensor has an empty name");
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets"))
        throw error("not an object with dtype, shape and data_offsets");

    const json& dtype = value["dtype"];
    if (!dtype.is_string())
        throw error("dtype is not a string");
    const std::string dtype_name = dtype.get<std::string>();
    const auto readable = std::find_if(std::begin(kReadable), std::end(kReadable),
                                       [&](const ReadableDtype& d) { return d.name == dtype_name; });
    if (readable == std::end(kReadable)) {
        if (std::find(std::begin(kUnreadable), std::end(kUnreadable), dtype_name) != std::end(kUnreadable))
            throw error(fmt::format("dtype {} is not supported: tensors here are float32, float64, int64 or bool "
                                    "(F32, F64, I64 and BOOL are read as they are, F16 and BF16 as float32)",
                                    dtype_name));
        throw error(fmt::format("unknown dtype '{}' (F32, F64, I64, BOOL, F16 and BF16 are read)", dtype_name));
    }

    const json& shape = value["shape"];
    if (!shape.is_array())
        throw error("shape is not an array");
    Entry e{key, &*readable, {}, 0, 0};
    std::uint64_t count = 1, nonzero_count = 1; // the second bounds every partial product
    for (const json& d : shape) {
        if (d.is_number_integer() && !d.is_number_unsigned())
            throw error(fmt::format("shape {} has a negative size", shape.dump()));
        if (!d.is_number_unsigned())
            throw error(fmt::format("shape {} has an entry that is not an integer", shape.dump()));
        const auto size = d.get<std::uint64_t>();
        if (size != 0 && (__builtin_mul_overflow(nonzero_count, size, &nonzero_count) || nonzero_count > kMaxInt64))
            throw error(fmt::format("shape {} has too many elements", shape.dump()));
        count = size == 0 ? 0 : count * size; // no overflow: count <= nonzero_count
        e.shape.push_back(static_cast<std::int64_t>(size));
    }

    const json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
        throw error(fmt::format("data_offsets {} is not a pair of non-negative integers", offsets.dump()));
    e.begin = offsets[0].get<std::uint64_t>();
    e.end = offsets[1].get<std::uint64_t>();
    if (e.begin > e.end)
        throw error(fmt::format("data_offsets [{}, {}] end before they begin", e.begin, e.end));
    if (e.end > data_size)
        throw error(fmt::format("data_offsets [{}, {}] are outside the {} bytes of data", e.begin, e.end, data_size));
    std::uint64_t needed = 0;
    const bool overflow = __builtin_mul_overflow(count, std::uint64_t{readable->itemsize}, &needed);
    if (overflow || needed != e.end - e.begin)
        throw error(fmt::format("data_offsets [{}, {}] hold {} bytes, shape {} of {} needs {}", e.begin, e.end,
                                e.end - e.begin, autograd::to_string(e.shape), dtype_name,
                                overflow ? std::string("more than 2^64") : std::to_string(needed)));
    return e;
}

// ---- The header's keys.

// A SAX handler that builds nothing and notes the first key of the outer object seen twice.
// Returning false from parse_error ends the pass quietly: json::parse then reports the error.
struct TopLevelKeys {
    std::unordered_set<std::string> seen;
    std::optional<std::string> duplicate;
    std::size_t depth = 0;

    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const json::string_t&) { return true; }
    bool string(json::string_t&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool start_object(std::size_t) { return enter(); }
    bool end_object() { return leave(); }
    bool start_array(std::size_t) { return enter(); }
    bool end_array() { return leave(); }
    bool key(json::string_t& k)
    {
        if (depth == 1 && !seen.insert(k).second) {
            duplicate = k;
            return false; // one is enough; stop here
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
    bool enter()
    {
        ++depth;
        return true;
    }
    bool leave()
    {
        --depth;
        return true;
    }
};

// ---- Reading bytes.

// The file, read at given offsets. NOTE: the tensors are read in the order of their data, each
// where the last ended; a seek there (even tellg) would cost system calls per tensor and empty
// the stream's buffer, so the position is tracked here and a seek made only when it differs.
struct Reader {
    std::ifstream& in;
    const std::string& file;
    std::uint64_t pos = 0;

    void read_at(std::uint64_t offset, char* out, std::uint64_t n)
    {
        if (pos != offset)
            in.seekg(static_cast<std::streamoff>(offset));
        pos = offset + n;
        in.read(out, static_cast<std::streamsize>(n));
        if (!in || static_cast<std::uint64_t>(in.gcount()) != n)
            fail(file, fmt::format("cannot read {} bytes at offset {} (was the file changed while being read?)", n,
                                   offset));
    }
};

// Reads one tensor's data into t, converting F16 and BF16 to float32 a block at a time.
void read_tensor(Reader& in, const std::string& file, std::uint64_t at, const Entry& e, const Tensor& t)
{
    const std::uint64_t bytes = e.end - e.begin;
    if (bytes == 0)
        return;
    if (e.dtype->name == "BOOL") {
        // Checked byte by byte before any becomes a bool: a C++ bool holding 2 is undefined.
        std::vector<char> raw(static_cast<std::size_t>(bytes));
        in.read_at(at, raw.data(), bytes);
        bool* p = t.data_ptr<bool>();
        for (std::size_t i = 0; i < raw.size(); ++i) {
            const auto b = static_cast<unsigned char>(raw[i]);
            if (b > 1)
                fail(file, fmt::format("tensor '{}': BOOL element {} is byte {}, not 0 or 1", e.name, i, b));
            p[i] = b == 1;
        }
        return;
    }
    if (e.dtype->name == "F32" || e.dtype->name == "F64" || e.dtype->name == "I64") {
        autograd::dispatch_any(t.dtype(), [&]<class T>() {
            T* p = t.data_ptr<T>();
            in.read_at(at, reinterpret_cast<char*>(p), bytes);
            from_le_in_place(p, static_cast<std::size_t>(t.numel()));
        });
        return;
    }
    const auto convert = e.dtype->name == "F16" ? half_to_float : bfloat16_to_float;
    float* out = t.data_ptr<float>();
    std::vector<char> block(std::size_t{1} << 16);
    for (std::uint64_t done = 0; done < bytes;) {
        const std::uint64_t n = std::min<std::uint64_t>(bytes - done, block.size());
        in.read_at(at + done, block.data(), n);
        for (std::uint64_t i = 0; i < n; i += 2)
            *out++ = convert(load_le<std::uint16_t>(block.data() + i));
        done += n;
    }
}

} // namespace

void save_safetensors(const StateDict& tensors, const std::filesystem::path& path,
                      const std::map<std::string, std::string>& metadata)
{
    autograd::NoGradGuard no_grad; // contiguous() must not record anything
    json header = json::object();
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::vector<Tensor> data;
    data.reserve(tensors.size());
    std::uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        if (name.empty() || name == "__metadata__")
            throw std::invalid_argument(fmt::format("save_safetensors: bad tensor name '{}'", name));
        // NOTE: a StateDict's names are unique already; a JSON object would silently merge two.
        if (header.contains(name))
            throw std::invalid_argument(fmt::format("save_safetensors: duplicate tensor name '{}'", name));
        if (!t.defined())
            throw std::invalid_argument(fmt::format("save_safetensors: '{}' is an undefined tensor", name));
        Tensor c = t.contiguous();
        std::uint64_t bytes = 0, end = 0;
        if (__builtin_mul_overflow(static_cast<std::uint64_t>(c.numel()), std::uint64_t{autograd::itemsize(c.dtype())},
                                   &bytes) ||
            __builtin_add_overflow(offset, bytes, &end) || end > kMaxInt64)
            throw std::invalid_argument(fmt::format("save_safetensors: '{}' makes the data too large", name));
        header[name] = {{"dtype", file_dtype(c.dtype())},
                        {"shape", std::vector<std::int64_t>(c.shape().begin(), c.shape().end())},
                        {"data_offsets", {offset, end}}};
        offset = end;
        data.push_back(std::move(c));
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const json::exception& e) { // names and metadata must be UTF-8
        throw std::invalid_argument(fmt::format("save_safetensors: {}", e.what()));
    }
    text.append((8 - text.size() % 8) % 8, ' '); // the reference writer pads to 8 bytes
    char length[8];
    store_le<std::uint64_t>(length, text.size());

    autograd::write_file_atomically(
        path,
        [&](std::ostream& out) {
            out.write(length, 8);
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            for (const Tensor& t : data) {
                autograd::dispatch_any(t.dtype(), [&]<class T>() {
                    if (t.numel() > 0)
                        write_le(out, t.data_ptr<T>(), static_cast<std::size_t>(t.numel()));
                });
                if (!out) // stop at the first failed write (disk full) rather than after the last
                    throw std::runtime_error("write failed (disk full?)");
            }
        },
        true);
}

SafetensorsFile read_safetensors(const std::filesystem::path& path)
{
    const std::string file = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in)
        fail(file, fmt::format("cannot open the file ({})", std::strerror(errno)));
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        fail(file, fmt::format("cannot read the file's size ({})", ec.message()));
    if (size < 8)
        fail(file, fmt::format("{} bytes, too short for a safetensors header length", size));
    char length[8];
    Reader reader{in, file};
    reader.read_at(0, length, 8);
    const auto n = load_le<std::uint64_t>(length);
    if (n > kMaxHeaderBytes)
        fail(file, fmt::format("the header length {} is over the format's limit of {} bytes (not a safetensors file?)",
                               n, kMaxHeaderBytes));
    if (n > size - 8)
        fail(file, fmt::format("the header length {} runs past the end of the file ({} bytes)", n, size));
    std::string text(static_cast<std::size_t>(n), '\0');
    reader.read_at(8, text.data(), n);

    // NOTE: JSON allows a key twice and nlohmann would keep the last; two tensors of one name
    // are a broken file, so a first pass refuses them. (A parser callback could, but nlohmann's
    // callback parser rescans an object after each of its members: quadratic in the entries.)
    json header;
    try {
        TopLevelKeys keys;
        json::sax_parse(text, &keys);
        if (keys.duplicate)
            fail(file, fmt::format("the header names '{}' twice", *keys.duplicate));
        header = json::parse(text); // a syntax error is reported here, with nlohmann's message
    } catch (const json::exception& e) {
        fail(file, fmt::format("the header is not valid JSON ({})", e.what()));
    }
    if (!header.is_object())
        fail(file, "the header is not a JSON object");

    const std::uint64_t data_begin = 8 + n, data_size = size - data_begin;
    SafetensorsFile out;
    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
        if (key != "__metadata__") {
            entries.push_back(parse_entry(file, key, value, data_size));
            continue;
        }
        if (!value.is_object())
            fail(file, "__metadata__ is not an object");
        for (const auto& [k, v] : value.items()) {
            if (!v.is_string())
                fail(file, fmt::format("metadata '{}' is not a string", k));
            out.metadata[k] = v.get<std::string>();
        }
    }

    // The data must be covered exactly: no gaps, no overlaps, nothing after. Sorting by
    // (begin, end) puts empty tensors before a tensor that starts where they are.
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    std::uint64_t at = 0;
    for (const Entry& e : entries) {
        if (e.begin != at)
            fail(file, fmt::format("tensor '{}' starts at data offset {}, expected {} ({})", e.name, e.begin, at,
                                   e.begin < at ? "overlap" : "gap"));
        at = e.end;
    }
    if (at != data_size)
        fail(file, fmt::format("{} bytes of data after the last tensor", data_size - at));

    for (const Entry& e : entries) {
        Tensor t = Tensor::empty(e.shape, e.dtype->loaded_as);
        read_tensor(reader, file, data_begin + e.begin, e, t);
        out.tensors.insert(e.name, std::move(t));
    }
    return out;
}

StateDict load_safetensors(const std::filesystem::path& path) { return read_safetensors(path).tensors; }

} // namespace nn
