// Matrix products through CBLAS (OpenBLAS's sgemm/dgemm), with their backward.
//
// One recorded op does the work: Y = op(A) op(B), where op transposes or not. Its gradients are
// products of the same kind (dA = G op(B)^T and so on), so transposes reach BLAS as flags and
// are never copied, in the forward and in the backward alike. matmul() maps PyTorch's cases
// (1-d, 2-d, batched 3-d) onto it.
#include "autograd/ops/kernels.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tuple>

namespace autograd {
namespace {

// OpenBLAS picks its kernels from the CPU model it reads when it is loaded. A CPU newer than the
// library (Debian 12's OpenBLAS 0.3.21 on Intel's Emerald Rapids, for one) gets kernels older than
// AVX2, the generic "Prescott" ones: 32 GFLOP/s where the AVX-512 ones give 149 on the same core.
// Nothing can change the choice once the library is loaded, so the first product says so, once,
// with the setting that fixes it; unless OPENBLAS_CORETYPE is set, which is that setting (a
// user who chose an old core on purpose, or silences this, has it set).
void warn_if_blas_kernels_predate_cpu()
{
    static const bool checked = [] {
        if (std::getenv("OPENBLAS_CORETYPE") != nullptr)
            return true;
        const char* name = openblas_get_corename();
        const std::string_view core = name != nullptr ? name : "";
        constexpr std::array<std::string_view, 8> kPreAvx2 = {"Prescott", "Core2",   "Penryn",      "Dunnington",
                                                              "Nehalem",  "Atom",    "Sandybridge", "Unknown"};
        const bool old = std::find(kPreAvx2.begin(), kPreAvx2.end(), core) != kPreAvx2.end();
        if (old && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            std::fprintf(stderr,
                         "backprop: OpenBLAS runs its pre-AVX2 '%s' kernels on this CPU, which has AVX2%s, so matrix "
                         "products are several times slower than they could be. Start the program with "
                         "OPENBLAS_CORETYPE=%s set.\n",
                         name, __builtin_cpu_supports("avx512f") ? " and AVX-512" : "",
                         __builtin_cpu_supports("avx512f") ? "SkylakeX" : "Haswell");
        return true;
    }();
    (void)checked;
}

// C += op(A) op(B), row-major. Callers set C first (zeros, or a bias): OpenBLAS's beta = 0 path
// clears C one column at a time, which costs more than the product itself for the small
// matrices of a small MLP, and beta = 1 skips it.
template <class T>
void gemm(bool ta, bool tb, std::int64_t n, std::int64_t m, std::int64_t k, const T* a, const T* b, T* c)
{
    warn_if_blas_kernels_predate_cpu();
    const auto N = static_cast<blasint>(n), M = static_cast<blasint>(m), K = static_cast<blasint>(k);
    const blasint lda = ta ? N : K, ldb = tb ? K : M;
    const CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, TA, TB, N, M, K, 1.0f, a, lda, b, ldb, 1.0f, c, M);
    else
        cblas_dgemm(CblasRowMajor, TA, TB, N, M, K, 1.0, a, lda, b, ldb, 1.0, c, M);
}

// Rows and columns of op(X) for the last two dimensions of X.
std::pair<std::int64_t, std::int64_t> op_dims(const Tensor& x, bool trans)
{
    const std::int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
    return trans ? std::pair{c, r} : std::pair{r, c};
}

// Y = op(A) op(B), for 2-d or 3-d operands (a 2-d operand is shared by every batch).
//   dA = G op(B)^T   (or, if A is transposed, op(B) G^T),  summed over the batch if A is 2-d
//   dB = op(A)^T G   (or, if B is transposed, G^T op(A)),  likewise
Tensor product(const Tensor& a, const Tensor& b, bool ta, bool tb)
{
    // NOTE: std::tie, not structured bindings: lambdas below capture these, which clang before
    // 16 (the fuzzing build's compiler) does not allow for bindings.
    std::int64_t n = 0, k = 0, k2 = 0, m = 0;
    std::tie(n, k) = op_dims(a, ta);
    std::tie(k2, m) = op_dims(b, tb);
    const std::int64_t batch_a = a.dim() == 3 ? a.shape()[0] : 1, batch_b = b.dim() == 3 ? b.shape()[0] : 1;
    if (k != k2 || (a.dim() == 3 && b.dim() == 3 && batch_a != batch_b))
        throw std::invalid_argument(fmt::format("{}: shapes {}{} and {}{} do not chain", op_name(TensorOp::Matmul),
                                                to_string(a.shape()), ta ? " (transposed)" : "", to_string(b.shape()),
                                                tb ? " (transposed)" : ""));
    const std::int64_t batch = a.dim() == 3 ? batch_a : batch_b; // a 2-d operand is shared, whatever the batch
    Shape out_shape = a.dim() == 3 || b.dim() == 3 ? Shape{batch, n, m} : Shape{n, m};
    Tensor out = detail::empty(out_shape, a.dtype());
    dispatch(a.dtype(), [&]<class T>() {
        const T* pa = a.impl()->data<T>();
        const T* pb = b.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t i = 0; i < batch; ++i) {
            T* c = po + i * n * m;
            std::fill(c, c + n * m, T(0));
            if (k > 0 && n > 0 && m > 0)
                gemm<T>(ta, tb, n, m, k, pa + (a.dim() == 3 ? i * n * k : 0), pb + (b.dim() == 3 ? i * k * m : 0), c);
        }
    });
    const bool a_shared = a.dim() == 2 && out.dim() == 3, b_shared = b.dim() == 2 && out.dim() == 3;
    return detail::record(TensorOp::Matmul, out, {&a, &b}, {a, b}, [=](const Tensor& g, const TensorNode& node) {
        const Tensor& a = detail::saved(node, 0);
        const Tensor& b = detail::saved(node, 1);
        Tensor da, db; // only the products whose input needs them: X W needs no dX
        if (detail::needs(node, 0)) {
            da = ta ? product(b, g, tb, true) : product(g, b, false, !tb);
            if (a_shared)
                da = sum(da, 0);
        }
        if (detail::needs(node, 1)) {
            db = tb ? product(g, a, true, ta) : product(a, g, !ta, false);
            if (b_shared)
                db = sum(db, 0);
        }
        return TensorList{da, db};
    });
}

} // namespace

