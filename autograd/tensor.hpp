// Tensor: an n-d array in a computation graph, PyTorch's semantics in C++.
//
//   #include <autograd/tensor.hpp>
//   using autograd::Tensor;
//   Tensor w = Tensor::randn({3, 2}, gen).requires_grad_();
//   Tensor x({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
//   Tensor loss = matmul(x, w).relu().sum();
//   loss.backward();
//   w.grad();                                  // d loss / d w, shape [3, 2]
//
// Semantics (PyTorch's unless said otherwise):
// - A Tensor is a handle: copies share data, gradient and graph. Element type float32 by default,
//   float64 on request, int64 for labels and indices (Tensor({1, 2}, {2}), argmax's result), bool
//   for masks read from files (dtype.hpp). Mixed dtypes promote as in PyTorch: an int64 operand
//   takes the float operand's dtype, int64 with int64 stays int64 for add, sub, mul, neg, abs, sum
//   and the comparisons, and true division and transcendentals of int64 give float32. float32
//   with float64 is the one mix refused (a clear error instead of a silent widening).
// - Only floating-point tensors take part in autograd: an int64 tensor cannot require a
//   gradient, and an op whose result is int64 or bool records nothing.
// - Leaves require a gradient only when asked (requires_grad_()); ops on them are recorded.
// - backward() ADDS into the .grad() of leaves; interior tensors keep no gradient.
//   The graph's saved tensors are freed after backward() unless retain_graph is set, and a
//   second backward() through a freed graph throws.
// - create_graph records the backward pass itself, so gradients can be differentiated again
//   (and implies retain_graph, as in PyTorch).
// - Errors are exceptions naming the op and the shapes: `add: shapes [3, 4] and [5] cannot be
//   broadcast together (dimension 1: 4 vs 5)`.
//
// This file holds the Tensor class; the ops are declared by family in ops/elementwise.hpp,
// ops/reduce.hpp, ops/softmax.hpp, ops/compare.hpp, ops/shape.hpp, ops/index.hpp and
// ops/matmul.hpp, all included at its end (the fused losses: ops/loss.hpp; everything:
// autograd.hpp).
#pragma once

#include "autograd/anomaly.hpp"
#include "autograd/dtype.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/random.hpp"
#include "autograd/shape.hpp"

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

struct TensorImpl;
struct TensorNode;

/// How a backward pass runs: PyTorch's keyword arguments of backward() and autograd.grad().
struct BackwardOptions {
    /// Keep the graph's saved tensors, so that another backward can run through it.
    bool retain_graph = false;
    /// Record the backward pass itself, so that the gradients can be differentiated again
    /// (gradients of gradients). Implies retain_graph, as in PyTorch.
    bool create_graph = false;
    /// grad() only (backward() refuses it): an input the outputs do not depend on gets zeros of its
    /// shape and dtype instead of an undefined tensor, as PyTorch's materialize_grads. Under
    /// create_graph those zeros require a gradient, so that they can be differentiated again.
    bool materialize_grads = false;
};

class Tensor {
public:
    /// An undefined tensor (like a default torch::Tensor): defined() is false.
    Tensor() = default;
    /// A contiguous tensor of the given shape from row-major data (float32, float64 or int64; for
    /// bool, convert with to(Dtype::Bool)).
    Tensor(std::vector<float> data, Shape shape);
    Tensor(std::vector<double> data, Shape shape);
    Tensor(std::vector<std::int64_t> data, Shape shape);
    /// Tensor({1.f, 2.f}, {2}) is float32, Tensor({1.0, 2.0}, {2}) float64, and Tensor({1, 2}, {2})
    /// int64 as torch.tensor([1, 2]) is. NOTE: the int form is what makes int literals exact matches;
    /// without it {1, 2} would convert equally well to every element type (ambiguous).
    Tensor(std::initializer_list<float> data, Shape shape) : Tensor(std::vector<float>(data), std::move(shape)) {}
    Tensor(std::initializer_list<double> data, Shape shape) : Tensor(std::vector<double>(data), std::move(shape)) {}
    Tensor(std::initializer_list<int> data, Shape shape)
        : Tensor(std::vector<std::int64_t>(data.begin(), data.end()), std::move(shape)) {}
    Tensor(std::initializer_list<std::int64_t> data, Shape shape)
        : Tensor(std::vector<std::int64_t>(data), std::move(shape)) {}
    /// A 0-d tensor holding one number.
    static Tensor scalar(double value, Dtype dtype = Dtype::Float32);

