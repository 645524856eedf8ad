#include "autograd/tensor_gradcheck.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace autograd {
namespace {

// Fresh float64 leaves with the inputs' values (and their requires_grad).
std::vector<Tensor> fresh_leaves(const std::vector<Tensor>& inputs)
{
    std::vector<Tensor> out;
    for (const Tensor& x : inputs) {
        Tensor copy(x.to_vector(), x.shape());
        copy.requires_grad_(x.requires_grad());
        out.push_back(copy);
    }
    return out;
}

std::vector<double> evaluate(const TensorFunction& f, const std::vector<Tensor>& inputs)
{
    NoGradGuard no_grad;
    return f(inputs).to_vector();
}

} // namespace

TensorGradcheckResult tensor_gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                       const GradcheckOptions& options)
{
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (inputs[i].dtype() != Dtype::Float64)
            throw std::invalid_argument(fmt::format("tensor_gradcheck: input {} is {}; checks need float64", i,
                                                    to_string(inputs[i].dtype())));
    TensorGradcheckResult r;
    std::vector<Tensor> leaves = fresh_leaves(inputs);
    const Tensor y = f(leaves);
    const std::int64_t m = y.numel();

    // Analytic Jacobian, one output element at a time: J[o][input][k].
    std::vector<std::vector<std::vector<double>>> analytic(static_cast<std::size_t>(m));
    std::vector<Tensor> wanted;
    std::vector<std::size_t> wanted_index;
    for (std::size_t i = 0; i < leaves.size(); ++i)
        if (leaves[i].requires_grad()) {
            wanted.push_back(leaves[i]);
            wanted_index.push_back(i);
        }
    for (std::int64_t o = 0; o < m; ++o) {
        std::vector<double> onehot(static_cast<std::size_t>(m), 0.0);
        onehot[static_cast<std::size_t>(o)] = 1.0;
        std::vector<Tensor> g;
        if (y.requires_grad())
            g = grad({y}, wanted, {Tensor(onehot, y.shape())}, {.retain_graph = true});
        for (std::size_t w = 0; w < wanted.size(); ++w)
            analytic[o].push_back(g.empty() || !g[w].defined() ? std::vector<double>(wanted[w].numel(), 0.0)
                                                               : g[w].to_vector());
    }

    // Numeric Jacobian by central differences, one input element at a time.
    double worst_ratio = -1.0;
    for (std::size_t w = 0; w < wanted.size(); ++w) {
        const std::size_t i = wanted_index[w];
        std::vector<double> values = inputs[i].to_vector();
        for (std::size_t k = 0; k < values.size(); ++k) {
            std::vector<Tensor> shifted = fresh_leaves(inputs);
            const double original = values[k];
            values[k] = original + options.eps;
            shifted[i] = Tensor(values, inputs[i].shape());
            const std::vector<double> up = evaluate(f, shifted);
            values[k] = original - options.eps;
            shifted[i] = Tensor(values, inputs[i].shape());
            const std::vector<double> down = evaluate(f, shifted);
            values[k] = original;
            for (std::int64_t o = 0; o < m; ++o) {
                const double numeric = (up[o] - down[o]) / (2.0 * options.eps);
                const double a = analytic[o][w][k];
                const double error = std::abs(a - numeric);
                const double allowed = options.atol + options.rtol * std::abs(numeric);
                const bool ok = error <= allowed || (std::isnan(a) && std::isnan(numeric));
                ++r.checked;
                const double ratio = ok ? error / allowed : INFINITY;
                if (!ok)
                    r.passed = false;
                if (ratio > worst_ratio) {
                    worst_ratio = ratio;
                    r.worst_error = error;
                    r.worst = fmt::format("input {} element {}, output element {}: analytic {:.10g}, numeric {:.10g}", i,
                                          k, o, a, numeric);
                }
            }
        }
    }
    return r;
}

TensorGradcheckResult tensor_gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                           const GradcheckOptions& options)
{
    // h(x) = sum_j <d<f(x), u>/dx_j, w_j>, with fixed random u (f's output shape) and w_j (the
    // inputs' shapes). Its gradient, found by backward through a create_graph backward, is the
    // second-derivative product that gradcheck compares with finite differences of h.
    Generator gen(12345);
    std::vector<Tensor> w;
    for (const Tensor& x : inputs)
        w.push_back(Tensor::rand(x.shape(), gen, -1.0, 1.0, Dtype::Float64));
    Tensor u;
    const TensorFunction h = [&](const std::vector<Tensor>& x) {
        // In gradcheck's numeric evaluations grad mode is off and x are plain tensors: take the
        // first gradient on fresh leaves then, and return a constant.
        const bool outer = is_grad_enabled();
        std::vector<Tensor> leaves = outer ? x : fresh_leaves(x);
        std::vector<Tensor> wanted, weights;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (inputs[i].requires_grad()) {
                if (!outer)
                    leaves[i].requires_grad_();
                wanted.push_back(leaves[i]);
                weights.push_back(w[i]);
            }
        AutoGradMode on(true);
        const Tensor y = f(leaves);
        if (!u.defined())
            u = Tensor::rand(y.shape(), gen, -1.0, 1.0, Dtype::Float64);
        const std::vector<Tensor> g = grad({(y * u).sum()}, wanted, {}, {.create_graph = outer});
        Tensor total = Tensor::scalar(0.0, Dtype::Float64);
        for (std::size_t j = 0; j < g.size(); ++j)
            if (g[j].defined())
                total = total + (g[j] * weights[j]).sum();
        return outer ? total : total.detach();
    };
    return tensor_gradcheck(h, inputs, options);
}

std::string TensorGradcheckResult::report() const
{
    return fmt::format("gradcheck {}: {} Jacobian entries; worst at {} (|difference| {:.3g})\n",
                       passed ? "passed" : "FAILED", checked, worst.empty() ? "-" : worst, worst_error);
}

} // namespace autograd
