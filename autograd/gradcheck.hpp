// gradcheck: compares backward()'s gradients with central finite differences, in double.
//
//   auto f = [](std::span<const Value> x) { return x[0] * x[1].tanh() + pow(x[0], 3.0); };
//   auto r = autograd::gradcheck(f, {0.5, -1.2});
//   if (!r) std::cerr << r.report();      // names the worst input, both gradients, the error
//
// The numerical derivative of input i is (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), an
// O(eps^2) approximation; it is wrong at a kink (relu at 0) or where f is not defined around x,
// so choose check points away from those (or expect and test the mismatch).
#pragma once

#include "autograd/value.hpp"

#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace autograd {

struct GradcheckOptions {
    double eps = 1e-6;  // finite-difference step
    double atol = 1e-5; // a gradient passes when |analytic - numeric| <= atol + rtol * |numeric|
    double rtol = 1e-3;
};

struct GradcheckResult {
    bool passed = true;
    std::vector<double> point;    // where the gradients were taken
    std::vector<double> analytic; // from backward()
    std::vector<double> numeric;  // from central differences
    std::size_t worst = 0;        // input with the largest error relative to its tolerance
    double worst_error = 0.0;     // |analytic - numeric| at that input

    explicit operator bool() const { return passed; }
    /// One readable paragraph: verdict, then the worst input with both gradients.
    std::string report() const;
};

using ScalarFunction = std::function<Value(std::span<const Value>)>;

/// Checks d f / d x_i at `point` for every input i.
GradcheckResult gradcheck(const ScalarFunction& f, std::span<const double> point, const GradcheckOptions& options = {});
inline GradcheckResult gradcheck(const ScalarFunction& f, std::initializer_list<double> point,
                                 const GradcheckOptions& options = {})
{
    return gradcheck(f, std::span<const double>(point.begin(), point.size()), options);
}

} // namespace autograd
