// The tensor engine at its edges: what an independent review of it found, kept as regression
// tests. Gradient aliasing between leaves, hooks (their checks, hooks that outlive the caller's
// handle, a backward started from a hook), freeing long graphs, sizes that overflow, empty and
// 0-d tensors. Expected values are PyTorch 1.13's behaviour or derived by hand in the comments.
#define BOOST_TEST_MODULE tensor_edge_cases
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/cpu/parallel.hpp>
#include <autograd/tensor.hpp>

#include <algorithm>

#include <cstdint>
#include <stdexcept>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(leaves_never_share_a_gradient_buffer)
{
    // add hands its incoming gradient to both inputs; each leaf must still get its own buffer, so
    // that scaling one in place (clipping) leaves the other alone, as in PyTorch.
    Tensor a = Tensor::ones({3}).requires_grad_();
    Tensor b = Tensor::ones({3}).requires_grad_();
    (a + b).sum().backward();
    a.grad().data_ptr<float>()[0] = 0.5f;
    BOOST_TEST(b.grad().to_vector() == (std::vector<double>{1, 1, 1}), tt::per_element());

    // The caller's seed gradient is not adopted as a leaf's grad() either.
    Tensor c = Tensor::ones({2}).requires_grad_();
    const Tensor seed({3.f, 4.f}, {2});
    (c * 1.0).backward(seed);
    c.grad().data_ptr<float>()[0] = 0.f;
    BOOST_TEST(seed.to_vector() == (std::vector<double>{3, 4}), tt::per_element());
    Tensor e = Tensor::ones({2}).requires_grad_();
    e.backward(seed);
    e.grad().data_ptr<float>()[1] = 0.f;
    BOOST_TEST(seed.to_vector() == (std::vector<double>{3, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(accumulation_adds_in_place_only_into_unshared_gradients)
{
    // Two backward passes: grad() = 2 + 2. A handle the caller kept from the first pass still
    // shows the first gradient (the second sum is a new tensor while the handle shares it).
    Tensor w = Tensor::ones({2}).requires_grad_();
    (w * 2.0).sum().backward();
    const Tensor first = w.grad();
    (w * 2.0).sum().backward();
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{4, 4}), tt::per_element());
    BOOST_TEST(first.to_vector() == (std::vector<double>{2, 2}), tt::per_element());
    // Without the handle, a third pass adds in place and the sum is right.
    (w * 2.0).sum().backward();
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{6, 6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(hooks_must_keep_shape_and_dtype)
{
    Tensor w = Tensor::ones({2, 3}).requires_grad_();
    Tensor s = w.slice(1, 0, 2);
    s.register_hook([](const Tensor&) { return Tensor::ones({30, 40}); });
    BOOST_TEST(message_of<std::invalid_argument>([&] { s.sum().backward(); }) ==
               "register_hook: the hook returned a gradient of shape [30, 40] (float32) for a tensor whose gradient "
               "has shape [2, 2] (float32)");
    Tensor v = Tensor::ones({2}).requires_grad_();
    v.register_hook([](const Tensor&) { return Tensor::ones({2}, Dtype::Float64); });
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (v * 2.0).sum().backward(); }), "shape [2] (float64)"));
    BOOST_TEST(message_of<std::invalid_argument>([&] { v.set_grad(Tensor::ones({3, 2})); }) ==
               "set_grad: a gradient of shape [3, 2] (float32) for a tensor of shape [2] (float32)");
}

