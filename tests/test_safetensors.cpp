// safetensors: round trips (float32 and float64, 0-d, empty and 3-d tensors, metadata), a file
// written by an independent writer (tools/read_safetensors.py --write, committed fixture), our
// files read by an independent reader (the same script, when python3 is installed), every
// malformed case with its message, and a failed save that leaves the earlier file whole.
#define BOOST_TEST_MODULE safetensors
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/activation_modules.hpp>
#include <nn/linear.hpp>
#include <nn/safetensors.hpp>
#include <nn/sequential.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() { return test_util::temp_dir("backprop_test_safetensors"); }

nn::StateDict sample()
{
    nn::StateDict d;
    d.insert("w", Tensor({1.f, -2.f, 3.5f, 4.f, 5.f, 6.f}, {1, 2, 3}));
    d.insert("b", Tensor({0.25, -0.5}, {2}));
    d.insert("s", Tensor::scalar(7.0));
    d.insert("empty", Tensor::zeros({0, 4}));
    return d;
}

// A file made of a header text and `data_bytes` zero bytes of data.
void write_raw(const fs::path& path, const std::string& header, std::size_t data_bytes)
{
    std::string file(8, '\0');
    const std::uint64_t n = header.size();
    std::memcpy(file.data(), &n, 8);
    file += header + std::string(data_bytes, '\0');
    std::ofstream(path, std::ios::binary) << file;
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trip_with_metadata)
{
    const fs::path path = temp_dir() / "a.safetensors";
    nn::save_safetensors(sample(), path, {{"format", "pt"}, {"epoch", "3"}});
    const nn::SafetensorsFile f = nn::read_safetensors(path);
    BOOST_TEST(f.metadata.at("epoch") == "3");
    BOOST_TEST(f.tensors.size() == 4u);
    for (const auto& [name, t] : sample()) {
        const Tensor& got = f.tensors.at(name);
        BOOST_TEST(got.shape() == t.shape(), tt::per_element());
        BOOST_TEST(got.dtype() == t.dtype());
        BOOST_TEST(got.to_vector() == t.to_vector(), tt::per_element());
    }
    // The header length is a multiple of 8, as the reference writer makes it.
    std::ifstream in(path, std::ios::binary);
    std::uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 8);
    BOOST_TEST(n % 8 == 0u);
}

BOOST_AUTO_TEST_CASE(reads_a_file_from_an_independent_writer)
{
    const nn::SafetensorsFile f = nn::read_safetensors(BACKPROP_FIXTURES "/reference.safetensors");
    BOOST_TEST(f.metadata.at("format") == "pt");
    BOOST_TEST(f.tensors.at("layer.weight").shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(f.tensors.at("layer.weight").to_vector() ==
                   (std::vector<double>{0.5, -1.25, 2.0, 3.0, static_cast<double>(1e-3f), -7.5}),
               tt::per_element());
    BOOST_TEST(f.tensors.at("layer.bias").dtype() == Dtype::Float64);
    BOOST_TEST(f.tensors.at("layer.bias").to_vector() == (std::vector<double>{0.1, -0.2}), tt::per_element());
    BOOST_TEST(f.tensors.at("scale").dim() == 0);
}

BOOST_AUTO_TEST_CASE(our_files_read_by_an_independent_reader)
{
    if (std::system("python3 -c 'import json, struct' > /dev/null 2>&1") != 0) {
        BOOST_TEST_MESSAGE("python3 is not installed: the independent reader is skipped");
        return;
    }
    const fs::path path = temp_dir() / "b.safetensors", out = temp_dir() / "b.txt";
    nn::save_safetensors(sample(), path, {{"format", "pt"}});
    const std::string cmd = "python3 " BACKPROP_TOOLS "/read_safetensors.py " + path.string() + " > " + out.string();
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(text == "b F64 2 0.25 -0.5\n"
                       "empty F32 0x4 \n"
                       "s F32 scalar 7.0\n"
                       "w F32 1x2x3 1.0 -2.0 3.5 4.0 5.0 6.0\n"
                       "meta format pt\n");
}

BOOST_AUTO_TEST_CASE(a_model_saves_and_loads)
{
    autograd::Generator g1(1), g2(2);
    nn::Sequential a(nn::Linear(4, 3, g1), nn::ReLU(), nn::Linear(3, 2, g1));
    nn::Sequential b(nn::Linear(4, 3, g2), nn::ReLU(), nn::Linear(3, 2, g2));
    const fs::path path = temp_dir() / "model.safetensors";
    nn::save_safetensors(a.state_dict(), path);
    b.load_state_dict(nn::load_safetensors(path));
    const Tensor x = Tensor::ones({2, 4});
    BOOST_TEST(a(x).to_vector() == b(x).to_vector(), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_failed_save_leaves_the_earlier_file)
{
    const fs::path path = temp_dir() / "keep.safetensors";
    nn::save_safetensors(sample(), path);
    const auto size = fs::file_size(path);
    nn::StateDict bad = sample();
    bad.insert("undefined", Tensor());
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::save_safetensors(bad, path); }) ==
               "save_safetensors: 'undefined' is an undefined tensor");
    BOOST_TEST(fs::file_size(path) == size);
    BOOST_TEST(nn::load_safetensors(path).size() == 4u);
    // A directory that does not exist: an error naming it, nothing else touched.
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { nn::save_safetensors(sample(), temp_dir() / "no/such/x"); }),
                        "no/such"));
}

BOOST_AUTO_TEST_CASE(malformed_files_are_clear_errors)
{
    const fs::path p = temp_dir() / "bad.safetensors";
    const std::string name = p.string();
    const auto error_of = [&](const std::string& header, std::size_t data) {
        write_raw(p, header, data);
        return message_of<std::runtime_error>([&] { (void)nn::load_safetensors(p); });
    };
    std::ofstream(p, std::ios::binary) << "abc";
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(p); }) ==
               name + ": 3 bytes, too short for a safetensors header length");
    {
        std::string file(8, '\0');
        file[0] = 100;
        std::ofstream(p, std::ios::binary) << file << "{}";
    }
    BOOST_TEST(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(p); }) ==
               name + ": the header length 100 runs past the end of the file (10 bytes)");
    BOOST_TEST(contains(error_of("{not json", 0), ": the header is not valid JSON"));
    BOOST_TEST(error_of("[1, 2]", 0) == name + ": the header is not a JSON object");
    BOOST_TEST(error_of(R"({"a": 3})", 0) == name + ": tensor 'a': not an object with dtype, shape and data_offsets");
    BOOST_TEST(error_of(R"({"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}})", 2) ==
               name + ": tensor 'a': dtype BF16 is not supported (F32 and F64 are)");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4) ==
               name + ": tensor 'a': shape [-1] has an entry that is not a non-negative integer");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", 4) ==
               name + ": tensor 'a': data_offsets [0, 4] hold 4 bytes, shape [2] of F32 needs 8");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4) ==
               name + ": tensor 'a': data_offsets [0, 8] are outside the 4 bytes of data");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                        R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}})", 6) ==
               name + ": tensor 'b' starts at data offset 2, expected 4 (overlap)");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8) ==
               name + ": tensor 'a' starts at data offset 4, expected 0 (gap)");
    BOOST_TEST(error_of(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 6) ==
               name + ": 2 bytes of data after the last tensor");
    BOOST_TEST(error_of(R"({"__metadata__": {"k": 1}})", 0) == name + ": metadata 'k' is not a string");
    fs::remove_all(temp_dir());
}
