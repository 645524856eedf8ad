// ParamRef: a trainable array as an optimizer sees it, whatever graph it lives in; Params: the
// list of them an optimizer is given, in whichever form the parameters come.
//
//   nn::Adam opt(mlp.parameters(), {});      // scalar weights (std::vector<autograd::Value>)
//   nn::Adam opt(model.parameters(), {});    // tensors of a Module (std::vector<autograd::Tensor>)
//   nn::SGD opt({w, b}, {.lr = 0.1});        // a braced list of Values or tensors (or both)
//
// Optimizers are written once against this: a flat run of numbers and their gradients. A scalar
// weight (autograd::Value) is a run of one double; a tensor is a run of numel() float or double
// elements. visit() hands both over as std::span<T> with T a template parameter, so an
// optimizer's loop is instantiated for float and for double and compiles to a tight loop over
// contiguous memory (no std::function or virtual call per element).
// ParamRef keeps the parameter alive, so an optimizer never holds a dangling pointer.
//
// NOTE: As in PyTorch, a tensor whose grad() is undefined (no backward reached it since the last
// zero_grad) has no gradient: visit() skips it and optimizers leave it and its state alone. That
// is not the same as a zero gradient (weight decay and momentum would still move the weight).
// A scalar Value always has a gradient (zero_grad sets it to 0).
#pragma once

#include <autograd/tensor.hpp>
#include <autograd/value.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <utility>
#include <variant>
#include <vector>

namespace nn {

class ParamRef {
public:
    ParamRef(autograd::Value value) : p_(std::move(value)) {} // NOLINT: implicit on purpose
    /// A leaf tensor that requires a gradient, float32 or float64; throws std::invalid_argument
    /// for anything else (an optimizer could not update it in a way backward() would see).
    ParamRef(autograd::Tensor tensor) : p_(check(std::move(tensor))) {} // NOLINT: implicit on purpose

    bool is_tensor() const { return std::holds_alternative<autograd::Tensor>(p_); }
    /// The wrapped parameter (null when it is of the other kind).
    const autograd::Value* value() const { return std::get_if<autograd::Value>(&p_); }
    const autograd::Tensor* tensor() const { return std::get_if<autograd::Tensor>(&p_); }

    std::size_t numel() const
    {
        const autograd::Tensor* t = tensor();
        return t != nullptr ? static_cast<std::size_t>(t->numel()) : 1;
    }
    /// The element type: a Value is a double.
    autograd::Dtype dtype() const
    {
        const autograd::Tensor* t = tensor();
        return t != nullptr ? t->dtype() : autograd::Dtype::Float64;
    }
    /// The tensor's shape; a Value is 0-d.
    autograd::Shape shape() const
    {
        const autograd::Tensor* t = tensor();
        return t != nullptr ? t->shape() : autograd::Shape{};
    }
    /// False for a tensor no backward() reached since its gradient was last dropped.
    bool has_grad() const
    {
        const autograd::Tensor* t = tensor();
        return t == nullptr || t->grad().defined();
    }

    /// Calls f(std::span<T> data, std::span<const T> grad) with T float or double, when the
    /// parameter has a gradient; returns whether it had one. Writes to data are not recorded
    /// (they are weight updates, as under torch.no_grad()).
    template <class F> bool visit(F&& f) const
    {
        return visit_mutable([&]<class T>(std::span<T> w, std::span<T> g) { f(w, std::span<const T>(g)); });
    }
    /// Calls f(std::span<T> grad) with the gradient writable (gradient clipping), when there is one.
    template <class F> bool visit_grad(F&& f) const
    {
        return visit_mutable([&]<class T>(std::span<T>, std::span<T> g) { f(g); });
    }
    /// Calls f(std::span<T> data) whether or not there is a gradient (loading, copying weights).
    template <class F> void visit_data(F&& f) const
    {
        if (const autograd::Value* v = value()) {
            f(std::span<double>(&v->node().data, 1));
            return;
        }
        const autograd::Tensor& t = *tensor();
        autograd::dispatch(t.dtype(), [&]<class T>() { f(std::span<T>(t.data_ptr<T>(), numel())); });
    }

    /// A Value's gradient becomes 0; a tensor's is dropped (PyTorch's set_to_none=True), so the
    /// next backward() writes a fresh one and a tensor it does not reach is skipped by step().
    void zero_grad() const
    {
        if (const autograd::Value* v = value())
            v->zero_grad();
        else
            tensor()->zero_grad();
    }

private:
    template <class F> bool visit_mutable(F&& f) const
    {
        if (const autograd::Value* v = value()) {
            auto& n = v->node();
            f(std::span<double>(&n.data, 1), std::span<double>(&n.grad, 1));
            return true;
        }
        const autograd::Tensor& t = *tensor();
        const autograd::Tensor g = t.grad();
        if (!g.defined())
            return false;
        if (g.numel() != t.numel() || g.dtype() != t.dtype())
            throw std::logic_error(fmt::format("ParamRef: a gradient of {} {} elements for a {} tensor of {}",
                                               g.numel(), to_string(g.dtype()), to_string(t.dtype()), t.numel()));
        autograd::dispatch(t.dtype(), [&]<class T>() {
            f(std::span<T>(t.data_ptr<T>(), numel()), std::span<T>(g.data_ptr<T>(), numel()));
        });
        return true;
    }

    static autograd::Tensor check(autograd::Tensor t)
    {
        if (!t.defined())
            throw std::invalid_argument("ParamRef: the tensor is undefined");
        if (!t.is_leaf())
            throw std::invalid_argument(fmt::format(
                "ParamRef: can only optimize leaf tensors; this one of shape {} is the result of an op (use "
                "detach() and requires_grad_() for a new leaf)",
                to_string(t.shape())));
        if (!t.requires_grad())
            throw std::invalid_argument(fmt::format(
                "ParamRef: the tensor of shape {} does not require grad (call requires_grad_() first)",
                to_string(t.shape())));
        return t;
    }

    std::variant<autograd::Value, autograd::Tensor> p_;
};

/// The parameters an optimizer (or clip_grad_norm_) is given: a Module's parameters(), the
/// scalar modules' parameters(), a braced list of Values and tensors, or ParamRefs. Implicit on
/// purpose, so that every optimizer reads as PyTorch's, nn::SGD opt(model.parameters(), {...}),
/// and takes each form through this one type. Throws like ParamRef for a tensor it cannot take.
class Params {
public:
    Params(std::vector<ParamRef> refs) : refs_(std::move(refs)) {}              // NOLINT: implicit on purpose
    Params(std::initializer_list<ParamRef> refs) : refs_(refs) {}               // NOLINT: implicit on purpose
    Params(const std::vector<autograd::Tensor>& tensors) : refs_(tensors.begin(), tensors.end()) {} // NOLINT
    Params(const std::vector<autograd::Value>& values) : refs_(values.begin(), values.end()) {}    // NOLINT

    const std::vector<ParamRef>& refs() const& { return refs_; }
    std::vector<ParamRef> refs() && { return std::move(refs_); }

private:
    std::vector<ParamRef> refs_;
};

/// The ParamRefs of a list of Values or tensors. Optimizers take the lists themselves (Params);
/// this stays for code written before they did.
inline std::vector<ParamRef> param_refs(Params params) { return std::move(params).refs(); }

} // namespace nn
