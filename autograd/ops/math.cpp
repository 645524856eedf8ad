// More tensor math (see tensor_math.hpp): each op's forward kernel and, under it, its backward.
//
// Conventions as in tensor_elementwise.cpp: g is the gradient of the output; backward formulas
// are Tensor expressions so create_graph records them; a saved output is stored detached and
// recomputed from the input under create_graph (is_grad_enabled() in a backward). Masks that
// select where a gradient flows (abs, clamp, max, ...) are constants: their derivative is 0.
#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace autograd {
using detail::broadcast_binary;
using detail::for_each_broadcast;
using detail::map_unary;
using detail::needs;
using detail::saved;

namespace {


Tensor zero_like(const Tensor& t) { return Tensor::scalar(0.0, t.dtype()); }

// A reduction over `axis` sees x as [outer, size, inner].
using Layout = detail::AxisView;
inline Layout layout_of(const Shape& s, std::int64_t axis) { return detail::axis_view(s, axis); }

Shape reduced_shape(Shape s, std::int64_t axis, bool keepdim)
{
    if (keepdim)
        s[static_cast<std::size_t>(axis)] = 1;
    else
        s.erase(s.begin() + axis);
    return s;
}

// The gradient of a reduction over `axis`: g with the axis put back, stretched to `shape`.
Tensor unreduce(const Tensor& g, const Shape& shape, std::int64_t axis, bool keepdim)
{
    if (keepdim)
        return broadcast_to(g, shape);
    return broadcast_to(g.reshape(reduced_shape(shape, axis, true)), shape);
}

// As in PyTorch, a 0-d tensor has one axis (0 or -1) for the axis ops; they view it as [1].
void check_scalar_axis(std::string_view op, std::int64_t axis)
{
    if (axis != 0 && axis != -1)
        throw std::invalid_argument(
            fmt::format("{}: axis {} is out of range for shape [] (valid: -1 to 0)", op, axis));
}

void check_not_empty(std::string_view op, const Tensor& x)
{
    if (x.numel() == 0)
        throw std::invalid_argument(fmt::format("{}: the tensor of shape {} is empty", op, to_string(x.shape())));
}

// For every (outer, inner) position, the index along the axis of the first most extreme element
// (`better(a, b)`: a is more extreme than b); a NaN is the most extreme of all, as in PyTorch.
template <class Better> std::vector<std::int64_t> arg_extreme(const Tensor& x, const Layout& l, Better better)
{
    std::vector<std::int64_t> index(static_cast<std::size_t>(l.outer * l.inner), 0);
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const T* row = px + o * l.size * l.inner + i;
                T best = row[0];
                std::int64_t at = 0;
                for (std::int64_t k = 1; k < l.size && !std::isnan(best); ++k) {
                    const T v = row[k * l.inner];
                    if (std::isnan(v) || better(v, best)) {
                        best = v;
                        at = k;
                    }
                }
                index[static_cast<std::size_t>(o * l.inner + i)] = at;
            }
    });
    return index;
}

// Values of x at the (outer, index, inner) positions.
Tensor gather_values(const Tensor& x, const Layout& l, const std::vector<std::int64_t>& index, Shape shape)
{
    Tensor out = detail::empty(std::move(shape), x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const std::int64_t k = index[static_cast<std::size_t>(o * l.inner + i)];
                po[o * l.inner + i] = px[(o * l.size + k) * l.inner + i];
            }
    });
    return out;
}

// A tensor of `shape` with 1 at the (outer, index, inner) positions and 0 elsewhere.
Tensor index_mask(const std::vector<std::int64_t>& index, const Shape& shape, std::int64_t axis, Dtype dtype)
{
    const Layout l = layout_of(shape, axis);
    Tensor mask = Tensor::zeros(shape, dtype);
    dispatch(dtype, [&]<class T>() {
        T* pm = mask.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i)
                pm[(o * l.size + index[static_cast<std::size_t>(o * l.inner + i)]) * l.inner + i] = T(1);
    });
    return mask;
}

Tensor indices_tensor(const std::vector<std::int64_t>& index, Shape shape, Dtype dtype)
{
    Tensor out = detail::empty(std::move(shape), dtype);
    dispatch(dtype, [&]<class T>() {
        T* po = out.impl()->data<T>();
        for (std::size_t i = 0; i < index.size(); ++i)
            po[i] = static_cast<T>(index[i]);
    });
    return out;
}

constexpr auto greater = [](auto a, auto b) { return a > b; };
constexpr auto less = [](auto a, auto b) { return a < b; };

