#include "autograd/ops/norm.hpp"

#include "autograd/grad_mode.hpp"
#include "autograd/ops/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace autograd {

namespace {

// An optional per-feature tensor (weight, bias, running statistic) must have exactly `shape` and
// x's dtype; `what` names the function and the argument in the error.
void check_param(const char* op, const char* what, const Tensor& t, const Shape& shape, const Tensor& x)
{
    if (!t.defined())
        return;
    if (t.shape() != shape)
        throw std::invalid_argument(fmt::format("{}: {} has shape {} but must be {} for input {}", op, what,
                                                to_string(t.shape()), to_string(shape), to_string(x.shape())));
    if (t.dtype() != x.dtype())
        throw std::invalid_argument(fmt::format("{}: {} is {} but the input is {}", op, what, to_string(t.dtype()),
                                                to_string(x.dtype())));
}

// Overwrites dst's elements with src's (same numel): the running statistics are updated in
// place, as PyTorch does, so a module's buffer handle (and its state dict) sees the new values.
void copy_into(const Tensor& dst, const Tensor& src)
{
    if (!dst.is_contiguous())
        throw std::invalid_argument("batch_norm: the running statistics must be contiguous to be updated in place");
    const Tensor s = src.contiguous();
    dispatch(dst.dtype(), [&]<class T>() {
        std::memmove(dst.data_ptr<T>(), s.data_ptr<T>(), static_cast<std::size_t>(dst.numel()) * sizeof(T));
    });
}

} // namespace

// One recorded op (TensorOp::LayerNorm). With K the product of normalized_shape, x is viewed as
// [M, K]; per row, with the biased variance (PyTorch's):
//   xh = (x - mean) r,   r = 1 / sqrt(mean((x - mean)^2) + eps),   y = xh w + b
//   gh = g w,   dx = r (gh - mean(gh) - xh mean(gh xh)),   dw = sum over rows of g xh,   db = sum of g
// One node instead of the nine of its composition (mean, sub, mul, mean, add, sqrt, div, mul, add):
// on small rows the engine's cost per node is the whole cost. The backward runs one kernel; under
// create_graph it is the same formula in recorded ops from x, so gradients of gradients see how
// xh and r depend on x.
namespace {

// A tensor's elements, or null for an undefined one (an absent weight or bias, a gradient not
// wanted). Tensors are contiguous in this version.
template <class T> T* data_or_null(const Tensor& t) { return t.defined() ? t.impl()->data<T>() : nullptr; }

// The rows normalised, scaled and shifted into `out`; each row's mean and r into mean and rstd
// ([M], x's dtype), which the backward kernel reads. Sums in double: a row of 1e4 float values
// keeps its mean's digits.
template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, std::int64_t m, std::int64_t k, double eps, T* out, T* mean,
                     T* rstd)
{
    for (std::int64_t i = 0; i < m; ++i) {
        const T* row = x + i * k;
        double s = 0;
        for (std::int64_t j = 0; j < k; ++j)
            s += static_cast<double>(row[j]);
        const double mu = s / static_cast<double>(k);
        double v = 0;
        for (std::int64_t j = 0; j < k; ++j) {
            const double c = static_cast<double>(row[j]) - mu;
            v += c * c;
        }
        const double r = 1.0 / std::sqrt(v / static_cast<double>(k) + eps);
        T* o = out + i * k;
        for (std::int64_t j = 0; j < k; ++j) {
            double y = (static_cast<double>(row[j]) - mu) * r;
            if (w != nullptr)
                y *= static_cast<double>(w[j]);
            if (b != nullptr)
                y += static_cast<double>(b[j]);
            o[j] = static_cast<T>(y);
        }
        mean[i] = static_cast<T>(mu);
        rstd[i] = static_cast<T>(r);
    }
}

