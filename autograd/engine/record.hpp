// The plumbing every tensor op goes through: its forward makes a result (empty), checks its
// arguments (check_*) and records a node (record); its backward reads what the node kept
// (saved, needs, input_shape). The kernels the forwards compute with are in ops/kernels.hpp.
//
//   // y = e^x;  dx = g*y
//   Tensor exp(const Tensor& x)
//   {
//       detail::check_defined(TensorOp::Exp, x);
//       Tensor out = detail::map_unary(x, [](auto v) { return std::exp(v); });
//       return detail::record(TensorOp::Exp, out, {&x}, {out.detach()}, [](const Tensor& g, const TensorNode& n) {
//           return TensorList{g * detail::saved(n, 0)};
//       });
//   }
//
// The checks take the op's name for their messages, or the TensorOp whose name it is.
#pragma once

#include "autograd/engine/tensor_impl.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autograd::detail {

/// A fresh contiguous tensor (uninitialised data).
Tensor empty(Shape shape, Dtype dtype);

/// Records `out` as the result of op over `inputs` when grad mode is on and an input requires a
/// gradient; otherwise returns it as a plain tensor. `saved` is kept for `backward`. In anomaly
/// mode a NaN or Inf in `out` throws, naming the op and its inputs.
/// record_node does the work, its parts taken by reference to rvalues: the record forms own them
/// (by value, so that ops pass temporaries or copies alike), and one more move of each part per
/// op was measurable on small models.
Tensor record_node(TensorOp op, Tensor&& out, std::span<const Tensor* const> inputs, TensorList&& saved,
                   TensorBackward&& backward);
inline Tensor record(TensorOp op, Tensor out, std::span<const Tensor* const> inputs, TensorList saved,
                     TensorBackward backward)
{
    return record_node(op, std::move(out), inputs, std::move(saved), std::move(backward));
}
inline Tensor record(TensorOp op, Tensor out, std::initializer_list<const Tensor*> inputs, TensorList saved,
                     TensorBackward backward)
{
    return record_node(op, std::move(out), std::span<const Tensor* const>(inputs.begin(), inputs.size()),
                       std::move(saved), std::move(backward));
}
/// Records the outputs of an op that has several (split's parts) as the outputs of one node, in
/// order, whose backward takes a gradient per output (std::span<const Tensor>, undefined for an
/// output that received none). The outputs are of one dtype. Leaves them plain, as record does,
/// when nothing is to be recorded (no outputs at all included).
void record_outputs(TensorOp op, std::vector<Tensor>& outs, std::span<const Tensor* const> inputs, TensorList saved,
                    TensorBackward backward);
/// Throws std::invalid_argument unless both tensors are defined and of one dtype.
void check_same_dtype(std::string_view op, const Tensor& a, const Tensor& b);
void check_defined(std::string_view op, const Tensor& t);
/// As in PyTorch, a 0-d tensor has one axis (0 or -1) for the axis ops, which view it as [1];
/// throws std::invalid_argument for any other axis.
void check_scalar_axis(std::string_view op, std::int64_t axis);
inline void check_same_dtype(TensorOp op, const Tensor& a, const Tensor& b) { check_same_dtype(op_name(op), a, b); }
inline void check_defined(TensorOp op, const Tensor& t) { check_defined(op_name(op), t); }
inline void check_scalar_axis(TensorOp op, std::int64_t axis) { check_scalar_axis(op_name(op), axis); }

/// "NaN" or "Inf" for the first non-finite element of t, empty if all are finite.
std::string_view first_nonfinite(const Tensor& t);
/// "label [3, 4]", or just the shape for an unlabelled tensor.
std::string describe_tensor(const Tensor& t);

/// Whether input i of a node needs a gradient: backward formulas skip the others (a constant
/// operand of mul, the data of matmul X W), as PyTorch's needs_input_grad does.
inline bool needs(const TensorNode& node, std::size_t i) { return node.inputs[i].needed(); }

/// The shape of input i of a node that needs its gradient (so that backward formulas need not
/// keep copies of their inputs' shapes): the output shape of the node that made it, or the
/// leaf's own.
inline const Shape& input_shape(const TensorNode& node, std::size_t i)
{
    const TensorEdge& e = node.inputs[i];
    return e.fn ? e.fn->outputs[e.output_nr].shape : e.leaf->shape;
}

/// Saved tensor i of a node; throws std::logic_error naming the op if backward already freed it.
const Tensor& saved(const TensorNode& node, std::size_t i);

} // namespace autograd::detail
