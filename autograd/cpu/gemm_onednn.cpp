// The oneDNN backend: float32 products as oneDNN matmul primitives, with the bias and the
// activation fused in as the primitive's bias and eltwise post-op.
//
// Why primitives and not dnnl_sgemm: measured on W2's shapes (one thread, AVX-512), the matmul
// primitive's brgemm kernels were 5-12% faster than dnnl_sgemm on the products of a step, and 12-47%
// faster for a linear forward with its bias and ReLU, which sgemm needs a second pass for.
//
// A primitive costs 0.3-3 ms to create, so each thread keeps the ones it made, by shape, and a
// product of a known shape only points the primitive's memory at its buffers and runs it. The
// cache is per thread because oneDNN's shared scratchpad (Debian's build) lets a primitive run
// only on the thread that created it. It holds the kLimit shapes used last.
//
// Threads: oneDNN runs on OpenMP, with a team of omp_get_max_threads(). Each product runs with the
// calling thread's team set to one and then restored, so that oneDNN never starts threads beside
// Backprop's pool (cpu/gemm.cpp splits large products across the pool instead), and a program's
// own OpenMP setting is left as it was.
#include "autograd/cpu/gemm.hpp"

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace autograd::detail {
namespace {

struct Key {
    std::int64_t m, n, k, lda, ldb, ldc;
    bool ta, tb, bias;
    Epilogue act;
    bool operator==(const Key&) const = default;
};

struct KeyHash {
    std::size_t operator()(const Key& key) const
    {
        std::size_t h = 0;
        for (std::int64_t v : {key.m, key.n, key.k, key.lda, key.ldb, key.ldc})
            h = h * 1000003u ^ static_cast<std::size_t>(v);
        return h * 31u + (key.ta ? 1u : 0u) + (key.tb ? 2u : 0u) + (key.bias ? 4u : 0u) +
               8u * static_cast<std::size_t>(key.act);
    }
};

dnnl::engine& cpu_engine()
{
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

// One cached product: the primitive and its argument memories, which are pointed at the buffers of
// each call (set_data_handle) rather than made anew.
struct Entry {
    dnnl::matmul primitive;
    dnnl::memory a, b, c, bias;
    std::uint64_t last_use = 0;
};

dnnl::algorithm eltwise_of(Epilogue act)
{
    switch (act) {
    case Epilogue::Relu: return dnnl::algorithm::eltwise_relu;
    case Epilogue::Sigmoid: return dnnl::algorithm::eltwise_logistic;
    case Epilogue::Tanh: return dnnl::algorithm::eltwise_tanh;
    case Epilogue::None: break;
    }
    return dnnl::algorithm::undef;
}

Entry make_entry(const Key& key)
{
    using dims = dnnl::memory::dims;
    using dt = dnnl::memory::data_type;
    dnnl::engine& engine = cpu_engine();
    // A stored transposed is the same m x k matrix with its strides swapped: no copy.
    const dnnl::memory::desc a_desc(dims{key.m, key.k}, dt::f32, key.ta ? dims{1, key.lda} : dims{key.lda, 1});
    const dnnl::memory::desc b_desc(dims{key.k, key.n}, dt::f32, key.tb ? dims{1, key.ldb} : dims{key.ldb, 1});
    const dnnl::memory::desc c_desc(dims{key.m, key.n}, dt::f32, dims{key.ldc, 1});
    const dnnl::memory::desc bias_desc(dims{1, key.n}, dt::f32, dims{key.n, 1});
    dnnl::primitive_attr attr;
    if (key.act != Epilogue::None) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, eltwise_of(key.act), 0.0f, 0.0f);
        attr.set_post_ops(ops);
    }
    const dnnl::matmul::desc desc = key.bias ? dnnl::matmul::desc(a_desc, b_desc, bias_desc, c_desc)
                                             : dnnl::matmul::desc(a_desc, b_desc, c_desc);
    const dnnl::matmul::primitive_desc pd(desc, attr, engine);
    Entry e{dnnl::matmul(pd), dnnl::memory(a_desc, engine, DNNL_MEMORY_NONE),
            dnnl::memory(b_desc, engine, DNNL_MEMORY_NONE), dnnl::memory(c_desc, engine, DNNL_MEMORY_NONE),
            key.bias ? dnnl::memory(bias_desc, engine, DNNL_MEMORY_NONE) : dnnl::memory()};
    return e;
}

struct ThreadCache {
    static constexpr std::size_t kLimit = 128;
    std::unordered_map<Key, Entry, KeyHash> entries;
    std::uint64_t clock = 0;
    dnnl::stream stream{cpu_engine()};

    Entry& get(const Key& key)
    {
        auto it = entries.find(key);
        if (it == entries.end()) {
            if (entries.size() >= kLimit) { // forget the shape used longest ago
                auto oldest = entries.begin();
                for (auto i = entries.begin(); i != entries.end(); ++i)
                    if (i->second.last_use < oldest->second.last_use)
                        oldest = i;
                entries.erase(oldest);
            }
            it = entries.emplace(key, make_entry(key)).first;
        }
        it->second.last_use = ++clock;
        return it->second;
    }
};

} // namespace

