// The matrix-product backends (autograd/matmul_backend.hpp): every backend this build has, against
// products computed here in float64 by the textbook triple loop; the fused linear + activation
// against the unfused ops; Sequential's fusion; selection by name, by call and by environment;
// and bit-for-bit repetition of a training run for a fixed backend and thread count.
//
// CTest runs this file three times (tests/CMakeLists.txt): as it is, with BACKPROP_NUM_THREADS=3
// (so that products large enough are split across threads, unevenly: 3 does not divide the
// sizes), and with BACKPROP_BLAS=bogus for the (otherwise disabled) case bad_environment alone.
#define BOOST_TEST_MODULE matmul_backend
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/autograd.hpp>
#include <autograd/engine/tensor_impl.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using autograd::Activation;
using autograd::Dtype;
using autograd::Generator;
using autograd::MatmulBackend;
using autograd::Tensor;
using autograd::TensorOp;

namespace {

// Selects a backend for one scope, and the one before it again after.
struct UseBackend {
    MatmulBackend before = autograd::matmul_backend();
    explicit UseBackend(MatmulBackend b) { autograd::set_matmul_backend(b); }
    ~UseBackend() { autograd::set_matmul_backend(before); }
};

std::vector<double> values(const Tensor& t)
{
    const Tensor d = t.to(Dtype::Float64).contiguous();
    const double* p = d.data_ptr<double>();
    return {p, p + d.numel()};
}

// C = A B in float64 by the definition, with the bound of float32 rounding for each element:
// sum_k |a_ik| |b_kj| times a few units of float32 rounding per term of the longest sum.
struct Reference {
    std::vector<double> c, bound;
};
Reference reference_product(const std::vector<double>& a, const std::vector<double>& b, std::int64_t m,
                            std::int64_t k, std::int64_t n)
{
    Reference r{std::vector<double>(static_cast<std::size_t>(m * n)), std::vector<double>(static_cast<std::size_t>(m * n))};
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            double s = 0, abs_sum = 0;
            for (std::int64_t p = 0; p < k; ++p) {
                s += a[i * k + p] * b[p * n + j];
                abs_sum += std::abs(a[i * k + p] * b[p * n + j]);
            }
            r.c[i * n + j] = s;
            r.bound[i * n + j] = 4.0 * (static_cast<double>(k) + 2.0) * 6e-8 * abs_sum + 1e-30;
        }
    return r;
}

void check_close(const std::vector<double>& got, const Reference& want, const std::string& what)
{
    BOOST_REQUIRE_EQUAL(got.size(), want.c.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        if (!(std::abs(got[i] - want.c[i]) <= want.bound[i]))
            BOOST_FAIL(what << ": element " << i << " is " << got[i] << ", want " << want.c[i] << " within "
                            << want.bound[i]);
}

std::vector<double> transpose(const std::vector<double>& x, std::int64_t rows, std::int64_t cols)
{
    std::vector<double> t(x.size());
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
            t[j * rows + i] = x[i * cols + j];
    return t;
}

struct Size {
    std::int64_t m, k, n;
};
// Edges (ones, odd sizes) and shapes of W2 and W3 large enough to be split across threads.
const std::vector<Size> kSizes = {{1, 1, 1}, {3, 5, 2}, {17, 33, 9}, {1, 40, 70}, {64, 784, 128}, {256, 1024, 130}};

} // namespace

BOOST_AUTO_TEST_CASE(every_backend_computes_products_and_their_gradients)
{
    for (MatmulBackend backend : autograd::available_matmul_backends()) {
        UseBackend use(backend);
        Generator gen(3);
        for (const Size& s : kSizes) {
            const std::string what = std::string(to_string(backend)) + " [" + std::to_string(s.m) + ", " +
                                     std::to_string(s.k) + "] x [" + std::to_string(s.k) + ", " + std::to_string(s.n) + "]";
            Tensor a = Tensor::rand({s.m, s.k}, gen, -1, 1).requires_grad_();
            Tensor b = Tensor::rand({s.k, s.n}, gen, -1, 1).requires_grad_();
            const Tensor c = matmul(a, b);
            const std::vector<double> va = values(a), vb = values(b);
            check_close(values(c), reference_product(va, vb, s.m, s.k, s.n), what);
            // The backward products take transposed operands: dA = G B^T, dB = A^T G.
            const Tensor g = Tensor::rand({s.m, s.n}, gen, -1, 1);
            c.backward(g);
            const std::vector<double> vg = values(g);
            check_close(values(a.grad()), reference_product(vg, transpose(vb, s.k, s.n), s.m, s.n, s.k), what + " dA");
            check_close(values(b.grad()), reference_product(transpose(va, s.m, s.k), vg, s.k, s.m, s.n), what + " dB");
        }
    }
}

