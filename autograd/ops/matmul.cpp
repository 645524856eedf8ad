// Matrix products, with their backward: matmul, and linear (fused with a following activation
// when the caller knows it). cpu/gemm.cpp decides which library runs each product.
//
// One recorded op does the work: Y = op(A) op(B), where op transposes or not. Its gradients are
// products of the same kind (dA = G op(B)^T and so on), so transposes reach the library as flags
// and are never copied, in the forward and in the backward alike. matmul() maps PyTorch's cases
// (1-d, 2-d, batched 3-d directly; other batch shapes broadcast and flattened to 3-d) onto it.
#include "autograd/ops/fused_activation.hpp"
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/gemm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <tuple>

namespace autograd {
namespace {

// Rows and columns of op(X) for the last two dimensions of X.
std::pair<std::int64_t, std::int64_t> op_dims(const Tensor& x, bool trans)
{
    const std::int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
    return trans ? std::pair{c, r} : std::pair{r, c};
}

// Y = op(A) op(B), for 2-d or 3-d operands (a 2-d operand is shared by every batch).
//   dA = G op(B)^T   (or, if A is transposed, op(B) G^T),  summed over the batch if A is 2-d
//   dB = op(A)^T G   (or, if B is transposed, G^T op(A)),  likewise
Tensor product(const Tensor& a, const Tensor& b, bool ta, bool tb)
{
    // NOTE: std::tie, not structured bindings: lambdas below capture these, which clang before
    // 16 (the fuzzing build's compiler) does not allow for bindings.
    std::int64_t n = 0, k = 0, k2 = 0, m = 0;
    std::tie(n, k) = op_dims(a, ta);
    std::tie(k2, m) = op_dims(b, tb);
    const std::int64_t batch_a = a.dim() == 3 ? a.shape()[0] : 1, batch_b = b.dim() == 3 ? b.shape()[0] : 1;
    if (k != k2 || (a.dim() == 3 && b.dim() == 3 && batch_a != batch_b))
        throw std::invalid_argument(fmt::format("{}: shapes {}{} and {}{} do not chain", op_name(TensorOp::Matmul),
                                                to_string(a.shape()), ta ? " (transposed)" : "", to_string(b.shape()),
                                                tb ? " (transposed)" : ""));
    const std::int64_t batch = a.dim() == 3 ? batch_a : batch_b; // a 2-d operand is shared, whatever the batch
    Shape out_shape = a.dim() == 3 || b.dim() == 3 ? Shape{batch, n, m} : Shape{n, m};
    Tensor out = detail::empty(out_shape, a.dtype());
    dispatch(a.dtype(), [&]<class T>() {
        const T* pa = a.impl()->data<T>();
        const T* pb = b.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t i = 0; i < batch; ++i)
            detail::gemm<T>({.ta = ta, .tb = tb, .m = n, .n = m, .k = k,
                             .a = pa + (a.dim() == 3 ? i * n * k : 0), .lda = ta ? n : k,
                             .b = pb + (b.dim() == 3 ? i * k * m : 0), .ldb = tb ? k : m,
                             .c = po + i * n * m, .ldc = m});
    });
    const bool a_shared = a.dim() == 2 && out.dim() == 3, b_shared = b.dim() == 2 && out.dim() == 3;
    return detail::record(TensorOp::Matmul, out, {&a, &b}, {a, b}, [=](const Tensor& g, const TensorNode& node) {
        const Tensor& a = detail::saved(node, 0);
        const Tensor& b = detail::saved(node, 1);
        Tensor da, db; // only the products whose input needs them: X W needs no dX
        if (detail::needs(node, 0)) {
            da = ta ? product(b, g, tb, true) : product(g, b, false, !tb);
            if (a_shared)
                da = sum(da, 0);
        }
        if (detail::needs(node, 1)) {
            db = tb ? product(g, a, true, ta) : product(a, g, !ta, false);
            if (b_shared)
                db = sum(db, 0);
        }
        return TensorList{da, db};
    });
}

// The gradients of y = x W^T + b from ga, the gradient of that sum (for a fused activation, the
// gradient after the activation's backward): dx = ga W, dW = ga^T x, db = ga summed over the rows.
TensorList linear_backward(const Tensor& ga, const TensorNode& node, std::int64_t rows, std::int64_t in,
                           std::int64_t out_features)
{
    const Tensor& x = detail::saved(node, 0);
    const Tensor& w = detail::saved(node, 1);
    const Tensor g2 = ga.reshape({rows, out_features});
    Tensor dx, dw, db;
    if (detail::needs(node, 0))
        dx = product(g2, w, false, false).reshape(x.shape());
    if (detail::needs(node, 1))
        dw = product(g2, x.reshape({rows, in}), true, false);
    if (detail::needs(node, 2))
        db = sum(g2, 0);
    return TensorList{dx, dw, db};
}

constexpr TensorOp linear_op(Activation act)
{
    switch (act) {
    case Activation::Relu: return TensorOp::LinearRelu;
    case Activation::Sigmoid: return TensorOp::LinearSigmoid;
    case Activation::Tanh: return TensorOp::LinearTanh;
    case Activation::None: break;
    }
    return TensorOp::Linear;
}

// torch.matmul's batch broadcasting for a2 [..., n, k] and b2 [..., k, m] (a and b: the operands
// before the 1-d promotion, for the errors), at least one with a batch that product() does not
// take as it is. The batch dimensions (all but the last two) broadcast as elementwise ops do;
// each operand with a batch is expanded to the broadcast batch (expand: its backward sums the
// gradient over the broadcast dimensions) and flattened to one batch dimension, so that product()
// does the work, one gemm per matrix; a 2-d operand stays 2-d, shared by every batch (no copy).
Tensor batched_matmul(const Tensor& a, const Tensor& b, const Tensor& a2, const Tensor& b2)
{
    const Shape& sa = a2.shape();
    const Shape& sb = b2.shape();
    const std::size_t la = sa.size() - 2, lb = sb.size() - 2, lead = std::max(la, lb);
    Shape batch(lead, 1);
    for (std::size_t i = 0; i < lead; ++i) {
        const std::int64_t da = i + la >= lead ? sa[i + la - lead] : 1, db = i + lb >= lead ? sb[i + lb - lead] : 1;
        if (da != db && da != 1 && db != 1)
            throw std::invalid_argument(fmt::format("{}: shapes {} and {}: batch dimensions do not broadcast "
                                                    "(dimension {}: {} vs {})",
                                                    op_name(TensorOp::Matmul), to_string(a.shape()),
                                                    to_string(b.shape()), i, da, db));
        batch[i] = da == 1 ? db : da;
    }
    std::int64_t count = 1;
    for (std::int64_t d : batch)
        count *= d;
    // [batch..., r, c] -> [count, r, c]; a 2-d operand as it is
    const auto flatten = [&](const Tensor& x) {
        if (x.dim() == 2)
            return x;
        const std::int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
        Shape full = batch;
        full.push_back(r);
        full.push_back(c);
        const Tensor e = x.shape() == full ? x : expand(x, full);
        return e.reshape({count, r, c});
    };
    const Tensor y = product(flatten(a2), flatten(b2), false, false); // [count, n, m]
    Shape out = batch;
    out.push_back(y.shape()[1]);
    out.push_back(y.shape()[2]);
    return y.reshape(out);
}

} // namespace

