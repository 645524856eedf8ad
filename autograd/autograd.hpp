// Everything of backprop::autograd in one include: scalar graphs (Value), tensor graphs (Tensor
// and every op, the fused losses included), grad mode, anomaly mode, the gradient checks, DOT
// export and rendering, random generators, shapes and dtypes, atomic file writes.
//
//   #include <autograd/autograd.hpp>
//   using namespace autograd;
//   Generator gen(0);
//   Tensor w = Tensor::randn({3, 2}, gen, 0.0, 1.0, Dtype::Float64).requires_grad_();
//   const Tensor x({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}), labels({1.0, 0.0}, {2});
//   const auto loss_of = [&](const std::vector<Tensor>& v) { return cross_entropy(matmul(x, v[0]), labels); };
//   Tensor loss = loss_of({w});
//   loss.backward();                              // w.grad(): d loss / d w, [3, 2]
//   write_dot(loss, std::cout);                   // the graph, as DOT text
//   bool right = tensor_gradcheck(loss_of, {w}).passed;
//
// Each header it includes can be included on its own, for a smaller build: value.hpp for scalars,
// tensor.hpp for tensors and their ops (ops/*.hpp by family), and so on. The engine's insides
// (engine/, ops/kernels.hpp, cpu/, graph/) are not part of it.
#pragma once

#include "autograd/anomaly.hpp"
#include "autograd/atomic_file.hpp"
#include "autograd/dot.hpp"
#include "autograd/dtype.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/matmul_backend.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/random.hpp"
#include "autograd/shape.hpp"
#include "autograd/tensor.hpp"
#include "autograd/tensor_gradcheck.hpp"
#include "autograd/value.hpp"

#include "autograd/ops/compare.hpp"
#include "autograd/ops/conv.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/index.hpp"
#include "autograd/ops/loss.hpp"
#include "autograd/ops/matmul.hpp"
#include "autograd/ops/norm.hpp"
#include "autograd/ops/pool.hpp"
#include "autograd/ops/unpool.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/shape.hpp"
#include "autograd/ops/softmax.hpp"
