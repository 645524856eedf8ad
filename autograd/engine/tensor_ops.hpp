// The tensor engine's ops: one list giving each recorded op its identity (TensorOp, stored in the
// node it makes), its name and its DOT symbol. Whatever names an op reads it here: DOT, printing
// (grad_fn=<mul>), anomaly mode, the "saved tensors were freed" error and the ops' own argument
// errors ("matmul: shapes [2, 3] and [2, 3] do not chain").
//
//   Tensor y = a * b;
//   const TensorOpInfo& info = op_info(y.grad_fn()->op);   // {"mul", "*", true}
//   detail::record(TensorOp::Mul, out, {&a, &b}, {a, b}, backward);   // in ops/elementwise.cpp
//
// To add an op: add it to BACKPROP_TENSOR_OPS below (in its family's group), write its forward
// and backward together in its family's file (ops/elementwise.cpp, reduce.cpp, ...: the formula
// comment above it, detail::record(TensorOp::YourOp, ...) in it), declare it in the family's
// header, and add a case to tests/test_tensor_ops.cpp: that test walks the graph of every case
// and fails until some case's graph contains the new op and some case checks its second
// derivatives (automatic for a smooth op; a piecewise one needs a case marked Second::Yes).
//
// One entry per forward/backward pair, so that the test proves each backward formula is
// checked: x * x (Square) and x * 2.0 (MulScalar) are ops of their own beside Mul, though all
// three are "mul" to the user (PyTorch's MulBackward0 for each). Functions that record no node of
// their own are not in the list, and their errors name the function: the comparisons, argmax,
// argmin and one_hot (not differentiable: their results are constants), squeeze and unsqueeze (a
// reshape), expand (broadcast_to), stack (concat), tile (repeat), split_with_sizes and chunk
// (split), and var, std, mean over an axis or several, flatten, batch_norm, embedding and
// dropout2d (compositions of listed ops).
#pragma once

#include "autograd/engine/op_symbols.hpp"

#include <cstdint>
#include <iterator>
#include <string_view>

