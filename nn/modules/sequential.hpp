// Sequential: modules applied in order, named "0", "1", ... (torch.nn.Sequential).
//
//   nn::Sequential model{nn::Linear(2, 16, gen), nn::ReLU(), nn::Linear(16, 1, gen)};
//   model.push_back(std::make_shared<nn::Sigmoid>());
//
// A Linear or Conv2d followed by ReLU, Sigmoid or Tanh runs as one fused op (their forward(x, act)):
// the same values to rounding, one pass over the output instead of two, and no pre-activation
// tensor kept for backward. Only those exact classes fuse: a class derived from them keeps its own
// forward.
//
// NOTE: braces, not parentheses, when the modules draw from one generator: C++ evaluates a
// braced list left to right, but the arguments of a call in an unspecified order (GCC builds
// the last Linear first), and the weights a seed gives would then depend on the compiler.
#pragma once

#include "nn/modules/module.hpp"

#include <concepts>
#include <cstddef>
#include <memory>
#include <type_traits>

namespace nn {

class Sequential : public Module {
public:
    Sequential() = default;
    /// From module objects (moved in), as LibTorch's Sequential(Linear(...), ReLU(), ...). Write
    /// it with braces (see the note above) so that the modules are made in order.
    template <class... M>
        requires(sizeof...(M) > 0 && (std::derived_from<std::decay_t<M>, Module> && ...))
    explicit Sequential(M&&... modules)
    {
        (push_back(std::make_shared<std::decay_t<M>>(std::forward<M>(modules))), ...);
    }

    /// Appends a module under the next index.
    void push_back(std::shared_ptr<Module> module);
    std::size_t size() const { return layers_.size(); }
    const std::shared_ptr<Module>& operator[](std::size_t i) const { return layers_.at(i); }

    autograd::Tensor forward(const autograd::Tensor& input) override;
    std::string type_name() const override { return "Sequential"; }

private:
    std::vector<std::shared_ptr<Module>> layers_;
};

} // namespace nn
