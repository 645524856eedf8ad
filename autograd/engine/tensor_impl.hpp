// The insides of Tensor: storage, the tensor record, and graph nodes. Internal to the engine and
// to ops; users see tensor.hpp.
//
// Ownership mirrors the scalar engine: a tensor owns the node that made it (grad_fn), a node owns
// the nodes of its inputs and the tensors it saved, never its output (a weak pointer), so graphs
// cannot form ownership cycles. Saved outputs are stored detached for the same reason.
#pragma once

#include "autograd/cpu/parallel.hpp"
#include "autograd/cpu/simd.hpp"
#include "autograd/engine/small_vector.hpp"
#include "autograd/tensor.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
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

/// Where the gradient of one input of a node goes: the node that made it, or the leaf itself.
/// Both empty when that input needs no gradient.
struct TensorEdge {
    std::shared_ptr<TensorNode> fn;
    std::shared_ptr<TensorImpl> leaf;
    bool needed() const { return fn != nullptr || leaf != nullptr; }
};

/// A short list of tensors kept inside the node (saved tensors, gradients of the inputs).
using TensorList = SmallVector<Tensor, 3>;

/// Computes the gradients of a node's inputs from the gradient of its output. Written with
/// Tensor ops, so that under create_graph the backward pass is itself recorded.
using TensorBackward = std::function<TensorList(const Tensor& grad, const TensorNode& node)>;

struct TensorNode {
    std::string_view op; // the op's name, for DOT, traces and errors
    SmallVector<TensorEdge, 3> inputs;
    TensorList saved; // what backward needs; freed after backward unless retain_graph
    TensorBackward backward;
    Shape shape; // of the output
    Dtype dtype = Dtype::Float32;
    std::weak_ptr<TensorImpl> output; // for messages about the output, while it lives
    // Hooks on the output's gradient live here, not on the output: they must run even when the
    // caller's handle to the interior tensor is gone (PyTorch's rule).
    std::vector<TensorHook> hooks;
    bool released = false;
    // Scratch of the backward pass running over this node (graphs are walked by one thread at a
    // time): its marks for the topological sort, and the gradient summed so far.
    mutable std::uint64_t visit = 0;
    mutable Tensor pending_grad;

    TensorNode() {} // NOLINT(modernize-use-equals-default): user-provided, so that allocate_shared
                    // does not zero the whole node before the member initialisers run
    TensorNode(const TensorNode&) = delete;
    TensorNode& operator=(const TensorNode&) = delete;
    /// Frees the graph above this node in a loop, not by recursion: a chain of a million ops must
    /// not overflow the stack when it goes.
    ~TensorNode();
};

namespace detail {

/// A fresh contiguous tensor (uninitialised data).
Tensor empty(Shape shape, Dtype dtype);

/// Records `out` as the result of op over `inputs` when grad mode is on and an input requires a
/// gradient; otherwise returns it as a plain tensor. `saved` is kept for `backward`.
Tensor record(std::string_view op, Tensor out, std::span<const Tensor* const> inputs, TensorList saved,
              TensorBackward backward);
inline Tensor record(std::string_view op, Tensor out, std::initializer_list<const Tensor*> inputs, TensorList saved,
                     TensorBackward backward)
{
    return record(op, std::move(out), std::span<const Tensor* const>(inputs.begin(), inputs.size()), std::move(saved),
                  std::move(backward));
}

/// Throws std::invalid_argument unless both tensors are defined and of one dtype.
void check_same_dtype(std::string_view op, const Tensor& a, const Tensor& b);
void check_defined(std::string_view op, const Tensor& t);

/// Elements per thread below which an elementwise loop stays on one thread (measured: waking
/// the pool costs about what 64K additions do).
constexpr std::int64_t kParallelGrain = std::int64_t{1} << 16;

/// Runs loop(begin, end) over [0, n): vectorised as run_vectorized does, and split across
/// threads when n is large (parallel_for).
template <class F> void flat_loop(std::int64_t n, F&& loop)
{
    const auto run = [&](std::int64_t begin, std::int64_t end) {
        run_vectorized([&]() [[gnu::always_inline]] { loop(begin, end); });
    };
    if (n < 2 * kParallelGrain)
        run(0, n);
    else
        parallel_for(n, kParallelGrain, run);
}

/// out[i] = f(x[i]): the kernel of every elementwise unary op (f is called with float or double).
template <class F> Tensor map_unary(const Tensor& x, F f)
{
    Tensor out = empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->template data<T>();
        T* po = out.impl()->template data<T>();
        flat_loop(x.numel(), [&](std::int64_t begin, std::int64_t end) [[gnu::always_inline]] {
            for (std::int64_t i = begin; i < end; ++i)
                po[i] = f(px[i]);
        });
    });
    return out;
}

/// A shape seen along one axis as [outer, size, inner]: how reductions and index ops walk it.
struct AxisView {
    std::int64_t outer = 1, size = 1, inner = 1;
};
inline AxisView axis_view(const Shape& shape, std::int64_t axis)
{
    AxisView v;
    for (std::int64_t i = 0; i < axis; ++i)
        v.outer *= shape[static_cast<std::size_t>(i)];
    v.size = shape[static_cast<std::size_t>(axis)];
    for (auto i = static_cast<std::size_t>(axis) + 1; i < shape.size(); ++i)
        v.inner *= shape[i];
    return v;
}

