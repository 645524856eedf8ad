// Optimizer: the interface every update rule shares (PyTorch's torch.optim names).
//
//   nn::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});   // or a braced list {w, b}
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
//
// The base class keeps what every optimizer has, so a new one writes only its options, its state
// and step(): the parameters (taken in any form Params accepts), the name its errors start with,
// and the learning rate, checked here, in set_lr, for every optimizer alike.
#pragma once

#include "nn/optim/param_ref.hpp"
#include "nn/io/state_dict.hpp"

#include <autograd/cpu/parallel.hpp>
#include <autograd/cpu/simd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
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
    /// `name` ("SGD", "Adam", ...) starts the error messages; lr is checked as set_lr checks it.
    Optimizer(Params params, std::string name, double lr);
    /// An optimizer without a learning rate: lr() and set_lr() throw std::logic_error, so a
    /// scheduler refuses it.
    explicit Optimizer(Params params, std::string name = "Optimizer");
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// Applies one update from the gradients the last backward() left.
    virtual void step() = 0;
    /// Clears every parameter's gradient before the next backward(): a Value's becomes 0, a
    /// tensor's is dropped (PyTorch's set_to_none=True).
    void zero_grad();

    /// The learning rate schedulers read and set (every optimizer of this library has one).
    double lr() const;
    /// Throws std::invalid_argument "<name>: lr must be >= 0 (got <lr>)" for a negative or NaN
    /// lr, and leaves the lr as it was.
    void set_lr(double lr);
    /// "SGD", "Adam", ...: the name error messages start with.
    std::string_view name() const { return name_; }

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

    /// Restricts step() to the parameters `mine` lists (indices into params()): the partition
    /// of ZeRO stage 1, for dist::DistributedDataParallel::step(), where each rank updates its
    /// share of a model and the ranks see each other's updates. The other parameters keep their
    /// values and their state, but each step counts for them as for the updated ones (when they
    /// have a gradient), so that every rank's counts stay equal. Throws std::out_of_range for an
    /// index past params().
    void set_partition(const std::vector<std::size_t>& mine);
    /// step() updates every parameter again (the default).
    void clear_partition() { partition_.reset(); }
    /// Whether step() updates parameter n (set_partition).
    bool updates(std::size_t n) const { return !partition_ || partition_->at(n) != 0; }
    /// Parameter n's elements in each per-element state array, as bytes, in the order of the
    /// state_dict() entries: for dist, which copies them between ranks.
    std::vector<std::span<std::byte>> param_state(std::size_t n);

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
    ///
    /// Every update rule is elementwise, so a large parameter is updated in contiguous blocks on
    /// Backprop's threads (f called once a block, with the block's spans and its offset in the
    /// state), and the result is the same, bit for bit, whatever the threads. NOTE: not for the
    /// arithmetic (one core streams the arrays as fast as two) but for where the data is: after
    /// a product split over two cores, half of each gradient sits in the other core's cache, and
    /// one thread fetching it made W3's step 25-90% slower on two threads than on one.
    template <class F> void for_each_param(F&& f)
    {
        for (std::size_t n = 0; n < params_.size(); ++n) {
            if (!updates(n)) { // another rank's share (set_partition): counted, not updated
                if (params_[n].has_grad())
                    ++param_steps_[n];
                continue;
            }
            params_[n].visit([&](auto w, auto g) {
                const Slot slot{n, offsets_[n], ++param_steps_[n]};
                autograd::detail::parallel_for(
                    static_cast<std::int64_t>(w.size()), kParallelGrain, [&](std::int64_t begin, std::int64_t end) {
                        const auto first = static_cast<std::size_t>(begin);
                        const auto count = static_cast<std::size_t>(end - begin);
                        const Slot block{slot.index, slot.offset + first, slot.step};
                        const auto wb = w.subspan(first, count);
                        const auto gb = g.subspan(first, count);
                        // the update loop compiled for AVX2 too, and run so where the CPU has it
                        autograd::detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA { f(block, wb, gb); });
                    });
            });
        }
        ++steps_;
    }

    /// Elements per thread below which a parameter is updated by the calling thread alone: a
    /// block must outweigh waking the pool (10-20 us here).
    static constexpr std::int64_t kParallelGrain = std::int64_t{1} << 17;

    /// Sizes a per-element state array (a member of the derived class), every element `initial`,
    /// and registers it under its PyTorch name for state_dict() and load_state_dict().
    void register_state(std::string name, StateArray& buffer, double initial = 0.0);

    /// Throws std::invalid_argument "<name()>: <what> (got <value>)".
    void require(bool ok, std::string_view what, double value) const;

    /// A derived class's options as they are now: `options` with the lr set to lr() (the base
    /// class keeps the lr, so the options' own field is not read after construction).
    template <class Options> Options with_lr(Options options) const
    {
        options.lr = lr();
        return options;
    }

private:
    std::string name_;
    std::optional<double> lr_; // none for an optimizer without a learning rate
    std::vector<ParamRef> params_;
    std::size_t numel_ = 0;
    std::size_t steps_ = 0;
    std::vector<std::size_t> param_steps_;
    std::vector<std::size_t> offsets_; // parameter n's first element in the state arrays of its dtype
    std::size_t numel_f32_ = 0, numel_f64_ = 0;
    std::vector<std::pair<std::string, StateArray*>> state_;
    std::optional<std::vector<char>> partition_; // by parameter: step() updates it; none: all
};

} // namespace nn
