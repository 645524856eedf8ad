// BackwardTrace's bookkeeping, gradient summaries and printing. The steps themselves are
// recorded by the drivers (value.cpp for scalars, engine/tensor_backward.cpp for tensors).
#include "autograd/trace.hpp"

#include "autograd/tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <unordered_map>

namespace autograd {
namespace {
thread_local BackwardTrace* tl_trace = nullptr;
} // namespace

BackwardTrace::BackwardTrace() : previous_(tl_trace) { tl_trace = this; }

BackwardTrace::~BackwardTrace()
{
    // Usually the innermost trace ends first. One that ends while a later one is still alive is
    // unlinked from the chain, so that no pointer to it is left behind.
    if (tl_trace == this) {
        tl_trace = previous_;
        return;
    }
    for (BackwardTrace* t = tl_trace; t != nullptr; t = t->previous_)
        if (t->previous_ == this) {
            t->previous_ = previous_;
            return;
        }
}

void BackwardTrace::clear()
{
    scalar_.clear();
    tensor_.clear();
}

BackwardTrace* active_trace() noexcept { return tl_trace; }

std::string ScalarTraceStep::derivative_name() const
{
    const std::string_view f = op_info(op).formula;
    // A function of one argument reads as "d tanh(a)/da"; anything else gets parentheses.
    const bool call = !f.empty() && f.back() == ')' && f.front() >= 'a' && f.front() <= 'z' &&
                      f.find_first_of("+-*/^ ") == std::string_view::npos;
    return call ? fmt::format("d {}/d{}", f, wrt()) : fmt::format("d({})/d{}", f, wrt());
}

GradientSummary summarize_gradient(const Tensor& g)
{
    GradientSummary s;
    s.shape = g.shape();
    s.numel = g.numel();
    double sum_sq = 0.0, sum_abs = 0.0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::int64_t finite = 0;
    dispatch(g.dtype(), [&]<class T>() {
        const T* p = g.template data_ptr<T>();
        for (std::int64_t i = 0; i < s.numel; ++i) {
            const double v = static_cast<double>(p[i]);
            if (!std::isfinite(v)) {
                ++s.nonfinite;
                continue;
            }
            ++finite;
            sum_sq += v * v;
            sum_abs += std::fabs(v);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    });
    if (finite > 0) {
        s.norm = std::sqrt(sum_sq);
        s.mean_abs = sum_abs / static_cast<double>(finite);
        s.min = lo;
        s.max = hi;
    }
    return s;
}

GradientSummary summarize_gradients(std::span<const Tensor> gs)
{
    GradientSummary s;
    double sum_sq = 0.0, sum_abs = 0.0;
    std::int64_t finite = 0;
    for (const Tensor& g : gs) {
        if (!g.defined())
            continue;
        const GradientSummary part = summarize_gradient(g);
        const std::int64_t part_finite = part.numel - part.nonfinite;
        if (part_finite > 0) {
            s.min = finite > 0 ? std::min(s.min, part.min) : part.min;
            s.max = finite > 0 ? std::max(s.max, part.max) : part.max;
        }
        s.numel += part.numel;
        s.nonfinite += part.nonfinite;
        sum_sq += part.norm * part.norm;
        sum_abs += part.mean_abs * static_cast<double>(part_finite);
        finite += part_finite;
    }
    if (finite > 0) {
        s.norm = std::sqrt(sum_sq);
        s.mean_abs = sum_abs / static_cast<double>(finite);
    }
    return s;
}

namespace {

// Names for nodes in printed traces: the label, or #k in the order the trace first meets them.
class NodeNames {
public:
    std::string operator()(const Value& v)
    {
        const std::string label = v.label();
        if (!label.empty())
            return label;
        auto [it, added] = names_.try_emplace(v.id(), "");
        if (added)
            it->second = fmt::format("#{}", names_.size());
        return it->second;
    }

private:
    std::unordered_map<const void*, std::string> names_;
};

// `outputs`: the outputs whose gradients the summary counts together ("3 outputs" for the shape).
std::string summary_text(const GradientSummary& s, std::size_t outputs = 1)
{
    const std::string shape = outputs == 1 ? to_string(s.shape) : fmt::format("{} outputs", outputs);
    std::string text = fmt::format("{:<10} norm {:<11.6g} min {:<11.6g} max {:<11.6g}", shape, s.norm, s.min, s.max);
    if (s.nonfinite > 0)
        text += fmt::format(" ({} NaN/inf)", s.nonfinite);
    return text;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const BackwardTrace& trace)
{
    if (!trace.scalar_steps().empty()) {
        NodeNames name;
        os << fmt::format("{:>4}  {:<6} {:<9} {:<6} {:<24} {:>11} {:>11} {:>12} {:>12}\n", "step", "node", "op",
                          "parent", "local derivative", "local", "upstream", "contribution", "parent grad");
        std::size_t k = 0;
        for (const ScalarTraceStep& s : trace.scalar_steps()) {
            const std::string grad = s.accumulates ? fmt::format("{:.6g}", s.parent_grad) : "(constant)";
            os << fmt::format("{:>4}  {:<6} {:<9} {:<6} {:<24} {:>11.6g} {:>11.6g} {:>12.6g} {:>12}\n", ++k,
                              name(s.node), op_info(s.op).name, name(s.parent),
                              fmt::format("{} = {}", s.derivative_name(), s.formula()), s.local, s.upstream,
                              s.contribution, grad);
        }
    }
    if (!trace.tensor_steps().empty()) {
        os << fmt::format("{:>4}  {:<14} {:<5} {:<20} {}\n", "step", "op", "input", "", "gradient");
        std::size_t k = 0;
        for (const TensorTraceStep& s : trace.tensor_steps()) {
            os << fmt::format("{:>4}  {:<14} {:<5} {:<20} upstream     {}\n", ++k, op_name(s.op), s.input_index,
                              s.input + (s.to_leaf ? " (leaf)" : ""), summary_text(s.upstream, s.outputs));
            os << fmt::format("{:>4}  {:<14} {:<5} {:<20} contribution {}\n", "", "", "", "",
                              summary_text(s.contribution));
        }
    }
    return os;
}

} // namespace autograd