/// Calls f(o, offsets) for every element o (row-major) of `shape`, with the offsets of the
/// elements of the N inputs (whose shapes broadcast to `shape`) that meet there.
template <std::size_t N, class F> void for_each_broadcast(const Shape& shape, const std::array<Shape, N>& in, F&& f)
{
    const std::size_t d = shape.size();
    const std::int64_t total = shape_numel(shape);
    std::array<Shape, N> strides;
    bool simple = true; // every input has the output's shape or one element: no multi-index needed
    std::array<std::int64_t, N> step{};
    for (std::size_t k = 0; k < N; ++k) {
        step[k] = in[k] == shape ? 1 : 0;
        simple = simple && (step[k] == 1 || shape_numel(in[k]) == 1);
        strides[k] = Shape(d, 0);
        const Shape c = contiguous_strides(in[k]);
        for (std::size_t i = 0; i < in[k].size(); ++i)
            if (in[k][i] != 1)
                strides[k][i + d - in[k].size()] = c[i];
    }
    std::array<std::int64_t, N> off{};
    if (total == 0)
        return;
    if (simple) {
        for (std::int64_t o = 0; o < total; ++o) {
            for (std::size_t k = 0; k < N; ++k)
                off[k] = o * step[k];
            f(o, off);
        }
        return;
    }
    // Row by row: the innermost dimension in a tight loop, then advance the outer multi-index.
    const std::int64_t inner = shape[d - 1];
    std::array<std::int64_t, N> inner_stride{};
    for (std::size_t k = 0; k < N; ++k)
        inner_stride[k] = strides[k][d - 1];
    Shape index(d, 0);
    std::array<std::int64_t, N> at{};
    for (std::int64_t o = 0; o < total; o += inner) {
        for (std::int64_t j = 0; j < inner; ++j) {
            for (std::size_t k = 0; k < N; ++k)
                at[k] = off[k] + j * inner_stride[k];
            f(o + j, at);
        }
        for (std::size_t dim = d - 1; dim-- > 0;) {
            for (std::size_t k = 0; k < N; ++k)
                off[k] += strides[k][dim];
            if (++index[dim] < shape[dim])
                break;
            for (std::size_t k = 0; k < N; ++k)
                off[k] -= strides[k][dim] * shape[dim];
            index[dim] = 0;
        }
    }
}


/// Whether `part` (leading 1s aside) is the trailing dimensions of `whole`, so that broadcasting
/// it repeats one contiguous block: a bias [16] against [100, 16].
inline bool is_trailing_block(const Shape& part, const Shape& whole)
{
    std::size_t lead = 0;
    while (lead < part.size() && part[lead] == 1)
        ++lead;
    const std::size_t k = part.size() - lead;
    if (k > whole.size() || shape_numel(part) == 0)
        return false;
    return std::equal(part.begin() + static_cast<std::ptrdiff_t>(lead), part.end(),
                      whole.end() - static_cast<std::ptrdiff_t>(k));
}

/// out[i] = f(a[i], b[i]) over the broadcast shape, in a's dtype: the kernel of every binary op.
/// Equal shapes and a one-element operand take flat loops the compiler vectorises.
template <class F> Tensor broadcast_binary(std::string_view op, const Tensor& a, const Tensor& b, F f)
{
    check_same_dtype(op, a, b);
    Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(op, a.shape(), b.shape());
    Tensor out = empty(shape, a.dtype());
    dispatch(a.dtype(), [&]<class T>() {
        const T* pa = a.impl()->template data<T>();
        const T* pb = b.impl()->template data<T>();
        T* po = out.impl()->template data<T>();
        const std::int64_t n = out.numel();
        if (a.numel() == n && b.numel() == n) {
            flat_loop(n, [&](std::int64_t begin, std::int64_t end) [[gnu::always_inline]] {
                for (std::int64_t i = begin; i < end; ++i)
                    po[i] = f(pa[i], pb[i]);
            });
        } else if (b.numel() == 1 && a.numel() == n) {
            const T s = pb[0];
            flat_loop(n, [&](std::int64_t begin, std::int64_t end) [[gnu::always_inline]] {
                for (std::int64_t i = begin; i < end; ++i)
                    po[i] = f(pa[i], s);
            });
        } else if (a.numel() == 1 && b.numel() == n) {
            const T s = pa[0];
            flat_loop(n, [&](std::int64_t begin, std::int64_t end) [[gnu::always_inline]] {
                for (std::int64_t i = begin; i < end; ++i)
                    po[i] = f(s, pb[i]);
            });
        } else if (a.numel() == n && is_trailing_block(b.shape(), shape)) { // x + bias: row by row
            const std::int64_t m = b.numel();
            for (std::int64_t r = 0; r < n; r += m)
                for (std::int64_t i = 0; i < m; ++i)
                    po[r + i] = f(pa[r + i], pb[i]);
        } else if (b.numel() == n && is_trailing_block(a.shape(), shape)) {
            const std::int64_t m = a.numel();
            for (std::int64_t r = 0; r < n; r += m)
                for (std::int64_t i = 0; i < m; ++i)
                    po[r + i] = f(pa[i], pb[r + i]);
        } else {
            for_each_broadcast<2>(shape, {a.shape(), b.shape()},
                                  [&](std::int64_t o, const std::array<std::int64_t, 2>& at) { po[o] = f(pa[at[0]], pb[at[1]]); });
        }
    });
    return out;
}

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
    return e.fn ? e.fn->shape : e.leaf->shape;
}

/// Saved tensor i of a node; throws std::logic_error naming the op if backward already freed it.
const Tensor& saved(const TensorNode& node, std::size_t i);

} // namespace detail
} // namespace autograd