BOOST_AUTO_TEST_CASE(hooks_on_interior_tensors_outlive_the_handle)
{
    // PyTorch runs a hook registered on h even after the caller's h is gone: w.grad() = 0.
    Tensor w = Tensor::ones({2}).requires_grad_();
    const auto f = [&] {
        Tensor h = w * 2.0;
        h.register_hook([](const Tensor& g) { return g * 0.0; });
        return h.sum();
    };
    f().backward();
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{0, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(a_backward_started_from_a_hook_keeps_its_own_gradients)
{
    // us = sum(3p): d us/dp = 3, whether asked from inside another pass or not. The outer pass
    // gives p.grad() = 3 as well (PyTorch 1.13 gives 3 and 3).
    Tensor w = Tensor::ones({1}).requires_grad_();
    Tensor p = Tensor::ones({1}).requires_grad_();
    Tensor h = w * 2.0;
    Tensor us = (p * 3.0).sum();
    Tensor inner;
    h.register_hook([&](const Tensor&) {
        inner = autograd::grad({us}, {p}, {}, {.retain_graph = true})[0];
        return Tensor();
    });
    (us + (h * h).sum()).backward({.retain_graph = true});
    BOOST_TEST(inner.item() == 3.0);
    BOOST_TEST(p.grad().item() == 3.0);
    BOOST_TEST(w.grad().item() == 8.0); // d (2w)^2 / dw = 8w
}

BOOST_AUTO_TEST_CASE(a_million_op_chain_is_freed_without_deep_recursion)
{
    Tensor w = Tensor::ones({1}).requires_grad_();
    Tensor x = w;
    for (int i = 0; i < 1000000; ++i)
        x = x * 1.0;
    x.sum().backward();
    BOOST_TEST(w.grad().item() == 1.0);
    x = Tensor(); // frees the million nodes
    // The same through saved tensors: mul saves its inputs, which own the nodes below them.
    Tensor y = w;
    for (int i = 0; i < 300000; ++i)
        y = y * y;
    y = Tensor();
    BOOST_TEST(w.defined());
}

BOOST_AUTO_TEST_CASE(sizes_that_overflow_are_clear_errors)
{
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor::zeros({std::int64_t{1} << 40, std::int64_t{1} << 40}); }) ==
               "shape [1099511627776, 1099511627776] has too many elements");
    BOOST_TEST(message_of<std::length_error>([] { (void)Tensor::zeros({std::int64_t{1} << 62}); }) ==
               "tensor: 4611686018427387904 elements of float32 are more than memory can address");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor::zeros({4}).reshape({INT64_MAX, 2}); }) ==
               "reshape: shape [9223372036854775807, 2] has too many elements");
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)Tensor::arange(0, 1e30); }), "too many"));
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor::arange(0, 5, -1); }) ==
               "arange: step -1 does not go from 0 towards 5");
    // A step as large as int64 allows: one element, no overflow in the length.
    BOOST_TEST(Tensor::zeros({2, 3}).slice(1, 0, INT64_MAX, INT64_MAX).shape() == (Shape{2, 1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(empty_and_zero_d_tensors)
{
    // matmul with an empty batch: [0, 2, 3] x [3, 4] is [0, 2, 4] (it read out of bounds before).
    BOOST_TEST(matmul(Tensor::zeros({0, 2, 3}), Tensor::ones({3, 4})).shape() == (Shape{0, 2, 4}), tt::per_element());
    BOOST_TEST(matmul(Tensor::ones({2, 3}), Tensor::zeros({0, 3, 4})).shape() == (Shape{0, 2, 4}), tt::per_element());
    // softmax over an empty axis is empty.
    BOOST_TEST(Tensor::zeros({2, 0}).softmax(1).shape() == (Shape{2, 0}), tt::per_element());
    BOOST_TEST(Tensor::zeros({2, 0}).log_softmax(1).numel() == 0);
    // A 0-d tensor has the axis 0 (or -1): its sum and mean over it are itself.
    const Tensor s = Tensor::scalar(2.5);
    BOOST_TEST(sum(s, 0).item() == 2.5);
    BOOST_TEST(mean(s, -1).item() == 2.5);
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)sum(s, 1); }), "sum"));
    // t() leaves 0-d and 1-d tensors as they are.
    BOOST_TEST(Tensor({1.f, 2.f}, {2}).t().shape() == (Shape{2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(stack_names_itself_in_dtype_errors)
{
    BOOST_TEST(message_of<std::invalid_argument>([] {
                   (void)autograd::stack({Tensor::zeros({2}), Tensor::zeros({2}, Dtype::Float64)}, 0);
               }) == "stack: dtypes float32 and float64 differ (convert one with .to())");
    autograd::Generator gen(1);
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)Tensor::rand({2}, gen, 1.0, 0.0); }), "low <= high"));
}

BOOST_AUTO_TEST_CASE(large_tensors_are_split_across_threads_correctly)
{
    // 300001 elements: several chunks with an uneven end. Every element is computed once and
    // right (the values are exact in float32).
    const std::int64_t n = 300001;
    const Tensor x = Tensor::arange(0, static_cast<double>(n));
    const std::vector<double> y = (x * 2.0 + x).to_vector();
    bool all = true;
    for (std::int64_t i = 0; i < n; ++i)
        all = all && y[static_cast<std::size_t>(i)] == 3.0 * static_cast<double>(i);
    BOOST_TEST(all);
    const std::vector<double> r = relu(x - 150000.0).to_vector();
    BOOST_TEST(r[0] == 0.0);
    BOOST_TEST(r[static_cast<std::size_t>(n - 1)] == 150000.0);
    // Ranges handed out by parallel_for cover [0, n) exactly once.
    std::vector<int> hits(static_cast<std::size_t>(n), 0);
    autograd::detail::parallel_for(n, 1000, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i)
            ++hits[static_cast<std::size_t>(i)];
    });
    BOOST_TEST(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
}
