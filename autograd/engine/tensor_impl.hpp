// The insides of Tensor: storage, the tensor record, and graph nodes. Internal to the engine and
// to ops; users see tensor.hpp. What ops do with them is in record.hpp (recording a node) and
// ops/kernels.hpp (the loops over the data).
//
// Ownership mirrors the scalar engine: a tensor owns the node that made it (grad_fn), a node owns
// the nodes of its inputs and the tensors it saved, never its output (a weak pointer), so graphs
// cannot form ownership cycles. Saved outputs are stored detached for the same reason.
//
//   const TensorNode& node = *y.grad_fn();
//   op_info(node.op).name;        // "mul"
//   node.inputs[0].needed();      // whether the first input wants a gradient
//   node.outputs[0].shape;        // the output's shape (split's node has one output per part)
#pragma once

#include "autograd/engine/backward_fn.hpp"
#include "autograd/engine/small_vector.hpp"
#include "autograd/engine/tensor_ops.hpp"
#include "autograd/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace autograd {

/// A buffer of numel elements of one dtype, 64-byte aligned for the vector units.
struct Storage {
    Dtype dtype;
    std::size_t numel;
    void* data;
    std::size_t capacity; // bytes reserved (buffer_cache size class)

    Storage(Dtype d, std::size_t n);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    template <class T> T* as() { return static_cast<T*>(data); }

    /// Moves the elements into `memory` (room for numel elements of dtype, owned by the caller,
    /// who keeps it alive until move_to_own_buffer()) and frees the buffer; with copy = false the
    /// memory's contents become the elements. Every tensor on this storage, views included, then
    /// reads and writes there: dist keeps a model's parameters in memory that the processes of a
    /// machine share (PyTorch's share_memory_()).
    void move_to(void* memory, bool copy = true);
    /// Moves the elements back into a buffer of the storage's own.
    void move_to_own_buffer();
    bool borrowed() const { return borrowed_; }

private:
    bool borrowed_ = false; // data is move_to()'s memory, not a buffer to free
};

using TensorHook = std::function<Tensor(const Tensor&)>;

/// What few tensors carry (a label, the gradient hooks of a leaf), kept out of line so that the
/// record every op makes stays small.
struct TensorExtras {
    std::string label;
    std::vector<TensorHook> hooks;
};

/// A tensor's record. Data is always contiguous in this version (ops return fresh contiguous
/// tensors; reshape and squeeze share storage), so strides are computed, not stored.
struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    Dtype dtype = Dtype::Float32;
    bool requires_grad = false;
    std::uint32_t output_nr = 0; // which output of grad_fn this is (0 but for a part of split)
    Tensor grad;
    std::shared_ptr<TensorNode> grad_fn;
    std::unique_ptr<TensorExtras> extras;

    // User-provided, so that allocate_shared does not zero the whole record before the member
    // initialisers run (it is made once per op).
    TensorImpl() {} // NOLINT(modernize-use-equals-default)

    template <class T> T* data() { return storage->as<T>(); }
    std::int64_t numel() const { return static_cast<std::int64_t>(storage->numel); }
    TensorExtras& extra()
    {
        if (!extras)
            extras = std::make_unique<TensorExtras>();
        return *extras;
    }
};

/// Where the gradient of one input of a node goes: the node that made it (to its output
/// `output_nr`), or the leaf itself. Both empty when that input needs no gradient.
struct TensorEdge {
    std::shared_ptr<TensorNode> fn;
    std::shared_ptr<TensorImpl> leaf;
    std::uint32_t output_nr = 0;
    bool needed() const { return fn != nullptr || leaf != nullptr; }
};

/// A short list of tensors kept inside the node (saved tensors, gradients of the inputs).
using TensorList = SmallVector<Tensor, 3>;

/// Computes the gradients of a node's inputs from the gradient of its output. Written with
/// Tensor ops, so that under create_graph the backward pass is itself recorded.
using TensorBackward = BackwardFunction<TensorList>;

/// One output of a node. A node has one, but for split's (one per part, a single node as
/// PyTorch's SplitBackward: its backward puts the parts' gradients together in one tensor).
struct TensorOutput {
    Shape shape;
    std::weak_ptr<TensorImpl> tensor; // for messages about the output, while it lives
    // Hooks on the output's gradient live here, not on the output: they must run even when the
    // caller's handle to the interior tensor is gone (PyTorch's rule).
    std::vector<TensorHook> hooks;
    // Scratch of the backward pass running over the node: the gradient summed so far.
    mutable Tensor pending_grad;
};

struct TensorNode {
    SmallVector<TensorEdge, 3> inputs;
    TensorList saved; // what backward needs; freed after backward unless retain_graph
    TensorBackward backward;
    SmallVector<TensorOutput, 1> outputs;
    Dtype dtype = Dtype::Float32; // of every output
    TensorOp op{}; // which op made the outputs (set by record); its name and symbol: op_info(op)
    bool released = false;
    // Scratch of the backward pass running over this node (graphs are walked by one thread at a
    // time): its marks for the topological sort.
    mutable std::uint64_t visit = 0;

    TensorNode() {} // NOLINT(modernize-use-equals-default): user-provided, so that allocate_shared
                    // does not zero the whole node before the member initialisers run
    TensorNode(const TensorNode&) = delete;
    TensorNode& operator=(const TensorNode&) = delete;
    /// Frees the graph above this node in a loop, not by recursion: a chain of a million ops must
    /// not overflow the stack when it goes.
    ~TensorNode();
};

} // namespace autograd
