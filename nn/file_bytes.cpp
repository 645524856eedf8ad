#include "nn/file_bytes.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace nn {
namespace {

std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& in, const std::filesystem::path& path)
{
    z_stream z{};
    // 16 + MAX_WBITS: a gzip wrapper (header and CRC), not raw zlib.
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        throw std::runtime_error(fmt::format("{}: cannot start gzip decompression", path.string()));
    // The gzip trailer's last four bytes are the uncompressed size (mod 2^32): allocate that, so
    // a 25 MB data set does not pass through a buffer grown by doubling.
    std::size_t expect = in.size() * 4 + 1024;
    if (in.size() >= 18) {
        const std::uint8_t* t = in.data() + in.size() - 4;
        expect = (std::size_t{t[0]} | std::size_t{t[1]} << 8 | std::size_t{t[2]} << 16 | std::size_t{t[3]} << 24) + 1;
    }
    std::vector<std::uint8_t> out(expect);
    z.next_in = const_cast<Bytef*>(in.data()); // zlib's API is not const-correct; it only reads
    z.avail_in = static_cast<uInt>(in.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (z.total_out == out.size())
            out.resize(out.size() * 2);
        z.next_out = out.data() + z.total_out;
        z.avail_out = static_cast<uInt>(out.size() - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            inflateEnd(&z);
            throw std::runtime_error(fmt::format("{}: truncated gzip data (ends after {} compressed bytes)",
                                                 path.string(), in.size()));
        }
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            const std::string why = z.msg != nullptr ? z.msg : "error " + std::to_string(rc);
            inflateEnd(&z);
            throw std::runtime_error(fmt::format("{}: corrupt gzip data at compressed byte {} ({})", path.string(),
                                                 z.total_in, why));
        }
    }
    out.resize(z.total_out);
    inflateEnd(&z);
    return out;
}

} // namespace

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw std::runtime_error(fmt::format("{}: cannot open the file", path.string()));
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad())
        throw std::runtime_error(fmt::format("{}: read error", path.string()));
    if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        return gunzip(bytes, path);
    return bytes;
}

} // namespace nn