namespace autograd {

// X(op, name, DOT symbol, smooth). `smooth`: the op's derivatives are continuous wherever it is
// defined, so second derivatives can be checked at random points of its domain; piecewise ops
// (relu, abs, clamp, max, ...) are not, and are checked only at points away from their kinks.
#define BACKPROP_TENSOR_OPS(X)                                                                     \
    /* ops/elementwise.cpp */                                                                      \
    X(Add, "add", op_symbol::add, true)                                                            \
    X(Sub, "sub", op_symbol::sub, true)                                                            \
    X(Mul, "mul", op_symbol::mul, true)                                                            \
    X(Div, "div", op_symbol::div, true)                                                            \
    X(Square, "mul", op_symbol::mul, true)      /* x * x: one input */                             \
    X(Neg, "neg", op_symbol::neg, true)                                                            \
    X(AddScalar, "add", op_symbol::add, true)   /* x + s, s a double */                            \
    X(SubScalar, "sub", op_symbol::sub, true)   /* x - s */                                        \
    X(ScalarSub, "sub", op_symbol::sub, true)   /* s - x */                                        \
    X(MulScalar, "mul", op_symbol::mul, true)   /* x * s */                                        \
    X(DivScalar, "div", op_symbol::div, true)   /* x / s */                                        \
    X(ScalarDiv, "div", op_symbol::div, true)   /* s / x */                                        \
    X(Exp, "exp", op_symbol::exp, true)                                                            \
    X(Log, "log", op_symbol::log, true)                                                            \
    X(Tanh, "tanh", op_symbol::tanh, true)                                                         \
    X(Sigmoid, "sigmoid", op_symbol::sigmoid, true)                                                \
    X(Relu, "relu", op_symbol::relu, false)                                                        \
    X(ReluBackward, "relu_backward", "ReLU'", true) /* g masked: linear in g, 0 in x */            \
    X(StepScale, "step_scale", "g·s(x)", true) /* g times a step function of x: 0 in x */         \
    X(PowScalar, "pow", op_symbol::pow, true)   /* x^c, c a double */                              \
    X(Pow, "pow", op_symbol::pow, true)         /* x^e, e a tensor */                              \
    X(Sqrt, "sqrt", "√", true)                                                                     \
    X(Abs, "abs", "abs", false)                                                                    \
    X(LeakyRelu, "leaky_relu", "LeakyReLU", false)                                                 \
    X(Clamp, "clamp", "clamp", false)                                                              \
    X(Sin, "sin", "sin", true)                                                                     \
    X(Cos, "cos", "cos", true)                                                                     \
    X(Log1p, "log1p", "log1p", true)                                                               \
    X(Expm1, "expm1", "expm1", true)                                                               \
    X(Softplus, "softplus", "softplus", true)                                                      \
    X(Gelu, "gelu", "GELU", true)                                                                  \
    X(GeluBackward, "gelu_backward", "GELU'", true) /* g * gelu'(x) */                             \
    X(Silu, "silu", "SiLU", true)                                                                  \
    X(Elu, "elu", "ELU", false)                                                                    \
    X(Maximum, "maximum", "maximum", false)                                                        \
    X(Minimum, "minimum", "minimum", false)                                                        \
    /* ops/reduce.cpp */                                                                           \
    X(Sum, "sum", "Σ", true)                                                                       \
    X(SumAxis, "sum", "Σ", true)                                                                   \
    X(SumAxes, "sum", "Σ", true)                /* over several axes */                            \
    X(CumSum, "cumsum", "cumsum", true)                                                            \
    X(Prod, "prod", "∏", true)                                                                     \
    X(ProdAxis, "prod", "∏", true)                                                                 \
    X(Mean, "mean", "mean", true)                                                                  \
    X(Max, "max", "max", false)                                                                    \
    X(MaxAxis, "max", "max", false)                                                                \
    X(Min, "min", "min", false)                                                                    \
    X(MinAxis, "min", "min", false)                                                                \
    X(LogSumExp, "logsumexp", "logsumexp", true)                                                   \
    /* ops/softmax.cpp */                                                                          \
    X(Softmax, "softmax", "softmax", true)                                                         \
    X(LogSoftmax, "log_softmax", "log_softmax", true)                                              \
    /* ops/compare.cpp */                                                                          \
    X(Where, "where", "where", true) /* linear in a and b: the condition is a constant */          \
    /* ops/shape.cpp */                                                                            \
    X(Reshape, "reshape", "reshape", true)                                                         \
    X(Transpose, "transpose", "transpose", true)                                                   \
    X(To, "to", "to", true)                                                                        \
    X(Permute, "permute", "permute", true)                                                         \
    X(BroadcastTo, "broadcast_to", "broadcast_to", true)                                           \
    X(SumTo, "sum_to", "sum_to", true)                                                             \
    X(Clone, "clone", "clone", true)                                                               \
    X(Flip, "flip", "flip", true)                                                                  \
    X(Repeat, "repeat", "repeat", true)                                                            \
    /* ops/index.cpp */                                                                            \
    X(Slice, "slice", "slice", true)                                                               \
    X(SliceBackward, "slice_backward", "slice_backward", true)                                     \
    X(IndexSelect, "index_select", "index_select", true)                                           \
    X(IndexSelectBackward, "index_select_backward", "index_select_backward", true)                 \
    X(Gather, "gather", "gather", true)                                                            \
    X(GatherBackward, "gather_backward", "gather_backward", true)                                  \
    X(Concat, "concat", "concat", true)                                                            \
    X(Split, "split", "split", true)       /* one node, an output per part; also chunk's */        \
    X(Unbind, "unbind", "unbind", true)    /* split's, each part without the axis */               \
    /* ops/matmul.cpp */                                                                           \
    X(Matmul, "matmul", "@", true)                                                                 \
    X(Linear, "linear", "linear", true)                                                            \
    X(LinearRelu, "linear_relu", "linear+ReLU", false)                                             \
    X(LinearSigmoid, "linear_sigmoid", "linear+σ", true)                                           \
    X(LinearTanh, "linear_tanh", "linear+tanh", true)                                              \
    /* ops/loss.cpp */                                                                             \
    X(CrossEntropy, "cross_entropy", "cross_entropy", true)                                        \
    X(BinaryCrossEntropy, "binary_cross_entropy", "binary_cross_entropy", true)                  \
    /* ops/conv.cpp: the two backward ops are each other's and conv2d's adjoints */             \
    X(Conv2d, "conv2d", "conv2d", true)                                                            \
    X(Conv2dRelu, "conv2d_relu", "conv2d+ReLU", false)                                             \
    X(Conv2dSigmoid, "conv2d_sigmoid", "conv2d+σ", true)                                           \
    X(Conv2dTanh, "conv2d_tanh", "conv2d+tanh", true)                                              \
    X(Conv2dBackwardInput, "conv2d_backward_input", "conv2d_backward_input", true)                 \
    X(Conv2dBackwardWeight, "conv2d_backward_weight", "conv2d_backward_weight", true)              \
    /* ops/pool.cpp */                                                                             \
    X(MaxPool2d, "max_pool2d", "max_pool2d", false)                                                \
    X(MaxPool2dBackward, "max_pool2d_backward", "max_pool2d_backward", true) /* linear in g */     \
    X(AvgPool2d, "avg_pool2d", "avg_pool2d", true)                                                 \
    X(AvgPool2dBackward, "avg_pool2d_backward", "avg_pool2d_backward", true)                       \
    /* ops/unpool.cpp: each other's adjoints (a scatter to the indices and a gather from them) */  \
    X(MaxUnpool2d, "max_unpool2d", "max_unpool2d", true)                                           \
    X(MaxUnpool2dBackward, "max_unpool2d_backward", "max_unpool2d_backward", true)                 \
    /* ops/norm.cpp */                                                                             \
    X(LayerNorm, "layer_norm", "layer_norm", true)

enum class TensorOp : std::uint8_t {
#define BACKPROP_X(op, name, symbol, smooth) op,
    BACKPROP_TENSOR_OPS(BACKPROP_X)
#undef BACKPROP_X
};

struct TensorOpInfo {
    std::string_view name;   // for errors, printing and traces: "mul"
    std::string_view symbol; // for DOT op nodes: "*" (op_symbols.hpp, shared with scalar ops)
    bool smooth;             // second derivatives checkable at random points (see the list)
};

namespace detail {
inline constexpr TensorOpInfo kTensorOpInfo[] = {
#define BACKPROP_X(op, name, symbol, smooth) {name, symbol, smooth},
    BACKPROP_TENSOR_OPS(BACKPROP_X)
#undef BACKPROP_X
};
inline constexpr int kTensorOpCount = static_cast<int>(std::size(kTensorOpInfo));
} // namespace detail

/// Name, symbol and smoothness of a tensor op ("mul", "*", true).
constexpr const TensorOpInfo& op_info(TensorOp op) { return detail::kTensorOpInfo[static_cast<int>(op)]; }
/// The op's name, as errors and printing give it: op_name(TensorOp::Matmul) == "matmul".
constexpr std::string_view op_name(TensorOp op) { return op_info(op).name; }

} // namespace autograd