BOOST_AUTO_TEST_CASE(linear_adds_the_bias_and_applies_the_activation_on_every_backend)
{
    const std::int64_t rows = 37, in = 50, out = 70; // odd sizes: the kernels' edges
    Generator gen(5);
    const Tensor x = Tensor::rand({rows, in}, gen, -1, 1), w = Tensor::rand({out, in}, gen, -1, 1),
                 bias = Tensor::rand({out}, gen, -1, 1);
    Reference pre = reference_product(values(x), transpose(values(w), out, in), rows, in, out);
    const std::vector<double> vb = values(bias);
    for (std::int64_t i = 0; i < rows * out; ++i)
        pre.c[static_cast<std::size_t>(i)] += vb[static_cast<std::size_t>(i % out)];
    for (MatmulBackend backend : autograd::available_matmul_backends()) {
        UseBackend use(backend);
        const std::string name(to_string(backend));
        check_close(values(linear(x, w, bias)), pre, name + " linear");
        for (Activation act : {Activation::Relu, Activation::Sigmoid, Activation::Tanh}) {
            Reference want = pre;
            for (std::size_t i = 0; i < want.c.size(); ++i) {
                const double z = want.c[i];
                want.c[i] = act == Activation::Relu ? std::max(z, 0.0) : act == Activation::Sigmoid ? 1 / (1 + std::exp(-z))
                                                                                                    : std::tanh(z);
                want.bound[i] += 4e-7; // the activation's own float32 rounding (values within [-1, 1] or relu's exact)
            }
            check_close(values(linear(x, w, bias, act)), want, name + " fused activation " + std::to_string(int(act)));
        }
    }
}