// y = act(x W^T + b) (PyTorch's F.linear, then the activation; W is [out, in] as in
// torch.nn.Linear). One op instead of a matmul, a broadcast add and the activation: the library
// adds the bias and applies the activation as it writes the product (oneDNN), or in one more pass
// over the output while it is in cache (OpenBLAS).
//   dx = ga W,   dW = ga^T x,   db = ga summed over the rows,   ga = g act'(x W^T + b)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Activation act)
{
    const TensorOp op_id = linear_op(act);
    constexpr std::string_view op = op_name(TensorOp::Linear);
    detail::check_same_dtype(op, x, weight);
    if (bias.defined())
        detail::check_same_dtype(op, x, bias);
    const std::int64_t in = x.dim() >= 1 ? x.shape()[x.dim() - 1] : -1;
    if (weight.dim() != 2 || x.dim() < 1 || weight.shape()[1] != in ||
        (bias.defined() && (bias.dim() != 1 || bias.shape()[0] != weight.shape()[0])))
        throw std::invalid_argument(fmt::format("{}: input {}, weight {} and bias {} do not fit (want input "
                                                "[..., in], weight [out, in], bias [out])", op,
                                                to_string(x.shape()), to_string(weight.shape()),
                                                bias.defined() ? to_string(bias.shape()) : std::string("none")));
    const std::int64_t out_features = weight.shape()[0];
    const std::int64_t rows = in > 0 ? x.numel() / in : shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
    Shape out_shape = x.shape();
    out_shape.back() = out_features;
    Tensor out = detail::empty(out_shape, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        detail::gemm<T>({.tb = true, .m = rows, .n = out_features, .k = in,
                         .a = x.impl()->data<T>(), .lda = in, .b = weight.impl()->data<T>(), .ldb = in,
                         .c = out.impl()->data<T>(), .ldc = out_features,
                         .bias = bias.defined() ? bias.impl()->data<T>() : nullptr, .act = detail::epilogue_of(act)});
    });
    const Tensor none;
    const std::initializer_list<const Tensor*> inputs = {&x, &weight, bias.defined() ? &bias : &none};
    if (act == Activation::None)
        return detail::record(op_id, out, inputs, {x, weight},
                              [rows, in, out_features](const Tensor& g, const TensorNode& node) {
            return linear_backward(g, node, rows, in, out_features);
        });
    // The output is saved detached (saved with its graph it would own itself), the bias for
    // recomputing the pre-activation under create_graph.
    return detail::record(op_id, out, inputs, {x, weight, out.detach(), bias},
                          [act, rows, in, out_features](const Tensor& g, const TensorNode& node) {
        // Saved: x, W, the output y (for the activation's backward) and b (to recompute the
        // pre-activation under create_graph).
        const Tensor ga = detail::activation_backward(op_name(linear_op(act)), act, g, detail::saved(node, 2), [&] {
            return linear(detail::saved(node, 0), detail::saved(node, 1), detail::saved(node, 3));
        });
        return linear_backward(ga, node, rows, in, out_features);
    });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias)
{
    return linear(x, weight, bias, Activation::None);
}