    /// Uninitialised data (torch.empty): for buffers every element of which is written next.
    static Tensor empty(Shape shape, Dtype dtype = Dtype::Float32);
    static Tensor zeros(Shape shape, Dtype dtype = Dtype::Float32);
    static Tensor ones(Shape shape, Dtype dtype = Dtype::Float32);
    static Tensor full(Shape shape, double value, Dtype dtype = Dtype::Float32);
    /// start, start + step, ... below end (1-d).
    static Tensor arange(double start, double end, double step = 1.0, Dtype dtype = Dtype::Float32);
    /// `steps` evenly spaced values from start to end inclusive (1-d).
    static Tensor linspace(double start, double end, std::int64_t steps, Dtype dtype = Dtype::Float32);
    /// Uniform in [low, high), from the generator (reproducible for a seed).
    static Tensor rand(Shape shape, Generator& gen, double low = 0.0, double high = 1.0, Dtype dtype = Dtype::Float32);
    /// Normal with mean and standard deviation, from the generator.
    static Tensor randn(Shape shape, Generator& gen, double mean = 0.0, double stddev = 1.0,
                        Dtype dtype = Dtype::Float32);

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
    std::int64_t size(std::int64_t axis) const;
    std::int64_t numel() const;
    Dtype dtype() const;
    /// Row-major strides (every tensor is contiguous in this version).
    Shape strides() const;
    bool is_contiguous() const;

    /// The value of a one-element tensor; throws std::invalid_argument otherwise. An int64 value is
    /// exact below 2^53 in magnitude (read larger ones with data_ptr<std::int64_t>()).
    double item() const;
    /// One element by its index in every dimension (negative counts from the end).
    double at(std::initializer_list<std::int64_t> index) const;
    /// The elements, row-major, for reading and writing in place (T must be the dtype's type;
    /// throws std::invalid_argument otherwise). Writing is not recorded: use it for weight updates
    /// and loading, as torch's data_ptr.
    template <class T> T* data_ptr() const;
    /// Handles to this tensor's record, this one counted (ATen's use_count()), and records
    /// sharing its data (a reshape or detach() of it is another: ATen's storage().use_count()).
    /// Code that would write data in place where someone else may read it asks first.
    long use_count() const;
    long storage_use_count() const;
    /// All elements in row-major order, as doubles or converted to T (float, double, std::int64_t:
    /// as to() converts, so a float NaN asked for as int64 throws).
    std::vector<double> to_vector() const;
    template <class T> std::vector<T> to_vector_as() const;

    // Autograd.
    bool requires_grad() const;
    /// Marks a leaf as needing a gradient (returns *this, as PyTorch's requires_grad_()).
    /// Throws for a non-leaf: its requirement comes from its inputs; and for an int64 or bool
    /// tensor: only floating-point tensors can require gradients.
    Tensor& requires_grad_(bool on = true);
    bool is_leaf() const;
    /// The accumulated gradient of a leaf (undefined until a backward() reaches it).
    Tensor grad() const;
    void set_grad(const Tensor& grad) const;
    void zero_grad() const; // drops the gradient (PyTorch's set_to_none)
    /// Gradient of this one-element tensor (or with `gradient` of the same shape for others)
    /// with respect to every leaf it was computed from, added into their grad().
    ///   loss.backward();                                 // frees the graph's saved tensors
    ///   loss.backward({.retain_graph = true});           // keeps them for another backward
    ///   y.backward(seed, {.create_graph = true});        // records the backward pass too
    void backward(const Tensor& gradient = {}, BackwardOptions options = {}) const;
    void backward(BackwardOptions options) const { backward(Tensor(), options); }
    /// The same data, cut from the graph: no gradient flows through it.
    Tensor detach() const;
    /// Calls hook(grad) when this tensor's gradient is computed; if it returns a defined tensor,
    /// that replaces the gradient. Returns *this.
    const Tensor& register_hook(std::function<Tensor(const Tensor&)> hook) const;
    /// The node that made this tensor (null for leaves), for graph tools.
    const std::shared_ptr<TensorNode>& grad_fn() const;

    std::string label() const;
    const Tensor& set_label(std::string label) const;

