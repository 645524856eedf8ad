// TensorBackward: the backward formula a graph node keeps, a callable stored inside the node.
// A std::function allocated on the heap for closures of more than 16 bytes (linear's keeps three
// sizes) and went through two indirect calls to be moved; this one keeps closures of up to
// kInline bytes in place and moves them with one call, so recording an op allocates no closure.
// Larger closures (a saved index list and a shape, say) go to the heap, once per node.
//
// A formula takes the gradient of the node's output; the formula of a node with several outputs
// (split's) takes a span of them instead, one per output, undefined where an output received none.
//
//   TensorBackward f = [n](const Tensor& g, const TensorNode&) { return TensorList{g / n}; };
//   TensorList grads = f(g, node);
//   TensorBackward parts = [](std::span<const Tensor> gs, const TensorNode&) { ... };
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace autograd {

class Tensor;
struct TensorNode;
template <class T, std::size_t N> class SmallVector;

template <class R> class BackwardFunction {
    // Which form a closure has: (gradient of the output, node) or (gradients of the outputs, node).
    template <class D>
    static constexpr bool one_output = std::is_invocable_r_v<R, D&, const Tensor&, const TensorNode&>;
    template <class D>
    static constexpr bool several_outputs = std::is_invocable_r_v<R, D&, std::span<const Tensor>, const TensorNode&>;

public:
    static constexpr std::size_t kInline = 32;

    BackwardFunction() noexcept = default;
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, BackwardFunction> &&
                 (one_output<std::remove_cvref_t<F>> || several_outputs<std::remove_cvref_t<F>>))
    BackwardFunction(F&& f) // NOLINT: implicit, so that ops pass their lambdas as they are
    {
        using D = std::remove_cvref_t<F>;
        if constexpr (fits<D>) {
            ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
            call_ = [](void* s, std::span<const Tensor> g, const TensorNode& n) -> R {
                return invoke(*static_cast<D*>(s), g, n);
            };
            manage_ = [](void* from, void* to) noexcept {
                D* d = static_cast<D*>(from);
                if (to != nullptr)
                    ::new (to) D(std::move(*d));
                d->~D();
            };
        } else {
            *reinterpret_cast<D**>(buffer_) = new D(std::forward<F>(f));
            call_ = [](void* s, std::span<const Tensor> g, const TensorNode& n) -> R {
                return invoke(**static_cast<D**>(s), g, n);
            };
            manage_ = [](void* from, void* to) noexcept {
                D** d = static_cast<D**>(from);
                if (to != nullptr)
                    *static_cast<D**>(to) = *d;
                else
                    delete *d;
            };
        }
    }
    BackwardFunction(BackwardFunction&& other) noexcept { take(other); }
    BackwardFunction& operator=(BackwardFunction&& other) noexcept
    {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    BackwardFunction(const BackwardFunction&) = delete;
    BackwardFunction& operator=(const BackwardFunction&) = delete;
    ~BackwardFunction() { reset(); }

    explicit operator bool() const noexcept { return call_ != nullptr; }
    /// The formula of a node of one output.
    R operator()(const Tensor& g, const TensorNode& node) const { return call_(buffer_, {&g, 1}, node); }
    /// Any node's: one gradient per output.
    R operator()(std::span<const Tensor> g, const TensorNode& node) const { return call_(buffer_, g, node); }

private:
    template <class D> static R invoke(D& f, std::span<const Tensor> g, const TensorNode& n)
    {
        if constexpr (one_output<D>)
            return f(*g.data(), n); // not g[0]: span's operator[] needs Tensor complete (clang checks it here)
        else
            return f(g, n);
    }

    // In place when it fits and moves without throwing (a move during take() must not fail).
    template <class D>
    static constexpr bool fits = sizeof(D) <= kInline && alignof(D) <= alignof(std::max_align_t) &&
                                 std::is_nothrow_move_constructible_v<D>;

    void reset() noexcept
    {
        if (manage_ != nullptr)
            manage_(buffer_, nullptr);
        call_ = nullptr;
        manage_ = nullptr;
    }
    void take(BackwardFunction& other) noexcept
    {
        if (other.manage_ != nullptr)
            other.manage_(other.buffer_, buffer_);
        call_ = std::exchange(other.call_, nullptr);
        manage_ = std::exchange(other.manage_, nullptr);
    }

    // mutable: the formula is called through a const node, and a closure's operator() may not be const.
    alignas(std::max_align_t) mutable std::byte buffer_[kInline];
    R (*call_)(void*, std::span<const Tensor>, const TensorNode&) = nullptr;
    // Moves the closure from the first buffer into the second and destroys the first's (or only
    // destroys it, if the second is null).
    void (*manage_)(void*, void*) noexcept = nullptr;
};

} // namespace autograd
