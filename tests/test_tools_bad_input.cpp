// Bad input to train, evaluate and predict, as users give it: empty, truncated and corrupted
// files, wrong magic numbers, huge declared sizes, ragged and non-numeric CSV rows, labels out
// of range, NaN features, a folder or an unreadable file, checkpoints of another model or with
// broken metadata, and absurd options. Each must end with a non-zero exit status of the tool's
// own (not a signal, not the time limit) and a message that names what is wrong: the option,
// the file, the line, the value.
#define BOOST_TEST_MODULE tools_bad_input
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/tensor.hpp>
#include <nn/io/safetensors.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

using autograd::Tensor;
using test_util::contains;
namespace fs = std::filesystem;

namespace {

const std::string kData = BACKPROP_DATA;
const std::string kIris = kData + "/iris.csv";
const std::string kMnist = kData + "/mnist-10k";

// A scratch folder of this process, removed at the end.
const fs::path& work_dir()
{
    static const test_util::ScratchDir dir("tools_bad_input");
    return dir.path;
}

std::string path(const std::string& name) { return (work_dir() / name).string(); }

// A file of the scratch folder with these bytes.
std::string write(const std::string& name, const std::string& bytes)
{
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
}

std::string read_bytes(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gunzip(const fs::path& p)
{
    gzFile f = gzopen(p.c_str(), "rb");
    BOOST_REQUIRE(f != nullptr);
    std::string out;
    char buf[1 << 16];
    for (int n; (n = gzread(f, buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    gzclose(f);
    return out;
}

// An MNIST folder in the scratch folder: the real one's four files, with `replace` written in
// place of the one it names (others copied).
std::string mnist_with(const std::string& folder, const std::string& file, const std::string& bytes)
{
    const fs::path dir = work_dir() / folder;
    fs::create_directories(dir);
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "test-images-idx3-ubyte", "test-labels-idx1-ubyte"}) {
        if (file.starts_with(f))
            continue;
        fs::copy_file(fs::path(kMnist) / (std::string(f) + ".gz"), dir / (std::string(f) + ".gz"), fs::copy_options::overwrite_existing);
    }
    std::ofstream(dir / file, std::ios::binary) << bytes;
    return dir.string();
}

// The big-endian 32-bit integer of an IDX header.
std::string be32(std::uint32_t v)
{
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

struct Case {
    std::string what;
    std::string tool; // "train", "evaluate" or "predict"
    std::string args;
    std::vector<std::string> says;
};

test_util::ProgramRun run(const Case& c)
{
    const std::string program = c.tool == "train" ? BACKPROP_TRAIN : c.tool == "evaluate" ? BACKPROP_EVALUATE : BACKPROP_PREDICT;
    // A bound on each run: a hang ends as status 124 and fails the check below.
    return test_util::run_program("timeout", "120 '" + program + "' " + c.args, work_dir() / "output.txt", work_dir());
}

} // namespace

BOOST_AUTO_TEST_CASE(every_bad_input_ends_with_a_message_that_names_it)
{
    const std::string iris_lines = read_bytes(kIris);
    const std::string header = "3,4,a,b,c\n";
    const std::string row = "5.1,3.5,1.4,0.2,";

    // Checkpoints: a good one, one of another model (wine), and copies with broken metadata.
    const std::string good = path("iris.safetensors"), wine = path("wine.safetensors");
    const std::string quick = " --epochs 1 -q --save ";
    BOOST_TEST_REQUIRE(run({"", "train", "--data " + kIris + " --layers 4,8,3" + quick + good, {}}).status == 0);
    BOOST_TEST_REQUIRE(run({"", "train", "--data " + kData + "/wine_data.csv --layers 13,8,3" + quick + wine, {}}).status == 0);
    const nn::SafetensorsFile file = nn::read_safetensors(good);
    const auto with_meta = [&](const std::string& name, const std::string& key, const std::string& value) {
        auto meta = file.metadata;
        meta[key] = value;
        nn::save_safetensors(file.tensors, path(name), meta);
        return path(name);
    };
    const std::string bad_epoch = with_meta("bad_epoch.safetensors", "epoch", "seven");
    const std::string bad_layers = with_meta("bad_layers.safetensors", "layers", "4,x,3");
    const std::string other_layers = with_meta("other_layers.safetensors", "layers", "4,16,3"); // tensors are 4-8-3
    nn::StateDict plain;
    plain.insert("w", Tensor::zeros({2}));
    nn::save_safetensors(plain, path("plain.safetensors"));
    const std::string good_bytes = read_bytes(good);
    const std::string truncated = write("truncated.safetensors", good_bytes.substr(0, good_bytes.size() / 2));
    std::string flipped_bytes = good_bytes;
    flipped_bytes[10] = '\x01'; // inside the JSON header
    const std::string corrupted = write("corrupted.safetensors", flipped_bytes);

    // IDX files: wrong magic, a huge declared size, cut short, labels that do not match.
    const std::string images = gunzip(kMnist + "/train-images-idx3-ubyte.gz");
    const std::string labels = gunzip(kMnist + "/train-labels-idx1-ubyte.gz");
    std::string label_12 = labels;
    label_12[8 + 5] = 12;
    fs::create_directories(work_dir() / "empty_folder");
    fs::create_directories(work_dir() / "folder.csv");
    const std::string unreadable = write("unreadable.csv", iris_lines);
    fs::permissions(unreadable, fs::perms::none);
    const bool root = ::geteuid() == 0; // root reads any file: that case cannot fail there

    const std::string iris = "--data " + kIris + " --layers 4,8,3 ";
    std::vector<Case> cases = {
        // CSV files
        {"empty CSV", "train", "--data " + write("empty.csv", "") + " --layers 4,3", {"empty.csv", "no data rows"}},
        {"header alone", "train", "--data " + write("header.csv", header) + " --layers 4,3", {"header.csv", "no data rows"}},
        {"cut inside a row", "train", "--data " + write("cut.csv", iris_lines.substr(0, 100)) + " --layers 4,3", {"cut.csv:5"}},
        {"ragged row", "train", "--data " + write("ragged.csv", header + row + "0\n1,2,0\n") + " --layers 4,3", {"ragged.csv:3"}},
        {"non-numeric field", "train", "--data " + write("word.csv", header + row + "0\n5.1,abc,1.4,0.2,1\n") + " --layers 4,3",
         {"word.csv:3", "'abc'"}},
        {"label out of range", "train", "--data " + write("label7.csv", header + row + "0\n" + row + "7\n") + " --layers 4,3",
         {"label7.csv:3", "label 7"}},
        {"negative label", "train", "--data " + write("neg.csv", header + row + "0\n" + row + "-1\n") + " --layers 4,3", {"neg.csv:3", "'-1'"}},
        {"fractional label", "train", "--data " + write("frac.csv", header + row + "0\n" + row + "1.5\n") + " --layers 4,3",
         {"frac.csv:3", "'1.5'"}},
        {"NaN feature", "train", "--data " + write("nan.csv", header + row + "0\n5.1,nan,1.4,0.2,1\n" + row + "2\n") + " --layers 4,3",
         {"nan.csv", "nan"}},
        {"infinite feature", "train", "--data " + write("inf.csv", header + row + "0\n5.1,inf,1.4,0.2,1\n" + row + "2\n") + " --layers 4,3",
         {"inf.csv", "inf"}},
        {"row count 1e300 in the header", "train", "--data " + write("huge_count.csv", "1e300,4,a,b\n" + row + "0\n") + " --layers 4,2",
         {"huge_count.csv", "1e300"}},
        {"row count nan in the header", "train", "--data " + write("nan_count.csv", "nan,4,a,b\n" + row + "0\n") + " --layers 4,2",
         {"nan_count.csv", "nan"}},
        {"binary file named .csv", "train", "--data " + write("binary.csv", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10) + images.substr(16, 3000)) +
         " --layers 4,3", {"binary.csv"}},
        {"not gzip but named .csv.gz", "train", "--data " + write("plain.csv.gz", "hello\n") + " --layers 4,3", {"plain.csv.gz"}},
        {"a folder as the CSV", "train", "--data " + path("folder.csv") + " --format csv --layers 4,3", {"folder.csv", "directory"}},
        {"no such file", "train", "--data " + path("missing.csv") + " --layers 4,3", {"missing.csv"}},
        // IDX folders
        {"wrong IDX magic", "train", "--data " + mnist_with("magic", "train-images-idx3-ubyte", be32(0x0903) + images.substr(4)) + " --layers 784,10",
         {"train-images-idx3-ubyte"}},
        {"huge IDX dimensions", "train",
         "--data " + mnist_with("huge", "train-images-idx3-ubyte", be32(0x0803) + be32(0x7fffffff) + be32(256) + be32(256)) + " --layers 784,10",
         {"train-images-idx3-ubyte", "2147483647"}},
        {"IDX data cut short", "train", "--data " + mnist_with("short", "train-images-idx3-ubyte", images.substr(0, 100000)) + " --layers 784,10",
         {"train-images-idx3-ubyte", "ends inside the data"}},
        {"gzip cut short", "train",
         "--data " + mnist_with("short_gz", "train-images-idx3-ubyte.gz", read_bytes(kMnist + "/train-images-idx3-ubyte.gz").substr(0, 1000)) +
             " --layers 784,10",
         {"train-images-idx3-ubyte.gz", "truncated"}},
        {"fewer labels than images", "train",
         "--data " + mnist_with("few_labels", "train-labels-idx1-ubyte", be32(0x0801) + be32(2) + "\x01\x02") + " --layers 784,10",
         {"train-labels-idx1-ubyte", "8000 images"}},
        {"label 12 in MNIST", "train", "--data " + mnist_with("label12", "train-labels-idx1-ubyte", label_12) + " --layers 784,10",
         {"train-labels-idx1-ubyte", "label 12"}},
        {"empty folder", "train", "--data " + path("empty_folder") + " --layers 784,10", {"empty_folder", "train-images-idx3-ubyte"}},
        // Checkpoints
        {"resume from garbage", "train", iris + "--resume " + write("garbage.safetensors", "garbage"), {"garbage.safetensors"}},
        {"resume from an empty file", "train", iris + "--resume " + write("empty.safetensors", ""), {"empty.safetensors", "0 bytes"}},
        {"resume from half a file", "train", iris + "--resume " + truncated, {"truncated.safetensors"}},
        {"resume from a corrupted header", "train", iris + "--resume " + corrupted, {"corrupted.safetensors"}},
        {"resume another model", "train", "--data " + kIris + " --resume " + wine, {"the data has 4 features, the first layer 13"}},
        {"resume a broken epoch", "train", "--data " + kIris + " --resume " + bad_epoch, {"bad_epoch.safetensors", "epoch", "seven"}},
        {"evaluate broken layers", "evaluate", "--model " + bad_layers + " --data " + kIris, {"bad_layers.safetensors", "4,x,3"}},
        {"evaluate layers that are not the tensors'", "evaluate", "--model " + other_layers + " --data " + kIris, {"other_layers.safetensors"}},
        {"evaluate another model's data", "evaluate", "--model " + wine + " --data " + kIris, {"150 rows", "178 rows"}},
        {"evaluate a file train did not write", "evaluate", "--model " + path("plain.safetensors") + " --data " + kIris, {"plain.safetensors", "layers"}},
        {"predict rows of another width", "predict", "--model " + good + " --data " + kData + "/wine_data.csv", {"14 columns", "4 features"}},
        {"predict with a garbage model", "predict", "--model " + path("garbage.safetensors") + " --data " + kIris, {"garbage.safetensors"}},
        // Options
        {"--batch-size 0", "train", iris + "--batch-size 0", {"--batch-size", "'0'"}},
        {"--lr -1", "train", iris + "--lr -1", {"--lr", "'-1'"}},
        {"--lr nan", "train", iris + "--lr nan", {"--lr", "'nan'"}},
        {"--epochs 1e12", "train", iris + "--epochs 1e12", {"--epochs", "'1e12'"}},
        {"--epochs 2147483648", "train", iris + "--epochs 2147483648", {"--epochs", "'2147483648'"}},
        {"--seed -1", "train", iris + "--seed -1", {"--seed", "'-1'"}},
        {"--momentum 1.5", "train", iris + "--momentum 1.5", {"--momentum", "'1.5'"}},
        {"--test-fraction 1", "train", iris + "--test-fraction 1", {"--test-fraction", "'1'"}},
        {"--val-fraction 0.95", "train", iris + "--val-fraction 0.95", {"--val-fraction", "'0.95'"}},
        {"a layer of 0", "train", "--data " + kIris + " --layers 4,0,3", {"--layers", "'0'"}},
        {"a layer of 1e12", "train", "--data " + kIris + " --layers 4,1e12,3", {"--layers", "'1e12'"}},
        {"layers too large for memory", "train", "--data " + kIris + " --layers 4,2000000000,3", {"--layers 4,2000000000,3", "GB"}},
        {"--save into a missing folder", "train", iris + "--save " + path("nowhere/x.safetensors"), {"--save", "nowhere", "does not exist"}},
        {"--save onto a folder", "train", iris + "--save " + path("empty_folder"), {"--save", "is a folder"}},
        {"--format bogus", "train", iris + "--format bogus", {"--format", "bogus"}},
        {"an unknown option", "train", iris + "--learning-rate 0.1", {"--learning-rate"}},
        {"evaluate --split bogus", "evaluate", "--model " + good + " --data " + kIris + " --split bogus", {"--split", "bogus"}},
        {"predict --rows -1", "predict", "--model " + good + " --data " + kIris + " --rows -1", {"--rows", "'-1'"}},
        {"evaluate a folder as the model", "evaluate", "--model " + path("empty_folder") + " --data " + kIris, {"--model", "empty_folder"}},
    };
    if (!root)
        cases.push_back({"unreadable file", "train", "--data " + unreadable + " --layers 4,3", {"unreadable.csv"}});
    else
        BOOST_TEST_MESSAGE("tools_bad_input: the unreadable-file case is skipped as root (root reads every file)");
    BOOST_TEST(cases.size() >= 50u);

    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what << ": " << c.tool << " " << c.args)
        {
            const test_util::ProgramRun r = run(c);
            // 1 or CLI11's codes (105, 109, ...); never a signal (the shell's 128 + N), a time-out
            // (124) or success.
            BOOST_TEST((r.status >= 1 && r.status < 124), "exit status " << r.status << ":\n" << r.output);
            for (const std::string& s : c.says)
                BOOST_TEST(contains(r.output, s), "expected '" << s << "' in:\n" << r.output);
            BOOST_TEST(r.output.size() < 2000u, "a message, not a dump:\n" << r.output);
        }
    }
}
