// The gradient through an activation fused into the op before it (linear's and conv2d's), shared
// by both. Internal to the ops.
#pragma once

#include "autograd/cpu/gemm.hpp"
#include "autograd/ops/activation.hpp"

#include <functional>
#include <string_view>

namespace autograd {

class Tensor;

namespace detail {

/// The library's epilogue for an activation (cpu/gemm.hpp).
constexpr Epilogue epilogue_of(Activation act)
{
    switch (act) {
    case Activation::Relu: return Epilogue::Relu;
    case Activation::Sigmoid: return Epilogue::Sigmoid;
    case Activation::Tanh: return Epilogue::Tanh;
    case Activation::None: break;
    }
    return Epilogue::None;
}

/// The gradient before a fused activation, from the gradient g after it and the op's output y.
/// Under create_graph the pre-activation z = pre_activation() is recomputed from the op's inputs
/// and the formula recorded, so that second derivatives see how it depends on them; otherwise one
/// pass over g and y, unrecorded:
///   relu:    g where y > 0 (y > 0 exactly where z > 0)
///   sigmoid: g y (1 - y)
///   tanh:    g (1 - y^2)
/// `op` names the fused op in errors.
Tensor activation_backward(std::string_view op, Activation act, const Tensor& g, const Tensor& y,
                           const std::function<Tensor()>& pre_activation);

} // namespace detail
} // namespace autograd