    // Shape.
    Tensor reshape(Shape shape) const;
    Tensor flatten() const;
    Tensor transpose(std::int64_t a, std::int64_t b) const;
    /// 2-d transpose (PyTorch's .t()); a 0-d or 1-d tensor is returned as it is.
    Tensor t() const { return dim() < 2 ? *this : transpose(0, 1); }
    Tensor contiguous() const;
    /// The elements converted to `dtype` (a copy; *this if it has that dtype already). As PyTorch:
    /// floating point to int64 truncates toward zero, nonzero becomes true. A NaN, an infinity or a
    /// value beyond int64's range converted to int64 throws std::invalid_argument naming it.
    Tensor to(Dtype dtype) const;
    /// Members of the ops in ops/shape.hpp and ops/index.hpp (which document them).
    Tensor permute(Shape dims) const;
    Tensor squeeze() const;
    Tensor squeeze(std::int64_t axis) const;
    Tensor unsqueeze(std::int64_t axis) const;
    Tensor expand(Shape shape) const;
    Tensor slice(std::int64_t axis, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
    Tensor index_select(std::int64_t axis, const std::vector<std::int64_t>& indices) const;
    /// With the indices in a tensor (a template for the reason ops/index.hpp gives).
    template <std::same_as<Tensor> T> Tensor index_select(std::int64_t axis, const T& indices) const;
    Tensor gather(std::int64_t axis, const Tensor& index) const;

    // Members mirroring the free functions (ops/elementwise.hpp, ops/reduce.hpp, ops/softmax.hpp),
    // so chains read naturally.
    Tensor relu() const;
    Tensor sigmoid() const;
    Tensor tanh() const;
    Tensor exp() const;
    Tensor log() const;
    Tensor pow(double exponent) const;
    Tensor sum() const;
    Tensor sum(std::int64_t axis, bool keepdim = false) const;
    Tensor mean() const;
    Tensor mean(std::int64_t axis, bool keepdim = false) const;
    Tensor sqrt() const;
    Tensor abs() const;
    Tensor softmax(std::int64_t axis) const;
    Tensor log_softmax(std::int64_t axis) const;

    /// Identity of the underlying tensor: equal for handles that alias.
    const void* id() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

private:
    // Inline, with the throw out of line, so that the accessors built on it (shape(), numel(),
    // ...; every op calls several) inline to a null test and a load.
    TensorImpl& checked() const
    {
        if (impl_ == nullptr) [[unlikely]]
            throw_undefined();
        return *impl_;
    }
    [[noreturn]] static void throw_undefined();
    std::shared_ptr<TensorImpl> impl_;
};

/// Gradients of `outputs` with respect to `inputs` (PyTorch's torch.autograd.grad): returned,
/// not accumulated into grad(). An input the outputs do not depend on gets an undefined tensor,
/// or zeros with {.materialize_grads = true}. `grad_outputs` seeds each output (needed for
/// outputs of more than one element).
/// Under create_graph, a gradient that reaches an input only through piecewise-linear ops (relu,
/// leaky_relu, abs, clamp, max, min) requires a gradient and differentiates to zeros, as in
/// PyTorch (which does so for relu, leaky_relu and abs; for clamp, max and min it throws).
///   Tensor g = autograd::grad({loss}, {w}, {}, {.create_graph = true})[0];  // differentiable
///   Tensor h = autograd::grad({g.sum()}, {w})[0];                           // Hessian-vector product
/// NOTE: no overload takes the options third: GCC 12 finds `grad(o, i, {.create_graph = true})`
/// ambiguous between the options and grad_outputs (a vector is not an aggregate, so C++20 says it
/// is not, but the compiler the project supports decides).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, BackwardOptions options = {});

/// Prints in PyTorch's layout: `tensor([[1., 2.], [3., 4.]], requires_grad=True)`.
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t);

} // namespace autograd

// The ops, by family. None of these headers includes this one: they declare Tensor forward.
#include "autograd/ops/compare.hpp"
#include "autograd/ops/elementwise.hpp"
#include "autograd/ops/index.hpp"
#include "autograd/ops/matmul.hpp"
#include "autograd/ops/reduce.hpp"
#include "autograd/ops/shape.hpp"
#include "autograd/ops/softmax.hpp"

template <std::same_as<autograd::Tensor> T>
autograd::Tensor autograd::Tensor::index_select(std::int64_t axis, const T& indices) const
{
    return autograd::index_select(*this, axis, indices);
}