// y = max (or min) of all elements;  dx = g/k at the k elements equal to y, 0 elsewhere
// (PyTorch's even split among ties; with a NaN, the NaNs share the gradient).
template <class Better> Tensor extreme_all(std::string_view op, const Tensor& x, Better better)
{
    detail::check_defined(op, x);
    check_not_empty(op, x);
    const Layout all{1, x.numel(), 1};
    const Tensor out = gather_values(x, all, arg_extreme(x, all, better), {});
    return detail::record(op, out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const double y = saved(n, 1).item();
        Tensor mask = map_unary(x, [y](auto v) {
            using T = decltype(v);
            return v == static_cast<T>(y) || (std::isnan(v) && std::isnan(y)) ? T(1) : T(0);
        });
        return TensorList{g * (mask / sum(mask).item())};
    });
}

// y_j = max (or min) along the axis;  dx = g at the element argmax (argmin) picks, 0 elsewhere
template <class Better> Tensor extreme_axis(std::string_view op, const Tensor& x, std::int64_t axis, bool keepdim, Better better)
{
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        check_scalar_axis(op, axis);
        return extreme_axis(op, x.reshape({1}), 0, false, better);
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    if (x.shape()[static_cast<std::size_t>(a)] == 0)
        throw std::invalid_argument(fmt::format("{}: axis {} of shape {} is empty", op, axis, to_string(x.shape())));
    const Layout l = layout_of(x.shape(), a);
    auto index = std::make_shared<const std::vector<std::int64_t>>(arg_extreme(x, l, better));
    Tensor out = gather_values(x, l, *index, reduced_shape(x.shape(), a, keepdim));
    const Shape shape = x.shape();
    return detail::record(op, out, {&x}, {}, [index, shape, a, keepdim](const Tensor& g, const TensorNode&) {
        return TensorList{unreduce(g, shape, a, keepdim) * index_mask(*index, shape, a, g.dtype())};
    });
}

template <class Better> Tensor arg_all(std::string_view op, const Tensor& x, Better better)
{
    detail::check_defined(op, x);
    check_not_empty(op, x);
    return indices_tensor(arg_extreme(x, {1, x.numel(), 1}, better), {}, x.dtype());
}

template <class Better> Tensor arg_axis(std::string_view op, const Tensor& x, std::int64_t axis, bool keepdim, Better better)
{
    detail::check_defined(op, x);
    if (x.dim() == 0) {
        check_scalar_axis(op, axis);
        return Tensor::scalar(0.0, x.dtype());
    }
    const std::int64_t a = normalize_axis(op, axis, x.shape());
    if (x.shape()[static_cast<std::size_t>(a)] == 0)
        throw std::invalid_argument(fmt::format("{}: axis {} of shape {} is empty", op, axis, to_string(x.shape())));
    return indices_tensor(arg_extreme(x, layout_of(x.shape(), a), better), reduced_shape(x.shape(), a, keepdim),
                          x.dtype());
}

double divisor(std::int64_t n, Correction c) { return static_cast<double>(std::max<std::int64_t>(0, n - c.value)); }

// y = x - max - log(sum(exp(x - max))) (log) or exp(x - max) / sum(exp(x - max)) along the axis.
Tensor normalize_kernel(const Tensor& x, std::int64_t axis, bool log)
{
    const Layout l = layout_of(x.shape(), axis);
    Tensor out = detail::empty(x.shape(), x.dtype());
    if (l.size == 0) // nothing to normalise (and no first element to start the max from)
        return out;
    dispatch(x.dtype(), [&]<class T>() {
        const T* px = x.impl()->data<T>();
        T* po = out.impl()->data<T>();
        for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < l.inner; ++i) {
                const std::int64_t base = o * l.size * l.inner + i;
                T m = px[base]; // an infinite max gives NaN (inf - inf), as in PyTorch
                for (std::int64_t k = 1; k < l.size; ++k)
                    m = std::max(m, px[base + k * l.inner]);
                double s = 0.0;
                for (std::int64_t k = 0; k < l.size; ++k)
                    s += static_cast<double>(detail::exp_of(px[base + k * l.inner] - m));
                const double log_s = std::log(s);
                for (std::int64_t k = 0; k < l.size; ++k) {
                    const std::int64_t at = base + k * l.inner;
                    po[at] = log ? static_cast<T>(static_cast<double>(px[at] - m) - log_s)
                                 : static_cast<T>(static_cast<double>(detail::exp_of(px[at] - m)) / s);
                }
            }
    });
    return out;
}

} // namespace

// y = sqrt x;  dx = g / (2 y)
Tensor sqrt(const Tensor& x)
{
    detail::check_defined("sqrt", x);
    Tensor out = map_unary(x, [](auto v) { return std::sqrt(v); });
    return detail::record("sqrt", out, {&x}, {x, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? sqrt(saved(n, 0)) : saved(n, 1);
        return TensorList{g / (2.0 * y)};
    });
}

