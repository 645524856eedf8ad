// Data: gzip reading (plain, gzipped, multi-member, truncated, corrupt), IDX round trips of
// hand-made files of every type, every malformed case with its message, load_mnist (and
// load_mnist_bytes, its checks) on hand-made folders and on the real MNIST-10k files, CSV files as tensors, and the DataLoader (batches,
// shuffling, drop_last, reproducibility, every sample exactly once per epoch).
//
// Where the expected numbers come from:
// - hand-made files: the bytes are written here, each value's encoding stated beside it;
// - MNIST-10k: read independently with Python's gzip module, e.g.
//     python3 -c "import gzip; b = gzip.open('data/mnist-10k/train-labels-idx1-ubyte.gz').read(); print(list(b[8:18]))"
//   and sum(images[16:16 + 784]) for the first image's pixel sum, len(labels) - 8 for the count;
// - digits.csv.gz, wine_data.csv, breast_cancer.csv: zcat/head and Python's csv module (sizes,
//   the first rows, the sum of every digits feature).
#define BOOST_TEST_MODULE data
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/data/csv.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/file_bytes.hpp>
#include <nn/data/idx.hpp>

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

// Per process, so that the plain and the sanitizer builds may run at once.
fs::path temp_dir() { return test_util::temp_dir("backprop_test_data_" + std::to_string(::getpid())); }

void write_bytes(const fs::path& path, const Bytes& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes read_bytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The bytes gzipped by zlib's own gzip writer (an independent encoder).
Bytes gzip(const Bytes& bytes)
{
    const fs::path tmp = temp_dir() / "gzip.tmp";
    gzFile f = gzopen(tmp.string().c_str(), "wb");
    BOOST_REQUIRE(f != nullptr);
    BOOST_REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    gzclose(f);
    Bytes out = read_bytes(tmp);
    fs::remove(tmp);
    return out;
}

Bytes concat(Bytes a, const Bytes& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// An IDX file: magic 00 00 type ndim, the dimensions big-endian, then `data` as given.
Bytes idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& data)
{
    Bytes b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8)
            b.push_back(static_cast<std::uint8_t>(d >> shift));
    return concat(b, data);
}

// An IDX file of unsigned bytes: shape [2, 3], values 1..6.
Bytes small_idx() { return idx(0x08, {2, 3}, {1, 2, 3, 4, 5, 6}); }

std::vector<double> values(const Tensor& t) { return t.to_vector(); }

