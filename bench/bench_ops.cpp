// Per-op costs of the tensor engine (Google Benchmark), beside raw OpenBLAS where it applies.
//
//   add_fwd_bwd/1        forward + backward of an add of two one-element tensors (issue goal:
//                        at most 300 ns): the engine's fixed cost per op
//   matmul/1024          a 1024 x 1024 float32 product through the engine
//   sgemm/1024           the same product with cblas_sgemm called directly: the ceiling
//
// usage: OPENBLAS_NUM_THREADS=1 bench_ops [--benchmark_filter=...]
#include <autograd/tensor.hpp>

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <vector>

using autograd::Tensor;

static void add_fwd_bwd(benchmark::State& state)
{
    Tensor a = Tensor({1.f}, {1}).requires_grad_();
    Tensor b = Tensor({2.f}, {1}).requires_grad_();
    for (auto _ : state) {
        Tensor c = a + b;
        c.backward();
        benchmark::DoNotOptimize(a.grad());
        a.zero_grad();
        b.zero_grad();
    }
}
BENCHMARK(add_fwd_bwd);

static void add_fwd(benchmark::State& state)
{
    Tensor a = Tensor({1.f}, {1}).requires_grad_();
    Tensor b = Tensor({2.f}, {1}).requires_grad_();
    for (auto _ : state)
        benchmark::DoNotOptimize(a + b);
}
BENCHMARK(add_fwd);

// Elementwise kernels on large tensors (forward only): the flat loops and their vector width.
static void add_large(benchmark::State& state)
{
    const Tensor a = Tensor::ones({state.range(0)}), b = Tensor::ones({state.range(0)});
    for (auto _ : state)
        benchmark::DoNotOptimize(a + b);
    state.SetBytesProcessed(state.iterations() * state.range(0) * 3 * 4);
}
BENCHMARK(add_large)->Arg(1 << 14)->Arg(1 << 20);

static void sigmoid_large(benchmark::State& state)
{
    const Tensor a = Tensor::ones({state.range(0)});
    for (auto _ : state)
        benchmark::DoNotOptimize(sigmoid(a));
    state.SetBytesProcessed(state.iterations() * state.range(0) * 2 * 4);
}
BENCHMARK(sigmoid_large)->Arg(1 << 14)->Arg(1 << 20);

static void relu_large(benchmark::State& state)
{
    const Tensor a = Tensor::ones({state.range(0)});
    for (auto _ : state)
        benchmark::DoNotOptimize(relu(a));
    state.SetBytesProcessed(state.iterations() * state.range(0) * 2 * 4);
}
BENCHMARK(relu_large)->Arg(1 << 14)->Arg(1 << 20);

static void sum_large(benchmark::State& state)
{
    const Tensor a = Tensor::ones({state.range(0)});
    for (auto _ : state)
        benchmark::DoNotOptimize(sum(a));
    state.SetBytesProcessed(state.iterations() * state.range(0) * 4);
}
BENCHMARK(sum_large)->Arg(1 << 14)->Arg(1 << 20);

static void matmul_engine(benchmark::State& state)
{
    const auto n = state.range(0);
    autograd::Generator gen(1);
    const Tensor a = Tensor::rand({n, n}, gen), b = Tensor::rand({n, n}, gen);
    for (auto _ : state)
        benchmark::DoNotOptimize(matmul(a, b));
    state.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(matmul_engine)->Name("matmul")->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

static void sgemm_direct(benchmark::State& state)
{
    const auto n = static_cast<int>(state.range(0));
    std::vector<float> a(static_cast<std::size_t>(n) * n, 0.5f), b(a), c(a.size());
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}
BENCHMARK(sgemm_direct)->Name("sgemm")->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
