// The GEMM floor of an MLP's training epoch: its matrix products alone, called straight on a
// library with buffers of the same shapes, no engine around them. Per step: the forward X W^T of
// every layer, dW = G^T X of every layer and dX = G W of all but the first (the data needs no
// gradient); an epoch is ceil(samples / batch) steps of the full batch.
//
//   double s = bench::gemm_floor(bench::FloorLibrary::OpenBLAS, {784, 128, 64, 10}, 64, 8000, 3, 1);
//
// OpenBLAS runs with `threads` threads of its own; oneDNN with an OpenMP team of `threads`, its
// own threading: each library at its best, which is what a floor is for.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace bench {

enum class FloorLibrary { OpenBLAS, OneDNN };

/// "openblas" or "onednn"; throws std::invalid_argument otherwise.
FloorLibrary parse_floor_library(std::string_view name);

/// The best of `epochs` epochs of the products alone, in seconds.
double gemm_floor(FloorLibrary library, const std::vector<std::int64_t>& sizes, std::int64_t batch,
                  std::int64_t samples, int epochs, int threads);

} // namespace bench
