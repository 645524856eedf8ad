// The GEMM floor of an MLP's training epoch (W2, W3): its matrix products alone, called straight on a
// library with buffers of the same shapes, no engine around them. Per step: the forward X W^T of
// every layer, dW = G^T X of every layer and dX = G W of all but the first (the data needs no
// gradient); an epoch is ceil(8000 / batch) steps of the full batch (MNIST-10k's training set).
//
// OpenBLAS runs with THREADS threads of its own, oneDNN with an OpenMP team of THREADS, its own
// threading: each library at its best, which is what a floor is for. A program of its own, so that
// bench_w2, which times Backprop, does not load OpenBLAS (and its threads) at start.
//
// usage: bench_gemm_floor --library openblas|onednn [--hidden 128,64] [--batch 64] [--epochs 3] [--threads 1]
#include <cblas.h>
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#if BACKPROP_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#endif

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace {

struct Product {
    bool ta, tb;
    std::int64_t m, n, k;
    const float* a;
    const float* b;
    float* c;
};

// The products of one step, on buffers of their shapes (values do not change the time).
struct Step {
    std::vector<std::vector<float>> act, w, grad_w;
    std::vector<Product> products;

    Step(const std::vector<std::int64_t>& sizes, std::int64_t batch)
    {
        const std::size_t layers = sizes.size() - 1;
        act.resize(sizes.size());
        w.resize(layers);
        grad_w.resize(layers);
        for (std::size_t i = 0; i < sizes.size(); ++i)
            act[i].assign(static_cast<std::size_t>(batch * sizes[i]), 0.5f);
        for (std::size_t i = 0; i < layers; ++i) {
            w[i].assign(static_cast<std::size_t>(sizes[i] * sizes[i + 1]), 0.01f);
            grad_w[i].assign(w[i].size(), 0.0f);
        }
        for (std::size_t i = 0; i < layers; ++i) // forward: act[i+1] [batch, out] = act[i] [batch, in] W^T
            products.push_back({false, true, batch, sizes[i + 1], sizes[i], act[i].data(), w[i].data(), act[i + 1].data()});
        for (std::size_t i = layers; i-- > 0;) {
            // dW [out, in] = G^T [out, batch] X [batch, in]; G has act[i+1]'s shape
            products.push_back({true, false, sizes[i + 1], sizes[i], batch, act[i + 1].data(), act[i].data(),
                                grad_w[i].data()});
            if (i > 0) // dX [batch, in] = G [batch, out] W [out, in]
                products.push_back({false, false, batch, sizes[i], sizes[i + 1], act[i + 1].data(), w[i].data(),
                                    act[i].data()});
        }
    }
};

template <class RunStep> double best_epoch(std::int64_t steps, int epochs, RunStep&& run_step)
{
    double best = 1e300;
    for (int e = 0; e < epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::int64_t s = 0; s < steps; ++s)
            run_step();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

double openblas_floor(const Step& step, std::int64_t steps, int epochs, int threads)
{
    openblas_set_num_threads(threads);
    return best_epoch(steps, epochs, [&] {
        for (const Product& p : step.products)
            cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans, p.tb ? CblasTrans : CblasNoTrans,
                        static_cast<int>(p.m), static_cast<int>(p.n), static_cast<int>(p.k), 1.0f, p.a,
                        static_cast<int>(p.ta ? p.m : p.k), p.b, static_cast<int>(p.tb ? p.k : p.n), 0.0f, p.c,
                        static_cast<int>(p.n));
    });
}

#if BACKPROP_HAVE_ONEDNN
// oneDNN's best for these shapes: a matmul primitive per product, made once (as any framework on
// it caches them), run with the buffers bound.
double onednn_floor(const Step& step, std::int64_t steps, int epochs, int threads)
{
    omp_set_num_threads(threads);
    using dims = dnnl::memory::dims;
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    struct Bound {
        dnnl::matmul primitive;
        std::unordered_map<int, dnnl::memory> args;
    };
    std::vector<Bound> bound;
    for (const Product& p : step.products) {
        const auto f32 = dnnl::memory::data_type::f32;
        const dnnl::memory::desc a(dims{p.m, p.k}, f32, p.ta ? dims{1, p.m} : dims{p.k, 1});
        const dnnl::memory::desc b(dims{p.k, p.n}, f32, p.tb ? dims{1, p.k} : dims{p.n, 1});
        const dnnl::memory::desc c(dims{p.m, p.n}, f32, dims{p.n, 1});
        const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), engine);
        bound.push_back({dnnl::matmul(pd),
                         {{DNNL_ARG_SRC, dnnl::memory(a, engine, const_cast<float*>(p.a))},
                          {DNNL_ARG_WEIGHTS, dnnl::memory(b, engine, const_cast<float*>(p.b))},
                          {DNNL_ARG_DST, dnnl::memory(c, engine, p.c)}}});
    }
    return best_epoch(steps, epochs, [&] {
        for (const Bound& x : bound)
            x.primitive.execute(stream, x.args);
        stream.wait();
    });
}
#else
double onednn_floor(const Step&, std::int64_t, int, int)
{
    throw std::invalid_argument("gemm floor: this build has no oneDNN (-DBACKPROP_BLAS=openblas)");
}
#endif

} // namespace


int main(int argc, char** argv)
{
    CLI::App app{"The GEMM floor of an MNIST MLP's epoch: its products alone on OpenBLAS or oneDNN"};
    std::string library, hidden = "128,64";
    std::int64_t batch = 64;
    int epochs = 3, threads = 1;
    app.add_option("--library", library, "openblas or onednn")->required()->check(CLI::IsMember({"openblas", "onednn"}));
    app.add_option("--hidden", hidden, "hidden layer sizes");
    app.add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
    app.add_option("--epochs", epochs, "epochs (the best is printed)")->check(CLI::PositiveNumber);
    app.add_option("--threads", threads, "the library's threads")->check(CLI::PositiveNumber);
    CLI11_PARSE(app, argc, argv);
    std::vector<std::int64_t> sizes{784};
    for (std::size_t pos = 0; pos <= hidden.size();) {
        const std::size_t comma = std::min(hidden.find(',', pos), hidden.size());
        sizes.push_back(std::stoll(hidden.substr(pos, comma - pos)));
        pos = comma + 1;
    }
    sizes.push_back(10);
    const Step step(sizes, batch);
    const std::int64_t steps = (8000 + batch - 1) / batch;
    const double best = library == "openblas" ? openblas_floor(step, steps, epochs, threads)
                                              : onednn_floor(step, steps, epochs, threads);
    fmt::print("gemm floor {} {} batch={}: {:.4f} s/epoch (best of {}, {} thread{})\n", library, hidden, batch, best,
               epochs, threads, threads == 1 ? "" : "s");
    return 0;
}