// dx, dw and db of the rows (each pointer null when that gradient is not wanted).
template <class T>
void layer_norm_backward_rows(const T* g, const T* x, const T* w, const T* mean, const T* rstd, std::int64_t m,
                              std::int64_t k, T* dx, T* dw, T* db)
{
    std::vector<double> sw(dw != nullptr ? static_cast<std::size_t>(k) : 0), sb(db != nullptr ? static_cast<std::size_t>(k) : 0);
    for (std::int64_t i = 0; i < m; ++i) {
        const T* gr = g + i * k;
        const T* xr = x + i * k;
        const double mu = static_cast<double>(mean[i]), r = static_cast<double>(rstd[i]);
        const auto xh = [&](std::int64_t j) { return (static_cast<double>(xr[j]) - mu) * r; };
        if (dx != nullptr) {
            double a = 0, c = 0; // sums of gh and of gh xh
            for (std::int64_t j = 0; j < k; ++j) {
                const double gh = static_cast<double>(gr[j]) * (w != nullptr ? static_cast<double>(w[j]) : 1.0);
                a += gh;
                c += gh * xh(j);
            }
            a /= static_cast<double>(k);
            c /= static_cast<double>(k);
            T* d = dx + i * k;
            for (std::int64_t j = 0; j < k; ++j) {
                const double gh = static_cast<double>(gr[j]) * (w != nullptr ? static_cast<double>(w[j]) : 1.0);
                d[j] = static_cast<T>(r * (gh - a - xh(j) * c));
            }
        }
        for (std::size_t j = 0; j < sw.size(); ++j)
            sw[j] += static_cast<double>(gr[j]) * xh(static_cast<std::int64_t>(j));
        for (std::size_t j = 0; j < sb.size(); ++j)
            sb[j] += static_cast<double>(gr[j]);
    }
    for (std::size_t j = 0; j < sw.size(); ++j)
        dw[j] = static_cast<T>(sw[j]);
    for (std::size_t j = 0; j < sb.size(); ++j)
        db[j] = static_cast<T>(sb[j]);
}

// The same gradients in recorded ops from x (create_graph): differentiable in g, x and w.
TensorList layer_norm_backward_recorded(const Tensor& g, const TensorNode& n, std::int64_t m, std::int64_t k, double eps)
{
    const Tensor& x = detail::saved(n, 0);
    const Tensor& w = detail::saved(n, 1);
    const Tensor rows = x.reshape({m, k});
    const Tensor centred = rows - rows.mean(1, true);
    const Tensor r = 1.0 / ((centred * centred).mean(1, true) + eps).sqrt();
    const Tensor xh = centred * r;
    const Tensor g2 = g.reshape({m, k});
    TensorList grads{Tensor(), Tensor(), Tensor()};
    if (detail::needs(n, 0)) {
        const Tensor gh = w.defined() ? g2 * w.reshape({k}) : g2;
        grads[0] = (r * (gh - gh.mean(1, true) - xh * (gh * xh).mean(1, true))).reshape(x.shape());
    }
    if (detail::needs(n, 1))
        grads[1] = (g2 * xh).sum(0).reshape(detail::input_shape(n, 1));
    if (detail::needs(n, 2))
        grads[2] = g2.sum(0).reshape(detail::input_shape(n, 2));
    return grads;
}

} // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps)
{
    constexpr std::string_view op = op_name(TensorOp::LayerNorm);
    detail::check_defined(op, x);
    const Shape& xs = x.shape();
    const std::size_t k_dims = normalized_shape.size();
    if (k_dims == 0)
        throw std::invalid_argument("layer_norm: normalized_shape is empty (give at least one trailing size)");
    if (!(eps > 0.0))
        throw std::invalid_argument(fmt::format("layer_norm: eps must be > 0 (got {})", eps));
    bool matches = xs.size() >= k_dims;
    for (std::size_t i = 0; matches && i < k_dims; ++i)
        matches = xs[xs.size() - k_dims + i] == normalized_shape[i];
    if (!matches)
        throw std::invalid_argument(fmt::format("layer_norm: input of shape {} does not end in normalized_shape {}",
                                                to_string(xs), to_string(normalized_shape)));
    check_param("layer_norm", "weight", weight, normalized_shape, x);
    check_param("layer_norm", "bias", bias, normalized_shape, x);

    std::int64_t k = 1;
    for (const std::int64_t s : normalized_shape)
        k *= s;
    if (k == 0 || x.numel() == 0)
        throw std::invalid_argument(fmt::format("layer_norm: input of shape {} is empty", to_string(xs)));
    const std::int64_t m = x.numel() / k;

    Tensor out = detail::empty(xs, x.dtype());
    Tensor mean = detail::empty({m}, x.dtype()), rstd = detail::empty({m}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
        layer_norm_rows<T>(data_or_null<T>(x), data_or_null<T>(weight), data_or_null<T>(bias), m, k, eps,
                           data_or_null<T>(out), data_or_null<T>(mean), data_or_null<T>(rstd));
    });
    const Tensor none;
    return detail::record(TensorOp::LayerNorm, out, {&x, weight.defined() ? &weight : &none, bias.defined() ? &bias : &none},
                          {x, weight, mean, rstd}, [m, k, eps](const Tensor& g, const TensorNode& n) {
        if (is_grad_enabled())
            return layer_norm_backward_recorded(g, n, m, k, eps);
        const Tensor& x = detail::saved(n, 0);
        TensorList grads{Tensor(), Tensor(), Tensor()};
        if (detail::needs(n, 0))
            grads[0] = detail::empty(x.shape(), x.dtype());
        if (detail::needs(n, 1))
            grads[1] = detail::empty(detail::input_shape(n, 1), x.dtype());
        if (detail::needs(n, 2))
            grads[2] = detail::empty(detail::input_shape(n, 2), x.dtype());
        dispatch(x.dtype(), [&]<class T>() {
            layer_norm_backward_rows<T>(data_or_null<T>(g), data_or_null<T>(x), data_or_null<T>(detail::saved(n, 1)),
                                        data_or_null<T>(detail::saved(n, 2)), data_or_null<T>(detail::saved(n, 3)), m, k,
                                        data_or_null<T>(grads[0]), data_or_null<T>(grads[1]), data_or_null<T>(grads[2]));
        });
        return grads;
    });
}