// The message of the std::runtime_error that load_idx throws for these bytes, and the file's name.
struct IdxError {
    std::string file;
    std::string operator()(const Bytes& bytes) const
    {
        write_bytes(file, bytes);
        return message_of<std::runtime_error>([&] { (void)nn::load_idx(file); });
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(gzip_files_are_read_by_their_magic_not_their_name)
{
    const fs::path dir = temp_dir();
    const Bytes text{'h', 'e', 'l', 'l', 'o'};
    write_bytes(dir / "plain.gz", text); // a .gz name, plain content
    write_bytes(dir / "packed", gzip(text));
    BOOST_TEST(nn::read_file_bytes(dir / "plain.gz") == text, tt::per_element());
    BOOST_TEST(nn::read_file_bytes(dir / "packed") == text, tt::per_element());
    write_bytes(dir / "empty", {});
    BOOST_TEST(nn::read_file_bytes(dir / "empty").empty());
    write_bytes(dir / "empty.gz", gzip({}));
    BOOST_TEST(nn::read_file_bytes(dir / "empty.gz").empty());
    // Two members one after the other (cat a.gz b.gz) are one stream, as gzip -d reads them.
    write_bytes(dir / "two.gz", concat(gzip(text), gzip({'!'})));
    BOOST_TEST(nn::read_file_bytes(dir / "two.gz") == concat(text, {'!'}), tt::per_element());
    // Larger than the compressed size times 4 and with a compressible run: the buffer grows.
    Bytes big(300000, 7);
    for (std::size_t i = 0; i < big.size(); i += 97)
        big[i] = static_cast<std::uint8_t>(i);
    write_bytes(dir / "big.gz", gzip(big));
    BOOST_TEST((nn::read_file_bytes(dir / "big.gz") == big));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(broken_gzip_data_is_a_clear_error)
{
    const fs::path dir = temp_dir();
    const auto error_of = [&](const std::string& name, const Bytes& bytes) {
        write_bytes(dir / name, bytes);
        return message_of<std::runtime_error>([&] { (void)nn::read_file_bytes(dir / name); });
    };
    const Bytes gz = gzip(small_idx()); // 10-byte header, deflate data, 8-byte trailer
    const std::string t = (dir / "t.gz").string();
    BOOST_TEST(error_of("t.gz", Bytes(gz.begin(), gz.begin() + 14)) ==
               t + ": truncated gzip data (the file ends after 14 compressed bytes, in the middle of the stream)");
    BOOST_TEST(error_of("t.gz", Bytes(gz.begin(), gz.end() - 1)) ==
               t + ": truncated gzip data (the file ends after " + std::to_string(gz.size() - 1) +
                   " compressed bytes, in the middle of the stream)");
    BOOST_TEST(error_of("t.gz", {0x1f, 0x8b}) ==
               t + ": truncated gzip data (the file ends after 2 compressed bytes, in the middle of the stream)");
    // A flipped CRC: zlib's own words for it.
    Bytes bad_crc = gz;
    bad_crc[gz.size() - 8] ^= 0xFF;
    const std::string x = (dir / "x.gz").string();
    BOOST_TEST(error_of("x.gz", bad_crc) ==
               x + ": corrupt gzip data (incorrect data check; detected after " + std::to_string(gz.size() - 4) + " of " +
                   std::to_string(gz.size()) + " compressed bytes)");
    Bytes bad_method = gz;
    bad_method[2] = 7; // compression method 7 does not exist
    BOOST_TEST(error_of("x.gz", bad_method) == x + ": corrupt gzip data (unknown compression method; detected after 4 of " +
                                                  std::to_string(gz.size()) + " compressed bytes)");
    BOOST_TEST(error_of("x.gz", concat(gz, {0, 0, 0})) ==
               x + ": corrupt gzip data: 3 bytes that are not gzip after the end of the compressed data (compressed byte " +
                   std::to_string(gz.size()) + ")");
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::read_file_bytes(dir / "missing"); }) ==
               (dir / "missing").string() + ": cannot open the file");
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::read_file_bytes(dir); }) ==
               dir.string() + ": is a directory, not a file");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(idx_round_trips_every_type_plain_and_gzipped)
{
    const fs::path dir = temp_dir();
    write_bytes(dir / "a.idx", small_idx());
    write_bytes(dir / "a.idx.gz", gzip(small_idx()));
    for (const char* name : {"a.idx", "a.idx.gz"}) {
        const Tensor t = nn::load_idx(dir / name);
        BOOST_TEST(t.dtype() == autograd::Dtype::Float32);
        BOOST_TEST(t.shape() == (Shape{2, 3}), tt::per_element());
        BOOST_TEST(values(t) == (std::vector<double>{1, 2, 3, 4, 5, 6}), tt::per_element());
    }
    // Each type big-endian. Signed byte: 0xFF = -1, 0x80 = -128. Short: 0xFFFE = -2, 0x0100 = 256.
    // Int: 0xFFFFFFFF = -1, 0x01000000 = 16777216. Float: 0x3FC00000 = 1.5, 0xC0200000 = -2.5.
    // Double: 0x3FF8000000000000 = 1.5, 0xBFD0000000000000 = -0.25.
    struct Case {
        Bytes file;
        Shape shape;
        std::vector<double> want;
    };
    const std::vector<Case> cases = {
        {idx(0x09, {3}, {0xFF, 0x80, 0x7F}), {3}, {-1, -128, 127}},
        {idx(0x0B, {2}, {0xFF, 0xFE, 0x01, 0x00}), {2}, {-2, 256}},
        {idx(0x0C, {2}, {0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0}), {2}, {-1, 16777216}},
        {idx(0x0D, {1, 2}, {0x3F, 0xC0, 0, 0, 0xC0, 0x20, 0, 0}), {1, 2}, {1.5, -2.5}},
        {idx(0x0E, {2, 1, 1}, {0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0}), {2, 1, 1}, {1.5, -0.25}},
        {idx(0x08, {2, 0, 5}, {}), {2, 0, 5}, {}},
    };
    for (const Case& c : cases)
        for (const auto dtype : {autograd::Dtype::Float32, autograd::Dtype::Float64}) {
            write_bytes(dir / "c.idx", c.file);
            const Tensor t = nn::load_idx(dir / "c.idx", dtype);
            BOOST_TEST(t.dtype() == dtype);
            BOOST_TEST(t.shape() == c.shape, tt::per_element());
            BOOST_TEST(values(t) == c.want, tt::per_element());
        }
    // float64 keeps what float32 cannot: the int 16777217 (2^24 + 1).
    write_bytes(dir / "i.idx", idx(0x0C, {1}, {0x01, 0, 0, 0x01}));
    BOOST_TEST(nn::load_idx(dir / "i.idx", autograd::Dtype::Float64).item() == 16777217.0);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(malformed_idx_files_name_the_file_and_offset)
{
    const fs::path dir = temp_dir();
    const IdxError error_of{(dir / "bad.idx").string()};
    const std::string p = error_of.file;
    BOOST_TEST(error_of({}) == p + ": offset 0: the file ends inside the 4-byte IDX magic number");
    BOOST_TEST(error_of({0, 0}) == p + ": offset 2: the file ends inside the 4-byte IDX magic number");
    BOOST_TEST(error_of({1, 0, 8, 1}) ==
               p + ": offset 0: bad magic number 01 00 08 01 (an IDX file starts with two zero bytes)");
    // Text, or a gzip file's bytes read plain, are not IDX either.
    BOOST_TEST(error_of({'a', 'b', 'c', 'd', '\n'}) ==
               p + ": offset 0: bad magic number 61 62 63 64 (an IDX file starts with two zero bytes)");
    BOOST_TEST(error_of({0, 0, 0x07, 1, 0, 0, 0, 1, 5}) ==
               p + ": offset 2: unknown IDX data type 0x07 (known: 08 09 0b 0c 0d 0e)");
    BOOST_TEST(error_of({0, 0, 0x0A, 0}) == p + ": offset 2: unknown IDX data type 0x0a (known: 08 09 0b 0c 0d 0e)");
    BOOST_TEST(error_of({0, 0, 8, 2, 0, 0, 0, 2}) ==
               p + ": offset 8: the file ends inside the header (2 dimensions need 12 bytes)");
    // The dimensions' product must match the data: one byte short, one byte over.
    Bytes truncated = small_idx();
    truncated.pop_back();
    BOOST_TEST(error_of(truncated) == p + ": offset 17: the file ends inside the data (shape [2, 3] of unsigned bytes "
                                          "needs 6 bytes from offset 12, to offset 18)");
    BOOST_TEST(error_of(idx(0x0D, {3}, Bytes(11, 0))) ==
               p + ": offset 19: the file ends inside the data (shape [3] of floats needs 12 bytes from offset 8, to "
                   "offset 20)");
    BOOST_TEST(error_of(concat(small_idx(), {9})) ==
               p + ": offset 18: 1 trailing bytes after the data of shape [2, 3] of unsigned bytes");
    BOOST_TEST(error_of(idx(0x0B, {2, 2}, Bytes(10, 0))) ==
               p + ": offset 20: 2 trailing bytes after the data of shape [2, 2] of shorts");
    // Dimensions whose product overflows: refused before any allocation.
    BOOST_TEST(error_of(idx(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 2}, {})) ==
               p + ": offset 8: dimensions [4294967295, 4294967295] hold more than 2^40 elements");
    // A gzipped IDX file cut short: the gzip layer says so.
    const Bytes gz = gzip(small_idx());
    BOOST_TEST(contains(error_of(Bytes(gz.begin(), gz.end() - 5)), p + ": truncated gzip data"));
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_idx(dir / "missing.idx"); }) ==
               (dir / "missing.idx").string() + ": cannot open the file");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(idx_non_finite_values_are_refused_with_their_position)
{
    const fs::path dir = temp_dir();
    const IdxError error_of{(dir / "nan.idx").string()};
    const std::string p = error_of.file;
    // Float 0x7FC00000 is a quiet NaN, 0xFF800000 is -inf; shape [2, 2], so element 3 is sample 1,
    // element 1, at offset 12 + 3 * 4 = 24.
    const Bytes one{0x3F, 0x80, 0, 0};
    BOOST_TEST(error_of(idx(0x0D, {2, 2}, concat(concat(one, one), concat(one, {0x7F, 0xC0, 0, 0})))) ==
               p + ": offset 24: element 1 of sample 1 is nan: NaN and infinite values are refused");
    BOOST_TEST(error_of(idx(0x0D, {2, 2}, concat(concat(one, {0xFF, 0x80, 0, 0}), concat(one, one)))) ==
               p + ": offset 16: element 1 of sample 0 is -inf: NaN and infinite values are refused");
    // Double 0x7FF0000000000000 is +inf; 0x7FEFFFFFFFFFFFFF is the largest double, beyond float32
    // but fine in float64.
    BOOST_TEST(error_of(idx(0x0E, {1}, {0x7F, 0xF0, 0, 0, 0, 0, 0, 0})) ==
               p + ": offset 8: element 0 of sample 0 is inf: NaN and infinite values are refused");
    const Bytes max_double = idx(0x0E, {1}, {0x7F, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    BOOST_TEST(error_of(max_double) ==
               p + ": offset 8: element 0 of sample 0 is 1.7976931348623157e+308, beyond the range of float32");
    BOOST_TEST(nn::load_idx(p, autograd::Dtype::Float64).item() == std::numeric_limits<double>::max());
    // Gzipped, the same check (it runs on the decompressed data).
    BOOST_TEST(contains(error_of(gzip(idx(0x0D, {1}, {0x7F, 0xC0, 0, 0}))), "is nan"));
    // Shapes with a zero dimension hold nothing, but their other dimensions are still bounded.
    BOOST_TEST(error_of(idx(0x08, {0, 0xFFFFFFFF, 0xFFFFFFFF}, {})) ==
               p + ": offset 12: dimensions [0, 4294967295, 4294967295] hold more than 2^40 elements");
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(load_mnist_checks_the_pair_of_files)
{
    const fs::path dir = temp_dir() / "mnist";
    fs::create_directories(dir);
    // Two 28x28 images (pixels 0 and 255 alternate in the first, 51 everywhere in the second).
    Bytes pixels(2 * 784, 51);
    for (std::size_t i = 0; i < 784; ++i)
        pixels[i] = i % 2 == 0 ? 0 : 255;
    const Bytes images = idx(0x08, {2, 28, 28}, pixels);
    write_bytes(dir / "train-images-idx3-ubyte", images);            // plain
    write_bytes(dir / "train-labels-idx1-ubyte.gz", gzip(idx(0x08, {2}, {7, 0}))); // gzipped
    const nn::LabelledTensors t = nn::load_mnist(dir, "train");
    BOOST_TEST(t.features.shape() == (Shape{2, 784}), tt::per_element());
    BOOST_TEST(t.labels.shape() == (Shape{2}), tt::per_element());
    BOOST_TEST(values(t.labels) == (std::vector<double>{7, 0}), tt::per_element());
    BOOST_TEST(t.features.at({0, 0}) == 0.0);
    BOOST_TEST(t.features.at({0, 1}) == 1.0);
    BOOST_TEST(t.features.at({1, 5}) == 0.2, tt::tolerance(1e-7)); // 51 / 255
    BOOST_TEST(nn::load_mnist(dir, "train", autograd::Dtype::Float64).features.at({1, 5}) == 0.2, tt::tolerance(1e-15));
    // The same files as bytes: the pixels as written, the header dropped.
    const nn::ByteImageDataset b = nn::load_mnist_bytes(dir, "train");
    BOOST_TEST((std::vector<std::uint8_t>(b.pixels().begin(), b.pixels().end()) == pixels));
    BOOST_TEST(std::vector<std::int64_t>(b.labels().begin(), b.labels().end()) == (std::vector<std::int64_t>{7, 0}),
               tt::per_element());

    // LeCun's own test-set names, t10k-..., are found for "test".
    write_bytes(dir / "t10k-images-idx3-ubyte.gz", gzip(images));
    write_bytes(dir / "t10k-labels-idx1-ubyte", idx(0x08, {2}, {1, 2}));
    BOOST_TEST(values(nn::load_mnist(dir, "test").labels) == (std::vector<double>{1, 2}), tt::per_element());

    // load_mnist_bytes makes the same checks with the same messages, in its own name.
    const auto both_fail = [&](const std::string& split) {
        const std::string m = message_of<std::runtime_error>([&] { (void)nn::load_mnist(dir, split); });
        BOOST_TEST(m.starts_with("load_mnist: "));
        BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_mnist_bytes(dir, split); }) ==
                   "load_mnist_bytes" + m.substr(10));
        return m;
    };
    const auto error_of = [&](const Bytes& labels) {
        write_bytes(dir / "train-labels-idx1-ubyte.gz", labels);
        return both_fail("train");
    };
    const std::string img = (dir / "train-images-idx3-ubyte").string();
    const std::string lab = (dir / "train-labels-idx1-ubyte.gz").string();
    BOOST_TEST(error_of(idx(0x08, {3}, {1, 2, 3})) ==
               "load_mnist: " + lab + ": shape [3] does not match the 2 images of " + img);
    BOOST_TEST(error_of(idx(0x08, {2}, {3, 10})) ==
               "load_mnist: " + lab + ": offset 9: label 10 of sample 1 is not a digit 0-9");
    BOOST_TEST(error_of(idx(0x0C, {2}, Bytes(8, 0))) ==
               "load_mnist: " + lab + ": offset 2: IDX data type 0x0c (int), MNIST's are unsigned bytes (0x08)");
    write_bytes(dir / "train-labels-idx1-ubyte.gz", idx(0x08, {2}, {7, 0}));
    write_bytes(dir / "train-images-idx3-ubyte", idx(0x08, {2, 784}, pixels));
    BOOST_TEST(both_fail("train") == "load_mnist: " + img + ": shape [2, 784] is not [N, 28, 28]");
    BOOST_TEST(both_fail("valid") == "load_mnist: " + dir.string() + ": no file valid-images-idx3-ubyte[.gz]");
    // A malformed IDX file: load_idx's message, whoever reads it.
    write_bytes(dir / "train-images-idx3-ubyte", Bytes{0, 0, 8});
    const std::string malformed = img + ": offset 3: the file ends inside the 4-byte IDX magic number";
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_mnist(dir, "train"); }) == malformed);
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_mnist_bytes(dir, "train"); }) == malformed);
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(the_mnist_10k_files)
{
    const nn::LabelledTensors train = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "train");
    const nn::LabelledTensors test = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "test");
    BOOST_TEST(train.features.shape() == (Shape{8000, 784}), tt::per_element());
    BOOST_TEST(train.labels.shape() == (Shape{8000}), tt::per_element());
    BOOST_TEST(test.features.shape() == (Shape{2000, 784}), tt::per_element());
    BOOST_TEST(test.labels.shape() == (Shape{2000}), tt::per_element());
    BOOST_TEST(train.features.dtype() == autograd::Dtype::Float32);
    // First labels, from Python (see the top of the file): list(labels[8:18]).
    BOOST_TEST(values(train.labels.slice(0, 0, 10)) == (std::vector<double>{3, 8, 7, 2, 3, 3, 5, 7, 8, 6}),
               tt::per_element());
    BOOST_TEST(values(test.labels.slice(0, 0, 10)) == (std::vector<double>{8, 0, 2, 0, 0, 0, 9, 6, 4, 1}),
               tt::per_element());
    // Class counts of the training labels, from Python's collections.Counter(labels[8:]).
    std::map<double, int> counts;
    for (double v : values(train.labels))
        ++counts[v];
    const std::map<double, int> want{{0, 794}, {1, 900}, {2, 793}, {3, 834}, {4, 794},
                                     {5, 691}, {6, 812}, {7, 854}, {8, 762}, {9, 766}};
    BOOST_TEST((counts == want));
    // Pixel sums from Python: the first image 13167, the first test image 24984, all training
    // pixels 209681796; scaled by 1/255.
    BOOST_TEST(train.features.slice(0, 0, 1).sum().item() == 13167.0 / 255.0, tt::tolerance(1e-5));
    BOOST_TEST(test.features.slice(0, 0, 1).sum().item() == 24984.0 / 255.0, tt::tolerance(1e-5));
    BOOST_TEST(train.features.to(autograd::Dtype::Float64).sum().item() == 209681796.0 / 255.0, tt::tolerance(1e-7));
    BOOST_TEST(autograd::max(train.features).item() == 1.0);
    BOOST_TEST(autograd::min(train.features).item() == 0.0);
    BOOST_TEST(message_of<std::runtime_error>([] { (void)nn::load_mnist(BACKPROP_DATA, "train"); }) ==
               "load_mnist: " BACKPROP_DATA ": no file train-images-idx3-ubyte[.gz]");
}

