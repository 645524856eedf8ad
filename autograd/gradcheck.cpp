#include "autograd/gradcheck.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace autograd {
namespace {

// Same value, or both NaN, or the same infinity: the derivative agrees even where it is not finite.
bool same_nonfinite(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || (std::isinf(a) && a == b);
}

double evaluate(const ScalarFunction& f, std::span<const double> x)
{
    NoGradGuard no_grad;
    std::vector<Value> inputs(x.begin(), x.end());
    return f(inputs).data();
}

} // namespace

GradcheckResult gradcheck(const ScalarFunction& f, std::span<const double> point, const GradcheckOptions& options)
{
    GradcheckResult r;
    r.point.assign(point.begin(), point.end());

    std::vector<Value> inputs;
    for (std::size_t i = 0; i < point.size(); ++i)
        inputs.emplace_back(point[i], fmt::format("x{}", i));
    const Value y = f(inputs);
    if (y.requires_grad())
        y.backward();
    for (const Value& x : inputs)
        r.analytic.push_back(x.grad());

    std::vector<double> shifted(point.begin(), point.end());
    double worst_ratio = -1.0;
    for (std::size_t i = 0; i < point.size(); ++i) {
        shifted[i] = point[i] + options.eps;
        const double up = evaluate(f, shifted);
        shifted[i] = point[i] - options.eps;
        const double down = evaluate(f, shifted);
        shifted[i] = point[i];
        const double numeric = (up - down) / (2.0 * options.eps);
        r.numeric.push_back(numeric);

        const double a = r.analytic[i];
        const double error = std::abs(a - numeric);
        const double allowed = options.atol + options.rtol * std::abs(numeric);
        const bool ok = error <= allowed || same_nonfinite(a, numeric);
        // Order inputs by error over tolerance; a failed one always outranks a passing one.
        const double ratio = ok ? (std::isfinite(error) ? error / allowed : 0.0) : INFINITY;
        if (!ok)
            r.passed = false;
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            r.worst = i;
            r.worst_error = error;
        }
    }
    return r;
}

std::string GradcheckResult::report() const
{
    if (analytic.empty())
        return "gradcheck: no inputs to check\n";
    const std::size_t i = worst;
    return fmt::format("gradcheck {}: {} input(s) at x = [{:.6g}]\n"
                       "  worst is input {}: analytic {:.10g}, numeric {:.10g}, |difference| {:.3g}\n",
                       passed ? "passed" : "FAILED", analytic.size(), fmt::join(point, ", "), i, analytic[i],
                       numeric[i], worst_error);
}

} // namespace autograd