// Statistics per channel over every other axis (N, or N, H, W), kept as [1, C] or [1, C, 1, 1]
// so they broadcast against x. In evaluation the running statistics, reshaped so, take their place.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps)
{
    const Shape& xs = x.shape();
    if (xs.size() < 2)
        throw std::invalid_argument(
            fmt::format("batch_norm: input must be [N, C, ...], such as [N, C], [N, C, L] or [N, C, H, W] (got shape {})",
                        to_string(xs)));
    if (!(eps > 0.0))
        throw std::invalid_argument(fmt::format("batch_norm: eps must be > 0 (got {})", eps));
    if (!(momentum >= 0.0 && momentum <= 1.0))
        throw std::invalid_argument(fmt::format("batch_norm: momentum must be in [0, 1] (got {})", momentum));
    const std::int64_t c = xs[1];
    const Shape per_channel{c};
    check_param("batch_norm", "weight", weight, per_channel, x);
    check_param("batch_norm", "bias", bias, per_channel, x);
    check_param("batch_norm", "running_mean", running_mean, per_channel, x);
    check_param("batch_norm", "running_var", running_var, per_channel, x);
    if (running_mean.defined() != running_var.defined())
        throw std::invalid_argument("batch_norm: give both running_mean and running_var, or neither");
    if (x.numel() == 0)
        throw std::invalid_argument(fmt::format("batch_norm: input of shape {} is empty", to_string(xs)));
    const std::int64_t per_c = x.numel() / c; // values per channel
    Shape bshape(xs.size(), 1);                  // [1, C], [1, C, 1] or [1, C, 1, 1]
    bshape[1] = c;

    Tensor mean, var;
    if (training) {
        if (per_c < 2) // PyTorch refuses too: the variance of one value is no statistic
            throw std::invalid_argument(fmt::format(
                "batch_norm: expected more than 1 value per channel when training (input of shape {})",
                to_string(xs)));
        // Per channel: over N and every axis after C (L; H and W), as PyTorch.
        const auto over_all_but_c = [&](Tensor t) {
            t = t.mean(0, true);
            for (std::int64_t axis = 2; axis < x.dim(); ++axis)
                t = t.mean(axis, true);
            return t;
        };
        const Tensor mu = over_all_but_c(x);
        const Tensor centred = x - mu;
        const Tensor v = over_all_but_c(centred * centred);
        mean = mu;
        var = v;
        if (running_mean.defined()) {
            NoGradGuard no_grad; // the running statistics are state, not part of the graph
            const double unbias = static_cast<double>(per_c) / static_cast<double>(per_c - 1);
            copy_into(running_mean,
                      running_mean * (1.0 - momentum) + mu.detach().reshape(per_channel) * momentum);
            copy_into(running_var,
                      running_var * (1.0 - momentum) + v.detach().reshape(per_channel) * (unbias * momentum));
        }
    } else {
        if (!running_mean.defined())
            throw std::invalid_argument("batch_norm: evaluation (training = false) needs running_mean and running_var");
        mean = running_mean.reshape(bshape);
        var = running_var.reshape(bshape);
    }
    Tensor y = (x - mean) / (var + eps).sqrt();
    if (weight.defined())
        y = y * weight.reshape(bshape);
    if (bias.defined())
        y = y + bias.reshape(bshape);
    return y;
}