// y = x W^T + b (PyTorch's F.linear; W is [out, in] as in torch.nn.Linear). One op instead of a
// matmul and a broadcast add: the bias is written into y first and the product added onto it.
//   dx = g W,   dW = g^T x,   db = g summed over the rows
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias)
{
    constexpr std::string_view op = op_name(TensorOp::Linear);
    detail::check_same_dtype(op, x, weight);
    if (bias.defined())
        detail::check_same_dtype(op, x, bias);
    const std::int64_t in = x.dim() >= 1 ? x.shape()[x.dim() - 1] : -1;
    if (weight.dim() != 2 || x.dim() < 1 || weight.shape()[1] != in ||
        (bias.defined() && (bias.dim() != 1 || bias.shape()[0] != weight.shape()[0])))
        throw std::invalid_argument(fmt::format("{}: input {}, weight {} and bias {} do not fit (want input "
                                                "[..., in], weight [out, in], bias [out])", op,
                                                to_string(x.shape()), to_string(weight.shape()),
                                                bias.defined() ? to_string(bias.shape()) : std::string("none")));
    const std::int64_t out_features = weight.shape()[0];
    const std::int64_t rows = in == 0 ? shape_numel(x.shape()) : x.numel() / in;
    Shape out_shape = x.shape();
    out_shape.back() = out_features;
    Tensor out = detail::empty(out_shape, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        T* po = out.impl()->data<T>();
        if (bias.defined()) {
            const T* pb = bias.impl()->data<T>();
            for (std::int64_t r = 0; r < rows; ++r) // an inline loop: rows are short, a memcpy call each costs more
                for (std::int64_t j = 0; j < out_features; ++j)
                    po[r * out_features + j] = pb[j];
        } else {
            std::fill(po, po + rows * out_features, T(0));
        }
        if (in > 0 && rows > 0 && out_features > 0)
            gemm<T>(false, true, rows, out_features, in, x.impl()->data<T>(), weight.impl()->data<T>(), po);
    });
    const bool has_bias = bias.defined();
    const Tensor none;
    return detail::record(TensorOp::Linear, out, {&x, &weight, has_bias ? &bias : &none}, {x, weight},
                          [rows, in, out_features](const Tensor& g, const TensorNode& node) {
        const Tensor& x = detail::saved(node, 0);
        const Tensor& w = detail::saved(node, 1);
        const Tensor g2 = g.reshape({rows, out_features});
        Tensor dx, dw, db;
        if (detail::needs(node, 0))
            dx = product(g2, w, false, false).reshape(x.shape());
        if (detail::needs(node, 1))
            dw = product(g2, x.reshape({rows, in}), true, false);
        if (detail::needs(node, 2))
            db = sum(g2, 0);
        return TensorList{dx, dw, db};
    });
}

Tensor linear(const Tensor& x, const Tensor& weight) { return linear(x, weight, Tensor()); }

Tensor matmul(const Tensor& a, const Tensor& b)
{
    constexpr std::string_view op = op_name(TensorOp::Matmul);
    detail::check_same_dtype(op, a, b);
    const auto fail = [&] {
        return std::invalid_argument(fmt::format("{}: shapes {} and {} do not chain", op, to_string(a.shape()),
                                                 to_string(b.shape())));
    };
    if (a.dim() == 0 || b.dim() == 0 || a.dim() > 3 || b.dim() > 3)
        throw std::invalid_argument(fmt::format("{}: shapes {} and {}: operands must have 1 to 3 dimensions", op,
                                                to_string(a.shape()), to_string(b.shape())));
    // 1-d operands become a row (left) or a column (right), removed again from the result.
    const Tensor a2 = a.dim() == 1 ? a.reshape({1, a.shape()[0]}) : a;
    const Tensor b2 = b.dim() == 1 ? b.reshape({b.shape()[0], 1}) : b;
    if (a2.shape()[a2.dim() - 1] != b2.shape()[b2.dim() - 2])
        throw fail();
    Tensor y = product(a2, b2, false, false);
    if (a.dim() == 1 || b.dim() == 1) {
        Shape s = y.shape();
        if (b.dim() == 1)
            s.pop_back();
        if (a.dim() == 1)
            s.erase(s.end() - (b.dim() == 1 ? 1 : 2));
        y = y.reshape(s);
    }
    return y;
}

} // namespace autograd
