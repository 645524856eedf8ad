// The command lines of tools/train and tools/evaluate, run as a user runs them (the built
// binaries, whose paths CMake passes in) on iris and on a tiny MNIST-shaped IDX folder, in a
// scratch folder: training reaches a stated accuracy; --save writes a checkpoint the library
// loads; --resume continues bit for bit (weights, optimizer and scheduler state equal to an
// uninterrupted run's); evaluate prints the accuracy and confusion matrix of the model in the
// file; --grad-stats adds per-parameter gradient columns to the metrics CSV (checked against the
// gradient the library computes) and draws them, and changes no weight; bad arguments exit
// non-zero with a message naming the option and the value. --model cnn trains W5's CNN, which
// evaluate and predict rebuild from the checkpoint and --resume continues bit for bit.
#define BOOST_TEST_MODULE tools_cli
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/data/csv.hpp>
#include <nn/data/labelled_data.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/io/safetensors.hpp>

#include <fmt/format.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

using autograd::Tensor;
using test_util::contains;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;

namespace {

const std::string kIris = BACKPROP_DATA "/iris.csv";

// A scratch folder of this process, removed at the end.
const fs::path& work_dir()
{
    static const test_util::ScratchDir dir("tools_cli");
    return dir.path;
}

using Run = test_util::ProgramRun;

// Runs a tool with its arguments (no shell quoting needed: the tests' paths have no spaces or
// quotes), stdout and stderr into one file; in the folder cwd when one is given.
Run run(const std::string& tool, const std::string& args, const fs::path& cwd = {})
{
    return test_util::run_program(tool, args, work_dir() / "output.txt", cwd);
}

Run train(const std::string& args) { return run(BACKPROP_TRAIN, args); }
Run evaluate(const std::string& args) { return run(BACKPROP_EVALUATE, args); }
Run predict(const std::string& args) { return run(BACKPROP_PREDICT, args); }
// train with BACKPROP_NUM_THREADS set to `threads` (through env(1): run's shell text starts with the program).
Run with_threads(const std::string& threads, const std::string& args)
{
    return run("/usr/bin/env", "BACKPROP_NUM_THREADS=" + threads + " '" BACKPROP_TRAIN "' " + args);
}

fs::path scratch(const std::string& name)
{
    fs::remove(work_dir() / name);
    return work_dir() / name;
}

// The test accuracy of the last "epoch N: ..., test accuracy X%" line, or -1.
double last_test_accuracy(const std::string& output)
{
    static const std::regex line(R"(epoch \d+: train loss [0-9.]+[^\n]*, test accuracy ([0-9.]+)%)");
    double acc = -1.0;
    for (auto it = std::sregex_iterator(output.begin(), output.end(), line); it != std::sregex_iterator(); ++it)
        acc = std::stod((*it)[1].str());
    return acc;
}

// Every tensor of two files equal, bit for bit, and the same names.
void require_same_tensors(const fs::path& a, const fs::path& b)
{
    const nn::StateDict x = nn::load_safetensors(a), y = nn::load_safetensors(b);
    BOOST_TEST(x.size() == y.size());
    for (const auto& [name, t] : x) {
        BOOST_TEST_CONTEXT(name)
        {
            BOOST_REQUIRE(y.contains(name));
            BOOST_TEST((t.shape() == y.at(name).shape()));
            BOOST_TEST(t.dtype() == y.at(name).dtype());
            BOOST_TEST(t.to_vector() == y.at(name).to_vector(), boost::test_tools::per_element());
        }
    }
}

const std::string kIrisTraining = "--data " + kIris + " --format csv --layers 4,16,3 --optimizer adam --lr 0.01 --batch-size full";

} // namespace

BOOST_AUTO_TEST_CASE(train_reaches_the_stated_accuracy_on_iris)
{
    const Run r = train(kIrisTraining + " --epochs 100");
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "Linear(in_features=4, out_features=16, bias=True)"), r.output); // the summary
    const double acc = last_test_accuracy(r.output);
    // 30 held-out flowers; a 4-16-3 MLP gets iris to 93-100% in 100 full-batch Adam epochs.
    BOOST_TEST(acc >= 90.0, "test accuracy " << acc << "%\n" << r.output);
}

