// Matrix product through CBLAS (OpenBLAS's sgemm/dgemm), with its backward.
#include "autograd/tensor_impl.hpp"

#include <cblas.h>
#include <fmt/format.h>

namespace autograd {

// Y = A B  ([n, k] x [k, m]);  dA = G B^T,  dB = A^T G
Tensor matmul(const Tensor& a, const Tensor& b)
{
    detail::check_same_dtype("matmul", a, b);
    if (a.dim() != 2 || b.dim() != 2 || a.shape()[1] != b.shape()[0])
        throw std::invalid_argument(fmt::format("matmul: shapes {} and {} do not chain (need [n, k] and [k, m])",
                                                to_string(a.shape()), to_string(b.shape())));
    const std::int64_t n = a.shape()[0], k = a.shape()[1], m = b.shape()[1];
    Tensor out = detail::empty({n, m}, a.dtype());
    if (k == 0) {
        out = Tensor::zeros({n, m}, a.dtype());
    } else if (n > 0 && m > 0) {
        const auto N = static_cast<blasint>(n), K = static_cast<blasint>(k), M = static_cast<blasint>(m);
        if (a.dtype() == Dtype::Float32)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, M, K, 1.0f, a.impl()->data<float>(), K,
                        b.impl()->data<float>(), M, 0.0f, out.impl()->data<float>(), M);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, M, K, 1.0, a.impl()->data<double>(), K,
                        b.impl()->data<double>(), M, 0.0, out.impl()->data<double>(), M);
    }
    return detail::record("matmul", out, {&a, &b}, {a, b}, [](const Tensor& g, const TensorNode& node) {
        const Tensor& a = detail::saved(node, 0);
        const Tensor& b = detail::saved(node, 1);
        return std::vector<Tensor>{matmul(g, b.t()), matmul(a.t(), g)};
    });
}

} // namespace autograd
