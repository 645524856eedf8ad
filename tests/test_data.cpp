// Data: gzip and IDX reading (round trips of hand-made files, every malformed case with its
// message), the real MNIST-10k files (counts and first labels read independently with Python's
// gzip module: python3 -c "import gzip; print(list(gzip.open(f).read()[8:18]))"), and the
// DataLoader (batches, shuffling, drop_last, reproducibility).
#define BOOST_TEST_MODULE data
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/csv.hpp>
#include <nn/data_loader.hpp>
#include <nn/file_bytes.hpp>
#include <nn/idx.hpp>

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() { return test_util::temp_dir("backprop_test_data"); }

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gzip(const fs::path& path, const std::vector<std::uint8_t>& bytes)
{
    gzFile f = gzopen(path.string().c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
}

// An IDX file of unsigned bytes: shape [2, 3], values 1..6.
std::vector<std::uint8_t> small_idx() { return {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}; }

} // namespace

BOOST_AUTO_TEST_CASE(idx_round_trips_plain_and_gzipped)
{
    const fs::path dir = temp_dir();
    write_bytes(dir / "a.idx", small_idx());
    write_gzip(dir / "a.idx.gz", small_idx());
    for (const char* name : {"a.idx", "a.idx.gz"}) {
        const Tensor t = nn::load_idx(dir / name);
        BOOST_TEST(t.shape() == (Shape{2, 3}), tt::per_element());
        BOOST_TEST(t.to_vector() == (std::vector<double>{1, 2, 3, 4, 5, 6}), tt::per_element());
    }
    // Big-endian signed shorts and floats: -2 as 0xFFFE, 1.5f as 0x3FC00000.
    write_bytes(dir / "s.idx", {0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00});
    BOOST_TEST(nn::load_idx(dir / "s.idx").to_vector() == (std::vector<double>{-2, 256}), tt::per_element());
    write_bytes(dir / "f.idx", {0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0});
    BOOST_TEST(nn::load_idx(dir / "f.idx", autograd::Dtype::Float64).item() == 1.5);
}

BOOST_AUTO_TEST_CASE(malformed_idx_files_are_clear_errors)
{
    const fs::path dir = temp_dir();
    const auto error_of = [&](const std::vector<std::uint8_t>& bytes) {
        write_bytes(dir / "bad.idx", bytes);
        return message_of<std::runtime_error>([&] { (void)nn::load_idx(dir / "bad.idx"); });
    };
    const std::string p = (dir / "bad.idx").string();
    BOOST_TEST(error_of({0, 0}) == p + ": 2 bytes, too short for the IDX magic number");
    BOOST_TEST(error_of({1, 0, 8, 1}) == p + ": offset 0: bad magic number 01 00 08 01 (an IDX file starts with two zero bytes)");
    BOOST_TEST(error_of({0, 0, 0x07, 1, 0, 0, 0, 1, 5}) == p + ": offset 2: unknown IDX data type 0x07");
    BOOST_TEST(error_of({0, 0, 8, 2, 0, 0, 0, 2}) == p + ": truncated header: 2 dimensions need 12 bytes, the file has 8");
    auto truncated = small_idx();
    truncated.pop_back();
    BOOST_TEST(error_of(truncated) ==
               p + ": truncated: shape [2, 3] needs 6 bytes of data from offset 12, the file ends at offset 17");
    auto trailing = small_idx();
    trailing.push_back(9);
    BOOST_TEST(error_of(trailing) == p + ": 1 trailing bytes after the data, from offset 18");
    // Corrupt and truncated gzip
    write_gzip(dir / "c.gz", small_idx());
    std::vector<std::uint8_t> gz;
    {
        std::ifstream in(dir / "c.gz", std::ios::binary);
        gz.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    write_bytes(dir / "t.gz", std::vector<std::uint8_t>(gz.begin(), gz.begin() + 14));
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::read_file_bytes(dir / "t.gz"); }), "truncated gzip data"));
    gz[12] ^= 0xFF;
    gz[13] ^= 0xFF;
    write_bytes(dir / "x.gz", gz);
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::read_file_bytes(dir / "x.gz"); }), "gzip data"));
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::load_idx(dir / "missing.idx"); }), "cannot open"));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(the_mnist_10k_files)
{
    const nn::LabelledTensors train = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "train");
    const nn::LabelledTensors test = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "test");
    BOOST_TEST(train.features.shape() == (Shape{8000, 784}), tt::per_element());
    BOOST_TEST(test.features.shape() == (Shape{2000, 784}), tt::per_element());
    const std::vector<double> first = train.labels.slice(0, 0, 10).to_vector();
    BOOST_TEST(first == (std::vector<double>{3, 8, 7, 2, 3, 3, 5, 7, 8, 6}), tt::per_element());
    BOOST_TEST(test.labels.slice(0, 0, 10).to_vector() == (std::vector<double>{8, 0, 2, 0, 0, 0, 9, 6, 4, 1}),
               tt::per_element());
    // The first image's bytes sum to 13167 (Python, as above): scaled by 1/255.
    BOOST_TEST(train.features.slice(0, 0, 1).sum().item() == 13167.0 / 255.0, tt::tolerance(1e-5));
    BOOST_TEST(autograd::max(train.features).item() <= 1.0);
    BOOST_TEST(contains(message_of<std::runtime_error>([] { (void)nn::load_mnist(BACKPROP_DATA, "train"); }),
                        "no file train-images-idx3-ubyte[.gz]"));
}

