// The op plumbing of record.hpp: result buffers, argument checks, recording a node and reading it
// back in backward.
#include "autograd/engine/record.hpp"

#include "autograd/anomaly.hpp"
#include "autograd/cpu/object_cache.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <stdexcept>

namespace autograd::detail {

Tensor empty(Shape shape, Dtype dtype)
{
    auto impl = std::allocate_shared<TensorImpl>(CachingAllocator<TensorImpl>{});
    impl->storage = std::allocate_shared<Storage>(CachingAllocator<Storage>{}, dtype, static_cast<std::size_t>(shape_numel(shape)));
    impl->shape = std::move(shape);
    impl->dtype = dtype;
    return Tensor(std::move(impl));
}

void check_defined(std::string_view op, const Tensor& t)
{
    if (!t.defined())
        throw std::invalid_argument(fmt::format("{}: an argument is an undefined tensor", op));
}

void check_same_dtype(std::string_view op, const Tensor& a, const Tensor& b)
{
    check_defined(op, a);
    check_defined(op, b);
    if (a.dtype() != b.dtype())
        throw std::invalid_argument(fmt::format("{}: dtypes {} and {} differ (convert one with .to())", op,
                                                to_string(a.dtype()), to_string(b.dtype())));
}

void check_scalar_axis(std::string_view op, std::int64_t axis)
{
    if (axis != 0 && axis != -1)
        throw std::invalid_argument(fmt::format("{}: axis {} is out of range for shape [] (valid: -1 to 0)", op, axis));
}

std::string_view first_nonfinite(const Tensor& t)
{
    if (!is_floating_point(t.dtype())) // integers are always finite
        return {};
    return dispatch(t.dtype(), [&]<class T>() -> std::string_view {
        const T* p = t.impl()->data<T>();
        for (std::int64_t i = 0, n = t.numel(); i < n; ++i) {
            if (std::isnan(p[i]))
                return "NaN";
            if (std::isinf(p[i]))
                return "Inf";
        }
        return {};
    });
}

std::string describe_tensor(const Tensor& t)
{
    if (!t.defined())
        return "none";
    const std::string label = t.label();
    return label.empty() ? to_string(t.shape()) : label + " " + to_string(t.shape());
}

namespace {

// Anomaly mode: a NaN or Inf in an op's result throws, naming the op and its inputs.
void check_result(TensorOp op, const Tensor& out, std::span<const Tensor* const> inputs)
{
    if (!is_anomaly_enabled() || in_backward_formula)
        return;
    if (const std::string_view bad = first_nonfinite(out); !bad.empty()) {
        std::string names;
        for (const Tensor* t : inputs) {
            if (!names.empty())
                names += ", ";
            names += describe_tensor(*t);
        }
        throw std::runtime_error(fmt::format("anomaly: {} produced {} in its output of shape {} (inputs: {})",
                                             op_name(op), bad, to_string(out.shape()), names));
    }
}

// The node for results of `dtype` computed from `inputs`, or nothing when none is to be recorded:
// grad mode off, no input requiring a gradient, or (PyTorch's rule) an integer or bool result,
// which has no gradient whatever its inputs need (argmax of a weight, a float tensor converted
// with to(Dtype::Int64)).
std::shared_ptr<TensorNode> new_node(TensorOp op, Dtype dtype, std::span<const Tensor* const> inputs,
                                     TensorList&& saved, TensorBackward&& backward)
{
    if (!is_grad_enabled() || !is_floating_point(dtype))
        return nullptr;
    bool any = false;
    for (const Tensor* t : inputs)
        any = any || t->requires_grad();
    if (!any)
        return nullptr;
    auto node = std::allocate_shared<TensorNode>(CachingAllocator<TensorNode>{});
    node->op = op;
    for (const Tensor* t : inputs) {
        TensorEdge& e = node->inputs.emplace_back();
        if (t->requires_grad()) {
            const TensorImpl& impl = *t->impl();
            if (impl.grad_fn) {
                e.fn = impl.grad_fn;
                e.output_nr = impl.output_nr;
            } else {
                e.leaf = t->impl();
            }
        }
    }
    node->saved = std::move(saved);
    node->backward = std::move(backward);
    node->dtype = dtype;
    return node;
}

// Makes `out` output `nr` of the node (taken by value: the last output takes the caller's
// reference, where a copy would count it up and down, atomically, once more per op).
void attach(std::shared_ptr<TensorNode> node, Tensor& out, std::uint32_t nr)
{
    TensorOutput& o = node->outputs.emplace_back();
    o.shape = out.shape();
    o.tensor = out.impl();
    out.impl()->grad_fn = std::move(node);
    out.impl()->output_nr = nr;
    out.impl()->requires_grad = true;
}

} // namespace

Tensor record_node(TensorOp op, Tensor&& out, std::span<const Tensor* const> inputs, TensorList&& saved,
                   TensorBackward&& backward)
{
    check_result(op, out, inputs);
    if (auto node = new_node(op, out.dtype(), inputs, std::move(saved), std::move(backward)))
        attach(std::move(node), out, 0);
    return std::move(out);
}

void record_outputs(TensorOp op, std::vector<Tensor>& outs, std::span<const Tensor* const> inputs, TensorList saved,
                    TensorBackward backward)
{
    if (outs.empty()) // unbind along an empty axis: no part, nothing to record
        return;
    for (const Tensor& out : outs)
        check_result(op, out, inputs);
    auto node = new_node(op, outs[0].dtype(), inputs, std::move(saved), std::move(backward));
    if (!node)
        return;
    node->outputs.reserve(outs.size());
    for (std::size_t k = 0; k + 1 < outs.size(); ++k)
        attach(node, outs[k], static_cast<std::uint32_t>(k));
    attach(std::move(node), outs.back(), static_cast<std::uint32_t>(outs.size() - 1));
}

const Tensor& saved(const TensorNode& node, std::size_t i)
{
    if (node.released)
        throw std::logic_error(fmt::format(
            "backward: the saved tensors of '{}' were freed by an earlier backward(); pass {{.retain_graph = true}} to the "
            "first backward() to go through the graph twice",
            op_name(node.op)));
    return node.saved[i];
}

} // namespace autograd::detail