// index_select of the rows; with padding_idx, the table is first passed through
// where(row != padding_idx, weight, weight.detach()): the same values, but no gradient reaches
// the padding row (the detached copy is a constant).
namespace {

// The row numbers `indices` names, each checked to lie in [0, num).
std::vector<std::int64_t> embedding_rows(const Tensor& indices, std::int64_t num)
{
    std::vector<std::int64_t> rows;
    if (indices.dtype() == Dtype::Int64) { // read exactly, not through doubles
        rows = indices.to_vector_as<std::int64_t>();
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i] < 0 || rows[i] >= num)
                throw std::out_of_range(fmt::format("embedding: index {} at position {} of indices {} is not in [0, {}) "
                                                    "(num_embeddings)",
                                                    rows[i], i, to_string(indices.shape()), num));
        return rows;
    }
    const std::vector<double> values = indices.to_vector();
    rows.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (!(v >= 0.0 && v < static_cast<double>(num)) || v != std::floor(v))
            throw std::out_of_range(fmt::format(
                "embedding: index {} at position {} of indices {} is not an integer in [0, {}) (num_embeddings)", v, i,
                to_string(indices.shape()), num));
        rows.push_back(static_cast<std::int64_t>(v));
    }
    return rows;
}

// torch.embedding_renorm_: each named row (once, however often it is named) whose p-norm exceeds
// max_norm is scaled in place by max_norm / (norm + 1e-7), the norm summed in double.
void renorm_rows(const Tensor& weight, std::vector<std::int64_t> rows, double max_norm, double p)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    const std::int64_t dim = weight.size(1);
    dispatch(weight.dtype(), [&]<class T>() {
        T* w = weight.data_ptr<T>();
        for (std::int64_t r : rows) {
            T* row = w + r * dim;
            double norm = 0.0;
            for (std::int64_t j = 0; j < dim; ++j) {
                const double a = std::abs(static_cast<double>(row[j]));
                norm = std::isinf(p) ? std::max(norm, a) : norm + std::pow(a, p);
            }
            if (!std::isinf(p))
                norm = std::pow(norm, 1.0 / p);
            if (norm > max_norm) {
                const double scale = max_norm / (norm + 1e-7);
                for (std::int64_t j = 0; j < dim; ++j)
                    row[j] = static_cast<T>(static_cast<double>(row[j]) * scale);
            }
        }
    });
}

} // namespace

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type)
{
    if (!indices.defined() || !weight.defined())
        throw std::invalid_argument("embedding: indices and weight must be defined");
    if (weight.dim() != 2)
        throw std::invalid_argument(fmt::format(
            "embedding: weight must be [num_embeddings, embedding_dim] (got shape {})", to_string(weight.shape())));
    if (max_norm.has_value() && !(*max_norm >= 0.0))
        throw std::invalid_argument(fmt::format("embedding: max_norm must be >= 0 (got {})", *max_norm));
    if (max_norm.has_value() && !(norm_type > 0.0))
        throw std::invalid_argument(fmt::format("embedding: norm_type must be > 0 (got {})", norm_type));
    const std::int64_t num = weight.size(0);
    const std::vector<std::int64_t> rows = embedding_rows(indices, num);
    if (max_norm.has_value())
        renorm_rows(weight, rows, *max_norm, norm_type);
    Tensor table = weight;
    if (padding_idx.has_value()) {
        std::int64_t pad = *padding_idx;
        if (pad < -num || pad >= num)
            throw std::out_of_range(
                fmt::format("embedding: padding_idx {} is outside [-{}, {}) (num_embeddings {})", pad, num, num, num));
        if (pad < 0)
            pad += num;
        if (weight.requires_grad()) {
            std::vector<double> keep(static_cast<std::size_t>(num), 1.0);
            keep[static_cast<std::size_t>(pad)] = 0.0;
            const Tensor keep_rows = Tensor(std::move(keep), {num, 1}).to(weight.dtype());
            table = where(ne(keep_rows, 0.0), weight, weight.detach());
        }
    }
    Shape out_shape(indices.shape());
    out_shape.push_back(weight.size(1));
    return table.index_select(0, rows).reshape(out_shape);
}

// y = x * mask, mask [N, C, 1, 1] = 1 / (1 - p) where a uniform draw is >= p, else 0, broadcast
// over H and W: one draw per channel, as Dropout makes one per element.
Tensor dropout2d(const Tensor& x, double p, bool training, Generator& gen)
{
    if (!(p >= 0.0 && p <= 1.0))
        throw std::invalid_argument(fmt::format("dropout2d: p must be in [0, 1] (got {})", p));
    if (x.dim() != 4)
        throw std::invalid_argument(
            fmt::format("dropout2d: input must be [N, C, H, W] (got shape {})", to_string(x.shape())));
    if (!training || p == 0.0)
        return x;
    if (p == 1.0)
        return x * 0.0;
    const Tensor keep =
        ge(Tensor::rand({x.size(0), x.size(1), 1, 1}, gen, 0.0, 1.0, x.dtype()), p) * (1.0 / (1.0 - p));
    return x * keep;
}

} // namespace autograd