BOOST_AUTO_TEST_CASE(csv_files_plain_and_gzipped_as_tensors)
{
    // scikit-learn's digits: 1797 samples of 64 pixel intensities 0-16, the label last, no
    // header. zcat data/digits.csv.gz | head -2: the first row starts 0,0,5,13 with label 0, the
    // second ends with label 1; every feature together sums to 561718 (Python's csv module).
    const nn::LabelledData digits = nn::load_csv(BACKPROP_DATA "/digits.csv.gz");
    BOOST_TEST(digits.size() == 1797u);
    BOOST_TEST(digits.num_features() == 64u);
    const nn::LabelledTensors t = nn::to_tensors(digits);
    BOOST_TEST(t.features.shape() == (Shape{1797, 64}), tt::per_element());
    BOOST_TEST(t.labels.shape() == (Shape{1797}), tt::per_element());
    BOOST_TEST(t.features.dtype() == autograd::Dtype::Float32);
    BOOST_TEST(values(t.features.slice(0, 0, 1).slice(1, 0, 4)) == (std::vector<double>{0, 0, 5, 13}), tt::per_element());
    BOOST_TEST(values(t.labels.slice(0, 0, 2)) == (std::vector<double>{0, 1}), tt::per_element());
    BOOST_TEST(t.features.to(autograd::Dtype::Float64).sum().item() == 561718.0);

    // The UCI sets as scikit-learn ships them: header "samples,features,class names".
    const nn::LabelledTensors wine = nn::to_tensors(nn::load_csv(BACKPROP_DATA "/wine_data.csv"), autograd::Dtype::Float64);
    BOOST_TEST(wine.features.shape() == (Shape{178, 13}), tt::per_element());
    BOOST_TEST(wine.features.at({0, 0}) == 14.23);  // the first row: 14.23,1.71,...,1065,0
    BOOST_TEST(wine.features.at({0, 12}) == 1065.0);
    BOOST_TEST(wine.labels.at({0}) == 0.0);
    const nn::LabelledData cancer = nn::load_csv(BACKPROP_DATA "/breast_cancer.csv");
    BOOST_TEST(cancer.size() == 569u);
    BOOST_TEST(cancer.num_features() == 30u);
    BOOST_TEST(cancer.class_names == (std::vector<std::string>{"malignant", "benign"}), tt::per_element());

    // A gzipped CSV cut short is the gzip layer's error, naming the file.
    const fs::path dir = temp_dir();
    const std::string text = "2,2,a,b\n1,2,0\n3,4,1\n";
    const Bytes gz = gzip(Bytes(text.begin(), text.end()));
    write_bytes(dir / "s.csv.gz", gz);
    const nn::LabelledTensors s = nn::to_tensors(nn::load_csv(dir / "s.csv.gz"));
    BOOST_TEST(values(s.features) == (std::vector<double>{1, 2, 3, 4}), tt::per_element());
    BOOST_TEST(values(s.labels) == (std::vector<double>{0, 1}), tt::per_element());
    write_bytes(dir / "s.csv.gz", Bytes(gz.begin(), gz.end() - 3));
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::load_csv(dir / "s.csv.gz"); }),
                        (dir / "s.csv.gz").string() + ": truncated gzip data"));
    fs::remove_all(dir);
}