Tensor linear(const Tensor& x, const Tensor& weight) { return linear(x, weight, Tensor(), Activation::None); }

Tensor matmul(const Tensor& a, const Tensor& b)
{
    constexpr std::string_view op = op_name(TensorOp::Matmul);
    detail::check_same_dtype(op, a, b);
    const auto fail = [&] {
        return std::invalid_argument(fmt::format("{}: shapes {} and {} do not chain", op, to_string(a.shape()),
                                                 to_string(b.shape())));
    };
    if (a.dim() == 0 || b.dim() == 0)
        throw std::invalid_argument(fmt::format("{}: shapes {} and {}: operands must have at least 1 dimension", op,
                                                to_string(a.shape()), to_string(b.shape())));
    // 1-d operands become a row (left) or a column (right), removed again from the result.
    const Tensor a2 = a.dim() == 1 ? a.reshape({1, a.shape()[0]}) : a;
    const Tensor b2 = b.dim() == 1 ? b.reshape({b.shape()[0], 1}) : b;
    if (a2.shape()[a2.dim() - 1] != b2.shape()[b2.dim() - 2])
        throw fail();
    // What product() takes as it is: 2-d operands, or 3-d with one batch size (a 2-d operand is
    // shared by every batch). Every other batch shape goes through batched_matmul.
    const bool direct = a2.dim() <= 3 && b2.dim() <= 3 &&
                        !(a2.dim() == 3 && b2.dim() == 3 && a2.shape()[0] != b2.shape()[0]);
    Tensor y = direct ? product(a2, b2, false, false) : batched_matmul(a, b, a2, b2);
    if (a.dim() == 1 || b.dim() == 1) {
        Shape s = y.shape();
        if (b.dim() == 1)
            s.pop_back();
        if (a.dim() == 1)
            s.erase(s.end() - (b.dim() == 1 ? 1 : 2));
        y = y.reshape(s);
    }
    return y;
}

} // namespace autograd
