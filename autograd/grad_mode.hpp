// Grad mode: whether operations record the graph that backward() walks.
//
// This is the one piece of global state in Backprop, and it is thread-local: a NoGradGuard on
// one thread never changes what another thread records.
//
//   Value w = 2.0;
//   {
//       autograd::NoGradGuard no_grad;   // e.g. while evaluating a model or updating weights
//       Value y = w * 3.0;               // y is a plain constant: no parents, no gradient
//   }
#pragma once

namespace autograd {

namespace detail {
inline thread_local bool grad_mode_enabled = true;
}

/// True when operations on this thread record the graph (the default).
inline bool is_grad_enabled() { return detail::grad_mode_enabled; }

/// Turns graph recording on or off for this thread; prefer NoGradGuard, which restores the old mode.
inline void set_grad_enabled(bool enabled) { detail::grad_mode_enabled = enabled; }

/// RAII scope with grad mode set as given, restored on exit (PyTorch's torch::AutoGradMode).
class AutoGradMode {
public:
    explicit AutoGradMode(bool enabled) : previous_(detail::grad_mode_enabled) { detail::grad_mode_enabled = enabled; }
    ~AutoGradMode() { detail::grad_mode_enabled = previous_; }
    AutoGradMode(const AutoGradMode&) = delete;
    AutoGradMode& operator=(const AutoGradMode&) = delete;

private:
    bool previous_;
};

/// RAII scope in which nothing is recorded (PyTorch's torch::NoGradGuard). Nests correctly.
class NoGradGuard : public AutoGradMode {
public:
    NoGradGuard() : AutoGradMode(false) {}
};

} // namespace autograd
