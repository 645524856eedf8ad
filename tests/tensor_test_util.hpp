// Helpers shared by the tensor test suites: float64 leaves and the gradient-check assertions.
#pragma once

#include <boost/test/unit_test.hpp>

#include <autograd/tensor.hpp>
#include <autograd/tensor_gradcheck.hpp>

#include <string>
#include <vector>

namespace test_util {

/// A float64 leaf needing a gradient, uniform in [low, high).
inline autograd::Tensor leaf(autograd::Shape shape, autograd::Generator& gen, double low = -1.0, double high = 1.0)
{
    return autograd::Tensor::rand(std::move(shape), gen, low, high, autograd::Dtype::Float64).requires_grad_();
}

/// Asserts that tensor_gradcheck passes (and compared something), naming the case on failure.
inline void check_grad(const std::string& name, const autograd::TensorFunction& f,
                       const std::vector<autograd::Tensor>& inputs)
{
    BOOST_TEST_CONTEXT(name)
    {
        const auto r = autograd::tensor_gradcheck(f, inputs);
        BOOST_TEST(r.passed, r.report());
        BOOST_TEST(r.checked > 0u);
    }
}

/// The same for second derivatives (tensor_gradgradcheck).
inline void check_gradgrad(const std::string& name, const autograd::TensorFunction& f,
                           const std::vector<autograd::Tensor>& inputs)
{
    BOOST_TEST_CONTEXT(name)
    {
        const auto r = autograd::tensor_gradgradcheck(f, inputs);
        BOOST_TEST(r.passed, r.report());
        BOOST_TEST(r.checked > 0u);
    }
}

} // namespace test_util
