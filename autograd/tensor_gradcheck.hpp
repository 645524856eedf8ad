// gradcheck and gradgradcheck for functions of tensors (float64), like torch.autograd's.
//
//   auto f = [](const std::vector<Tensor>& x) { return (matmul(x[0], x[1]).tanh() * x[0]).sum(); };
//   auto r = autograd::tensor_gradcheck(f, {a, b});   // a, b float64 leaves
//   if (!r) std::cerr << r.report();
//
// The whole Jacobian is compared: for every output element (one backward each) and every input
// element (two evaluations each: central differences), so keep the checked tensors small.
#pragma once

#include "autograd/gradcheck.hpp"
#include "autograd/tensor.hpp"

#include <functional>
#include <string>
#include <vector>

namespace autograd {

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

struct TensorGradcheckResult {
    bool passed = true;
    std::size_t checked = 0;   // Jacobian entries compared
    std::string worst;         // "input 1 element 3, output element 0: analytic ..., numeric ..."
    double worst_error = 0.0;  // |analytic - numeric| there
    explicit operator bool() const { return passed; }
    std::string report() const;
};

/// Checks df/dx for every input that requires a gradient (all must be float64).
TensorGradcheckResult tensor_gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                       const GradcheckOptions& options = {});

/// Checks second derivatives: the gradient of sum_j <grad_j f, w_j> (fixed random weights w_j,
/// computed with create_graph) is checked against finite differences of that gradient.
TensorGradcheckResult tensor_gradgradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                           const GradcheckOptions& options = {});

} // namespace autograd
