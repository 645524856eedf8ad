// Comparisons, where and one_hot: the ops that make masks and select by them. The comparisons and
// one_hot are constants (never recorded); where records a node whose gradient goes to a and b.
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace autograd {
using detail::broadcast_binary;
using detail::for_each_broadcast;
using detail::needs;
using detail::saved;
using detail::zero_like;

// Comparisons: constants, never recorded. Two integer operands are compared as int64 (exactly,
// into an int64 0/1); otherwise as broadcast_binary promotes them. An integer tensor against a
// double is compared in float64 (exact below 2^53), so that x < 2.5 is not x < 2.
#define BACKPROP_COMPARISON(name, op)                                                                                 \
    Tensor name(const Tensor& a, const Tensor& b)                                                                     \
    {                                                                                                                 \
        if (a.defined() && b.defined() && detail::both_integral(a, b))                                                \
            return detail::integer_binary(#name, a, b,                                                                \
                                          [](std::int64_t x, std::int64_t y) { return std::int64_t{x op y}; });       \
        return broadcast_binary(#name, a, b, [](auto x, auto y) { return x op y ? decltype(x)(1) : decltype(x)(0); }); \
    }                                                                                                                 \
    Tensor name(const Tensor& a, double b)                                                                            \
    {                                                                                                                 \
        detail::check_defined(#name, a);                                                                              \
        if (!is_floating_point(a.dtype()))                                                                            \
            return name(a.to(Dtype::Float64), Tensor::scalar(b, Dtype::Float64)).to(Dtype::Int64);                   \
        return name(a, Tensor::scalar(b, a.dtype()));                                                                 \
    }
BACKPROP_COMPARISON(eq, ==)
BACKPROP_COMPARISON(ne, !=)
BACKPROP_COMPARISON(lt, <)
BACKPROP_COMPARISON(le, <=)
BACKPROP_COMPARISON(gt, >)
BACKPROP_COMPARISON(ge, >=)
#undef BACKPROP_COMPARISON

// y = cond ? a : b;  da = g where cond, db = g where not cond (each summed to its shape)
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b)
{
    constexpr std::string_view op = op_name(TensorOp::Where);
    detail::check_defined(op, cond);
    detail::check_defined(op, a);
    detail::check_defined(op, b);
    if (a.dtype() != b.dtype()) { // torch.where promotes its operands (float32 with float64 stays an error)
        const Dtype d = promote_types(a.dtype(), b.dtype(), op);
        return where(cond, a.to(d), b.to(d));
    }
    Shape shape;
    try {
        shape = broadcast_shapes(op, broadcast_shapes(op, cond.shape(), a.shape()), b.shape());
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument(fmt::format("{}: shapes {} (cond), {} (a) and {} (b) cannot be broadcast together",
                                                op, to_string(cond.shape()), to_string(a.shape()), to_string(b.shape())));
    }
    Tensor out = detail::empty(shape, a.dtype());
    dispatch_any(cond.dtype(), [&]<class C>() {
        dispatch_any(a.dtype(), [&]<class T>() {
            const C* pc = cond.impl()->data<C>();
            const T* pa = a.impl()->data<T>();
            const T* pb = b.impl()->data<T>();
            T* po = out.impl()->data<T>();
            for_each_broadcast<3>(shape, {cond.shape(), a.shape(), b.shape()},
                                  [&](std::int64_t o, const std::array<std::int64_t, 3>& at) {
                                      po[o] = pc[at[0]] != C(0) ? pa[at[1]] : pb[at[2]];
                                  });
        });
    });
    const Shape sa = a.shape(), sb = b.shape();
    return detail::record(TensorOp::Where, out, {&a, &b}, {cond.detach()}, [sa, sb](const Tensor& g, const TensorNode& n) {
        const Tensor& c = saved(n, 0);
        const Tensor zero = zero_like(g);
        return TensorList{needs(n, 0) ? sum_to(where(c, g, zero), sa) : Tensor(),
                          needs(n, 1) ? sum_to(where(c, zero, g), sb) : Tensor()};
    });
}

Tensor one_hot(const std::vector<std::int64_t>& labels, std::int64_t num_classes, Dtype dtype)
{
    if (num_classes < -1)
        throw std::invalid_argument(fmt::format("one_hot: num_classes must be -1 (inferred) or >= 0, not {}", num_classes));
    if (num_classes == -1) {
        if (labels.empty())
            throw std::invalid_argument("one_hot: cannot infer num_classes from no labels");
        num_classes = *std::max_element(labels.begin(), labels.end()) + 1;
    }
    const auto rows = static_cast<std::int64_t>(labels.size());
    Tensor out = Tensor::zeros({rows, num_classes}, dtype);
    dispatch_any(dtype, [&]<class T>() {
        T* po = out.impl()->data<T>();
        for (std::int64_t i = 0; i < rows; ++i) {
            const std::int64_t c = labels[static_cast<std::size_t>(i)];
            if (c < 0 || c >= num_classes)
                throw std::out_of_range(fmt::format("one_hot: label {} at position {} is out of range for {} classes "
                                                    "(valid: 0 to {})",
                                                    c, i, num_classes, num_classes - 1));
            po[i * num_classes + c] = T(1);
        }
    });
    return out;
}

Tensor one_hot(const Tensor& labels, std::int64_t num_classes)
{
    detail::check_defined("one_hot", labels);
    std::vector<std::int64_t> values;
    values.reserve(static_cast<std::size_t>(labels.numel()));
    if (labels.dtype() == Dtype::Int64 || labels.dtype() == Dtype::Bool) {
        values = labels.to_vector_as<std::int64_t>();
    } else { // float labels holding integers, accepted as before int64 tensors existed
        for (double v : labels.to_vector()) {
            if (!(v == std::floor(v)) || std::abs(v) > 9.0e15)
                throw std::invalid_argument(
                    fmt::format("one_hot: label {} at position {} is not an integer", v, values.size()));
            values.push_back(static_cast<std::int64_t>(v));
        }
    }
    Tensor rows = one_hot(values, num_classes, labels.dtype());
    Shape shape = labels.shape();
    shape.push_back(rows.shape()[1]);
    return rows.reshape(shape);
}

Tensor one_hot(std::initializer_list<std::int64_t> labels, std::int64_t num_classes, Dtype dtype)
{
    return one_hot(std::vector<std::int64_t>(labels), num_classes, dtype);
}

} // namespace autograd
