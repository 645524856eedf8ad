// safetensors (nn/io/safetensors.hpp) and copying a state dict in place (nn/io/load_state_dict.hpp).
//
// Where the expected bytes and numbers come from:
// - the exact file of one small tensor is spelled out here from the format's description
//   (8-byte little-endian length, JSON padded with spaces to 8 bytes, little-endian data);
// - tests/fixtures/reference*.safetensors are written by tests/golden/golden_safetensors.py, the
//   standard library only (struct, json): an independent writer. Its values are repeated here;
// - files we write are read back by tests/golden/read_safetensors.py (NumPy), an independent reader,
//   when a python3 with NumPy is installed (tools/install-deps.sh installs it);
// - every malformed case is a header written here, with the message it must produce;
// - a save that fails part way (the process may not write past 64 KiB, as on a full disk)
//   must leave the earlier file whole.
#define BOOST_TEST_MODULE safetensors
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/modules/activation.hpp>
#include <nn/modules/linear.hpp>
#include <nn/io/load_state_dict.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/sequential.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
namespace fs = std::filesystem;

namespace {

// Per process, so a sanitizer build and a normal build can run the suite at the same time.
fs::path temp_dir() { return test_util::temp_dir("backprop_test_safetensors_" + std::to_string(::getpid())); }

nn::StateDict sample()
{
    nn::StateDict d;
    d.insert("w", Tensor({1.f, -2.f, 3.5f, 4.f, 5.f, 6.f}, {1, 2, 3}));
    d.insert("b", Tensor({0.25, -0.5}, {2}));
    d.insert("s", Tensor::scalar(7.0));
    d.insert("empty", Tensor::zeros({0, 4}));
    d.insert("d3", Tensor({0.1, -1e300, 3.0, 4.5}, {2, 1, 2}));
    return d;
}

std::vector<std::string> names_of(const nn::StateDict& d)
{
    std::vector<std::string> names;
    for (const auto& [name, t] : d)
        names.push_back(name);
    return names;
}

std::string read_all(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string u64_le(std::uint64_t n)
{
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    return bytes;
}

// A file made of a header text and `data_bytes` zero bytes of data.
void write_raw(const fs::path& path, const std::string& header, std::size_t data_bytes)
{
    std::ofstream(path, std::ios::binary) << u64_le(header.size()) << header << std::string(data_bytes, '\0');
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_with_metadata)
{
    const fs::path path = temp_dir() / "a.safetensors";
    nn::save_safetensors(sample(), path, {{"format", "pt"}, {"epoch", "3"}});
    const nn::SafetensorsFile f = nn::read_safetensors(path);
    BOOST_TEST(f.metadata.size() == 2u);
    BOOST_TEST(f.metadata.at("epoch") == "3");
    BOOST_TEST(f.metadata.at("format") == "pt");
    // The data is written in the order of the dict and read back in the order of the data.
    BOOST_TEST(names_of(f.tensors) == names_of(sample()), tt::per_element());
    for (const auto& [name, t] : sample()) {
        const Tensor& got = f.tensors.at(name);
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_TEST(got.shape() == t.shape(), tt::per_element());
            BOOST_TEST(got.dtype() == t.dtype());
            BOOST_TEST(got.to_vector() == t.to_vector(), tt::per_element());
        }
    }
    // The header length is a multiple of 8, as the reference writer makes it.
    const std::string bytes = read_all(path);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = n << 8 | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    BOOST_TEST(n % 8 == 0u);
    BOOST_TEST(bytes.size() == 8 + n + 4 * 6 + 8 * 2 + 4 + 0 + 8 * 4);

    // No tensors and no metadata: the smallest file, "{}" padded to 8 bytes.
    nn::save_safetensors(nn::StateDict{}, path);
    BOOST_TEST(read_all(path) == u64_le(8) + "{}      ");
    BOOST_TEST(nn::load_safetensors(path).empty());
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(the_exact_bytes_of_a_small_file)
{
    const fs::path path = temp_dir() / "exact.safetensors";
    nn::StateDict d;
    d.insert("a", Tensor({1.f, -2.f}, {2}));
    d.insert("b", Tensor({0.5}, {1}));
    nn::save_safetensors(d, path, {{"k", "v"}});
    // nlohmann-json writes the keys sorted, without spaces; 133 bytes of JSON are padded to 136.
    const std::string json = R"({"__metadata__":{"k":"v"},"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
                             R"("b":{"data_offsets":[8,16],"dtype":"F64","shape":[1]}})";
    BOOST_TEST_REQUIRE(json.size() == 133u);
    const std::string header = json + std::string(3, ' ');
    const std::string data("\x00\x00\x80\x3f"  // 1.0f
                           "\x00\x00\x00\xc0"  // -2.0f
                           "\x00\x00\x00\x00\x00\x00\xe0\x3f", // 0.5
                           16);
    BOOST_TEST(read_all(path) == u64_le(136) + header + data);
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(reads_a_file_from_an_independent_writer)
{
    const nn::SafetensorsFile f = nn::read_safetensors(BACKPROP_FIXTURES "/reference.safetensors");
    BOOST_TEST(f.metadata.at("format") == "pt");
    BOOST_TEST(names_of(f.tensors) == (std::vector<std::string>{"layer.weight", "layer.bias", "scale"}),
               tt::per_element());
    BOOST_TEST(f.tensors.at("layer.weight").shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(f.tensors.at("layer.weight").dtype() == Dtype::Float32);
    BOOST_TEST(f.tensors.at("layer.weight").to_vector() ==
                   (std::vector<double>{0.5, -1.25, 2.0, 3.0, static_cast<double>(1e-3f), -7.5}),
               tt::per_element());
    BOOST_TEST(f.tensors.at("layer.bias").dtype() == Dtype::Float64);
    BOOST_TEST(f.tensors.at("layer.bias").to_vector() == (std::vector<double>{0.1, -0.2}), tt::per_element());
    BOOST_TEST(f.tensors.at("scale").dim() == 0);
    BOOST_TEST(f.tensors.at("scale").item() == 4.0);
}

BOOST_AUTO_TEST_CASE(reads_half_and_bfloat16_as_float32)
{
    const nn::SafetensorsFile f = nn::read_safetensors(BACKPROP_FIXTURES "/reference_half.safetensors");
    // The writer's path at the time the fixture was made (it has since moved from tools/).
    const std::string writer = f.metadata.at("writer");
    BOOST_TEST(writer.ends_with("golden_safetensors.py"));
    // The order of the data, not of the names; the empty tensor sits where m.bf16 starts.
    BOOST_TEST(names_of(f.tensors) == (std::vector<std::string>{"z.half", "nothing", "m.bf16", "a.f32"}),
               tt::per_element());
    for (const auto& [name, t] : f.tensors)
        BOOST_TEST(t.dtype() == Dtype::Float32);
    const double inf = std::numeric_limits<double>::infinity();
    const Tensor& half = f.tensors.at("z.half");
    BOOST_TEST(half.shape() == (Shape{2, 4}), tt::per_element());
    // one, a fraction, the largest half, the smallest subnormal, the smallest normal, -0, +-inf
    BOOST_TEST(half.to_vector() == (std::vector<double>{1.0, -2.5, 65504.0, std::ldexp(1.0, -24), std::ldexp(1.0, -14),
                                                        0.0, inf, -inf}),
               tt::per_element());
    BOOST_TEST(std::signbit(half.to_vector()[5]));
    BOOST_TEST(f.tensors.at("nothing").shape() == (Shape{0, 3}), tt::per_element());
    BOOST_TEST(f.tensors.at("m.bf16").to_vector() ==
                   (std::vector<double>{1.0, -3.140625, std::ldexp(1.0, 100), std::ldexp(1.0, -130)}),
               tt::per_element());
    BOOST_TEST(f.tensors.at("a.f32").item() == static_cast<double>(0.1f));
}

BOOST_AUTO_TEST_CASE(our_files_read_by_an_independent_reader)
{
    const std::optional<std::string> python = test_util::python_with("numpy");
    if (!python) {
        BOOST_TEST_MESSAGE("SKIPPED: no python3 with NumPy (apt-get install python3-numpy, or run "
                           "tools/install-deps.sh): files we write are not checked by an independent reader");
        return;
    }
    const fs::path path = temp_dir() / "b.safetensors", out = temp_dir() / "b.txt";
    nn::save_safetensors(sample(), path, {{"format", "pt"}});
    const std::string cmd =
        *python + " " BACKPROP_GOLDEN "/read_safetensors.py '" + path.string() + "' > '" + out.string() + "'";
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0);
    // Sorted by name; values are Python's repr of each element as a double.
    BOOST_TEST(read_all(out) == "b F64 2 0.25 -0.5\n"
                                "d3 F64 2x1x2 0.1 -1e+300 3.0 4.5\n"
                                "empty F32 0x4 \n"
                                "s F32 scalar 7.0\n"
                                "w F32 1x2x3 1.0 -2.0 3.5 4.0 5.0 6.0\n"
                                "meta format pt\n");
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(a_model_saves_and_loads)
{
    autograd::Generator g1(1), g2(2);
    nn::Sequential a(nn::Linear(4, 3, g1), nn::ReLU(), nn::Linear(3, 2, g1));
    nn::Sequential b(nn::Linear(4, 3, g2), nn::ReLU(), nn::Linear(3, 2, g2));
    const fs::path path = temp_dir() / "model.safetensors";
    nn::save_safetensors(a.state_dict(), path);
    const Tensor x = Tensor::ones({2, 4});
    autograd::Generator g3(3);
    nn::Sequential c(nn::Linear(4, 3, g3), nn::ReLU(), nn::Linear(3, 2, g3));
    BOOST_TEST(a(x).to_vector() != b(x).to_vector());
    nn::load_state_dict(b.state_dict(), nn::load_safetensors(path)); // the free function
    BOOST_TEST(a(x).to_vector() == b(x).to_vector(), tt::per_element());
    c.load_state_dict(nn::load_safetensors(path)); // the module's own
    BOOST_TEST(a(x).to_vector() == c(x).to_vector(), tt::per_element());
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(load_state_dict_copies_in_place_without_a_graph)
{
    const Tensor w = Tensor::zeros({2, 2}).requires_grad_(), b = Tensor::zeros({2}, Dtype::Float64);
    nn::StateDict model;
    model.insert("w", w);
    model.insert("b", b);
    nn::StateDict file;
    file.insert("b", Tensor({1.0, 2.0}, {2}));
    file.insert("w", Tensor({1.f, 2.f, 3.f, 4.f}, {2, 2}));
    const nn::IncompatibleKeys keys = nn::load_state_dict(model, file);
    BOOST_TEST(keys.missing_keys.empty());
    BOOST_TEST(keys.unexpected_keys.empty());
    // The model's own tensors changed, and they are still leaves that require a gradient.
    BOOST_TEST(w.to_vector() == (std::vector<double>{1, 2, 3, 4}), tt::per_element());
    BOOST_TEST(b.to_vector() == (std::vector<double>{1, 2}), tt::per_element());
    BOOST_TEST(w.is_leaf());
    BOOST_TEST(w.requires_grad());
    BOOST_TEST(!w.grad_fn());
    BOOST_TEST(!w.grad().defined());
    // The source is a copy, not an alias.
    file.at("w").data_ptr<float>()[0] = 9.f;
    BOOST_TEST(w.at({0, 0}) == 1.0);
}

BOOST_AUTO_TEST_CASE(load_state_dict_checks_names_shapes_and_dtypes)
{
    nn::StateDict model;
    model.insert("0.weight", Tensor::zeros({3, 4}));
    model.insert("0.bias", Tensor::zeros({3}));
    model.insert("2.weight", Tensor::zeros({1, 3}));
    nn::StateDict file;
    file.insert("0.weight", Tensor::ones({3, 4}));
    file.insert("extra", Tensor::ones({1}));
    file.insert("more", Tensor::ones({1}));

    // Strict: every missing and every unexpected name, and nothing written.
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::load_state_dict(model, file); }) ==
               "load_state_dict: the names differ: missing 2 ('0.bias', '2.weight'); unexpected 2 ('extra', 'more')");
    BOOST_TEST(model.at("0.weight").sum().item() == 0.0);

    // Not strict: the matching names are copied, the others returned.
    const nn::IncompatibleKeys keys = nn::load_state_dict(model, file, false);
    BOOST_TEST(keys.missing_keys == (std::vector<std::string>{"0.bias", "2.weight"}), tt::per_element());
    BOOST_TEST(keys.unexpected_keys == (std::vector<std::string>{"extra", "more"}), tt::per_element());
    BOOST_TEST(model.at("0.weight").sum().item() == 12.0);

    nn::StateDict small;
    small.insert("0.weight", Tensor::full({3, 4}, 2.0));
    small.insert("0.bias", Tensor::ones({3}));
    small.insert("2.weight", Tensor::ones({3, 1}));
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::load_state_dict(model, small); }) ==
               "load_state_dict: '2.weight' is float32 [3, 1] in the source but float32 [1, 3] in the destination");
    BOOST_TEST(model.at("0.weight").sum().item() == 12.0); // checked before anything was written

    nn::StateDict doubles;
    doubles.insert("0.weight", Tensor::zeros({3, 4}, Dtype::Float64));
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::load_state_dict(model, doubles, false); }) ==
               "load_state_dict: '0.weight' is float64 [3, 4] in the source but float32 [3, 4] in the destination");

    nn::StateDict undefined;
    undefined.insert("0.weight", Tensor());
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::load_state_dict(model, undefined, false); }) ==
               "load_state_dict: '0.weight' is an undefined tensor in the source");
}

