// Selecting, joining and rearranging tensor ops (ops/index.hpp, ops/shape.hpp): values derived by
// hand in comments, gradients and a second derivative by hand (the backward of each op is made
// of recorded ops), and the message of every bad input. Their gradient checks are in
// test_tensor_ops.cpp.
#define BOOST_TEST_MODULE tensor_index
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/tensor.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using autograd::concat; // a braced list of tensors finds no overload by argument-dependent lookup
using autograd::stack;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
using Values = std::vector<double>;

namespace {

constexpr std::int64_t to_end = std::numeric_limits<std::int64_t>::max();

// [[0, 1, 2], [3, 4, 5]] in float64
Tensor x23() { return Tensor::arange(0, 6, 1, Dtype::Float64).reshape({2, 3}); }

} // namespace

BOOST_AUTO_TEST_CASE(permute_values)
{
    // [[0, 1, 2], [3, 4, 5]] with its axes swapped: [[0, 3], [1, 4], [2, 5]]
    const Tensor t = x23().permute({1, 0});
    BOOST_TEST(t.shape() == (Shape{3, 2}), tt::per_element());
    BOOST_TEST(t.to_vector() == (Values{0, 3, 1, 4, 2, 5}), tt::per_element());
    // y[i][j][k] = 12i + 4j + k (arange of [2, 3, 4]); p = y.permute({2, 0, 1}) has p[k][i][j] = y[i][j][k]
    const Tensor y = Tensor::arange(0, 24).reshape({2, 3, 4});
    const Tensor p = permute(y, {2, 0, 1});
    BOOST_TEST(p.shape() == (Shape{4, 2, 3}), tt::per_element());
    BOOST_TEST(p.at({3, 1, 2}) == 23.0); // 12 + 8 + 3
    BOOST_TEST(p.at({1, 0, 2}) == 9.0);  // 0 + 8 + 1
    BOOST_TEST(p.dtype() == Dtype::Float32);
    BOOST_TEST(permute(y, {-1, 0, -2}).to_vector() == p.to_vector(), tt::per_element());
    BOOST_TEST(permute(y, {0, 1, 2}).to_vector() == y.to_vector(), tt::per_element());
    // 0-d and empty tensors go through unchanged.
    BOOST_TEST(permute(Tensor::scalar(7.0), {}).item() == 7.0);
    BOOST_TEST(permute(Tensor::zeros({2, 0, 3}), {2, 1, 0}).shape() == (Shape{3, 0, 2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(squeeze_unsqueeze_expand_values)
{
    const Tensor t = Tensor::arange(0, 6).reshape({1, 3, 1, 2});
    BOOST_TEST(t.squeeze().shape() == (Shape{3, 2}), tt::per_element());
    BOOST_TEST(t.squeeze(0).shape() == (Shape{3, 1, 2}), tt::per_element());
    BOOST_TEST(t.squeeze(1).shape() == (Shape{1, 3, 1, 2}), tt::per_element()); // size 3: unchanged, as PyTorch
    BOOST_TEST(t.squeeze(-2).shape() == (Shape{1, 3, 2}), tt::per_element());
    BOOST_TEST(t.squeeze().to_vector() == (Values{0, 1, 2, 3, 4, 5}), tt::per_element());
    BOOST_TEST(Tensor::ones({1, 1}).squeeze().shape().empty());
    BOOST_TEST(Tensor::scalar(2.0).squeeze().item() == 2.0);
    BOOST_TEST(Tensor::scalar(2.0).squeeze(-1).shape().empty());

    const Tensor x = x23();
    BOOST_TEST(x.unsqueeze(0).shape() == (Shape{1, 2, 3}), tt::per_element());
    BOOST_TEST(x.unsqueeze(1).shape() == (Shape{2, 1, 3}), tt::per_element());
    BOOST_TEST(x.unsqueeze(2).shape() == (Shape{2, 3, 1}), tt::per_element());
    BOOST_TEST(x.unsqueeze(-1).shape() == (Shape{2, 3, 1}), tt::per_element()); // appends
    BOOST_TEST(x.unsqueeze(-3).shape() == (Shape{1, 2, 3}), tt::per_element());
    BOOST_TEST(unsqueeze(x, 1).to_vector() == x.to_vector(), tt::per_element());
    BOOST_TEST(Tensor::scalar(4.0).unsqueeze(0).shape() == (Shape{1}), tt::per_element());

    // [[1], [2], [3]] expanded to [3, 2]: each row repeats its one value.
    const Tensor c({1.f, 2.f, 3.f}, {3, 1});
    BOOST_TEST(c.expand({-1, 2}).to_vector() == (Values{1, 1, 2, 2, 3, 3}), tt::per_element());
    BOOST_TEST(expand(c, {3, 2}).to_vector() == (Values{1, 1, 2, 2, 3, 3}), tt::per_element());
    // A new leading dimension of 2 repeats the whole [3, 4] block.
    const Tensor e = c.expand({2, -1, 4});
    BOOST_TEST(e.shape() == (Shape{2, 3, 4}), tt::per_element());
    BOOST_TEST(e.at({1, 2, 3}) == 3.0);
    BOOST_TEST(c.expand({3, 0}).shape() == (Shape{3, 0}), tt::per_element());
    BOOST_TEST(c.expand({-1, -1}).to_vector() == c.to_vector(), tt::per_element());
    BOOST_TEST(Tensor::scalar(5.0).expand({2, 2}).to_vector() == (Values{5, 5, 5, 5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(slice_values_follow_python_slicing)
{
    const Tensor r = Tensor::arange(0, 10); // [0, 1, ..., 9]
    const auto values = [&](std::int64_t start, std::int64_t end, std::int64_t step) {
        return slice(r, 0, start, end, step).to_vector();
    };
    BOOST_TEST(values(1, 8, 3) == (Values{1, 4, 7}), tt::per_element());      // r[1:8:3]
    BOOST_TEST(values(0, 10, 4) == (Values{0, 4, 8}), tt::per_element());     // r[::4]
    BOOST_TEST(values(-3, 100, 1) == (Values{7, 8, 9}), tt::per_element());   // r[-3:100]: end clamped
    BOOST_TEST(values(-100, 2, 1) == (Values{0, 1}), tt::per_element());      // r[-100:2]: start clamped
    BOOST_TEST(values(2, -5, 1) == (Values{2, 3, 4}), tt::per_element());     // r[2:-5]
    BOOST_TEST(values(9, 10, 5) == (Values{9}), tt::per_element());           // r[9:10:5]
    BOOST_TEST(values(8, to_end, 1) == (Values{8, 9}), tt::per_element());    // r[8:]
    BOOST_TEST(slice(r, 0, 5, 2).shape() == (Shape{0}), tt::per_element());  // r[5:2] is empty
    BOOST_TEST(slice(r, 0, 12, 20).shape() == (Shape{0}), tt::per_element()); // r[12:20] is empty
    // [[0, 1, 2], [3, 4, 5]][:, 1:] = [[1, 2], [4, 5]]; [1:, ::2] = [[3, 5]]
    const Tensor x = x23();
    BOOST_TEST(slice(x, 1, 1, 3).to_vector() == (Values{1, 2, 4, 5}), tt::per_element());
    BOOST_TEST(slice(x, -1, -2, to_end).to_vector() == (Values{1, 2, 4, 5}), tt::per_element());
    const Tensor s = slice(slice(x, 0, 1, 2), 1, 0, 3, 2);
    BOOST_TEST(s.shape() == (Shape{1, 2}), tt::per_element());
    BOOST_TEST(s.to_vector() == (Values{3, 5}), tt::per_element());
    BOOST_TEST(slice(x, 1, 3, 3).shape() == (Shape{2, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(index_select_and_gather_values)
{
    const Tensor x = x23(); // [[0, 1, 2], [3, 4, 5]]
    // Columns 2 and 0: [[2, 0], [5, 3]]; rows 1, 1, 0: [[3, 4, 5], [3, 4, 5], [0, 1, 2]]
    BOOST_TEST(index_select(x, 1, {2, 0}).to_vector() == (Values{2, 0, 5, 3}), tt::per_element());
    BOOST_TEST(index_select(x, -1, {2, 0}).to_vector() == (Values{2, 0, 5, 3}), tt::per_element());
    const Tensor rows = index_select(x, 0, {1, 1, 0});
    BOOST_TEST(rows.shape() == (Shape{3, 3}), tt::per_element());
    BOOST_TEST(rows.to_vector() == (Values{3, 4, 5, 3, 4, 5, 0, 1, 2}), tt::per_element());
    BOOST_TEST(index_select(x, 0, std::vector<std::int64_t>{}).shape() == (Shape{0, 3}), tt::per_element());

    // gather along axis 1 with index [[0, 0], [2, 1]]: [[x00, x00], [x12, x11]] = [[0, 0], [5, 4]]
    BOOST_TEST(gather(x, 1, {0, 0, 2, 1}, {2, 2}).to_vector() == (Values{0, 0, 5, 4}), tt::per_element());
    BOOST_TEST(gather(x, 1, Tensor({0.f, 0.f, 2.f, 1.f}, {2, 2})).to_vector() == (Values{0, 0, 5, 4}), tt::per_element());
    // along axis 0 with index [[1, 0, 1]]: [[x10, x01, x12]] = [[3, 1, 5]]
    const Tensor g0 = gather(x, -2, {1, 0, 1}, {1, 3});
    BOOST_TEST(g0.shape() == (Shape{1, 3}), tt::per_element());
    BOOST_TEST(g0.to_vector() == (Values{3, 1, 5}), tt::per_element());
    // The index may be longer than x along the axis: row 0 picked at [2, 2, 1, 0] = [[2, 2, 1, 0]]
    BOOST_TEST(gather(x, 1, {2, 2, 1, 0}, {1, 4}).to_vector() == (Values{2, 2, 1, 0}), tt::per_element());
    // 3-d, axis 1: out[i][j][k] = y[i][index[i][j][k]][k] with y[i][j][k] = 12i + 4j + k (arange [2, 3, 4]);
    // index [[[2, 0]], [[1, 2]]] of shape [2, 1, 2]: [[[8, 1]], [[16, 21]]]
    const Tensor y = Tensor::arange(0, 24).reshape({2, 3, 4});
    BOOST_TEST(gather(y, 1, {2, 0, 1, 2}, {2, 1, 2}).to_vector() == (Values{8, 1, 16, 21}), tt::per_element());
    BOOST_TEST(gather(x, 0, std::vector<std::int64_t>{}, {0, 3}).shape() == (Shape{0, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(concat_and_stack_values)
{
    const Tensor a({1.f, 2.f, 3.f, 4.f}, {2, 2}), b({5.f, 6.f}, {2, 1}), c({7.f, 8.f}, {1, 2});
    // [[1, 2], [3, 4]] beside [[5], [6]]: [[1, 2, 5], [3, 4, 6]]; above [[7, 8]]: [[1, 2], [3, 4], [7, 8]]
    BOOST_TEST(concat({a, b}, 1).to_vector() == (Values{1, 2, 5, 3, 4, 6}), tt::per_element());
    BOOST_TEST(concat({a, b}, -1).shape() == (Shape{2, 3}), tt::per_element());
    BOOST_TEST(concat({a, c}).to_vector() == (Values{1, 2, 3, 4, 7, 8}), tt::per_element());
    BOOST_TEST(concat({a}, 0).to_vector() == a.to_vector(), tt::per_element());
    BOOST_TEST(concat({a, Tensor::zeros({2, 0}), b}, 1).to_vector() == (Values{1, 2, 5, 3, 4, 6}), tt::per_element());
    BOOST_TEST(concat({c, c, c}, 0).shape() == (Shape{3, 2}), tt::per_element());

    const Tensor p({1.f, 2.f}, {2}), q({3.f, 4.f}, {2});
    // [1, 2] and [3, 4] as rows: [[1, 2], [3, 4]]; as columns: [[1, 3], [2, 4]]
    BOOST_TEST(stack({p, q}).to_vector() == (Values{1, 2, 3, 4}), tt::per_element());
    BOOST_TEST(stack({p, q}, 1).to_vector() == (Values{1, 3, 2, 4}), tt::per_element());
    BOOST_TEST(stack({p, q}, -1).shape() == (Shape{2, 2}), tt::per_element());
    BOOST_TEST(stack({p, q, p}, 0).shape() == (Shape{3, 2}), tt::per_element());
    BOOST_TEST(stack({Tensor::scalar(1.0), Tensor::scalar(2.0)}).to_vector() == (Values{1, 2}), tt::per_element());
    BOOST_TEST(stack({a, a}, 2).shape() == (Shape{2, 2, 2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_by_hand)
{
    // index_select with a repeat: x[0] is taken twice, x[1] never, x[2] once: grad [2, 0, 1]
    Tensor x = Tensor({1.0, 2.0, 3.0}, {3}).requires_grad_();
    index_select(x, 0, {0, 0, 2}).sum().backward();
    BOOST_TEST(x.grad().to_vector() == (Values{2, 0, 1}), tt::per_element());
    // gather [[0, 0], [2, 1]] along axis 1 of a [2, 3]: counts [[2, 0, 0], [0, 1, 1]]
    Tensor m = x23().detach().requires_grad_();
    gather(m, 1, {0, 0, 2, 1}, {2, 2}).sum().backward();
    BOOST_TEST(m.grad().to_vector() == (Values{2, 0, 0, 0, 1, 1}), tt::per_element());
    // r[0:5:2] of 5 elements: grad [1, 0, 1, 0, 1]
    Tensor r = Tensor::ones({5}, Dtype::Float64).requires_grad_();
    slice(r, 0, 0, 5, 2).sum().backward();
    BOOST_TEST(r.grad().to_vector() == (Values{1, 0, 1, 0, 1}), tt::per_element());
    // concat with a constant: only the leaf gets a gradient, its part of g = [1, 2, 3, 4]
    Tensor a = Tensor({0.0, 0.0}, {2}).requires_grad_();
    concat({Tensor({0.0}, {1}), a, Tensor({0.0}, {1})}).backward(Tensor({1.0, 2.0, 3.0, 4.0}, {4}));
    BOOST_TEST(a.grad().to_vector() == (Values{2, 3}), tt::per_element());
    // permute's gradient is g permuted back: g = [[1, 2], [3, 4], [5, 6]] for x.t() -> [[1, 3, 5], [2, 4, 6]]
    Tensor p = Tensor::zeros({2, 3}, Dtype::Float64).requires_grad_();
    p.permute({1, 0}).backward(Tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {3, 2}));
    BOOST_TEST(p.grad().to_vector() == (Values{1, 3, 5, 2, 4, 6}), tt::per_element());
    // expand [3, 1] -> [3, 4]: each element is used 4 times
    Tensor e = Tensor::zeros({3, 1}, Dtype::Float64).requires_grad_();
    e.expand({-1, 4}).sum().backward();
    BOOST_TEST(e.grad().to_vector() == (Values{4, 4, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(second_derivative_through_slice_by_hand)
{
    // f = sum(x[1:3]^3) for x = [1, 2, 3, 4]: df/dx = [0, 3*2^2, 3*3^2, 0] = [0, 12, 27, 0];
    // d(sum df/dx)/dx = [0, 6*2, 6*3, 0] = [0, 12, 18, 0]
    Tensor x = Tensor({1.0, 2.0, 3.0, 4.0}, {4}).requires_grad_();
    const Tensor f = pow(slice(x, 0, 1, 3), 3.0).sum();
    const Tensor g = autograd::grad({f}, {x}, {}, {.create_graph = true})[0];
    BOOST_TEST(g.to_vector() == (Values{0, 12, 27, 0}), tt::per_element());
    BOOST_TEST(contains(autograd::to_string(g), "grad_fn=<slice_backward>"));
    const Tensor h = autograd::grad({g.sum()}, {x})[0];
    BOOST_TEST(h.to_vector() == (Values{0, 12, 18, 0}), tt::per_element());
    // The placing ops are recorded ops in a create_graph backward too.
    Tensor y = Tensor({1.0, 2.0}, {2}).requires_grad_();
    const Tensor gi = autograd::grad({pow(index_select(y, 0, {1, 0, 1}), 2.0).sum()}, {y}, {}, {.create_graph = true})[0];
    BOOST_TEST(contains(autograd::to_string(gi), "grad_fn=<index_select_backward>"));
    BOOST_TEST(gi.to_vector() == (Values{2, 8}), tt::per_element()); // 2*y0 once, 2*y1 twice
    const Tensor gg = autograd::grad({pow(gather(y, 0, {1, 1}, {2}), 2.0).sum()}, {y}, {}, {.create_graph = true})[0];
    BOOST_TEST(contains(autograd::to_string(gg), "grad_fn=<gather_backward>"));
    BOOST_TEST(gg.to_vector() == (Values{0, 8}), tt::per_element()); // 2*y1 twice
}

BOOST_AUTO_TEST_CASE(bad_input_gives_clear_errors)
{
    const Tensor x = Tensor::ones({2, 3});
    const auto invalid = [](auto&& f) { return message_of<std::invalid_argument>(f); };
    const auto out_of_range = [](auto&& f) { return message_of<std::out_of_range>(f); };

    BOOST_TEST(invalid([&] { (void)x.permute({0}); }) == "permute: dims [0] name 1 axes, but shape [2, 3] has 2");
    BOOST_TEST(invalid([&] { (void)x.permute({1, -1}); }) == "permute: dims [1, -1] name axis 1 twice (shape [2, 3])");
    BOOST_TEST(invalid([&] { (void)x.permute({0, 2}); }) == "permute: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");

    BOOST_TEST(invalid([&] { (void)x.squeeze(2); }) == "squeeze: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(invalid([&] { (void)Tensor::scalar(1.0).squeeze(1); }) ==
               "squeeze: axis 1 is out of range for shape [] (valid: -1 to 0)");
    BOOST_TEST(invalid([&] { (void)x.unsqueeze(3); }) == "unsqueeze: axis 3 is out of range for shape [2, 3] (valid: -3 to 2)");
    BOOST_TEST(invalid([&] { (void)x.unsqueeze(-4); }) == "unsqueeze: axis -4 is out of range for shape [2, 3] (valid: -3 to 2)");

    BOOST_TEST(invalid([&] { (void)x.expand({3}); }) == "expand: shape [3] has fewer dimensions than the tensor's shape [2, 3]");
    BOOST_TEST(invalid([&] { (void)x.expand({2, 4}); }) ==
               "expand: shape [2, 3] cannot be expanded to [2, 4] (dimension 1: size 3 is not 1 and differs from 4)");
    BOOST_TEST(invalid([&] { (void)x.expand({-1, 2, 3}); }) ==
               "expand: -1 in [-1, 2, 3] at new leading dimension 0; only existing dimensions of [2, 3] can keep their size");
    BOOST_TEST(invalid([&] { (void)x.expand({2, -2}); }) == "expand: negative size -2 in [2, -2]");

    BOOST_TEST(invalid([&] { (void)slice(x, 1, 0, 2, 0); }) == "slice: step must be positive (got 0)");
    BOOST_TEST(invalid([&] { (void)slice(x, 0, 2, 0, -1); }) == "slice: step must be positive (got -1)");
    BOOST_TEST(invalid([&] { (void)slice(x, -3, 0, 1); }) == "slice: axis -3 is out of range for shape [2, 3] (valid: -2 to 1)");
    BOOST_TEST(invalid([&] { (void)slice(Tensor::scalar(1.0), 0, 0, 1); }) ==
               "slice: axis 0 given for a 0-d tensor, which has no axes");

    BOOST_TEST(out_of_range([&] { (void)index_select(x, 1, {0, 3}); }) ==
               "index_select: index 3 is out of range for axis 1 of size 3");
    BOOST_TEST(out_of_range([&] { (void)index_select(x, 0, {-1}); }) ==
               "index_select: index -1 is out of range for axis 0 of size 2");
    BOOST_TEST(invalid([&] { (void)index_select(x, 2, {0}); }) ==
               "index_select: axis 2 is out of range for shape [2, 3] (valid: -2 to 1)");

    BOOST_TEST(out_of_range([&] { (void)gather(x, 1, {0, 3}, {1, 2}); }) == "gather: index 3 is out of range for axis 1 of size 3");
    BOOST_TEST(out_of_range([&] { (void)gather(x, 0, Tensor({-1.0}, {1, 1})); }) ==
               "gather: index -1 is out of range for axis 0 of size 2");
    BOOST_TEST(invalid([&] { (void)gather(x, 1, {0, 1, 2}, {2, 2}); }) ==
               "gather: 3 index values do not fill the index shape [2, 2] (4 elements)");
    BOOST_TEST(invalid([&] { (void)gather(x, 1, {0, 1}, {2}); }) ==
               "gather: the index has shape [2] but the tensor has shape [2, 3]; they need the same number of dimensions");
    BOOST_TEST(invalid([&] { (void)gather(x, 1, {0, 0, 0}, {3, 1}); }) ==
               "gather: index shape [3, 1] is larger than shape [2, 3] in dimension 0 (only axis 1 may be larger)");
    BOOST_TEST(invalid([&] { (void)gather(x, 0, Tensor({0.5, 0.0, 0.0}, {1, 3})); }) ==
               "gather: index element 0 is 0.5, not an integer");
    BOOST_TEST(invalid([&] { (void)gather(x, 0, Tensor()); }) == "gather: an argument is an undefined tensor");

    BOOST_TEST(invalid([] { (void)concat({}, 0); }) == "concat: no tensors to join");
    BOOST_TEST(invalid([] { (void)concat({Tensor::ones({2, 4}), Tensor::ones({3, 4})}, 1); }) ==
               "concat: tensor 1 has shape [3, 4], expected [2, *] matching [2, 4] except axis 1");
    BOOST_TEST(invalid([] { (void)concat({Tensor::ones({2, 4}), Tensor::ones({2, 4}), Tensor::ones({4})}, 0); }) ==
               "concat: tensor 2 has shape [4], expected [*, 4] matching [2, 4] except axis 0");
    BOOST_TEST(invalid([] { (void)concat({Tensor::ones({2}), Tensor::ones({2}, Dtype::Float64)}); }) ==
               "concat: dtypes float32 and float64 differ (convert one with .to())");
    BOOST_TEST(invalid([] { (void)concat({Tensor::ones({2}), Tensor::ones({2})}, 1); }) ==
               "concat: axis 1 is out of range for shape [2] (valid: -1 to 0)");
    BOOST_TEST(invalid([] { (void)concat({Tensor::scalar(1.0), Tensor::scalar(2.0)}); }) ==
               "concat: axis 0 given for a 0-d tensor, which has no axes");
    BOOST_TEST(invalid([] { (void)concat({Tensor::ones({2}), Tensor()}); }) == "concat: an argument is an undefined tensor");

    BOOST_TEST(invalid([] { (void)stack({}); }) == "stack: no tensors to join");
    BOOST_TEST(invalid([] { (void)stack({Tensor::ones({2, 3}), Tensor::ones({3, 2})}); }) ==
               "stack: tensor 1 has shape [3, 2], expected [2, 3] like tensor 0");
    BOOST_TEST(invalid([] { (void)stack({Tensor::ones({2}), Tensor::ones({2})}, 2); }) ==
               "stack: axis 2 is out of range for stacking shape [2] (valid: -2 to 1)");
}

BOOST_AUTO_TEST_CASE(member_forms_match_the_free_functions)
{
    const Tensor x = x23(); // [[0, 1, 2], [3, 4, 5]]
    BOOST_TEST(x.slice(1, 1, 3).to_vector() == (Values{1, 2, 4, 5}), tt::per_element());
    BOOST_TEST(x.index_select(0, {1}).to_vector() == (Values{3, 4, 5}), tt::per_element());
    BOOST_TEST(x.gather(1, Tensor({2.0, 0.0}, {2, 1})).to_vector() == (Values{2, 3}), tt::per_element());
}
