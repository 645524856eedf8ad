// layer_norm, batch_norm, embedding and dropout2d (autograd/ops/norm.hpp) and their modules
// (nn/modules/norm.hpp, embedding.hpp, dropout.hpp): gradients and second derivatives by finite
// differences in float64, values and gradients against PyTorch (tests/fixtures/norm_golden.txt,
// written by tests/golden/golden_norm.py), BatchNorm's running statistics and state dict, and the
// errors for bad input.
#define BOOST_TEST_MODULE norm
#include <boost/test/unit_test.hpp>

#include "tensor_test_util.hpp"
#include "test_util.hpp"

#include <autograd/autograd.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/dropout.hpp>
#include <nn/modules/embedding.hpp>
#include <nn/modules/norm.hpp>
#include <nn/modules/sequential.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Generator;
using autograd::Shape;
using autograd::Tensor;
using V = std::vector<Tensor>;
using test_util::check_grad;
using test_util::check_gradgrad;
using test_util::contains;
using test_util::leaf;
using test_util::message_of;

namespace {

Tensor f64(std::vector<double> v, Shape s) { return Tensor(std::move(v), std::move(s)); }

// Compares every element within atol + rtol * |expected|, naming the first that differs.
void expect_close(const std::string& what, const Tensor& got, const Tensor& expected, double tol)
{
    BOOST_TEST_CONTEXT(what)
    {
        BOOST_REQUIRE_MESSAGE(got.defined(), "undefined result");
        BOOST_REQUIRE_MESSAGE(got.shape() == expected.shape(), "shape " << autograd::to_string(got.shape())
                                                                        << " but PyTorch's is "
                                                                        << autograd::to_string(expected.shape()));
        const auto g = got.to_vector();
        const auto e = expected.to_vector();
        for (std::size_t i = 0; i < g.size(); ++i)
            if (!(std::abs(g[i] - e[i]) <= tol * (1.0 + std::abs(e[i])))) {
                BOOST_ERROR("element " << i << ": " << g[i] << " but PyTorch has " << e[i]);
                return;
            }
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Finite differences (float64): first and second derivatives, odd sizes, batch 1 where legal.

BOOST_AUTO_TEST_CASE(layer_norm_gradients_and_second_derivatives)
{
    Generator gen(1);
    const struct {
        Shape x, normalized;
    } shapes[] = {{{3, 5}, {5}}, {{1, 7}, {7}}, {{2, 3, 4}, {3, 4}}, {{5}, {5}}, {{2, 1, 3}, {3}}};
    for (const auto& s : shapes) {
        const std::string name = "layer_norm " + autograd::to_string(s.x);
        const Shape ns = s.normalized;
        auto f = [ns](const V& x) { return autograd::layer_norm(x[0], ns, x[1], x[2], 1e-3); };
        const V in{leaf(s.x, gen), leaf(ns, gen, 0.5, 1.5), leaf(ns, gen)};
        check_grad(name, f, in);
        check_gradgrad(name, f, in);
        auto plain = [ns](const V& x) { return autograd::layer_norm(x[0], ns); };
        check_grad(name + " without affine", plain, {leaf(s.x, gen)});
    }
}

BOOST_AUTO_TEST_CASE(batch_norm_gradients_and_second_derivatives)
{
    Generator gen(2);
    const Shape shapes[] = {{4, 3}, {2, 1}, {3, 5}, {2, 3, 2, 3}, {1, 2, 3, 1}, {3, 1, 1, 2}, {2, 3, 4}, {1, 2, 3}, {3, 1, 1}};
    for (const Shape& s : shapes) {
        const std::string name = "batch_norm training " + autograd::to_string(s);
        const Shape c{s[1]};
        auto f = [](const V& x) { return autograd::batch_norm(x[0], {}, {}, x[1], x[2], true, 0.1, 1e-3); };
        const V in{leaf(s, gen), leaf(c, gen, 0.5, 1.5), leaf(c, gen)};
        check_grad(name, f, in);
        check_gradgrad(name, f, in);
        // Evaluation with running statistics: affine in x, checked through them too.
        const Tensor rm = Tensor::rand(c, gen, -1.0, 1.0, Dtype::Float64);
        const Tensor rv = Tensor::rand(c, gen, 0.5, 2.0, Dtype::Float64);
        auto g = [rm, rv](const V& x) { return autograd::batch_norm(x[0], rm, rv, x[1], x[2], false); };
        check_grad("batch_norm evaluation " + autograd::to_string(s), g, in);
    }
}

BOOST_AUTO_TEST_CASE(embedding_gradients_and_padding_row)
{
    Generator gen(3);
    const Tensor idx = f64({2, 0, 2, 4, 1}, {5});
    auto f = [idx](const V& x) { return autograd::embedding(idx, x[0]); };
    check_grad("embedding", f, {leaf({5, 3}, gen)});
    // Padding row 3, which idx does not pick: its true derivative is zero too, so finite
    // differences agree (a picked padding row is a deliberate non-gradient, checked below).
    auto fp = [idx](const V& x) { return autograd::embedding(idx, x[0], 3) * x[0].sum(); };
    check_grad("embedding with padding", fp, {leaf({5, 3}, gen)});
    check_gradgrad("embedding with padding", fp, {leaf({5, 3}, gen)});

    // The padding row is looked up but gets no gradient; a repeated row's gradient adds up.
    const Tensor w = leaf({4, 2}, gen);
    const Tensor out = autograd::embedding(f64({1, 3, 1, 0}, {2, 2}), w, -3); // -3 is row 1
    BOOST_TEST(out.shape() == Shape({2, 2, 2}));
    BOOST_TEST(out.at({0, 0, 1}) == w.at({1, 1}));
    out.sum().backward();
    const Tensor expected = f64({1, 1, 0, 0, 0, 0, 1, 1}, {4, 2});
    BOOST_TEST(w.grad().to_vector() == expected.to_vector(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Against PyTorch.

namespace {

struct GoldenCase {
    std::map<std::string, Tensor> fields;
};

std::map<std::string, GoldenCase> load_golden()
{
    const std::string path = BACKPROP_FIXTURES "/norm_golden.txt";
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    std::map<std::string, GoldenCase> cases;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::string name, dtype, field, shape_text;
        fields >> name >> dtype >> field >> shape_text;
        BOOST_REQUIRE_MESSAGE(fields && (dtype == "float64" || dtype == "float32"),
                              path << ":" << number << ": malformed line");
        Shape shape;
        if (shape_text != "-")
            for (const std::string& s : test_util::split(shape_text))
                shape.push_back(std::stoll(s));
        std::vector<double> values;
        for (double v = 0; fields >> v;)
            values.push_back(v);
        std::int64_t n = 1;
        for (const std::int64_t s : shape)
            n *= s;
        BOOST_REQUIRE_MESSAGE(static_cast<std::int64_t>(values.size()) == n,
                              path << ":" << number << ": " << values.size() << " values for shape " << shape_text);
        Tensor t(std::move(values), shape);
        if (dtype == "float32")
            t = t.to(Dtype::Float32);
        cases[name + " " + dtype].fields[field] = t;
    }
    return cases;
}

// The functions of golden_norm.py's CASES, by name.
const std::map<std::string, std::function<Tensor(const V&)>>& golden_functions()
{
    using autograd::batch_norm;
    using autograd::embedding;
    using autograd::layer_norm;
    static const std::map<std::string, std::function<Tensor(const V&)>> table{
        {"layer_norm_last", [](const V& a) { return layer_norm(a[0], {5}, a[1], a[2]); }},
        {"layer_norm_two_dims", [](const V& a) { return layer_norm(a[0], {3, 4}, a[1], a[2], 1e-3); }},
        {"layer_norm_plain", [](const V& a) { return layer_norm(a[0], {7}); }},
        {"batch_norm_train_2d", [](const V& a) { return batch_norm(a[0], {}, {}, a[1], a[2], true); }},
        {"batch_norm_train_4d", [](const V& a) { return batch_norm(a[0], {}, {}, a[1], a[2], true, 0.1, 1e-3); }},
        {"batch_norm_train_batch1", [](const V& a) { return batch_norm(a[0], {}, {}, {}, {}, true); }},
        {"batch_norm_eval_4d", [](const V& a) { return batch_norm(a[0], a[1], a[2], a[3], a[4], false); }},
        {"batch_norm_train_3d", [](const V& a) { return batch_norm(a[0], {}, {}, a[1], a[2], true); }},
        {"batch_norm_eval_3d", [](const V& a) { return batch_norm(a[0], a[1], a[2], a[3], a[4], false); }},
        {"embedding", [](const V& a) { return embedding(a[0], a[1]); }},
        {"embedding_padding", [](const V& a) { return embedding(a[0], a[1], 1); }},
    };
    return table;
}

} // namespace

BOOST_AUTO_TEST_CASE(values_and_gradients_match_pytorch)
{
    const auto cases = load_golden();
    int checked = 0;
    for (const auto& [id, c] : cases) {
        const std::string name = id.substr(0, id.find(' '));
        if (name == "bn2d_running" || name == "bn1d_running")
            continue;
        const bool is64 = id.ends_with("float64");
        const double tol = is64 ? 1e-12 : 2e-5;
        const auto fn = golden_functions().find(name);
        BOOST_REQUIRE_MESSAGE(fn != golden_functions().end(), "fixture case " << id << " has no function here");
        V args;
        for (int i = 0;; ++i) {
            if (auto it = c.fields.find("in" + std::to_string(i)); it != c.fields.end())
                args.push_back(it->second.detach().requires_grad_());
            else if (auto ct = c.fields.find("const" + std::to_string(i)); ct != c.fields.end())
                args.push_back(ct->second);
            else
                break;
        }
        BOOST_TEST_CONTEXT(id)
        {
            const Tensor out = fn->second(args);
            expect_close(id + " out", out, c.fields.at("out"), tol);
            (out * c.fields.at("gout")).sum().backward();
            for (std::size_t i = 0; i < args.size(); ++i)
                if (auto g = c.fields.find("grad" + std::to_string(i)); g != c.fields.end())
                    expect_close(id + " grad" + std::to_string(i), args[i].grad(), g->second, tol);
        }
        ++checked;
    }
    BOOST_TEST(checked == 2 * static_cast<int>(golden_functions().size())); // every case, in both dtypes
}

namespace {

// Three training steps of `bn` on the golden case's const0..2, then its running statistics and
// count, and one evaluation on const3, against PyTorch's (golden_norm.py's bn1d_running and
// bn2d_running, which run the same steps on torch's BatchNorm).
void check_running_statistics(nn::BatchNorm& bn, const std::map<std::string, Tensor>& f, const std::string& dtype)
{
    const double tol = dtype == "float64" ? 1e-12 : 2e-5;
    BOOST_TEST(bn.is_training());
    for (int i = 0; i < 3; ++i)
        bn(f.at("const" + std::to_string(i)));
    expect_close(dtype + " running_mean", bn.running_mean(), f.at("running_mean"), tol);
    expect_close(dtype + " running_var", bn.running_var(), f.at("running_var"), tol);
    BOOST_TEST(bn.num_batches_tracked().item() == 3.0);
    bn.eval();
    expect_close(dtype + " evaluation", bn(f.at("const3")), f.at("out"), tol);
    BOOST_TEST(bn.num_batches_tracked().item() == 3.0); // evaluation counts no batch
}

Dtype dtype_named(const std::string& name) { return name == "float64" ? Dtype::Float64 : Dtype::Float32; }

} // namespace

// BatchNorm1d on [N, C, L] batches (PyTorch's sequence input): the statistics over N and L.
BOOST_AUTO_TEST_CASE(batchnorm1d_on_sequences_matches_pytorch_after_three_steps)
{
    const auto cases = load_golden();
    for (const std::string dtype : {"float64", "float32"}) {
        const auto& f = cases.at("bn1d_running " + dtype).fields;
        BOOST_TEST(f.at("const0").dim() == 3);
        nn::BatchNorm1d bn(3, {.dtype = dtype_named(dtype)});
        check_running_statistics(bn, f, dtype);
    }
}

BOOST_AUTO_TEST_CASE(batchnorm2d_running_statistics_match_pytorch_after_three_steps)
{
    const auto cases = load_golden();
    for (const std::string dtype : {"float64", "float32"}) {
        const auto& f = cases.at("bn2d_running " + dtype).fields;
        nn::BatchNorm2d bn(3, {.dtype = dtype_named(dtype)}); // PyTorch's defaults: eps 1e-5, momentum 0.1
        check_running_statistics(bn, f, dtype);

        // The state dict holds what PyTorch's does, in its order, handles to the live buffers.
        const nn::StateDict sd = bn.state_dict();
        std::vector<std::string> names;
        for (const auto& [name, t] : sd)
            names.push_back(name);
        const std::vector<std::string> torch_names{"weight", "bias", "running_mean", "running_var",
                                                   "num_batches_tracked"};
        BOOST_TEST(names == torch_names, boost::test_tools::per_element());
        expect_close("state running_var", sd.at("running_var"), f.at("running_var"), dtype == "float64" ? 1e-12 : 2e-5);
        BOOST_TEST(bn.parameters().size() == 2u); // buffers are not parameters
        BOOST_TEST(!bn.running_mean().requires_grad());
    }
}

// ---------------------------------------------------------------------------------------------
// Modules.

BOOST_AUTO_TEST_CASE(state_dicts_load_buffers_and_nest_with_pytorch_names)
{
    Generator gen(4);
    nn::Sequential model{nn::LayerNorm({4}), nn::BatchNorm1d(4)};
    const nn::StateDict sd = model.state_dict();
    std::vector<std::string> names;
    for (const auto& [name, t] : sd)
        names.push_back(name);
    const std::vector<std::string> expected{"0.weight",        "0.bias",          "1.weight", "1.bias",
                                            "1.running_mean", "1.running_var", "1.num_batches_tracked"};
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    BOOST_TEST(model.named_buffers().size() == 3u);
    BOOST_TEST(sd.at("0.weight").to_vector() == std::vector<double>(4, 1.0), boost::test_tools::per_element());
    BOOST_TEST(sd.at("0.bias").to_vector() == std::vector<double>(4, 0.0), boost::test_tools::per_element());

    // Loading writes the buffers too.
    nn::Sequential other{nn::LayerNorm({4}), nn::BatchNorm1d(4)};
    other.train();
    other(Tensor::rand({5, 4}, gen));
    model.load_state_dict(other.state_dict());
    BOOST_TEST(model.state_dict().at("1.running_mean").to_vector() ==
                   other.state_dict().at("1.running_mean").to_vector(),
               boost::test_tools::per_element());
    BOOST_TEST(model.state_dict().at("1.num_batches_tracked").item() == 1.0);
    BOOST_TEST(model.summary().find("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)") !=
               std::string::npos);
    BOOST_TEST(model.summary().find("LayerNorm((4,), eps=1e-05, elementwise_affine=True)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(buffers_round_trip_through_safetensors)
{
    Generator gen(9);
    nn::Sequential trained{nn::Embedding(6, 4, gen, 0), nn::LayerNorm({4}), nn::BatchNorm1d(4)};
    trained.train();
    for (int step = 0; step < 2; ++step)
        trained(Tensor({1.f, 5.f, 2.f, 0.f, 3.f}, {5}));
    test_util::ScratchDir dir("norm");
    const auto path = dir.path / "model.safetensors";
    nn::save_safetensors(trained.state_dict(), path);

    Generator other_gen(10);
    nn::Sequential fresh{nn::Embedding(6, 4, other_gen, 0), nn::LayerNorm({4}), nn::BatchNorm1d(4)};
    fresh.load_state_dict(nn::load_safetensors(path));
    for (const auto& [name, t] : trained.state_dict())
        BOOST_TEST(fresh.state_dict().at(name).to_vector() == t.to_vector(), boost::test_tools::per_element());
    BOOST_TEST(fresh.state_dict().at("2.num_batches_tracked").item() == 2.0);
    trained.eval();
    fresh.eval();
    const Tensor idx({4.f, 0.f, 2.f}, {3});
    const std::vector<double> ours = trained(idx).to_vector();
    BOOST_TEST(fresh(idx).to_vector() == ours, boost::test_tools::per_element());

    // The same file loads strictly into the torch.nn model of the same layers, which computes
    // the same values in evaluation (where Debian's python3-torch is installed).
    const std::optional<std::string> python = test_util::python_with("torch");
    if (!python) {
        BOOST_TEST_MESSAGE("norm: PyTorch strict load skipped: no python3 with torch (apt-get install python3-torch)");
        return;
    }
    const test_util::ProgramRun run = test_util::run_program(
        *python, std::string("'" BACKPROP_FIXTURES "/../golden/torch_load_norm.py' '") + path.string() + "' 4 0 2",
        dir.path / "torch.txt");
    BOOST_TEST_REQUIRE(run.status == 0, run.output); // strict: a stray or missing name fails here
    std::istringstream lines(run.output);
    std::vector<double> theirs;
    for (double v = 0; lines >> v;)
        theirs.push_back(v);
    BOOST_TEST_REQUIRE(theirs.size() == ours.size() + 1, run.output);
    for (std::size_t i = 0; i < ours.size(); ++i)
        BOOST_TEST(std::abs(theirs[i] - ours[i]) < 1e-5, "element " << i << ": torch " << theirs[i] << ", ours " << ours[i]);
    BOOST_TEST(theirs.back() == 2.0); // num_batches_tracked
}

BOOST_AUTO_TEST_CASE(batchnorm_train_and_eval_modes)
{
    Generator gen(5);
    nn::BatchNorm1d bn(3, {.dtype = Dtype::Float64});
    const Tensor x = Tensor::rand({6, 3}, gen, -2.0, 2.0, Dtype::Float64);
    const Tensor y = bn(x); // training: each channel of y has mean 0, biased variance 1
    const Tensor m = y.mean(0);
    const Tensor v = (y * y).mean(0);
    for (std::int64_t c = 0; c < 3; ++c) {
        BOOST_TEST(std::abs(m.at({c})) < 1e-12);
        BOOST_TEST(std::abs(v.at({c}) - 1.0) < 1e-4); // eps = 1e-5 keeps it a little below 1
    }
    bn.eval();
    // Evaluation uses the running statistics: after one step from (0, 1) they are 0.1 of the
    // batch's, so y is nearly x.
    const Tensor ye = bn(x);
    const Tensor rm = bn.running_mean(), rv = bn.running_var();
    const Tensor expected = (x - rm) / (rv + 1e-5).sqrt();
    BOOST_TEST(ye.to_vector() == expected.to_vector(), boost::test_tools::per_element());

    // Without running statistics, evaluation still normalises with the batch's.
    nn::BatchNorm1d plain(3, {.affine = false, .track_running_stats = false, .dtype = Dtype::Float64});
    plain.eval();
    BOOST_TEST(plain.parameters().empty());
    BOOST_TEST(plain.state_dict().empty());
    BOOST_TEST(std::abs(plain(x).mean(0).at({1})) < 1e-12);
}

BOOST_AUTO_TEST_CASE(embedding_module_initialises_as_pytorch)
{
    Generator gen(6);
    nn::Embedding emb(50, 8, gen, 3);
    BOOST_TEST(emb.weight().shape() == Shape({50, 8}));
    const auto w = emb.weight().to_vector();
    double mean = 0, sq = 0;
    for (std::size_t i = 0; i < w.size(); ++i)
        if (i / 8 != 3) {
            mean += w[i];
            sq += w[i] * w[i];
        }
    mean /= 49 * 8;
    sq /= 49 * 8;
    BOOST_TEST(std::abs(mean) < 0.15);           // N(0, 1): 392 draws
    BOOST_TEST(std::abs(sq - 1.0) < 0.25);
    for (int j = 0; j < 8; ++j)
        BOOST_TEST(w[3 * 8 + j] == 0.0); // the padding row starts at zero
    BOOST_TEST(emb.state_dict().size() == 1u);
    BOOST_TEST(emb.state_dict().contains("weight"));
    BOOST_TEST(nn::Embedding(10, 2, gen, -1).padding_idx().value() == 9);

    const Tensor out = emb(Tensor({3.f, 7.f, 3.f}, {3}));
    out.sum().backward();
    const Tensor g = emb.weight().grad();
    BOOST_TEST(g.at({3, 0}) == 0.0);
    BOOST_TEST(g.at({7, 0}) == 1.0);
}

BOOST_AUTO_TEST_CASE(dropout2d_drops_whole_channels)
{
    Generator gen(7);
    nn::Dropout2d drop(0.5, gen);
    const Tensor x = Tensor::ones({4, 6, 3, 2}, Dtype::Float64);
    const Tensor y = drop(x);
    int dropped = 0;
    for (std::int64_t n = 0; n < 4; ++n)
        for (std::int64_t c = 0; c < 6; ++c) {
            const double first = y.at({n, c, 0, 0});
            BOOST_TEST((first == 0.0 || first == 2.0)); // dropped, or scaled by 1 / (1 - p)
            dropped += first == 0.0;
            for (std::int64_t h = 0; h < 3; ++h)
                for (std::int64_t w = 0; w < 2; ++w)
                    BOOST_TEST(y.at({n, c, h, w}) == first); // the whole channel alike
        }
    BOOST_TEST(dropped > 0);
    BOOST_TEST(dropped < 24);
    drop.eval();
    BOOST_TEST(drop(x).to_vector() == x.to_vector(), boost::test_tools::per_element());
    BOOST_TEST(drop.extra_repr() == "p=0.5");

    // The mask is a constant: the gradient is the mask.
    const Tensor a = Tensor::ones({2, 3, 2, 2}, Dtype::Float64).requires_grad_();
    const Tensor b = autograd::dropout2d(a, 0.5, true, gen);
    b.sum().backward();
    BOOST_TEST(a.grad().to_vector() == b.detach().to_vector(), boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// Bad input: the message names the op and the shapes.

BOOST_AUTO_TEST_CASE(errors_name_the_op_and_the_shapes)
{
    Generator gen(8);
    const Tensor x = Tensor::rand({2, 3}, gen, -1.0, 1.0, Dtype::Float64);

    std::string m = message_of<std::invalid_argument>([&] { autograd::layer_norm(x, {4}); });
    BOOST_TEST(contains(m, "layer_norm"), m);
    BOOST_TEST(contains(m, "[2, 3]"), m);
    BOOST_TEST(contains(m, "[4]"), m);
    m = message_of<std::invalid_argument>(
        [&] { autograd::layer_norm(x, {3}, Tensor::ones({2}, Dtype::Float64)); });
    BOOST_TEST(contains(m, "layer_norm: weight has shape [2] but must be [3]"), m);

    // Wrong channel count.
    nn::BatchNorm1d bn(4, {.dtype = Dtype::Float64});
    m = message_of<std::invalid_argument>([&] { bn(x); });
    BOOST_TEST(contains(m, "BatchNorm1d"), m);
    BOOST_TEST(contains(m, "C = 4"), m);
    BOOST_TEST(contains(m, "[2, 3]"), m);
    m = message_of<std::invalid_argument>([&] { nn::BatchNorm2d(3)(Tensor::zeros({2, 3})); });
    BOOST_TEST(contains(m, "BatchNorm2d: expected input of shape [N, C, H, W]"), m);
    m = message_of<std::invalid_argument>([&] { nn::BatchNorm1d(3)(Tensor::zeros({2, 3, 4, 5})); });
    BOOST_TEST(contains(m, "BatchNorm1d: expected input of shape [N, C] or [N, C, L] with C = 3 (got [2, 3, 4, 5])"), m);
    m = message_of<std::invalid_argument>([&] { nn::BatchNorm1d(3)(Tensor::zeros({2, 4, 5})); });
    BOOST_TEST(contains(m, "C = 3 (got [2, 4, 5])"), m);
    m = message_of<std::invalid_argument>([&] { autograd::batch_norm(Tensor::zeros({3}), {}, {}, {}, {}, true); });
    BOOST_TEST(contains(m, "batch_norm: input must be [N, C, ...]"), m);
    BOOST_TEST(contains(m, "(got shape [3])"), m);
    m = message_of<std::invalid_argument>([&] {
        autograd::batch_norm(x, Tensor::zeros({2}, Dtype::Float64), Tensor::ones({2}, Dtype::Float64), {}, {}, true);
    });
    BOOST_TEST(contains(m, "batch_norm: running_mean has shape [2] but must be [3]"), m);

    // One value per channel in training: PyTorch refuses, so does batch_norm; evaluation is fine.
    nn::BatchNorm1d bn3(3, {.dtype = Dtype::Float64});
    const Tensor one = Tensor::rand({1, 3}, gen, -1.0, 1.0, Dtype::Float64);
    m = message_of<std::invalid_argument>([&] { bn3(one); });
    BOOST_TEST(contains(m, "batch_norm: expected more than 1 value per channel when training"), m);
    BOOST_TEST(contains(m, "[1, 3]"), m);
    BOOST_TEST(bn3.num_batches_tracked().item() == 0.0); // a refused batch is not counted
    bn3.eval();
    BOOST_TEST(bn3(one).shape() == Shape({1, 3}));
    m = message_of<std::invalid_argument>([&] { autograd::batch_norm(x, {}, {}, {}, {}, false); });
    BOOST_TEST(contains(m, "batch_norm: evaluation"), m);

    // Embedding indices: in range, integral.
    const Tensor w = Tensor::rand({5, 2}, gen, -1.0, 1.0, Dtype::Float64);
    m = message_of<std::out_of_range>([&] { autograd::embedding(f64({1, 5}, {2}), w); });
    BOOST_TEST(contains(m, "embedding: index 5 at position 1"), m);
    BOOST_TEST(contains(m, "[0, 5)"), m);
    m = message_of<std::out_of_range>([&] { autograd::embedding(f64({-1}, {1}), w); });
    BOOST_TEST(contains(m, "index -1 at position 0"), m);
    m = message_of<std::out_of_range>([&] { autograd::embedding(f64({0, 1.5}, {2}), w); });
    BOOST_TEST(contains(m, "index 1.5 at position 1"), m);
    m = message_of<std::out_of_range>([&] { autograd::embedding(f64({0}, {1}), w, 5); });
    BOOST_TEST(contains(m, "embedding: padding_idx 5"), m);
    m = message_of<std::invalid_argument>([&] { autograd::embedding(f64({0}, {1}), Tensor::zeros({5})); });
    BOOST_TEST(contains(m, "embedding: weight must be [num_embeddings, embedding_dim] (got shape [5])"), m);

    m = message_of<std::invalid_argument>([&] { autograd::dropout2d(x, 0.5, true, gen); });
    BOOST_TEST(contains(m, "dropout2d: input must be [N, C, H, W] (got shape [2, 3])"), m);
    m = message_of<std::invalid_argument>([&] { nn::Dropout2d(1.5, gen); });
    BOOST_TEST(contains(m, "Dropout2d: p must be in [0, 1]"), m);
}