BOOST_AUTO_TEST_CASE(bad_saves_are_refused_before_writing)
{
    const fs::path path = temp_dir() / "keep.safetensors";
    nn::save_safetensors(sample(), path);
    const std::string before = read_all(path);
    const auto error_of = [&](const nn::StateDict& d) {
        return message_of<std::invalid_argument>([&] { nn::save_safetensors(d, path); });
    };
    nn::StateDict bad = sample();
    bad.insert("undefined", Tensor());
    BOOST_TEST(error_of(bad) == "save_safetensors: 'undefined' is an undefined tensor");
    nn::StateDict unnamed;
    unnamed.insert("", Tensor::ones({1}));
    BOOST_TEST(error_of(unnamed) == "save_safetensors: bad tensor name ''");
    nn::StateDict reserved;
    reserved.insert("__metadata__", Tensor::ones({1}));
    BOOST_TEST(error_of(reserved) == "save_safetensors: bad tensor name '__metadata__'");
    nn::StateDict not_utf8;
    not_utf8.insert("\xff", Tensor::ones({1}));
    BOOST_TEST(contains(error_of(not_utf8), "save_safetensors: [json.exception.type_error.316] invalid UTF-8"));
    BOOST_TEST(read_all(path) == before);
    // A directory that does not exist: an error naming it, nothing else touched.
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { nn::save_safetensors(sample(), temp_dir() / "no/such/x"); }),
                        "no/such"));
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(a_save_failing_mid_write_leaves_the_earlier_file)
{
    const fs::path path = temp_dir() / "keep.safetensors";
    nn::save_safetensors(sample(), path, {{"version", "1"}});
    const std::string before = read_all(path);
    nn::StateDict big = sample();
    big.insert("big", Tensor::ones({256, 1024})); // 1 MiB of data

    // NOTE: RLIMIT_FSIZE binds root too (unlike permissions): with it at 64 KiB, writing the
    // temporary file fails part way through the data, as on a full disk. SIGXFSZ is ignored so
    // that the write returns EFBIG instead of the signal ending the process.
    rlimit old{};
    BOOST_TEST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 64 * 1024) {
        BOOST_TEST_MESSAGE("SKIPPED: the file size limit is already below 64 KiB");
        return;
    }
    rlimit limited = old;
    limited.rlim_cur = 64 * 1024;
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    std::string message;
    if (::setrlimit(RLIMIT_FSIZE, &limited) == 0) {
        try {
            nn::save_safetensors(big, path, {{"version", "2"}});
        } catch (const std::runtime_error& e) {
            message = e.what();
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
    }
    std::signal(SIGXFSZ, old_handler);

    BOOST_TEST(message == "write_file_atomically: cannot write '" + path.string() + "': write failed (disk full?)");
    BOOST_TEST(read_all(path) == before);
    BOOST_TEST(nn::read_safetensors(path).metadata.at("version") == "1");
    std::vector<std::string> left;
    for (const fs::directory_entry& e : fs::directory_iterator(temp_dir()))
        left.push_back(e.path().filename().string());
    BOOST_TEST(left == std::vector<std::string>{"keep.safetensors"}, tt::per_element()); // no temporary left

    // And without the limit the same save succeeds.
    nn::save_safetensors(big, path, {{"version", "2"}});
    BOOST_TEST(nn::read_safetensors(path).tensors.at("big").sum().item() == 256.0 * 1024);
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(malformed_files_are_clear_errors)
{
    const fs::path p = temp_dir() / "bad.safetensors";
    const std::string name = p.string();
    const auto load_error = [&] { return message_of<std::runtime_error>([&] { (void)nn::load_safetensors(p); }); };
    const auto error_of = [&](const std::string& header, std::size_t data) {
        write_raw(p, header, data);
        return load_error();
    };
    // A tensor entry with the given dtype, shape and offsets.
    const auto entry = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
        return R"({"dtype": ")" + dtype + R"(", "shape": )" + shape + R"(, "data_offsets": )" + offsets + "}";
    };
    const auto one = [&](const std::string& dtype, const std::string& shape, const std::string& offsets) {
        return R"({"a": )" + entry(dtype, shape, offsets) + "}";
    };

    // The file and its header length.
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(temp_dir() / "none"); }) ==
               (temp_dir() / "none").string() + ": cannot open the file (No such file or directory)");
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(temp_dir()); }),
                        temp_dir().string() + ": cannot read the file's size"));
    std::ofstream(p, std::ios::binary) << "abc";
    BOOST_TEST(load_error() == name + ": 3 bytes, too short for a safetensors header length");
    std::ofstream(p, std::ios::binary) << u64_le(100) << "{}";
    BOOST_TEST(load_error() == name + ": the header length 100 runs past the end of the file (10 bytes)");
    std::ofstream(p, std::ios::binary) << u64_le(std::uint64_t{1} << 63) << "{}      ";
    BOOST_TEST(load_error() == name + ": the header length 9223372036854775808 is over the format's limit of "
                                      "100000000 bytes (not a safetensors file?)");

    // The JSON.
    BOOST_TEST(contains(error_of("{not json", 0), name + ": the header is not valid JSON ("));
    BOOST_TEST(contains(error_of("{\"\xff\": 1}", 0), name + ": the header is not valid JSON ("));
    BOOST_TEST(error_of("[1, 2]", 0) == name + ": the header is not a JSON object");
    BOOST_TEST(error_of(R"({"a": )" + entry("F32", "[1]", "[0, 4]") + R"(, "a": )" + entry("F32", "[1]", "[4, 8]") + "}",
                        8) == name + ": the header names 'a' twice");
    BOOST_TEST(error_of(R"({"": )" + entry("F32", "[1]", "[0, 4]") + "}", 4) == name + ": a tensor has an empty name");
    BOOST_TEST(error_of(R"({"__metadata__": {"k": 1}})", 0) == name + ": metadata 'k' is not a string");
    BOOST_TEST(error_of(R"({"__metadata__": ["k"]})", 0) == name + ": __metadata__ is not an object");

    // An entry.
    const std::string a = name + ": tensor 'a': ";
    BOOST_TEST(error_of(R"({"a": 3})", 0) == a + "not an object with dtype, shape and data_offsets");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [1]}})", 0) ==
               a + "not an object with dtype, shape and data_offsets");
    BOOST_TEST(error_of(R"({"a": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", 4) == a + "dtype is not a string");
    BOOST_TEST(error_of(one("I32", "[1]", "[0, 4]"), 4) ==
               a + "dtype I32 is not supported: tensors here are float32, float64, int64 or bool (F32, F64, I64 and "
                   "BOOL are read as they are, F16 and BF16 as float32)");
    BOOST_TEST(error_of(one("F128", "[1]", "[0, 16]"), 16) ==
               a + "unknown dtype 'F128' (F32, F64, I64, BOOL, F16 and BF16 are read)");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", 4) == a + "shape is not an array");
    BOOST_TEST(error_of(one("F32", "[-1]", "[0, 4]"), 4) == a + "shape [-1] has a negative size");
    BOOST_TEST(error_of(one("F32", "[1.5]", "[0, 4]"), 4) == a + "shape [1.5] has an entry that is not an integer");
    BOOST_TEST(error_of(one("F32", "[0, 4611686018427387904, 4]", "[0, 0]"), 0) ==
               a + "shape [0,4611686018427387904,4] has too many elements");
    BOOST_TEST(error_of(one("F64", "[4611686018427387904]", "[0, 8]"), 8) ==
               a + "data_offsets [0, 8] hold 8 bytes, shape [4611686018427387904] of F64 needs more than 2^64");
    BOOST_TEST(error_of(one("F32", "[2]", "[0, 4]"), 4) == a + "data_offsets [0, 4] hold 4 bytes, shape [2] of F32 needs 8");
    BOOST_TEST(error_of(one("F32", "[2]", "[0, 8]"), 4) == a + "data_offsets [0, 8] are outside the 4 bytes of data");
    BOOST_TEST(error_of(one("F32", "[1]", "[4, 0]"), 4) == a + "data_offsets [4, 0] end before they begin");
    BOOST_TEST(error_of(one("F32", "[1]", "[0]"), 4) == a + "data_offsets [0] is not a pair of non-negative integers");
    BOOST_TEST(error_of(one("F32", "[1]", "[0, -4]"), 4) == a + "data_offsets [0,-4] is not a pair of non-negative integers");

    // The data as a whole: covered exactly.
    BOOST_TEST(error_of(R"({"a": )" + entry("F32", "[1]", "[0, 4]") + R"(, "b": )" + entry("F32", "[1]", "[2, 6]") + "}",
                        6) == name + ": tensor 'b' starts at data offset 2, expected 4 (overlap)");
    BOOST_TEST(error_of(one("F32", "[1]", "[4, 8]"), 8) == name + ": tensor 'a' starts at data offset 4, expected 0 (gap)");
    BOOST_TEST(error_of(one("F32", "[1]", "[0, 4]"), 6) == name + ": 2 bytes of data after the last tensor");
    BOOST_TEST(error_of("{}", 1) == name + ": 1 bytes of data after the last tensor");

    // Still a valid file after all this: two empty tensors at the end of the data.
    write_raw(p,
              R"({"a": )" + entry("F32", "[1]", "[0, 4]") + R"(, "b": )" + entry("F32", "[0]", "[4, 4]") +
                  R"(, "c": )" + entry("F64", "[2, 0]", "[4, 4]") + "}",
              4);
    BOOST_TEST(names_of(nn::load_safetensors(p)) == (std::vector<std::string>{"a", "b", "c"}), tt::per_element());
    fs::remove_all(temp_dir());
}

