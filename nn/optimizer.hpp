// Optimizer: the interface every update rule shares (PyTorch's torch.optim names).
//
//   nn::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
//   for (...) {
//       opt.zero_grad();
//       loss(model).backward();
//       opt.step();
//   }
//
// State (momentum buffers, RPROP step sizes, Adam moments) is one flat array per quantity over
// all parameters in order, so step() is a plain loop a reader can check against the formula.
#pragma once

#include "nn/parameter.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace nn {

class Optimizer {
public:
    explicit Optimizer(std::vector<ParamRef> params);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// Applies one update from the gradients the last backward() left.
    virtual void step() = 0;
    /// Sets every parameter's gradient to zero (before the next backward()).
    void zero_grad();

    const std::vector<ParamRef>& params() const { return params_; }
    std::size_t numel() const { return numel_; }
    /// Completed step() calls.
    std::size_t steps() const { return steps_; }

protected:
    /// Calls f(i, w, g) for every element, i counting over all parameters in order: the loop
    /// every step() is written with.
    template <class F> void for_each_element(F&& f)
    {
        std::size_t i = 0;
        for (const ParamRef& p : params_) {
            const std::span<double> w = p.data();
            const std::span<const double> g = p.grad();
            for (std::size_t k = 0; k < w.size(); ++k, ++i)
                f(i, w[k], g[k]);
        }
        ++steps_;
    }

    /// Throws std::invalid_argument "<optimizer>: <name> must be ... (got <value>)".
    static void require(bool ok, std::string_view optimizer, std::string_view what, double value);

private:
    std::vector<ParamRef> params_;
    std::size_t numel_ = 0;
    std::size_t steps_ = 0;
};

} // namespace nn