void onednn_gemm(const Gemm<float>& g)
{
    if (g.k == 0) { // oneDNN refuses an empty reduction; the product is then all zeros
        for (std::int64_t r = 0; r < g.m; ++r)
            std::memset(g.c + r * g.ldc, 0, static_cast<std::size_t>(g.n) * sizeof(float));
        apply_epilogue(g.m, g.n, g.c, g.ldc, g.bias, g.act);
        return;
    }
    // One OpenMP thread while oneDNN plans and runs the product (see the top of the file).
    struct OneOpenMPThread {
        int previous = omp_get_max_threads();
        OneOpenMPThread() { omp_set_num_threads(1); }
        ~OneOpenMPThread() { omp_set_num_threads(previous); }
    } one_thread;
    thread_local ThreadCache cache;
    const Key key{g.m, g.n, g.k, g.lda, g.ldb, g.ldc, g.ta, g.tb, g.bias != nullptr, g.act};
    Entry& e = cache.get(key);
    // oneDNN takes non-const handles; it only reads a, b and bias.
    e.a.set_data_handle(const_cast<float*>(g.a));
    e.b.set_data_handle(const_cast<float*>(g.b));
    e.c.set_data_handle(g.c);
    std::array<dnnl_exec_arg_t, 4> args{{{DNNL_ARG_SRC, e.a.get()},
                                          {DNNL_ARG_WEIGHTS, e.b.get()},
                                          {DNNL_ARG_DST, e.c.get()},
                                          {DNNL_ARG_BIAS, nullptr}}};
    int nargs = 3;
    if (g.bias != nullptr) {
        e.bias.set_data_handle(const_cast<float*>(g.bias));
        args[3].memory = e.bias.get();
        nargs = 4;
    }
    const dnnl_status_t status = dnnl_primitive_execute(e.primitive.get(), cache.stream.get(), nargs, args.data());
    if (status != dnnl_success)
        throw std::runtime_error(fmt::format("matmul: oneDNN failed on a [{}, {}] x [{}, {}] product (status {})", g.m,
                                             g.k, g.k, g.n, static_cast<int>(status)));
}

MatmulBackendInfo onednn_info()
{
    MatmulBackendInfo info;
    info.backend = MatmulBackend::OneDNN;
    info.name = "oneDNN";
    const dnnl_version_t* v = dnnl_version();
    info.version = fmt::format("{}.{}.{}", v->major, v->minor, v->patch);
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: info.kernels = "sse41"; break;
    case dnnl_cpu_isa_avx: info.kernels = "avx"; break;
    case dnnl_cpu_isa_avx2: info.kernels = "avx2"; break;
    case dnnl_cpu_isa_avx2_vnni: info.kernels = "avx2_vnni"; break;
    case dnnl_cpu_isa_avx512_mic: info.kernels = "avx512_mic"; break;
    case dnnl_cpu_isa_avx512_mic_4ops: info.kernels = "avx512_mic_4ops"; break;
    case dnnl_cpu_isa_avx512_core: info.kernels = "avx512_core"; break;
    case dnnl_cpu_isa_avx512_core_vnni: info.kernels = "avx512_core_vnni"; break;
    case dnnl_cpu_isa_avx512_core_bf16: info.kernels = "avx512_core_bf16"; break;
    case dnnl_cpu_isa_avx512_core_amx: info.kernels = "avx512_core_amx"; break;
    default: info.kernels = "baseline"; break;
    }
    return info;
}

} // namespace autograd::detail