BOOST_AUTO_TEST_CASE(data_loader_batches_every_sample_once_per_epoch)
{
    std::vector<float> xs, ys;
    for (int i = 0; i < 10; ++i) {
        xs.push_back(static_cast<float>(i));
        xs.push_back(static_cast<float>(100 + i));
        ys.push_back(static_cast<float>(i));
    }
    const nn::TensorDataset data(Tensor(xs, {10, 2}), Tensor(ys, {10}));
    nn::DataLoader plain(data, {.batch_size = 4});
    BOOST_TEST(plain.size() == 3u);
    std::vector<Shape> shapes;
    for (const nn::Batch& b : plain)
        shapes.push_back(b.features.shape());
    BOOST_TEST(shapes.size() == 3u);
    BOOST_TEST(shapes.back() == (Shape{2, 2}), tt::per_element()); // 4 + 4 + 2
    BOOST_TEST(nn::DataLoader(data, {.batch_size = 4, .drop_last = true}).size() == 2u);
    BOOST_TEST(nn::DataLoader(data, {.batch_size = 0}).size() == 1u); // full batch
    BOOST_TEST(nn::DataLoader(data, {.batch_size = 1}).size() == 10u); // online

    nn::DataLoader shuffled(data, {.batch_size = 3, .shuffle = true, .seed = 5});
    std::vector<double> epoch1, epoch2;
    for (const nn::Batch& b : shuffled) {
        const auto f = b.features.to_vector(), t = b.targets.to_vector();
        for (std::size_t r = 0; r < t.size(); ++r) {
            BOOST_TEST(f[2 * r] == t[r]); // rows stay together
            BOOST_TEST(f[2 * r + 1] == 100 + t[r]);
            epoch1.push_back(t[r]);
        }
    }
    for (const nn::Batch& b : shuffled)
        for (double v : b.targets.to_vector())
            epoch2.push_back(v);
    BOOST_TEST(std::set<double>(epoch1.begin(), epoch1.end()).size() == 10u);
    BOOST_TEST(epoch1 != epoch2); // a new order each epoch
    nn::DataLoader again(data, {.batch_size = 3, .shuffle = true, .seed = 5});
    std::vector<double> replay;
    for (const nn::Batch& b : again)
        for (double v : b.targets.to_vector())
            replay.push_back(v);
    BOOST_TEST(replay == epoch1, tt::per_element()); // the same seed, the same order
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::TensorDataset(Tensor::zeros({3, 2}), Tensor::zeros({4})); }) ==
               "TensorDataset: features [3, 2] and targets [4] must have the same number of rows");
}

BOOST_AUTO_TEST_CASE(gzipped_csv_as_tensors)
{
    // scikit-learn's digits: 1797 samples of 64 pixel intensities 0-16, the label last. The
    // first row's label is 0 and its first pixels 0, 0, 5, 13 (zcat data/digits.csv.gz | head -1).
    const nn::LabelledData digits = nn::load_csv(BACKPROP_DATA "/digits.csv.gz");
    BOOST_TEST(digits.size() == 1797u);
    BOOST_TEST(digits.num_features() == 64u);
    const nn::LabelledTensors t = nn::to_tensors(digits);
    BOOST_TEST(t.features.shape() == (Shape{1797, 64}), tt::per_element());
    BOOST_TEST(t.features.slice(1, 0, 4).slice(0, 0, 1).to_vector() == (std::vector<double>{0, 0, 5, 13}),
               tt::per_element());
    BOOST_TEST(t.labels.at({0}) == 0.0);
}