namespace {

// A data set of n rows: features [n, 2] = (i, 100 + i), targets [n] = i.
nn::TensorDataset numbered(int n)
{
    std::vector<float> xs, ys;
    for (int i = 0; i < n; ++i) {
        xs.push_back(static_cast<float>(i));
        xs.push_back(static_cast<float>(100 + i));
        ys.push_back(static_cast<float>(i));
    }
    return {Tensor(xs, {n, 2}), Tensor(ys, {n})};
}

// One epoch's targets in order, checking on the way that every batch's rows stay together.
std::vector<double> epoch(nn::DataLoader& loader, std::vector<std::int64_t>* batch_rows = nullptr)
{
    std::vector<double> seen;
    for (const nn::Batch& b : loader) {
        const auto f = values(b.features), t = values(b.targets);
        BOOST_TEST_REQUIRE(f.size() == 2 * t.size());
        for (std::size_t r = 0; r < t.size(); ++r) {
            BOOST_TEST(f[2 * r] == t[r]);
            BOOST_TEST(f[2 * r + 1] == 100 + t[r]);
            seen.push_back(t[r]);
        }
        if (batch_rows != nullptr)
            batch_rows->push_back(b.features.size(0));
    }
    return seen;
}

std::vector<double> sorted(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v;
}

std::vector<double> iota(int n, int from = 0)
{
    std::vector<double> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = from + static_cast<double>(i);
    return v;
}

} // namespace

