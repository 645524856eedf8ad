// BackwardTrace: the steps of a backward pass, recorded on request, so that a learner can see how
// each gradient came about (the chain rule, one edge at a time) and a developer can see, op by op,
// where a gradient vanishes or explodes.
//
// While a BackwardTrace lives, every backward pass its thread runs (Value::backward,
// Tensor::backward, autograd::grad) appends its steps to it, in the order the driver takes them.
// A scalar step is one edge: a node passing its gradient to one parent, with the local derivative
// as a number and as the op's formula. A tensor step is the same edge at tensor granularity, with
// shapes and the norm, min and max of the gradients instead of the numbers themselves.
//
//   Value w = Value::parameter(0.8, "w");
//   Value loss = pow(Value::constant(1.5) * w - 0.5, 2.0);
//   autograd::BackwardTrace trace;
//   loss.backward();
//   for (const auto& s : trace.scalar_steps())   // 4 edges: pow_const -> add_const -> mul -> ...
//       fmt::print("{} = {} = {:g}\n", s.derivative_name(), s.formula(), s.local);  // d(a*b)/db = a = 1.5
//   std::cout << trace;                          // the same as a table
//
// A trace belongs to the thread that made it: make and destroy it there (traces may end in any
// order). Tracing costs one thread-local read per backward pass when no trace is active. With a trace,
// each scalar node's backward runs twice (once with an upstream gradient of 1, which gives the
// local derivatives, once as usual); the gradients that reach the leaves are the same as without
// a trace, bit for bit. Traces nest: an inner trace takes the steps while it lives.
#pragma once

#include "autograd/engine/scalar_ops.hpp"
#include "autograd/engine/tensor_ops.hpp"
#include "autograd/shape.hpp"
#include "autograd/value.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

/// One edge of a scalar backward pass: `node` passes its gradient to its parent `parent`.
struct ScalarTraceStep {
    std::size_t node_index;   // which node of the pass this is: 0 for the output, 1 for the next, ...
    Value node;               // y, the node being processed (handles keep the graph alive)
    Value parent;             // the parent that receives gradient through this edge
    int parent_index;         // 0: the first argument (a), 1: the second (b)
    ScalarOp op;              // y's op
    double upstream;          // dL/dy: y's gradient, complete when y is processed
    double local;             // dy/d(parent), the op's local derivative at this point
    double contribution;      // what the edge adds to the parent's gradient: upstream * local
    double parent_grad;       // the parent's gradient after this step (a sum so far if it has several consumers)
    bool accumulates;         // false where the parent is a constant: the contribution goes nowhere

    /// The local derivative as the op's formula in a, b, c and y: "b" for mul by its second parent.
    std::string_view formula() const { return op_info(op).derivative[parent_index]; }
    /// "a" or "b": the variable of the formula this edge differentiates by.
    std::string_view wrt() const { return parent_index == 0 ? "a" : "b"; }
    /// "d(a*b)/db", "d tanh(a)/da": what `formula()` is the derivative of.
    std::string derivative_name() const;
};

/// Size, norm and range of one gradient tensor (computed in double whatever the dtype).
struct GradientSummary {
    Shape shape;
    std::int64_t numel = 0;
    double norm = 0.0;         // L2 norm
    double min = 0.0;
    double max = 0.0;
    double mean_abs = 0.0;
    std::int64_t nonfinite = 0; // NaN and infinite entries (excluded from the other figures)
};

/// One edge of a tensor backward pass: the node made by `op` passes its gradient to input `input_index`.
struct TensorTraceStep {
    std::size_t node_index;    // which node of the pass: 0 for the first processed
    const void* node;          // the op's graph node, as an identity to match while the graph lives
                               // (never dereferenced; a freed node's address may be reused)
    TensorOp op;
    GradientSummary upstream;     // the gradient arriving at the op's output (at all of them, together,
                                  // for an op of several: its shape is then empty)
    std::size_t input_index;
    GradientSummary contribution; // the gradient the op's backward gives this input
    bool to_leaf;                 // the input is a leaf (its grad() receives it) rather than another op's output
    std::string input;            // the input, as errors describe it: "w [3, 4]" or "[3, 4]"
    std::size_t outputs = 1;      // the op's outputs (split's parts: one each)
};

class BackwardTrace {
public:
    /// Starts recording the backward passes of this thread.
    BackwardTrace();
    /// Stops; an enclosing trace, if any, records again.
    ~BackwardTrace();
    BackwardTrace(const BackwardTrace&) = delete;
    BackwardTrace& operator=(const BackwardTrace&) = delete;

    const std::vector<ScalarTraceStep>& scalar_steps() const { return scalar_; }
    const std::vector<TensorTraceStep>& tensor_steps() const { return tensor_; }
    /// Forgets the steps recorded so far (and releases the graph nodes they hold).
    void clear();

    // Internal: how the backward drivers report a step.
    void add(ScalarTraceStep step) { scalar_.push_back(std::move(step)); }
    void add(TensorTraceStep step) { tensor_.push_back(std::move(step)); }

private:
    BackwardTrace* previous_;
    std::vector<ScalarTraceStep> scalar_;
    std::vector<TensorTraceStep> tensor_;
};

/// The trace that receives this thread's backward steps, or nullptr (what the drivers check).
BackwardTrace* active_trace() noexcept;

/// A summary of a gradient tensor, as tensor steps hold them.
GradientSummary summarize_gradient(const class Tensor& g);
/// One summary of the gradients of several outputs (the undefined ones count for nothing), with
/// an empty shape: what a step of an op with several outputs holds as its upstream.
GradientSummary summarize_gradients(std::span<const class Tensor> gs);

/// The trace as tables: one line per edge, nodes named by their labels (or #k in the order the
/// pass reached them), numbers to 6 significant digits.
std::ostream& operator<<(std::ostream& os, const BackwardTrace& trace);

} // namespace autograd
