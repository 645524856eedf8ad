// ParamRef: a trainable array as an optimizer sees it, whatever graph it lives in.
//
// Optimizers are written once against this: a flat run of numbers (data) and their gradients.
// A scalar weight (autograd::Value) is a run of one; a tensor is a run of numel() elements.
// ParamRef keeps the parameter alive, so an optimizer never holds a dangling pointer.
#pragma once

#include <autograd/value.hpp>

#include <cstddef>
#include <span>
#include <vector>

namespace nn {

class ParamRef {
public:
    ParamRef(autograd::Value value) : value_(std::move(value)) {} // NOLINT: implicit on purpose

    std::size_t numel() const { return 1; }
    /// The values to update in place.
    std::span<double> data() const { return {&value_.node().data, 1}; }
    /// Their gradients, as the last backward() left them.
    std::span<const double> grad() const { return {&value_.node().grad, 1}; }
    void zero_grad() const { value_.zero_grad(); }

private:
    autograd::Value value_;
};

/// Parameters from a list of Values (what the scalar modules' parameters() return).
inline std::vector<ParamRef> param_refs(const std::vector<autograd::Value>& values)
{
    return {values.begin(), values.end()};
}

} // namespace nn