BOOST_AUTO_TEST_CASE(data_loader_batch_sizes_and_drop_last)
{
    const nn::TensorDataset data = numbered(10);
    struct Case {
        std::int64_t batch_size;
        bool drop_last;
        std::vector<std::int64_t> rows; // of each batch
    };
    const std::vector<Case> cases = {
        {4, false, {4, 4, 2}},
        {4, true, {4, 4}},
        {5, true, {5, 5}},
        {1, false, std::vector<std::int64_t>(10, 1)}, // online
        {0, false, {10}},                             // full batch
        {10, true, {10}},
        {25, false, {10}}, // more than N: full batch
        {25, true, {10}},
        {9, true, {9}},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("batch_size " << c.batch_size << " drop_last " << c.drop_last)
        {
            nn::DataLoader loader(data, {.batch_size = c.batch_size, .drop_last = c.drop_last});
            BOOST_TEST(loader.size() == c.rows.size());
            std::vector<std::int64_t> rows;
            const std::vector<double> seen = epoch(loader, &rows);
            BOOST_TEST(rows == c.rows, tt::per_element());
            BOOST_TEST(seen == iota(static_cast<int>(seen.size())), tt::per_element()); // in order without shuffle
        }
    }
    // Multi-dimensional rows ([N, 2, 3] images) come out whole.
    std::vector<float> px(4 * 6);
    for (std::size_t i = 0; i < px.size(); ++i)
        px[i] = static_cast<float>(i);
    nn::DataLoader images(nn::TensorDataset(Tensor(px, {4, 2, 3}), Tensor::zeros({4, 1})), {.batch_size = 3});
    auto it = images.begin();
    BOOST_TEST(it->features.shape() == (Shape{3, 2, 3}), tt::per_element());
    BOOST_TEST(it->targets.shape() == (Shape{3, 1}), tt::per_element());
    ++it;
    BOOST_TEST(values(it->features) == (std::vector<double>{18, 19, 20, 21, 22, 23}), tt::per_element());
    BOOST_TEST((++it == images.end()));
    // An empty data set has no batches.
    nn::DataLoader none(nn::TensorDataset(Tensor::zeros({0, 3}), Tensor::zeros({0})), {.batch_size = 4});
    BOOST_TEST(none.size() == 0u);
    BOOST_TEST((none.begin() == none.end()));

    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::DataLoader(data, {.batch_size = -1}); }) ==
               "DataLoader: batch_size must be >= 0 (got -1)");
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::TensorDataset(Tensor::zeros({3, 2}), Tensor::zeros({4})); }) ==
               "TensorDataset: features [3, 2] and targets [4] must have the same number of rows");
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::TensorDataset(Tensor::scalar(1), Tensor::zeros({1})); }) ==
               "TensorDataset: features [] and targets [1] must have the same number of rows");
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::TensorDataset(Tensor(), Tensor::zeros({1})); }) ==
               "TensorDataset: features undefined and targets [1] must have the same number of rows");
}

