// Per-op costs of the tensor engine (Google Benchmark), beside raw OpenBLAS where it applies.
//
//   add_fwd_bwd/1        forward + backward of an add of two one-element tensors (issue goal:
//                        at most 300 ns): the engine's fixed cost per op
//   matmul/1024          a 1024 x 1024 float32 product through the engine
//   sgemm/1024           the same product with cblas_sgemm called directly: the ceiling
//   tiny/sin ...         forward + backward of each op issue 13 added, on tiny tensors ([2, 3];
//                        [1, 1, 4, 4] images), and tiny/add on the same: the engine's cost per op
//                        when the arithmetic is nothing. After the runs, a table of each tiny op's
//                        time per call as a multiple of tiny/add's (issue 13's goal: at most 2x),
//                        and one line per op for scripts:
//   RESULT ops-tiny op=sin inputs=[2,3] ns=... add_ns=... times_add=... goal=2
//
// Each tiny op's backward is autograd::grad of its outputs, with fixed output gradients of ones,
// for every input (so split's parts all flow back, in one traversal, as add's two inputs do).
// The console output is Google Benchmark's table (its --benchmark_format is not read: the summary
// needs the runs).
//
// usage: OPENBLAS_NUM_THREADS=1 bench_ops [--benchmark_filter=...] [--benchmark_repetitions=N]
//        [--benchmark_enable_random_interleaving=true]
// Interleaving spreads each op's repetitions over the run: this machine changes speed within a
// minute (add at 338 ns, then ops measured later at 1.5x their usual time), and the ratios to
// add's time are only fair when each op meets the same mix of fast and slow spells.
#include <autograd/autograd.hpp>

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

using autograd::Shape;
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

namespace {

using Inputs = std::vector<Tensor>;

struct TinyOp {
    std::string name;
    std::vector<Shape> inputs;
    std::function<std::vector<Tensor>(const Inputs&)> f;
};

std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }

// add first: the others' yardstick.
std::vector<TinyOp> tiny_ops()
{
    using namespace autograd;
    const Shape m{2, 3}, image{1, 1, 4, 4};
    return {
        {"add", {m, m}, [](const Inputs& x) { return one(x[0] + x[1]); }},
        {"sin", {m}, [](const Inputs& x) { return one(sin(x[0])); }},
        {"cos", {m}, [](const Inputs& x) { return one(cos(x[0])); }},
        {"log1p", {m}, [](const Inputs& x) { return one(log1p(x[0])); }},
        {"expm1", {m}, [](const Inputs& x) { return one(expm1(x[0])); }},
        {"softplus", {m}, [](const Inputs& x) { return one(softplus(x[0])); }},
        {"gelu", {m}, [](const Inputs& x) { return one(gelu(x[0])); }},
        {"silu", {m}, [](const Inputs& x) { return one(silu(x[0])); }},
        {"elu", {m}, [](const Inputs& x) { return one(elu(x[0])); }},
        {"maximum", {m, m}, [](const Inputs& x) { return one(maximum(x[0], x[1])); }},
        {"minimum", {m, m}, [](const Inputs& x) { return one(minimum(x[0], x[1])); }},
        {"logsumexp", {m}, [](const Inputs& x) { return one(logsumexp(x[0], 1)); }},
        {"prod", {m}, [](const Inputs& x) { return one(prod(x[0], 1)); }},
        {"cumsum", {m}, [](const Inputs& x) { return one(cumsum(x[0], 1)); }},
        {"flip", {m}, [](const Inputs& x) { return one(flip(x[0], {1})); }},
        {"repeat", {m}, [](const Inputs& x) { return one(repeat(x[0], {2, 1})); }},
        {"split", {m}, [](const Inputs& x) { return split(x[0], 1, 1); }},
        {"conv2d", {image, {1, 1, 3, 3}, {1}}, [](const Inputs& x) { return one(conv2d(x[0], x[1], x[2])); }},
        {"max_pool2d", {image}, [](const Inputs& x) { return one(max_pool2d(x[0], 2)); }},
        {"avg_pool2d", {image}, [](const Inputs& x) { return one(avg_pool2d(x[0], 2)); }},
        {"layer_norm", {m, {3}, {3}}, [](const Inputs& x) { return one(layer_norm(x[0], {3}, x[1], x[2])); }},
    };
}

std::string shapes_of(const TinyOp& op)
{
    std::string out;
    for (const Shape& s : op.inputs) {
        if (!out.empty())
            out += ' ';
        out += fmt::format("[{}]", fmt::join(s, ","));
    }
    return out;
}

void tiny(benchmark::State& state, const TinyOp& op)
{
    autograd::Generator gen(1);
    Inputs in;
    for (const Shape& s : op.inputs) // in (0.1, 1): inside every op's domain (log1p, prod), no ties for max
        in.push_back(Tensor::rand(s, gen, 0.1, 1.0).requires_grad_());
    std::vector<Tensor> gout;
    for (const Tensor& y : op.f(in))
        gout.push_back(Tensor::ones(y.shape()));
    for (auto _ : state) {
        const std::vector<Tensor> out = op.f(in);
        benchmark::DoNotOptimize(autograd::grad(out, in, gout));
    }
}

// Google Benchmark's console table, and each run's time per iteration kept by name.
class Collect : public benchmark::ConsoleReporter {
public:
    Collect() : benchmark::ConsoleReporter(OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& runs) override
    {
        benchmark::ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs)
            if (r.run_type == Run::RT_Iteration && !r.error_occurred)
                ns_[r.benchmark_name()].push_back(r.GetAdjustedRealTime()); // the tiny ops run in ns
    }
    /// The median over repetitions, or a negative number when the benchmark did not run.
    double median_ns(const std::string& name) const
    {
        const auto it = ns_.find(name);
        if (it == ns_.end() || it->second.empty())
            return -1.0;
        std::vector<double> v = it->second;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }

private:
    std::map<std::string, std::vector<double>> ns_;
};

} // namespace

int main(int argc, char** argv)
{
    const std::vector<TinyOp> ops = tiny_ops();
    for (const TinyOp& op : ops)
        benchmark::RegisterBenchmark(("tiny/" + op.name).c_str(), tiny, op)->Unit(benchmark::kNanosecond);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    Collect reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    constexpr double kGoal = 2.0; // issue 13: each new op within 2x of add
    const double add_ns = reporter.median_ns("tiny/add");
    if (add_ns <= 0.0)
        return 0; // filtered out: nothing to compare with
    fmt::print("\nforward + backward per call on tiny tensors, as a multiple of add's (goal: at most {}x)\n", kGoal);
    fmt::print("{:<12} {:<24} {:>10} {:>8}\n", "op", "inputs", "ns", "x add");
    std::vector<std::string> results;
    for (const TinyOp& op : ops) {
        const double ns = reporter.median_ns("tiny/" + op.name);
        if (ns <= 0.0)
            continue;
        const double times = ns / add_ns;
        fmt::print("{:<12} {:<24} {:>10.1f} {:>7.2f}{}\n", op.name, shapes_of(op), ns, times, times <= kGoal ? "" : " *");
        if (op.name != "add") {
            std::string inputs = shapes_of(op);
            std::replace(inputs.begin(), inputs.end(), ' ', ';');
            results.push_back(fmt::format("RESULT ops-tiny op={} inputs={} ns={:.1f} add_ns={:.1f} times_add={:.3f} goal={}",
                                          op.name, inputs, ns, add_ns, times, kGoal));
        }
    }
    fmt::print("(* over the goal)\n");
    for (const std::string& line : results)
        fmt::print("{}\n", line);
    return 0;
}
