#include "autograd/ops/loss.hpp"

#include "autograd/ops/kernels.hpp"
#include "autograd/cpu/vec_math.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace autograd {

namespace {

// out[i, j] = exp(x[i, j] - shift[i]) for x [n, c]: the exponentials of the forward (shift: the
// row's max) and of the backward (shift: the row's log-sum-exp). The rows are short (10
// classes), so the subtraction goes row by row and the exponentials run as one flat loop over
// the whole block, where they vectorise.
template <class T> void exp_of_shifted_rows(const T* x, const T* shift, std::int64_t n, std::int64_t c, T* out)
{
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < c; ++j)
            out[i * c + j] = x[i * c + j] - shift[i];
    const std::int64_t total = n * c;
    detail::run_vectorized([&]() BACKPROP_INLINE_LAMBDA {
        for (std::int64_t k = 0; k < total; ++k)
            out[k] = detail::exp_of(out[k]);
    });
}

// The gradient of the per-row losses, scaled per row by w (the incoming gradient, divided by N
// for a mean): d logits_ij = w_i (softmax_ij - [j == label_i]).
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, const Tensor& w)
{
    const std::int64_t n = logits.size(0), c = logits.size(1);
    Tensor out = detail::empty(logits.shape(), logits.dtype());
    dispatch(logits.dtype(), [&]<class T>() {
        const T* px = logits.impl()->data<T>();
        const T* pl = labels.impl()->data<T>();
        const T* ps = lse.impl()->data<T>();
        const T* pw = w.impl()->data<T>();
        T* po = out.impl()->data<T>();
        const bool one_weight = w.numel() == 1;
        exp_of_shifted_rows(px, ps, n, c, po); // softmax = exp(x - lse)
        for (std::int64_t i = 0; i < n; ++i) {
            const T wi = pw[one_weight ? 0 : i];
            T* orow = po + i * c;
            for (std::int64_t j = 0; j < c; ++j)
                orow[j] *= wi;
            orow[static_cast<std::int64_t>(pl[i])] -= wi;
        }
    });
    return out;
}

} // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& labels_in, Reduction reduction)
{
    constexpr std::string_view op = op_name(TensorOp::CrossEntropy);
    detail::check_defined(op, logits);
    detail::check_defined(op, labels_in);
    // int64 labels (torch's) are checked here, then held in the logits' dtype for the kernels
    // below, which read labels of either kind from there (exact: a class count is far below 2^24).
    if (labels_in.dtype() == Dtype::Int64 && logits.dim() == 2) { // other shapes: the error below
        const std::int64_t c = logits.size(1);
        const std::vector<std::int64_t> ys = labels_in.to_vector_as<std::int64_t>();
        for (std::size_t i = 0; i < ys.size(); ++i)
            if (ys[i] < 0 || ys[i] >= c)
                throw std::invalid_argument(fmt::format("{}: label {} of row {} is not a class index in [0, {})", op,
                                                        ys[i], i, c));
    }
    const Tensor labels = labels_in.dtype() == Dtype::Int64 ? labels_in.to(logits.dtype()) : labels_in;
    detail::check_same_dtype(op, logits, labels);
    if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0))
        throw std::invalid_argument(fmt::format("{}: logits {} and labels {} (want [N, C] and [N])", op,
                                                to_string(logits.shape()), to_string(labels.shape())));
    const std::int64_t n = logits.size(0), c = logits.size(1);
    if (reduction == Reduction::Mean && n == 0)
        throw std::invalid_argument(fmt::format("{}: a mean over no rows (logits [0, C])", op));
    Tensor lse = detail::empty({n}, logits.dtype());
    Tensor per_row = detail::empty({n}, logits.dtype());
    dispatch(logits.dtype(), [&]<class T>() {
        const T* px = logits.impl()->data<T>();
        const T* pl = labels.impl()->data<T>();
        for (std::int64_t i = 0; i < n; ++i)
            if (!(pl[i] >= 0 && pl[i] < static_cast<T>(c) && pl[i] == std::floor(pl[i])))
                throw std::invalid_argument(fmt::format("{}: label {} of row {} is not a class index "
                                                        "in [0, {})", op, pl[i], i, c));
        std::vector<T> row_max(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) {
            const T* row = px + i * c;
            T m = row[0]; // an infinite max gives NaN, as in PyTorch
            for (std::int64_t j = 1; j < c; ++j)
                m = std::max(m, row[j]);
            row_max[static_cast<std::size_t>(i)] = m;
        }
        const Tensor shifted = detail::empty(logits.shape(), logits.dtype());
        T* e = shifted.impl()->data<T>();
        exp_of_shifted_rows(px, row_max.data(), n, c, e); // exp(x - max of the row)
        T* pse = lse.impl()->data<T>();
        T* pr = per_row.impl()->data<T>();
        for (std::int64_t i = 0; i < n; ++i) {
            double s = 0.0;
            for (std::int64_t j = 0; j < c; ++j)
                s += static_cast<double>(e[i * c + j]);
            const double l = static_cast<double>(row_max[static_cast<std::size_t>(i)]) + std::log(s);
            pse[i] = static_cast<T>(l);
            pr[i] = static_cast<T>(l - static_cast<double>(px[i * c + static_cast<std::int64_t>(pl[i])]));
        }
    });
    Tensor out;
    if (reduction == Reduction::None) {
        out = per_row;
    } else {
        NoGradGuard no_grad; // the whole loss is one node
        out = reduction == Reduction::Sum ? per_row.sum() : per_row.mean();
    }
    return detail::record(TensorOp::CrossEntropy, out, {&logits}, {logits, labels, lse},
                          [reduction, n](const Tensor& g, const TensorNode& node) {
        const Tensor& x = detail::saved(node, 0);
        const Tensor& y = detail::saved(node, 1);
        if (is_grad_enabled()) { // create_graph: the same gradient from recorded ops
            Tensor w = reduction == Reduction::None ? g.unsqueeze(1) : reduction == Reduction::Mean ? g / static_cast<double>(n) : g;
            return TensorList{(softmax(x, 1) - one_hot(y, x.size(1))) * w};
        }
        const Tensor w = reduction == Reduction::Mean ? g / static_cast<double>(n) : g;
        return TensorList{cross_entropy_backward(x, y, detail::saved(node, 2), w)};
    });
}