BOOST_AUTO_TEST_CASE(data_loader_shuffles_every_sample_once_per_epoch_reproducibly)
{
    const int n = 23;
    const nn::TensorDataset data = numbered(n);
    for (const std::int64_t batch : {1, 3, 5, 23}) {
        BOOST_TEST_CONTEXT("batch_size " << batch)
        {
            nn::DataLoader loader(data, {.batch_size = batch, .shuffle = true, .seed = 5});
            std::vector<std::vector<double>> epochs;
            for (int e = 0; e < 4; ++e) {
                epochs.push_back(epoch(loader));
                BOOST_TEST(sorted(epochs.back()) == iota(n), tt::per_element()); // each sample exactly once
            }
            BOOST_TEST((epochs[0] != iota(n)));    // shuffled
            BOOST_TEST((epochs[0] != epochs[1]));  // a new order each epoch
            BOOST_TEST((epochs[1] != epochs[2]));
            nn::DataLoader again(data, {.batch_size = batch, .shuffle = true, .seed = 5});
            for (int e = 0; e < 4; ++e)
                BOOST_TEST(epoch(again) == epochs[static_cast<std::size_t>(e)], tt::per_element()); // same seed, same run
            nn::DataLoader other(data, {.batch_size = batch, .shuffle = true, .seed = 6});
            BOOST_TEST((epoch(other) != epochs[0])); // another seed, another order
        }
    }
    // drop_last with shuffling: the full batches hold distinct samples, a different few left out
    // each epoch.
    nn::DataLoader dropping(data, {.batch_size = 5, .shuffle = true, .drop_last = true, .seed = 1});
    BOOST_TEST(dropping.size() == 4u);
    std::vector<double> union_of_epochs;
    for (int e = 0; e < 6; ++e) {
        const std::vector<double> seen = sorted(epoch(dropping));
        BOOST_TEST(seen.size() == 20u);
        BOOST_TEST((std::adjacent_find(seen.begin(), seen.end()) == seen.end())); // no repeats
        union_of_epochs.insert(union_of_epochs.end(), seen.begin(), seen.end());
    }
    union_of_epochs = sorted(union_of_epochs);
    union_of_epochs.erase(std::unique(union_of_epochs.begin(), union_of_epochs.end()), union_of_epochs.end());
    BOOST_TEST(union_of_epochs.size() == static_cast<std::size_t>(n));
}