BOOST_AUTO_TEST_CASE(fused_linear_gives_the_unfused_values_and_gradients)
{
    Generator gen(7);
    for (MatmulBackend backend : autograd::available_matmul_backends()) {
        UseBackend use(backend);
        for (Activation act : {Activation::Relu, Activation::Sigmoid, Activation::Tanh}) {
            Tensor x = Tensor::rand({2, 9, 6}, gen, -1, 1).requires_grad_(); // 3-d input: rows are 2 x 9
            Tensor w = Tensor::rand({5, 6}, gen, -1, 1).requires_grad_(), b = Tensor::rand({5}, gen, -1, 1).requires_grad_();
            const Tensor g = Tensor::rand({2, 9, 5}, gen, -1, 1);
            const Tensor fused = linear(x, w, b, act);
            BOOST_TEST((fused.grad_fn()->op == (act == Activation::Relu      ? TensorOp::LinearRelu
                                                : act == Activation::Sigmoid ? TensorOp::LinearSigmoid
                                                                             : TensorOp::LinearTanh)));
            fused.backward(g);
            const std::vector<double> dx = values(x.grad()), dw = values(w.grad()), db = values(b.grad());
            x.zero_grad();
            w.zero_grad();
            b.zero_grad();
            const Tensor z = linear(x, w, b);
            const Tensor plain = act == Activation::Relu ? relu(z) : act == Activation::Sigmoid ? sigmoid(z) : tanh(z);
            plain.backward(g);
            const auto same = [](const std::vector<double>& p, const std::vector<double>& q, double tol) {
                BOOST_REQUIRE_EQUAL(p.size(), q.size());
                for (std::size_t i = 0; i < p.size(); ++i)
                    BOOST_TEST(p[i] == q[i], boost::test_tools::tolerance(tol));
            };
            // Absolute tolerance through a relative one on values of order 1: 2e-6 allows the last
            // bits of the library's sigmoid and tanh against the engine's.
            same(values(fused), values(plain), 2e-5);
            same(dx, values(x.grad()), 2e-5);
            same(dw, values(w.grad()), 2e-5);
            same(db, values(b.grad()), 2e-5);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_empty_reduction_gives_the_bias_through_the_activation)
{
    // in_features 0: the product is all zeros, so y = act(b) on every row.
    const Tensor x = Tensor::zeros({3, 0}), w = Tensor::zeros({2, 0}), b({-1.0f, 0.5f}, {2});
    for (MatmulBackend backend : autograd::available_matmul_backends()) {
        UseBackend use(backend);
        const std::vector<double> y = values(linear(x, w, b, Activation::Relu));
        BOOST_TEST(y == (std::vector<double>{0, 0.5, 0, 0.5, 0, 0.5}), boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(sequential_fuses_exactly_linear_then_relu_sigmoid_or_tanh)
{
    Generator gen(11);
    const Tensor x = Tensor::rand({4, 3}, gen, -1, 1);
    const auto last_op = [&](nn::Sequential& model) { return std::string(op_name(model(x).grad_fn()->op)); };
    nn::Sequential relu_model{nn::Linear(3, 2, gen), nn::ReLU()};
    nn::Sequential sigmoid_model{nn::Linear(3, 2, gen), nn::Sigmoid()};
    nn::Sequential tanh_model{nn::Linear(3, 2, gen), nn::Tanh()};
    nn::Sequential leaky{nn::Linear(3, 2, gen), nn::LeakyReLU(0.1)};
    nn::Sequential last_is_linear{nn::Linear(3, 2, gen), nn::ReLU(), nn::Linear(2, 2, gen)};
    BOOST_TEST(last_op(relu_model) == "linear_relu");
    BOOST_TEST(last_op(sigmoid_model) == "linear_sigmoid");
    BOOST_TEST(last_op(tanh_model) == "linear_tanh");
    BOOST_TEST(last_op(leaky) == "leaky_relu");
    BOOST_TEST(last_op(last_is_linear) == "linear");
    // The fused model computes what its modules one by one compute.
    const Tensor by_modules = relu(relu_model[0]->forward(x));
    const std::vector<double> fused = values(relu_model(x)), unfused = values(by_modules);
    BOOST_TEST(fused == unfused, boost::test_tools::per_element());

    // A class derived from ReLU keeps its own forward: it is not fused.
    struct HalfReLU : nn::ReLU {
        Tensor forward(const Tensor& t) override { return relu(t) * 0.5; }
    };
    nn::Sequential derived{nn::Linear(3, 2, gen), HalfReLU()};
    BOOST_TEST(last_op(derived) == "mul");
}

BOOST_AUTO_TEST_CASE(backends_are_named_listed_and_described)
{
    BOOST_TEST((autograd::parse_matmul_backend("oneDNN") == MatmulBackend::OneDNN));
    BOOST_TEST((autograd::parse_matmul_backend("OPENBLAS") == MatmulBackend::OpenBLAS));
    const std::string bad = test_util::message_of<std::invalid_argument>([] { autograd::parse_matmul_backend("mkl"); });
    BOOST_TEST(test_util::contains(bad, "'mkl'"));
    BOOST_TEST(test_util::contains(bad, "onednn or openblas"));
    const std::vector<MatmulBackend> all = autograd::available_matmul_backends();
    BOOST_REQUIRE(!all.empty());
    BOOST_TEST((std::find(all.begin(), all.end(), MatmulBackend::OpenBLAS) != all.end())); // float64 always needs it
#if BACKPROP_TEST_HAVE_ONEDNN
    BOOST_TEST((all.front() == MatmulBackend::OneDNN)); // the default of this build
#else
    BOOST_TEST(all.size() == 1u);
    const std::string missing =
        test_util::message_of<std::invalid_argument>([] { autograd::set_matmul_backend(MatmulBackend::OneDNN); });
    BOOST_TEST(test_util::contains(missing, "set_matmul_backend: this build has no onednn"));
#endif
    for (MatmulBackend backend : all) {
        UseBackend use(backend);
        const autograd::MatmulBackendInfo info = autograd::matmul_backend_info();
        BOOST_TEST((info.backend == backend));
        BOOST_TEST(!info.version.empty());
        BOOST_TEST(!info.kernels.empty());
        BOOST_TEST(info.threads >= 1);
        const std::string line = autograd::describe_matmul_backend();
        BOOST_TEST(line.find(info.name + " " + info.version + " (" + info.kernels + " kernels), ") == 0u);
        BOOST_TEST(line.find(" thread") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(training_repeats_bit_for_bit_for_a_fixed_backend)
{
    // Five SGD steps of a 1024-160-10 ReLU MLP on a batch of 256, twice from the same seed: the
    // weights must agree in every bit. Under BACKPROP_NUM_THREADS=3 the first layer's products
    // (256 x 1024 x 160: 42M multiply-adds) are split across threads (cpu/gemm.cpp splits from
    // 32M); the optimizer's blocks are checked by optimizer_blocks_equal_whole_updates.
    const auto train = [] {
        Generator gen(13);
        nn::Sequential model{nn::Linear(1024, 160, gen), nn::ReLU(), nn::Linear(160, 10, gen)};
        nn::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
        const Tensor x = Tensor::rand({256, 1024}, gen, 0, 1);
        std::vector<float> labels;
        for (int i = 0; i < 256; ++i)
            labels.push_back(static_cast<float>(i * 7 % 10));
        const Tensor y(labels, {256});
        for (int step = 0; step < 5; ++step) {
            opt.zero_grad();
            nn::cross_entropy(model(x), y).backward();
            opt.step();
        }
        std::vector<float> w;
        for (const Tensor& p : model.parameters())
            w.insert(w.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
        return w;
    };
    for (MatmulBackend backend : autograd::available_matmul_backends()) {
        UseBackend use(backend);
        const std::vector<float> first = train(), second = train();
        BOOST_REQUIRE_EQUAL(first.size(), second.size());
        BOOST_TEST(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0,
                   to_string(backend) << ": two runs differ");
    }
}

BOOST_AUTO_TEST_CASE(optimizer_blocks_equal_whole_updates)
{
    // The optimizers update a parameter of 2^18 elements or more in blocks across threads
    // (Optimizer::for_each_param). One parameter of 600K elements (blocks under
    // BACKPROP_NUM_THREADS=3) against the same values as six parameters of 100K (each updated
    // whole): after three steps of SGD with Nesterov momentum and of Adam, every element of the
    // state, hence of the weights, must be the same bits.
    constexpr std::int64_t kPart = 100'000, kParts = 6;
    Generator gen(5);
    const Tensor init = Tensor::rand({kParts * kPart}, gen, -1, 1);
    const Tensor grads = Tensor::rand({3, kParts * kPart}, gen, -1, 1);
    const auto run = [&](auto make_optimizer, bool whole) {
        std::vector<Tensor> params;
        if (whole) {
            params.push_back((init * 1.0).detach().requires_grad_()); // a copy: the optimizer writes it
        } else {
            for (std::int64_t i = 0; i < kParts; ++i)
                params.push_back((init.slice(0, i * kPart, (i + 1) * kPart) * 1.0).detach().requires_grad_());
        }
        auto opt = make_optimizer(params);
        for (std::int64_t step = 0; step < 3; ++step) {
            const Tensor g = grads.slice(0, step, step + 1).reshape({kParts * kPart});
            if (whole)
                params[0].set_grad(g.contiguous());
            else
                for (std::int64_t i = 0; i < kParts; ++i)
                    params[static_cast<std::size_t>(i)].set_grad(g.slice(0, i * kPart, (i + 1) * kPart).contiguous());
            opt.step();
        }
        std::vector<float> w;
        for (const Tensor& p : params)
            w.insert(w.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
        return w;
    };
    const auto sgd = [](const std::vector<Tensor>& p) {
        return nn::SGD(p, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    };
    const auto adam = [](const std::vector<Tensor>& p) { return nn::Adam(p, {.lr = 0.01, .weight_decay = 0.01}); };
    const std::vector<float> sgd_whole = run(sgd, true), sgd_parts = run(sgd, false);
    const std::vector<float> adam_whole = run(adam, true), adam_parts = run(adam, false);
    BOOST_REQUIRE_EQUAL(sgd_whole.size(), static_cast<std::size_t>(kParts * kPart));
    BOOST_TEST(std::memcmp(sgd_whole.data(), sgd_parts.data(), sgd_whole.size() * sizeof(float)) == 0);
    BOOST_TEST(std::memcmp(adam_whole.data(), adam_parts.data(), adam_whole.size() * sizeof(float)) == 0);
    BOOST_TEST(sgd_whole != std::vector<float>(init.data_ptr<float>(), init.data_ptr<float>() + init.numel()));
}

// Disabled: run only by the CTest entry that names it and sets BACKPROP_BLAS=bogus.
BOOST_AUTO_TEST_CASE(bad_environment, *boost::unit_test::disabled())
{
    const char* env = std::getenv("BACKPROP_BLAS");
    BOOST_REQUIRE(env != nullptr && std::string(env) == "bogus");
    const Tensor a = Tensor::ones({2, 2});
    const std::string message = test_util::message_of<std::invalid_argument>([&] { matmul(a, a); });
    BOOST_TEST(test_util::contains(message, "BACKPROP_BLAS: unknown matrix-product backend 'bogus'"));
    // A choice made in the program overrides the variable.
    autograd::set_matmul_backend(MatmulBackend::OpenBLAS);
    BOOST_TEST(values(matmul(a, a)) == (std::vector<double>{2, 2, 2, 2}), boost::test_tools::per_element());
}

// Disabled: run only by the CTest entry that names it, under `taskset -c 0` with
// BACKPROP_NUM_THREADS unset. A process allowed one core (as mpirun places each of two ranks on
// a two-core machine) defaults to one thread, not to the machine's core count.
BOOST_AUTO_TEST_CASE(default_threads_follow_the_affinity_mask, *boost::unit_test::disabled())
{
    BOOST_REQUIRE(std::getenv("BACKPROP_NUM_THREADS") == nullptr);
    BOOST_TEST(autograd::matmul_backend_info().threads == 1);
    BOOST_TEST(test_util::contains(autograd::describe_matmul_backend(), ", 1 thread"));
}