Tensor reduce(const Tensor& per_element, Reduction reduction)
{
    switch (reduction) {
    case Reduction::Mean: return per_element.mean();
    case Reduction::Sum: return per_element.sum();
    case Reduction::None: return per_element;
    }
    throw std::invalid_argument(fmt::format("reduce: unknown Reduction {}", static_cast<int>(reduction)));
}

Tensor binary_cross_entropy(const Tensor& p, const Tensor& y, Reduction reduction)
{
    constexpr std::string_view op = op_name(TensorOp::BinaryCrossEntropy);
    detail::check_same_dtype(op, p, y);
    if (p.shape() != y.shape())
        throw std::invalid_argument(fmt::format("{}: input {} and target {} must have the same shape", op,
                                                to_string(p.shape()), to_string(y.shape())));
    Tensor per_element = detail::broadcast_binary(TensorOp::BinaryCrossEntropy, p, y, [](auto pv, auto yv) {
        using T = decltype(pv);
        const T lp = std::max(std::log(pv), T(-100)), l1p = std::max(std::log(T(1) - pv), T(-100));
        return -(yv * lp + (T(1) - yv) * l1p);
    });
    Tensor out;
    {
        NoGradGuard no_grad; // one node for the loss and its reduction
        out = reduce(per_element, reduction);
    }
    const std::int64_t n = p.numel();
    return detail::record(TensorOp::BinaryCrossEntropy, out, {&p}, {p, y},
                          [reduction, n](const Tensor& g, const TensorNode& node) {
        const Tensor& pv = detail::saved(node, 0);
        const Tensor& yv = detail::saved(node, 1);
        // d/dp = (p - y) / max(p (1 - p), 1e-12), times the incoming gradient (/ n for a mean)
        const Tensor w = reduction == Reduction::Mean ? g / static_cast<double>(n) : g;
        // (PyTorch's epsilon is the float 1e-12f, also in double: 9.9999999600e-13.)
        constexpr double kEps = static_cast<double>(1e-12f);
        return TensorList{(pv - yv) / clamp(pv * (1.0 - pv), kEps, std::nullopt) * w};
    });
}

} // namespace autograd