// Shards for data parallelism (num_replicas P, as dist::distributed sets them): step s of replica r
// is block r of the one-process batch s, so the replicas of a step together hold exactly that
// batch, in its order; the short last batch (7 rows of 23 at batch 8) is padded from the start of
// the epoch's order to a multiple of P, so every replica gets ceil(23 / P) rows an epoch.
BOOST_AUTO_TEST_CASE(data_loader_shards_split_each_batch_over_the_replicas)
{
    const nn::TensorDataset data = numbered(23);
    const auto batches = [](nn::DataLoader& loader) {
        std::vector<std::vector<double>> out;
        for (const nn::Batch& b : loader)
            out.push_back(values(b.targets));
        return out;
    };
    for (const std::int64_t replicas : {1, 2, 4}) {
        BOOST_TEST_CONTEXT("num_replicas " << replicas)
        {
            nn::DataLoader alone(data, {.batch_size = 8, .shuffle = true, .seed = 3});
            std::vector<nn::DataLoader> shards;
            for (std::int64_t r = 0; r < replicas; ++r)
                shards.emplace_back(data, nn::DataLoaderOptions{.batch_size = 8, .shuffle = true, .seed = 3,
                                                                .num_replicas = replicas, .rank = r});
            for (int e = 0; e < 2; ++e) {
                const std::vector<std::vector<double>> whole = batches(alone);
                std::vector<double> order; // the epoch's order, for the padding
                for (const auto& b : whole)
                    order.insert(order.end(), b.begin(), b.end());
                std::vector<std::vector<std::vector<double>>> parts; // [replica][step]
                for (nn::DataLoader& shard : shards) {
                    BOOST_TEST(shard.size() == 3u);
                    parts.push_back(batches(shard));
                }
                std::size_t rows = 0;
                for (std::size_t s = 0; s < whole.size(); ++s) {
                    std::vector<double> joined;
                    for (const auto& replica : parts) {
                        BOOST_TEST(replica[s].size() == parts[0][s].size()); // equal shares
                        joined.insert(joined.end(), replica[s].begin(), replica[s].end());
                    }
                    std::vector<double> expected = whole[s];
                    for (std::size_t pad = 0; expected.size() % static_cast<std::size_t>(replicas) != 0; ++pad)
                        expected.push_back(order[pad]);
                    BOOST_TEST(joined == expected, tt::per_element());
                    rows += parts[0][s].size();
                }
                BOOST_TEST(rows == static_cast<std::size_t>((23 + replicas - 1) / replicas));
            }
        }
    }
    // drop_last: no padding, the full batches split exactly.
    nn::DataLoader last(data, {.batch_size = 8, .drop_last = true, .num_replicas = 4, .rank = 3});
    BOOST_TEST(batches(last) == (std::vector<std::vector<double>>{{6, 7}, {14, 15}}));
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::DataLoader(data, {.batch_size = 6, .num_replicas = 4}); }) ==
               "DataLoader: the batch size 6 is not a multiple of the world size 4 (num_replicas): each of the 4 "
               "processes must get an equal share of every batch");
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::DataLoader(data, {.batch_size = 0, .num_replicas = 2}); }) ==
               "DataLoader: the batch size 23 is not a multiple of the world size 2 (num_replicas): each of the 2 "
               "processes must get an equal share of every batch");
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::DataLoader(data, {.batch_size = 8, .num_replicas = 4, .rank = 4}); }) ==
               "DataLoader: rank 4 is not in [0, 4) (num_replicas 4)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::DataLoader(data, {.batch_size = 8, .num_replicas = 0}); }) ==
               "DataLoader: num_replicas must be >= 1 (got 0)");
}