// y = |x|;  dx = g * sign(x)  (0 at 0)
Tensor abs(const Tensor& x)
{
    detail::check_defined("abs", x);
    Tensor out = map_unary(x, [](auto v) { return std::abs(v); });
    return detail::record("abs", out, {&x}, {x}, [](const Tensor& g, const TensorNode& n) {
        const Tensor sign = map_unary(saved(n, 0), [](auto v) {
            using T = decltype(v);
            return v > T(0) ? T(1) : v < T(0) ? T(-1) : T(0);
        });
        return TensorList{g * sign};
    });
}

// y = x if x > 0 else slope*x;  dx = g if x > 0 else g*slope
Tensor leaky_relu(const Tensor& x, double slope)
{
    detail::check_defined("leaky_relu", x);
    Tensor out = map_unary(x, [slope](auto v) {
        using T = decltype(v);
        return v > T(0) ? v : v * static_cast<T>(slope);
    });
    return detail::record("leaky_relu", out, {&x}, {x}, [slope](const Tensor& g, const TensorNode& n) {
        const Tensor factor = map_unary(saved(n, 0), [slope](auto v) {
            using T = decltype(v);
            return v > T(0) ? T(1) : static_cast<T>(slope);
        });
        return TensorList{g * factor};
    });
}

// y = min(max(x, lo), hi);  dx = g where lo <= x <= hi, else 0
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max)
{
    detail::check_defined("clamp", x);
    if (!min && !max)
        throw std::invalid_argument("clamp: at least one of min and max must be given");
    const double lo = min.value_or(-INFINITY), hi = max.value_or(INFINITY);
    Tensor out = map_unary(x, [lo, hi](auto v) {
        using T = decltype(v);
        return std::min(std::max(v, static_cast<T>(lo)), static_cast<T>(hi)); // NaN stays NaN
    });
    return detail::record("clamp", out, {&x}, {x}, [lo, hi](const Tensor& g, const TensorNode& n) {
        const Tensor inside = map_unary(saved(n, 0), [lo, hi](auto v) {
            using T = decltype(v);
            return v >= static_cast<T>(lo) && v <= static_cast<T>(hi) ? T(1) : T(0);
        });
        return TensorList{where(inside, g, zero_like(g))};
    });
}

// y = x^e;  dx = g*e*x^(e-1) (0 where e == 0),  de = g*y*ln x (0 where x == 0 and e >= 0)
Tensor pow(const Tensor& x, const Tensor& e)
{
    Tensor out = broadcast_binary("pow", x, e, [](auto a, auto b) { return std::pow(a, b); });
    return detail::record("pow", out, {&x, &e}, {x, e, out.detach()}, [](const Tensor& g, const TensorNode& n) {
        const Tensor& x = saved(n, 0);
        const Tensor& e = saved(n, 1);
        const Tensor zero = zero_like(g);
        std::vector<Tensor> grads(2);
        if (needs(n, 0))
            grads[0] = sum_to(where(eq(e, 0.0), zero, g * e * pow(x, e - 1.0)), x.shape());
        if (needs(n, 1)) {
            const Tensor y = is_grad_enabled() ? pow(x, e) : saved(n, 2);
            grads[1] = sum_to(where(eq(x, 0.0) * ge(e, 0.0), zero, g * y * log(x)), e.shape());
        }
        return grads;
    });
}

Tensor max(const Tensor& x) { return extreme_all("max", x, greater); }
Tensor min(const Tensor& x) { return extreme_all("min", x, less); }
Tensor max(const Tensor& x, std::int64_t axis, bool keepdim) { return extreme_axis("max", x, axis, keepdim, greater); }
Tensor min(const Tensor& x, std::int64_t axis, bool keepdim) { return extreme_axis("min", x, axis, keepdim, less); }
Tensor argmax(const Tensor& x) { return arg_all("argmax", x, greater); }
Tensor argmin(const Tensor& x) { return arg_all("argmin", x, less); }
Tensor argmax(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_axis("argmax", x, axis, keepdim, greater); }
Tensor argmin(const Tensor& x, std::int64_t axis, bool keepdim) { return arg_axis("argmin", x, axis, keepdim, less); }

// y = sum((x - mean x)^2) / (n - c);  dx = 2 g (x - mean x) / (n - c)  (composed of recorded ops)
Tensor var(const Tensor& x, Correction correction)
{
    detail::check_defined("var", x);
    check_not_empty("var", x);
    const Tensor d = x - mean(x);
    return sum(d * d) / divisor(x.numel(), correction);
}

