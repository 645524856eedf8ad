// Anomaly mode: NaN and Inf are caught where they first appear, with the op that made them.
//
//   autograd::DetectAnomalyGuard detect;   // or set_detect_anomaly(true)
//   Tensor y = log(x);                    // throws if x has a negative or zero element:
//   // "anomaly: log produced NaN in its output of shape [3] (inputs: x [3])"
//
// Off by default: each checked op scans its output (forward) and its inputs' gradients (backward).
// The switch is process-wide, like PyTorch's torch.autograd.set_detect_anomaly.
#pragma once

#include <atomic>

namespace autograd {

namespace detail {
inline std::atomic<bool> anomaly_enabled{false};
// Set while a backward formula runs: its intermediate results are checked as the gradient they
// make, which names the op whose backward it is.
inline thread_local bool in_backward_formula = false;
} // namespace detail

inline bool is_anomaly_enabled() { return detail::anomaly_enabled.load(std::memory_order_relaxed); }
inline void set_detect_anomaly(bool on) { detail::anomaly_enabled.store(on, std::memory_order_relaxed); }

/// Turns anomaly detection on for a scope and restores the previous setting.
class DetectAnomalyGuard {
public:
    DetectAnomalyGuard() : previous_(is_anomaly_enabled()) { set_detect_anomaly(true); }
    ~DetectAnomalyGuard() { set_detect_anomaly(previous_); }
    DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
    DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

private:
    bool previous_;
};

} // namespace autograd