BOOST_AUTO_TEST_CASE(data_loader_batches_are_fresh_tensors_outside_the_graph)
{
    Tensor x = Tensor::ones({6, 3}).requires_grad_();
    nn::DataLoader loader(nn::TensorDataset(x, Tensor::zeros({6})), {.batch_size = 2}); // a temporary data set
    std::vector<nn::Batch> kept(loader.begin(), loader.end());
    BOOST_TEST(kept.size() == 3u);
    for (const nn::Batch& b : kept) {
        BOOST_TEST(!b.features.requires_grad());
        BOOST_TEST(b.features.grad_fn() == nullptr);
    }
    // A batch kept from an earlier epoch is not overwritten by the next one.
    x.data_ptr<float>()[0] = 5.0f;
    const nn::Batch first = *loader.begin();
    BOOST_TEST(first.features.at({0, 0}) == 5.0);
    BOOST_TEST(kept[0].features.at({0, 0}) == 1.0);
    // The loader holds the data set's tensors: it outlives a temporary data set and sees in-place
    // updates of the data (the tensors are shared, not copied).
    BOOST_TEST(dynamic_cast<const nn::TensorDataset&>(loader.dataset()).features().at({0, 0}) == 5.0);
}

BOOST_AUTO_TEST_CASE(data_loader_on_mnist_batches_of_16)
{
    const nn::LabelledTensors train = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "train");
    nn::DataLoader loader(nn::TensorDataset(train.features, train.labels), {.batch_size = 16, .shuffle = true, .seed = 0});
    BOOST_TEST(loader.size() == 500u);
    double pixel_sum = 0.0;
    std::size_t rows = 0;
    for (const nn::Batch& b : loader) {
        BOOST_TEST_REQUIRE(b.features.shape() == (Shape{16, 784}), tt::per_element());
        pixel_sum += b.features.to(autograd::Dtype::Float64).sum().item();
        rows += static_cast<std::size_t>(b.targets.numel());
    }
    BOOST_TEST(rows == 8000u);
    BOOST_TEST(pixel_sum == 209681796.0 / 255.0, tt::tolerance(1e-7)); // every image once (Python's sum, above)
}
