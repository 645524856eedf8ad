// libFuzzer harness of the IDX reader (nn/data/idx.hpp) and of the gzip layer under it
// (nn/data/file_bytes.hpp). The first byte picks what is read:
//   0: the rest as an IDX file (gzip too, when it starts 1f 8b), as float32 and float64;
//   1: the rest gzipped here first, so that the search reaches the IDX checks behind the gzip layer;
//   2: an MNIST folder (load_mnist and load_mnist_bytes): images and labels files, the rest split at
//      the position the second byte gives.
// The documented errors are std::runtime_error; anything else, a crash or a sanitizer report is
// a finding. A successful read must hold as many elements as its shape, all finite.
//
//   cmake --build build-fuzz --target fuzz_idx
//   build-fuzz/tests/fuzz/fuzz_idx -max_total_time=60 tests/fuzz/idx_corpus
#include "fuzz_scratch.hpp"

#include <nn/data/idx.hpp>

#include <zlib.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace {

std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size)
{
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        __builtin_trap();
    std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(size)) + 32);
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(size);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        __builtin_trap();
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

void check(const autograd::Tensor& t)
{
    std::int64_t n = 1;
    for (std::int64_t d : t.shape())
        n *= d;
    if (n != t.numel())
        __builtin_trap();
    for (double v : t.to_vector())
        if (!std::isfinite(v))
            __builtin_trap();
}

void read_idx(const std::filesystem::path& path)
{
    for (const auto dtype : {autograd::Dtype::Float32, autograd::Dtype::Float64}) {
        try {
            check(nn::load_idx(path, dtype));
        } catch (const std::runtime_error&) {
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    const std::uint8_t mode = data[0] % 3;
    const std::uint8_t* rest = data + 1;
    const std::size_t n = size - 1;
    if (mode == 0) {
        read_idx(fuzz::write_file("a.idx", rest, n));
    } else if (mode == 1) {
        const std::vector<std::uint8_t> gz = gzip(rest, n);
        read_idx(fuzz::write_file("a.idx.gz", gz.data(), gz.size()));
    } else {
        const std::size_t cut = std::min<std::size_t>(rest[0], n - 1);
        const std::filesystem::path dir = fuzz::scratch();
        fuzz::write_file("train-labels-idx1-ubyte", rest + 1, cut);
        fuzz::write_file("train-images-idx3-ubyte", rest + 1 + cut, n - 1 - cut);
        try {
            const nn::LabelledTensors t = nn::load_mnist(dir, "train");
            check(t.features);
            if (t.features.size(0) != t.labels.size(0) || t.features.size(1) != 784)
                __builtin_trap();
        } catch (const std::runtime_error&) {
        }
        try {
            (void)nn::load_mnist_bytes(dir, "train");
        } catch (const std::runtime_error&) {
        }
    }
    return 0;
}
