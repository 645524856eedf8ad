// The matrix product every op calls: C = act(op(A) op(B) + bias), row-major, with the library
// chosen by cpu/gemm.cpp (the one place that decides; see autograd/matmul_backend.hpp) and large
// products split across Backprop's thread pool.
//
//   // y[rows, out] = relu(x[rows, in] W[out, in]^T + b[out]): a linear layer's forward, one pass
//   detail::gemm<float>({.tb = true, .m = rows, .n = out, .k = in, .a = x, .lda = in, .b = w, .ldb = in,
//                        .c = y, .ldc = out, .bias = b, .act = detail::Epilogue::Relu});
//
// C is overwritten (it need not be cleared first). A is m x k after op(), B is k x n; lda and
// ldb are the row strides of A and B as stored (so k for A = X [m, k], m for A = X^T with X [k, m]).
#pragma once

#include "autograd/matmul_backend.hpp"

#include <cstdint>

namespace autograd::detail {

/// What is applied to each element of the product after the bias, in the same pass.
enum class Epilogue : std::uint8_t { None, Relu, Sigmoid, Tanh };

template <class T> struct Gemm {
    bool ta = false, tb = false;     // op(A) = A^T, op(B) = B^T
    std::int64_t m = 0, n = 0, k = 0;
    const T* a = nullptr;
    std::int64_t lda = 0;
    const T* b = nullptr;
    std::int64_t ldb = 0;
    T* c = nullptr;
    std::int64_t ldc = 0;
    const T* bias = nullptr;         // [n], added to every row; or none
    Epilogue act = Epilogue::None;
};

/// Runs the product on the selected backend (float64: OpenBLAS), split across threads when large.
template <class T> void gemm(const Gemm<T>& g);

extern template void gemm<float>(const Gemm<float>&);
extern template void gemm<double>(const Gemm<double>&);

// The libraries, each behind one function that runs a whole (sub)product on the calling thread,
// single-threaded. Defined in cpu/gemm_onednn.cpp and cpu/gemm_openblas.cpp.
void onednn_gemm(const Gemm<float>& g);
void openblas_gemm(const Gemm<float>& g);
void openblas_gemm(const Gemm<double>& g);
MatmulBackendInfo onednn_info();
MatmulBackendInfo openblas_info();
/// Whether OpenBLAS's kernels use the widest vectors this CPU has (AVX-512 kernels on an AVX-512
/// CPU, AVX2 ones on an AVX2 CPU); false where OpenBLAS cannot be loaded.
bool openblas_kernels_fit_cpu();

/// Applies bias and act to the m x n block at c (row stride ldc): the epilogue for a library
/// that cannot fuse it.
template <class T>
void apply_epilogue(std::int64_t m, std::int64_t n, T* c, std::int64_t ldc, const T* bias, Epilogue act);

} // namespace autograd::detail