BOOST_AUTO_TEST_CASE(without_layers_an_mlp_has_one_hidden_layer_of_100_sized_by_the_data)
{
    // scikit-learn's MLPClassifier default, between iris's 4 features and its 3 classes; the
    // checkpoint holds the sizes as if they were given, so that a resume rebuilds the model.
    const fs::path file = scratch("default-layers.safetensors");
    const std::string data = "--data " + kIris + " --seed 1 --epochs 2";
    Run r = train(data + " --save " + file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "Linear(in_features=4, out_features=100, bias=True)"), r.output);
    BOOST_TEST(contains(r.output, "Linear(in_features=100, out_features=3, bias=True)"), r.output);
    BOOST_TEST(nn::read_safetensors(file).metadata.at("layers") == "4,100,3");
    r = train(data + " --resume " + file.string());
    BOOST_TEST(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "epoch 3:"), r.output);
}

BOOST_AUTO_TEST_CASE(save_writes_a_checkpoint_the_library_loads)
{
    const fs::path file = scratch("iris.safetensors");
    const Run r = train(kIrisTraining + " --epochs 5 --save " + file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    const nn::SafetensorsFile f = nn::read_safetensors(file);
    BOOST_TEST(f.metadata.at("epoch") == "5");
    BOOST_TEST(f.metadata.at("layers") == "4,16,3");
    BOOST_TEST(f.metadata.at("activation") == "relu");
    BOOST_TEST(f.metadata.at("optimizer") == "adam");
    BOOST_TEST(f.metadata.at("scheduler") == "none");
    BOOST_TEST(f.tensors.at("optimizer.step").item() == 5.0); // full batch: one step per epoch
    BOOST_TEST(f.tensors.at("optimizer.lr").item() == 0.01);
    BOOST_TEST((f.tensors.at("optimizer.state.0.exp_avg").shape() == autograd::Shape{16, 4}));

    autograd::Generator gen(123);
    nn::Sequential model = nn::make_mlp({4, 16, 3}, "relu", gen);
    nn::StateDict weights;
    for (const auto& [name, t] : f.tensors)
        if (!name.starts_with("optimizer.") && !name.starts_with("scaler."))
            weights.insert(name, t);
    model.load_state_dict(weights); // strict: exactly the model's names and shapes
    BOOST_TEST(model.parameters()[0].to_vector() == f.tensors.at("0.weight").to_vector(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resume_continues_bit_for_bit)
{
    // Mini-batches, so the shuffling of each epoch matters; each scheduler, so its state does,
    // each moving the lr on both sides of the break after epoch 4.
    struct Setup {
        const char* args;
        double lr;      // --lr
        bool scheduled; // the lr at the end must differ from it
    };
    const Setup setups[] = {
        {"--optimizer sgd --lr 0.05 --batch-size 16 --scheduler step --step-size 2 --gamma 0.5", 0.05, true},
        {"--optimizer adam --lr 0.01 --batch-size 32 --scheduler cosine --t-max 9", 0.01, true},
        {"--optimizer sgd --lr 0.5 --batch-size 16 --scheduler plateau --patience 0 --gamma 0.5", 0.5, true},
        {"--optimizer rprop --lr 0.01 --batch-size full --scheduler step --step-size 3", 0.01, true},
        {"--optimizer adam --lr 0.01 --batch-size 20 --activation tanh --loss mse", 0.01, false},
    };
    for (std::size_t i = 0; i < std::size(setups); ++i) {
        const Setup& setup = setups[i];
        BOOST_TEST_CONTEXT(setup.args)
        {
            const std::string data = "--data " + kIris + " --format csv ";
            const std::string common = data + "--layers 4,8,3 --seed 3 " + setup.args;
            const fs::path straight = scratch("straight.safetensors"), split = scratch("split.safetensors");
            Run r = train(common + " --epochs 7 --save " + straight.string());
            BOOST_TEST_REQUIRE(r.status == 0, r.output);
            r = train(common + " --epochs 4 --save " + split.string());
            BOOST_TEST_REQUIRE(r.status == 0, r.output);
            // Resumed with the options given again, or (every other setup) with none of them:
            // then the checkpoint's layers, seed, optimizer, scheduler, ... carry over.
            const std::string resumed = i % 2 == 0 ? common : data;
            r = train(resumed + " --epochs 3 --resume " + split.string() + " --save " + split.string());
            BOOST_TEST_REQUIRE(r.status == 0, r.output);
            BOOST_TEST(contains(r.output, "resumed from " + split.string() + " after epoch 4"), r.output);
            BOOST_TEST(contains(r.output, "epoch 7:"), r.output);
            BOOST_TEST(nn::read_safetensors(split).metadata.at("epoch") == "7");
            require_same_tensors(straight, split);

            const nn::StateDict s = nn::load_safetensors(straight);
            BOOST_TEST(s.contains("scheduler.last_epoch") == setup.scheduled);
            if (setup.scheduled) {
                BOOST_TEST(s.at("scheduler.last_epoch").item() == 7.0);
                BOOST_TEST(s.at("optimizer.lr").item() < setup.lr);
                BOOST_TEST(s.at("scheduler.last_lr").item() == s.at("optimizer.lr").item());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(evaluate_prints_the_models_accuracy_and_confusion_matrix)
{
    const fs::path file = scratch("eval.safetensors");
    Run r = train(kIrisTraining + " --epochs 30 --activation tanh --save " + file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    const double train_says = last_test_accuracy(r.output);

    // The expected figures over every row, from the checkpoint through the library: the weights,
    // and the standardisation fitted on the training rows ((x - center) / scale per column).
    const nn::SafetensorsFile f = nn::read_safetensors(file);
    BOOST_TEST(f.metadata.at("scaler") == "standard");
    autograd::Generator gen(0);
    nn::Sequential model = nn::make_mlp(nn::parse_sizes(f.metadata.at("layers")), f.metadata.at("activation"), gen);
    nn::StateDict weights;
    for (const auto& [name, t] : f.tensors)
        if (!name.starts_with("optimizer.") && !name.starts_with("scaler."))
            weights.insert(name, t);
    model.load_state_dict(weights);
    const nn::LabelledTensors iris = nn::to_tensors(nn::load_csv(kIris));
    const std::vector<double> center = f.tensors.at("scaler.center").to_vector(), scale = f.tensors.at("scaler.scale").to_vector();
    std::vector<double> x = iris.features.to_vector();
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = (x[i] - center[i % 4]) / scale[i % 4];
    std::vector<double> predicted;
    {
        autograd::NoGradGuard no_grad;
        predicted = autograd::argmax(model(Tensor(x, {150, 4}).to(autograd::Dtype::Float32)), 1).to_vector();
    }
    const std::vector<double> labels = iris.labels.to_vector();
    int confusion[3][3] = {};
    int right = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        ++confusion[static_cast<int>(labels[i])][static_cast<int>(predicted[i])];
        right += labels[i] == predicted[i] ? 1 : 0;
    }
    BOOST_TEST(right < 150); // 30 epochs: not yet perfect, so the matrix has something off the diagonal

    r = evaluate("--model " + file.string() + " --data " + kIris + " --all");
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    const std::string head = fmt::format("{}: accuracy {:.2f}% ({} of 150) on every row of {}, epoch 30", file.string(),
                                         100.0 * right / 150.0, right, kIris);
    BOOST_TEST(contains(r.output, head), r.output << "\nexpected: " << head);
    BOOST_TEST(contains(r.output, "confusion (rows: label, columns: predicted)"), r.output);
    // Class names from the CSV's header label the rows and columns.
    BOOST_TEST(contains(r.output, "                setosa  versicolor   virginica  accuracy\n"), r.output);
    const char* names[] = {"setosa", "versicolor", "virginica"};
    for (int y = 0; y < 3; ++y) {
        const int total = confusion[y][0] + confusion[y][1] + confusion[y][2];
        const std::string row = fmt::format("{:>10}{:>12}{:>12}{:>12}  {:.1f}%\n", names[y], confusion[y][0], confusion[y][1],
                                            confusion[y][2], 100.0 * confusion[y][y] / total);
        BOOST_TEST(contains(r.output, row), r.output << "\nexpected row: " << row);
    }

    // By default, the rows train held out for testing: 30 of iris's 150 (--test-fraction 0.2), and
    // the accuracy train reported on them after its last epoch.
    r = evaluate("--model " + file.string() + " --data " + kIris);
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, fmt::format("accuracy {:.2f}% (", train_says)), r.output << "\ntrain said " << train_says);
    BOOST_TEST(contains(r.output, " of 30) on the test split of " + kIris), r.output);
    r = evaluate("--model " + file.string() + " --data " + kIris + " --split val");
    BOOST_TEST(contains(r.output, " of 12) on the val split"), r.output); // a tenth of the other 120 rows
    r = evaluate("--model " + file.string() + " --data " + kIris + " --split train");
    BOOST_TEST(contains(r.output, " of 108) on the train split"), r.output);
}

namespace {

// A tiny MNIST-shaped folder: 28x28 images whose class (0-3) is the one lit quarter of the
// image, with a little noise; big-endian IDX headers, uncompressed.
void write_idx(const fs::path& path, std::uint32_t magic, const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data)
{
    std::ofstream out(path, std::ios::binary);
    const auto be32 = [&](std::uint32_t v) {
        const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
        out.write(b, 4);
    };
    be32(magic);
    for (std::uint32_t d : dims)
        be32(d);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    BOOST_REQUIRE_MESSAGE(out, "cannot write " << path);
}

fs::path tiny_mnist()
{
    const fs::path dir = work_dir() / "tiny_mnist";
    fs::create_directories(dir);
    autograd::Generator gen(5);
    for (const auto& [split, n] : {std::pair<std::string, std::uint32_t>{"train", 64}, {"test", 32}}) {
        std::vector<unsigned char> images(n * 28 * 28), labels(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            labels[i] = static_cast<unsigned char>(i % 4);
            for (std::uint32_t r = 0; r < 28; ++r)
                for (std::uint32_t c = 0; c < 28; ++c) {
                    const std::uint32_t quarter = (r / 14) * 2 + c / 14;
                    const double noise = gen.uniform(0.0, 60.0);
                    images[(i * 28 + r) * 28 + c] = static_cast<unsigned char>(quarter == labels[i] ? 195.0 + noise : noise);
                }
        }
        write_idx(dir / (split + "-images-idx3-ubyte"), 0x803, {n, 28, 28}, images);
        write_idx(dir / (split + "-labels-idx1-ubyte"), 0x801, {n}, labels);
    }
    return dir;
}

} // namespace

BOOST_AUTO_TEST_CASE(train_and_evaluate_an_idx_folder)
{
    const fs::path dir = tiny_mnist();
    const fs::path file = scratch("tiny.safetensors");
    Run r = train("--data " + dir.string() + " --format idx --layers 784,16,10 --epochs 10 --batch-size 16 --save " + file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(last_test_accuracy(r.output) == 100.0, r.output); // four lit quarters: trivially apart
    r = evaluate("--model " + file.string() + " --data " + dir.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "accuracy 100.00% (32 of 32) on the test split of " + dir.string() + ", epoch 10"), r.output);
    BOOST_TEST(contains(r.output, "    0    8    0    0    0    0    0    0    0    0    0  100.0%"), r.output);
}

// The numbers of "... (R of N) ..." in an output (evaluate's "accuracy X% (R of N)", predict's
// "R of N rows predicted as labelled"), or {-1, -1}.
std::pair<std::int64_t, std::int64_t> right_of(const std::string& output, const std::string& pattern)
{
    std::smatch m;
    if (!std::regex_search(output, m, std::regex(pattern)))
        return {-1, -1};
    return {std::stoll(m[1].str()), std::stoll(m[2].str())};
}

BOOST_AUTO_TEST_CASE(a_cnn_trains_then_evaluate_and_predict_rebuild_it_and_resume_continues_it)
{
    const fs::path dir = tiny_mnist();
    const fs::path one = scratch("cnn1.safetensors"), two = scratch("cnn2.safetensors"), resumed = scratch("cnn12.safetensors");
    const std::string common = "--data " + dir.string() + " --model cnn --batch-size 16 --lr 0.05 --seed 3 ";
    Run r = train(common + "--epochs 1 --save " + one.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    // W5's network on MNIST's 28x28 images: 4x4 after the pools, 16 * 4 * 4 features, 10 digits.
    BOOST_TEST(contains(r.output, "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1))"), r.output);
    BOOST_TEST(contains(r.output, "Conv2d(8, 16, kernel_size=(5, 5), stride=(1, 1))"), r.output);
    BOOST_TEST(contains(r.output, "Linear(in_features=256, out_features=10, bias=True)"), r.output);
    const double trained_accuracy = last_test_accuracy(r.output);
    BOOST_TEST_REQUIRE(trained_accuracy >= 0.0, r.output);

    // The checkpoint: PyTorch's names for the same nn.Sequential, and the shape in the metadata.
    const nn::SafetensorsFile file = nn::read_safetensors(one);
    BOOST_TEST(file.metadata.at("model") == "cnn");
    BOOST_TEST(file.metadata.at("image") == "28x28");
    BOOST_TEST(file.metadata.at("conv_padding") == "valid");
    BOOST_TEST(file.metadata.at("classes") == "10");
    BOOST_TEST(!file.metadata.contains("layers"));
    BOOST_TEST(autograd::to_string(file.tensors.at("1.weight").shape()) == "[8, 1, 5, 5]");
    BOOST_TEST(autograd::to_string(file.tensors.at("4.weight").shape()) == "[16, 8, 5, 5]");
    BOOST_TEST(autograd::to_string(file.tensors.at("8.weight").shape()) == "[10, 256]");

    // evaluate rebuilds it: the test split's accuracy is the one train printed, and predict's
    // count of right rows on the same 32 test images agrees with evaluate's.
    r = evaluate("--model " + one.string() + " --data " + dir.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "on the test split of " + dir.string() + ", epoch 1"), r.output);
    const auto [right, total] = right_of(r.output, R"(accuracy [0-9.]+% \((\d+) of (\d+)\))");
    BOOST_TEST(total == 32);
    BOOST_TEST(100.0 * static_cast<double>(right) / static_cast<double>(total) == trained_accuracy, tt::tolerance(0.01));
    r = predict("--model " + one.string() + " --data " + dir.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST((right_of(r.output, R"((\d+) of (\d+) rows predicted as labelled)") == std::make_pair(right, total)), r.output);
    BOOST_TEST(contains(r.output, "p(9)"), r.output); // ten classes' probabilities

    // Two epochs in one run, and one then one more with --resume (the model and the image taken
    // from the checkpoint): the same weights, bit for bit.
    BOOST_TEST_REQUIRE(train(common + "--epochs 2 --save " + two.string()).status == 0);
    r = train("--data " + dir.string() + " --epochs 1 --resume " + one.string() + " --save " + resumed.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    require_same_tensors(two, resumed);

    // Four lit quarters are easy for it too: a few more epochs classify every test image.
    r = train(common + "--epochs 8");
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(last_test_accuracy(r.output) == 100.0, r.output);
}

// 8x8 digits do not fit W5's valid convolutions; with --conv-padding same they do.
BOOST_AUTO_TEST_CASE(a_cnn_on_small_csv_images_needs_same_padding)
{
    const std::string digits = "--data " BACKPROP_DATA "/digits.csv.gz --model cnn --epochs 3 ";
    Run r = train(digits);
    BOOST_TEST(r.status != 0, r.output);
    BOOST_TEST(contains(r.output, "images of 8x8 are too small for its layers with --conv-padding valid: the second 5x5 "
                                  "convolution gets 2x2; give --conv-padding same"),
               r.output);
    // Iris's four features make 2x2 images, which no padding saves: the message says so.
    const Run iris = train("--data " + kIris + " --model cnn --epochs 1");
    BOOST_TEST(iris.status != 0, iris.output);
    BOOST_TEST(contains(iris.output, "images of 2x2 are too small"), iris.output);
    BOOST_TEST(contains(iris.output, "or use --model mlp"), iris.output);
    BOOST_TEST(!contains(iris.output, "give --conv-padding same"), iris.output);
    const fs::path file = scratch("digits_cnn.safetensors");
    r = train(digits + "--conv-padding same --batch-size 64 --save " + file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(contains(r.output, "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), padding=same)"), r.output);
    BOOST_TEST(contains(r.output, "Linear(in_features=64, out_features=10, bias=True)"), r.output); // 16 x 2 x 2
    const double acc = last_test_accuracy(r.output);
    BOOST_TEST(acc > 80.0, r.output); // three epochs of about 1,300 digits: 89.1% measured (chance: 10%)
    r = evaluate("--model " + file.string() + " --data " BACKPROP_DATA "/digits.csv.gz");
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    const auto [right, total] = right_of(r.output, R"(accuracy [0-9.]+% \((\d+) of (\d+)\))");
    BOOST_TEST(100.0 * static_cast<double>(right) / static_cast<double>(total) == acc, tt::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(bad_arguments_exit_non_zero_with_a_clear_message)
{
    struct Case {
        const char* what;
        Run result;
        std::vector<std::string> says;
    };
    const fs::path missing = scratch("no_such_file.csv");
    const fs::path plain = scratch("plain.safetensors");
    nn::StateDict one;
    one.insert("w", Tensor::zeros({2}));
    nn::save_safetensors(one, plain); // a checkpoint not written by train
    const fs::path other_model = scratch("rnn.safetensors");
    nn::save_safetensors(one, other_model, {{"model", "rnn"}, {"epoch", "1"}}); // a model this version does not know
    const fs::path tiny_cnn = scratch("tiny_image.safetensors");
    nn::save_safetensors(one, tiny_cnn, {{"model", "cnn"}, {"image", "3x3"}, {"conv_padding", "same"}, {"classes", "2"}});
    const fs::path sgd = scratch("sgd.safetensors");
    BOOST_TEST_REQUIRE(train("--data " + kIris + " --format csv --layers 4,8,3 --epochs 1 --save " + sgd.string()).status == 0);

    const std::string iris = "--data " + kIris + " --format csv ";
    const Case cases[] = {
        {"missing data file", train("--data " + missing.string() + " --format csv --layers 4,3"), {missing.string()}},
        {"bad --layers item", train(iris + "--layers 4,x,3"), {"--layers", "'4,x,3'", "'x' is not a whole number"}},
        {"one layer size", train(iris + "--layers 4"), {"--layers '4'", "at least an input and an output size"}},
        {"layers against the data", train(iris + "--layers 5,3"), {"--layers", "the data has 4 features, the first layer 5"}},
        {"unknown optimizer", train(iris + "--layers 4,3 --optimizer adamax"), {"--optimizer", "adamax"}},
        {"unknown activation", train(iris + "--layers 4,8,3 --activation gelu"), {"--activation", "gelu"}},
        {"unknown scheduler", train(iris + "--layers 4,3 --scheduler linear"), {"--scheduler", "linear"}},
        {"missing --data", train("--layers 4,3"), {"--data"}},
        {"resume with another scheduler",
         train(iris + "--layers 4,8,3 --resume " + sgd.string() + " --scheduler cosine"),
         {"--scheduler cosine", "trained with --scheduler none"}},
        {"resume with other layers",
         train(iris + "--layers 4,9,3 --resume " + sgd.string()),
         {"--layers 4,9,3", "trained with --layers 4,8,3"}},
        {"resume with another optimizer",
         train(iris + "--optimizer adam --resume " + sgd.string()),
         {"--optimizer adam", "trained with --optimizer sgd"}},
        {"resume with another seed", train(iris + "--seed 5 --resume " + sgd.string()), {"--seed 5", "trained with --seed 0"}},
        {"resume with another activation",
         train(iris + "--activation tanh --resume " + sgd.string()),
         {"--activation tanh", "trained with --activation relu"}},
        {"plateau with --gamma 1", train(iris + "--layers 4,3 --scheduler plateau --gamma 1"), {"--gamma 1", "below 1"}},
        {"cosine over no epochs", train(iris + "--layers 4,3 --scheduler cosine --epochs 0"), {"--t-max", "--epochs"}},
        {"evaluate: missing model", evaluate("--model " + missing.string() + " --data " + kIris), {"--model", missing.string()}},
        {"evaluate: not train's file",
         evaluate("--model " + plain.string() + " --data " + kIris + " --format csv"),
         {plain.string(), "no 'layers' in the metadata"}},
        {"evaluate: missing data", evaluate("--model " + sgd.string() + " --data " + missing.string() + " --format csv"), {missing.string()}},
        // --model cnn and the options of the other model; data that is not an image.
        {"cnn with --layers", train(iris + "--model cnn --layers 4,3"), {"--layers 4,3 is the mlp's", "--model cnn"}},
        {"cnn with --activation", train(iris + "--model cnn --activation tanh"), {"--activation tanh is the mlp's"}},
        {"mlp with --image", train(iris + "--layers 4,3 --image 2x2"), {"--image is for --model cnn"}},
        {"mlp with --conv-padding", train(iris + "--layers 4,3 --conv-padding same"), {"--conv-padding is for --model cnn"}},
        {"cnn on rows that are not square", train("--data " BACKPROP_DATA "/wine_data.csv --model cnn"),
         {"--model cnn", "have 13 features, not a square image", "--image"}},
        {"cnn with an --image of other pixels", train(iris + "--model cnn --image 2x3"),
         {"--image 2x3: 6 pixels", "have 4 features"}},
        {"cnn on an image too small", train(iris + "--model cnn --image 2x2 --conv-padding same"),
         {"images of 2x2 are too small", "--conv-padding same", "the second 2x2 max-pool gets 1x1"}},
        {"unreadable --image", train(iris + "--model cnn --image 8by8"), {"--image '8by8'", "HEIGHTxWIDTH"}},
        {"unknown --model", train(iris + "--model rnn"), {"--model", "rnn"}},
        {"resume an mlp as a cnn", train(iris + "--model cnn --resume " + sgd.string()),
         {"--model cnn", "trained with --model mlp"}},
        {"evaluate: an unknown model", evaluate("--model " + other_model.string() + " --data " + kIris),
         {other_model.string(), "metadata 'model' is 'rnn', not mlp or cnn"}},
        {"predict: a cnn of images too small", predict("--model " + tiny_cnn.string() + " --data " + kIris),
         {tiny_cnn.string(), "images of 3x3 are too small"}},
        // The thread count is read once, by the first op that could split its work.
        {"threads not a number", with_threads("abc", iris + "--layers 4,3 --epochs 1"), {"BACKPROP_NUM_THREADS='abc'", "whole number"}},
        {"threads 0", with_threads("0", iris + "--layers 4,3 --epochs 1"), {"BACKPROP_NUM_THREADS='0'"}},
        {"threads -2", with_threads("-2", iris + "--layers 4,3 --epochs 1"), {"BACKPROP_NUM_THREADS='-2'"}},
        {"threads with a tail", with_threads("3x", iris + "--layers 4,3 --epochs 1"), {"BACKPROP_NUM_THREADS='3x'"}},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.what)
        {
            BOOST_TEST(c.result.status != 0, c.result.output);
            for (const std::string& s : c.says)
                BOOST_TEST(contains(c.result.output, s), "expected '" << s << "' in:\n" << c.result.output);
        }
    }
}

BOOST_AUTO_TEST_CASE(grad_stats_adds_gradient_columns_and_their_picture)
{
    // Full batch, nothing held out, one epoch: the one step's gradient is that of the mean
    // cross-entropy over all 150 flowers at the initial weights, whatever the order of the rows,
    // so the library computes it here independently of GradientStats (to float32 rounding).
    const fs::path csv_file = scratch("grad.csv"), svg_file = scratch("grad.grad_norm.svg"), loss_svg = scratch("grad.svg");
    const std::string sizes = "4,6,6,6,6,3";
    const Run r = train("--data " + kIris + " --format csv --layers " + sizes + " --activation sigmoid --seed 4 --batch-size full "
                        "--test-fraction 0 --val-fraction 0 --scale none --epochs 1 --grad-stats --metrics " + csv_file.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);

    const test_util::MetricsCsv csv = test_util::read_metrics_csv(csv_file);
    std::vector<std::string> expected{"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_accuracy", "lr"};
    for (const char* p : {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "6.weight", "6.bias", "8.weight", "8.bias"})
        for (const char* stat : {"grad_norm.", "grad_mean_abs.", "grad_max_abs."})
            expected.push_back(stat + std::string(p));
    BOOST_TEST(csv.columns == expected, tt::per_element());
    BOOST_TEST_REQUIRE(csv.rows.size() == 1u);

    autograd::Generator gen(4);
    nn::Sequential model = nn::make_mlp(nn::parse_sizes(sizes), "sigmoid", gen);
    const nn::LabelledTensors iris = nn::to_tensors(nn::load_csv(kIris));
    nn::cross_entropy(model(iris.features), iris.labels).backward();
    for (const auto& [name, p] : model.named_parameters()) {
        BOOST_TEST_CONTEXT(name)
        {
            double sum_sq = 0, sum_abs = 0, max_abs = 0;
            for (double g : p.grad().to_vector()) {
                sum_sq += g * g;
                sum_abs += std::abs(g);
                max_abs = std::max(max_abs, std::abs(g));
            }
            BOOST_TEST(csv.at(0, "grad_norm." + name) == std::sqrt(sum_sq), tt::tolerance(1e-4));
            BOOST_TEST(csv.at(0, "grad_mean_abs." + name) == sum_abs / static_cast<double>(p.numel()), tt::tolerance(1e-4));
            BOOST_TEST(csv.at(0, "grad_max_abs." + name) == max_abs, tt::tolerance(1e-4));
            BOOST_TEST(csv.at(0, "grad_max_abs." + name) > 0.0);
        }
    }
    // Printed too, each parameter's norm to three digits.
    BOOST_TEST(contains(r.output, fmt::format("epoch 1: gradient norm 0.weight {:.3g}, 0.bias", csv.at(0, "grad_norm.0.weight"))),
               r.output);

    // The picture: one line per weight (not the biases), on a log axis, as the gradients of a
    // sigmoid net four layers deep shrink by decades towards the input (checked from the numbers,
    // not assumed: the top weight's norm over the bottom one's is above 100, about 250 here).
    const std::string svg = test_util::read_text(svg_file);
    BOOST_TEST(contains(svg, "gradient L2 norm per layer"));
    std::size_t lines = 0;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1))
        ++lines;
    BOOST_TEST(lines == 5u);
    for (const char* p : {"grad_norm.0.weight", "grad_norm.2.weight", "grad_norm.4.weight", "grad_norm.6.weight", "grad_norm.8.weight"})
        BOOST_TEST(contains(svg, std::string(">") + p + "<"), p);
    BOOST_TEST(!contains(svg, "grad_norm.0.bias"));
    const double ratio = csv.at(0, "grad_norm.8.weight") / csv.at(0, "grad_norm.0.weight");
    BOOST_TEST_REQUIRE(ratio >= 100.0);
    BOOST_TEST(contains(svg, "||grad|| (log scale)"));
    BOOST_TEST(fs::exists(loss_svg)); // the loss curve, as without --grad-stats
}

BOOST_AUTO_TEST_CASE(grad_stats_over_epochs_and_across_a_resume)
{
    // Mini-batches over 7 epochs in one run, with --grad-stats; and 4 epochs without it, then 3
    // more resumed with it. The weights must agree bit for bit (the statistics only read), and so
    // must the statistics of epochs 5-7: the same steps on the same weights.
    const std::string common = "--data " + kIris + " --format csv --layers 4,8,8,3 --activation sigmoid --seed 2 --batch-size 16 ";
    const fs::path straight = scratch("gs_straight.safetensors"), split = scratch("gs_split.safetensors");
    const fs::path straight_csv = scratch("gs_straight.csv"), resumed_csv = scratch("gs_resumed.csv");
    Run r = train(common + "--epochs 7 --grad-stats --save " + straight.string() + " --metrics " + straight_csv.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    r = train(common + "--epochs 4 --save " + split.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    BOOST_TEST(!contains(r.output, "gradient norm"), r.output);
    r = train(common + "--epochs 3 --grad-stats --resume " + split.string() + " --save " + split.string() + " --metrics " +
              resumed_csv.string());
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    require_same_tensors(straight, split);

    const test_util::MetricsCsv whole = test_util::read_metrics_csv(straight_csv), resumed = test_util::read_metrics_csv(resumed_csv);
    BOOST_TEST(resumed.columns == whole.columns, tt::per_element());
    BOOST_TEST_REQUIRE(whole.rows.size() == 7u);
    BOOST_TEST_REQUIRE(resumed.rows.size() == 3u); // a resumed run's file holds its own epochs
    for (std::size_t i = 0; i < 3; ++i)
        BOOST_TEST(resumed.lines[i] == whole.lines[4 + i]);
    // Every statistic finite and positive, and in the order any vector's are: for n elements,
    // mean |g| <= ||g|| / sqrt(n) <= max |g| at each step, hence also for the means over an
    // epoch's steps and the largest max |g|.
    const std::pair<const char*, double> params[] = {{"0.weight", 32}, {"0.bias", 8}, {"2.weight", 64},
                                                     {"2.bias", 8},    {"4.weight", 24}, {"4.bias", 3}};
    for (std::size_t row = 0; row < whole.rows.size(); ++row)
        for (const auto& [p, n] : params) {
            BOOST_TEST_CONTEXT("epoch " << row + 1 << ", " << p)
            {
                const double norm = whole.at(row, std::string("grad_norm.") + p);
                const double mean = whole.at(row, std::string("grad_mean_abs.") + p);
                const double max = whole.at(row, std::string("grad_max_abs.") + p);
                BOOST_TEST((std::isfinite(norm) && std::isfinite(mean) && std::isfinite(max)));
                BOOST_TEST(mean > 0.0);
                BOOST_TEST(mean <= norm / std::sqrt(n) * (1 + 1e-6));
                BOOST_TEST(norm / std::sqrt(n) <= max * (1 + 1e-6));
                BOOST_TEST(max < 10.0); // a sigmoid net on inputs below 8 and a mean loss: no explosion
            }
        }
}

BOOST_AUTO_TEST_CASE(grad_stats_without_metrics_prints_them)
{
    // No --metrics: the per-epoch norms are printed, and no file is written (run in an empty
    // folder, which stays empty).
    const fs::path dir = work_dir() / "no_metrics";
    fs::create_directories(dir);
    const Run r = run(BACKPROP_TRAIN, kIrisTraining + " --epochs 2 --grad-stats", dir);
    BOOST_TEST_REQUIRE(r.status == 0, r.output);
    static const std::regex line(R"(epoch 2: gradient norm 0\.weight [0-9.e+-]+, 0\.bias [0-9.e+-]+, 2\.weight [0-9.e+-]+, 2\.bias [0-9.e+-]+\n)");
    BOOST_TEST(std::regex_search(r.output, line), r.output);
    BOOST_TEST(fs::is_empty(dir));
}
