#include "nn/data/file_bytes.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <stdexcept>
#include <string>

namespace nn {
namespace {

// Deflate expands at most about 1032:1; a size claim beyond that is a corrupt trailer.
constexpr std::size_t max_ratio = 1032;

// Frees zlib's state on every way out, exceptions included.
struct Inflater {
    z_stream z{};
    ~Inflater() { inflateEnd(&z); }
};

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& in, const std::filesystem::path& path)
{
    Inflater inf;
    z_stream& z = inf.z;
    // 16 + MAX_WBITS: a gzip wrapper (header and CRC), not raw zlib.
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        throw std::runtime_error(fmt::format("{}: cannot start gzip decompression", path.string()));
    // The gzip trailer's last four bytes are the uncompressed size (mod 2^32): allocate that, so
    // a 50 MB data set does not pass through a buffer grown by doubling. Only a hint: it is
    // capped by what deflate can produce, so a corrupt trailer cannot ask for gigabytes.
    std::size_t expect = in.size() * 4 + 1024;
    if (in.size() >= 18) {
        const std::uint8_t* t = in.data() + in.size() - 4;
        const std::size_t claimed =
            std::size_t{t[0]} | std::size_t{t[1]} << 8 | std::size_t{t[2]} << 16 | std::size_t{t[3]} << 24;
        expect = std::min(claimed, in.size() * max_ratio) + 1;
    }
    std::vector<std::uint8_t> out(expect);
    std::size_t in_pos = 0, out_pos = 0;
    for (;;) {
        if (out_pos == out.size())
            out.resize(out.size() * 2);
        // NOTE: zlib counts in 32-bit uInt; feeding at most UINT_MAX bytes a call keeps files past
        // 4 GB correct. next_in is not const in zlib's API, but inflate only reads it.
        z.next_in = const_cast<Bytef*>(in.data() + in_pos);
        z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size() - in_pos, UINT_MAX));
        z.next_out = out.data() + out_pos;
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - out_pos, UINT_MAX));
        const uInt avail_in = z.avail_in, avail_out = z.avail_out;
        const int rc = inflate(&z, Z_NO_FLUSH);
        in_pos += avail_in - z.avail_in;
        out_pos += avail_out - z.avail_out;
        if (rc == Z_STREAM_END) {
            if (in_pos == in.size())
                break;
            // gzip files may hold several members one after another (cat a.gz b.gz): go on.
            if (in.size() - in_pos >= 2 && in[in_pos] == 0x1f && in[in_pos + 1] == 0x8b) {
                inflateReset(&z);
                continue;
            }
            throw std::runtime_error(fmt::format("{}: corrupt gzip data: {} bytes that are not gzip after the end of "
                                                 "the compressed data (compressed byte {})",
                                                 path.string(), in.size() - in_pos, in_pos));
        }
        if (rc == Z_BUF_ERROR && in_pos == in.size())
            throw std::runtime_error(fmt::format("{}: truncated gzip data (the file ends after {} compressed bytes, "
                                                 "in the middle of the stream)",
                                                 path.string(), in.size()));
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const std::string why = z.msg != nullptr ? z.msg : "zlib error " + std::to_string(rc);
            throw std::runtime_error(fmt::format("{}: corrupt gzip data ({}; detected after {} of {} compressed bytes)",
                                                 path.string(), why, in_pos, in.size()));
        }
    }
    out.resize(out_pos);
    return out;
}

} // namespace

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) // an ifstream opens a directory and then fails oddly
        throw std::runtime_error(fmt::format("{}: is a directory, not a file", path.string()));
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    if (!file)
        throw std::runtime_error(fmt::format("{}: cannot open the file", path.string()));
    // One read of the known size: a byte-at-a-time stream iterator costs more than the gunzip.
    const std::streamoff size = file.tellg();
    if (size < 0)
        throw std::runtime_error(fmt::format("{}: cannot tell the file's size", path.string()));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    file.seekg(0);
    if (!file.read(reinterpret_cast<char*>(bytes.data()), size))
        throw std::runtime_error(fmt::format("{}: read error after {} of {} bytes", path.string(), file.gcount(), size));
    if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        return gunzip(bytes, path);
    return bytes;
}

} // namespace nn
