// Optimizer: the interface every update rule shares (PyTorch's torch.optim names).
//
//   nn::SGD opt(nn::param_refs(model.parameters()), {.lr = 0.1, .momentum = 0.9});
//   for (...) {
//       opt.zero_grad();
//       loss(model).backward();
//       opt.step();
//   }
//   nn::StateDict saved = opt.state_dict();   // momentum buffers, step counts, lr
//   other.load_state_dict(saved);             // resumes exactly where opt was
//
// State (momentum buffers, RPROP step sizes, Adam moments) is a StateArray per quantity over all
// parameters in order, kept in each parameter's own dtype as PyTorch keeps it: a float32
// tensor's momentum is float32 and updated in float32 arithmetic, a float64 tensor's or a
// Value's is float64. step() walks the parameters with for_each_param and runs a plain loop over
// each one's elements, a loop a reader can check against the formula in the optimizer's header.
//
// As in PyTorch, each parameter counts its own updates (state['step']): a tensor that got no
// gradient in a step is skipped, its state and count untouched, so Adam's bias correction for it
// continues where it left off.
#pragma once

#include "nn/optim/param_ref.hpp"
#include "nn/io/state_dict.hpp"

#include <autograd/cpu/simd.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nn {

/// One per-element state quantity over all of an optimizer's parameters: the float32
/// parameters' elements in one array, the float64 ones' in another. An optimizer declares it
/// as a member and sizes it with Optimizer::register_state.
class StateArray {
public:
    /// The array of T's dtype (float or double).
    template <class T> T* data()
    {
        if constexpr (std::is_same_v<T, float>)
            return f32_.data();
        else
            return f64_.data();
    }

private:
    friend class Optimizer;
    std::vector<float> f32_;
    std::vector<double> f64_;
};

class Optimizer {
public:
    explicit Optimizer(std::vector<ParamRef> params);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// Applies one update from the gradients the last backward() left.
    virtual void step() = 0;
    /// Clears every parameter's gradient before the next backward(): a Value's becomes 0, a
    /// tensor's is dropped (PyTorch's set_to_none=True).
    void zero_grad();

    /// The learning rate schedulers read and set. The base class has none and throws
    /// std::logic_error; every optimizer of this library overrides both.
    virtual double lr() const;
    /// Throws std::invalid_argument for a value the optimizer's constructor would reject.
    virtual void set_lr(double lr);
    /// "SGD", "Adam", ...: the name error messages start with.
    virtual std::string_view name() const { return "Optimizer"; }

    /// The state to resume from: float64 tensors "step" (0-d, completed step() calls), "lr" (0-d)
    /// and, for parameter n, "state.<n>.step" (its own update count), and "state.<n>.<buffer>"
    /// shaped like the parameter and of its dtype (PyTorch's names: "momentum_buffer",
    /// "exp_avg", ...). The tensors are copies: later steps do not change them.
    StateDict state_dict() const;
    /// Restores what state_dict() saved, from an optimizer of the same kind and options over
    /// parameters of the same shapes. Buffers of the other floating dtype are converted to their
    /// parameter's, as PyTorch casts them. Checks everything before changing anything; throws
    /// std::invalid_argument naming the entry for a missing or unexpected name, a wrong shape, or
    /// a count or lr that is not float64.
    void load_state_dict(const StateDict& state);

    const std::vector<ParamRef>& params() const { return params_; }
    std::size_t numel() const { return numel_; }
    /// Completed step() calls.
    std::size_t steps() const { return steps_; }
    /// Updates parameter n has had (steps in which it had a gradient).
    std::size_t param_steps(std::size_t n) const { return param_steps_.at(n); }

protected:
    /// Where one parameter's state lives and how many updates it has had, counting the one under
    /// way: step == 1 is its first (PyTorch's lazily initialised state).
    struct Slot {
        std::size_t index;  // the parameter's position in params()
        std::size_t offset; // its first element's position in the state arrays of its dtype
        std::size_t step;   // 1 on its first update
    };

    /// Calls f(slot, w, g) for every parameter that has a gradient, with w a std::span<T> of its
    /// elements and g a std::span<const T> of its gradient (T float or double: f is a generic
    /// lambda, instantiated for both; its state is at StateArray::data<T>() + slot.offset), then
    /// counts the step. Parameters without a gradient are skipped and keep their update count.
    template <class F> void for_each_param(F&& f)
    {
        for (std::size_t n = 0; n < params_.size(); ++n) {
            params_[n].visit([&](auto w, auto g) {
                const Slot slot{n, offsets_[n], ++param_steps_[n]};
                // the update loop compiled for AVX2 too, and run so where the CPU has it
                autograd::detail::run_vectorized([&]() [[gnu::always_inline]] { f(slot, w, g); });
            });
        }
        ++steps_;
    }

    /// Sizes a per-element state array (a member of the derived class), every element `initial`,
    /// and registers it under its PyTorch name for state_dict() and load_state_dict().
    void register_state(std::string name, StateArray& buffer, double initial = 0.0);

    /// Throws std::invalid_argument "<optimizer>: <what> (got <value>)".
    static void require(bool ok, std::string_view optimizer, std::string_view what, double value);

private:
    std::vector<ParamRef> params_;
    std::size_t numel_ = 0;
    std::size_t steps_ = 0;
    std::vector<std::size_t> param_steps_;
    std::vector<std::size_t> offsets_; // parameter n's first element in the state arrays of its dtype
    std::size_t numel_f32_ = 0, numel_f64_ = 0;
    std::vector<std::pair<std::string, StateArray*>> state_;
};

} // namespace nn
