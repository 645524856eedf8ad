#include "autograd/ops/fused_activation.hpp"
#include "autograd/ops/kernels.hpp"

namespace autograd::detail {

Tensor activation_backward(std::string_view op, Activation act, const Tensor& g, const Tensor& y,
                           const std::function<Tensor()>& pre_activation)
{
    if (act == Activation::None)
        return g;
    if (is_grad_enabled()) {
        const Tensor z = pre_activation();
        switch (act) {
        case Activation::Relu: return relu_backward(g, z);
        case Activation::Sigmoid: {
            const Tensor s = sigmoid(z);
            return g * s * (1.0 - s);
        }
        case Activation::Tanh: {
            const Tensor t = tanh(z);
            return g * (1.0 - t * t);
        }
        case Activation::None: break;
        }
        return g;
    }
    switch (act) {
    case Activation::Relu:
        return broadcast_binary(op, g, y, [](auto gv, auto yv) { return yv > 0 ? gv : decltype(gv)(0); });
    case Activation::Sigmoid:
        return broadcast_binary(op, g, y, [](auto gv, auto yv) { return gv * yv * (decltype(gv)(1) - yv); });
    case Activation::Tanh:
        return broadcast_binary(op, g, y, [](auto gv, auto yv) { return gv * (decltype(gv)(1) - yv * yv); });
    case Activation::None: break;
    }
    return g;
}

} // namespace autograd::detail