Tensor var(const Tensor& x, std::int64_t axis, bool keepdim, Correction correction)
{
    detail::check_defined("var", x);
    if (x.dim() == 0) {
        check_scalar_axis("var", axis);
        return var(x.reshape({1}), 0, false, correction);
    }
    const std::int64_t a = normalize_axis("var", axis, x.shape());
    const std::int64_t n = x.shape()[static_cast<std::size_t>(a)];
    if (n == 0)
        throw std::invalid_argument(fmt::format("var: axis {} of shape {} is empty", axis, to_string(x.shape())));
    const Tensor d = x - mean(x, a, true);
    return sum(d * d, a, keepdim) / divisor(n, correction);
}

// y = sqrt(var x);  dx = g (x - mean x) / ((n - c) y)  (through sqrt and var)
Tensor std(const Tensor& x, Correction correction) { return sqrt(var(x, correction)); }
Tensor std(const Tensor& x, std::int64_t axis, bool keepdim, Correction correction)
{
    return sqrt(var(x, axis, keepdim, correction));
}

// y = e^x / sum(e^x);  dx = y * (g - sum(g*y))  (sums along the axis)
Tensor softmax(const Tensor& x, std::int64_t axis)
{
    detail::check_defined("softmax", x);
    if (x.dim() == 0) {
        check_scalar_axis("softmax", axis);
        return softmax(x.reshape({1}), 0).reshape({});
    }
    const std::int64_t a = normalize_axis("softmax", axis, x.shape());
    Tensor out = normalize_kernel(x, a, false);
    return detail::record("softmax", out, {&x}, {x, out.detach()}, [a](const Tensor& g, const TensorNode& n) {
        const Tensor y = is_grad_enabled() ? softmax(saved(n, 0), a) : saved(n, 1);
        return TensorList{y * (g - sum(g * y, a, true))};
    });
}

// y = x - log(sum(e^x));  dx = g - e^y * sum(g)  (sums along the axis; e^y = softmax(x))
Tensor log_softmax(const Tensor& x, std::int64_t axis)
{
    detail::check_defined("log_softmax", x);
    if (x.dim() == 0) {
        check_scalar_axis("log_softmax", axis);
        return log_softmax(x.reshape({1}), 0).reshape({});
    }
    const std::int64_t a = normalize_axis("log_softmax", axis, x.shape());
    Tensor out = normalize_kernel(x, a, true);
    return detail::record("log_softmax", out, {&x}, {x, out.detach()}, [a](const Tensor& g, const TensorNode& n) {
        const Tensor p = is_grad_enabled() ? softmax(saved(n, 0), a) : exp(saved(n, 1));
        return TensorList{g - p * sum(g, a, true)};
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
    dispatch(dtype, [&]<class T>() {
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
    for (double v : labels.to_vector()) {
        if (!(v == std::floor(v)) || std::abs(v) > 9.0e15)
            throw std::invalid_argument(fmt::format("one_hot: label {} at position {} is not an integer", v, values.size()));
        values.push_back(static_cast<std::int64_t>(v));
    }
    Tensor rows = one_hot(values, num_classes, labels.dtype());
    Shape shape = labels.shape();
    shape.push_back(rows.shape()[1]);
    return rows.reshape(shape);
}

// Comparisons: constants, never recorded.
#define BACKPROP_COMPARISON(name, op)                                                                                 \
    Tensor name(const Tensor& a, const Tensor& b)                                                                     \
    {                                                                                                                 \
        return broadcast_binary(#name, a, b, [](auto x, auto y) { return x op y ? decltype(x)(1) : decltype(x)(0); }); \
    }                                                                                                                 \
    Tensor name(const Tensor& a, double b)                                                                            \
    {                                                                                                                 \
        detail::check_defined(#name, a);                                                                              \
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
    detail::check_defined("where", cond);
    detail::check_same_dtype("where", a, b);
    Shape shape;
    try {
        shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument(fmt::format("where: shapes {} (cond), {} (a) and {} (b) cannot be broadcast together",
                                                to_string(cond.shape()), to_string(a.shape()), to_string(b.shape())));
    }
    Tensor out = detail::empty(shape, a.dtype());
    dispatch(cond.dtype(), [&]<class C>() {
        dispatch(a.dtype(), [&]<class T>() {
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
    return detail::record("where", out, {&a, &b}, {cond.detach()}, [sa, sb](const Tensor& g, const TensorNode& n) {
        const Tensor& c = saved(n, 0);
        const Tensor zero = zero_like(g);
        return TensorList{needs(n, 0) ? sum_to(where(c, g, zero), sa) : Tensor(),
                                   needs(n, 1) ? sum_to(where(c, zero, g), sb) : Tensor()};
    });
}

Tensor Tensor::sqrt() const { return autograd::sqrt(*this); }
Tensor Tensor::abs() const { return autograd::abs(*this); }
Tensor Tensor::softmax(std::int64_t axis) const { return autograd::softmax(*this, axis); }
Tensor Tensor::log_softmax(std::int64_t axis) const { return autograd::log_softmax(*this, axis); }

} // namespace autograd