BOOST_AUTO_TEST_CASE(loading_is_linear_in_the_entries)
{
    // 100k one-element tensors (a 6 MB header). Loading was quadratic: 10k entries took 3 s and
    // 40k took 69 s (the JSON parser's duplicate-key callback and the state dict's linear
    // duplicate check), so 100k would take minutes; linear, they take well under a second in
    // Release. The bound of 2 s of processor time leaves room for a slow machine and still
    // catches a quadratic step. Debug and sanitizer builds load the file and check it, untimed.
    constexpr int n = 100'000;
    nn::StateDict many;
    for (int i = 0; i < n; ++i)
        many.insert("layer." + std::to_string(i) + ".weight", Tensor({static_cast<float>(i)}, {1}));
    const fs::path path = temp_dir() / "many.safetensors";
    nn::save_safetensors(many, path);

    // NOTE: the processor time of this process, not the wall clock: on a machine shared with
    // other builds the wall clock measures them too.
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    const nn::StateDict loaded = nn::load_safetensors(path);
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_MESSAGE("loaded " << n << " entries in " << cpu_seconds << " s of processor time (" << seconds
                                 << " s on the clock)");
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
    BOOST_TEST(cpu_seconds < 2.0);
#endif
    BOOST_TEST(loaded.size() == static_cast<std::size_t>(n));
    // Entries come back in the order of their data (the order of saving), each with its value.
    std::size_t i = 0;
    bool all_match = true;
    for (const auto& [name, t] : loaded) {
        all_match = all_match && name == "layer." + std::to_string(i) + ".weight" && t.item() == static_cast<double>(i);
        ++i;
    }
    BOOST_TEST(all_match);
    BOOST_TEST(loaded.at("layer.77777.weight").item() == 77777.0);
    BOOST_TEST(!loaded.contains("layer.100000.weight"));
    // A duplicate among them is still found, as the state dict's insert still refuses one.
    BOOST_TEST(message_of<std::invalid_argument>([&] { many.insert("layer.5.weight", Tensor::scalar(1.0)); }) ==
               "state_dict: duplicate name 'layer.5.weight'");
    // A header naming a key twice after 100k distinct ones is refused, also in linear time.
    std::string header = "{";
    for (int k = 0; k < n; ++k)
        header += "\"k" + std::to_string(k) + "\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}, ";
    header += "\"k0\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}";
    write_raw(path, header, 0);
    const std::clock_t dup_start = std::clock();
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(path); }) ==
               path.string() + ": the header names 'k0' twice");
    const double dup_seconds = static_cast<double>(std::clock() - dup_start) / CLOCKS_PER_SEC;
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
    BOOST_TEST(dup_seconds < 2.0);
#endif
    BOOST_TEST_MESSAGE("found the duplicate after " << n << " keys in " << dup_seconds << " s");
    fs::remove_all(temp_dir());
}
