// Golden tensor cases: the fixtures that tests/golden/golden_tensor.py and golden_conv.py write from
// PyTorch, read for test_tensor_golden and test_conv. One line a tensor:
//
//   # comments and blank lines are skipped
//   <case> <float64|float32> <field> [<shape>] <value> ...
//
//   for (const auto& [name, c] : golden::read_tensor_cases(BACKPROP_FIXTURES "/conv_golden.txt"))
//       ... c.in (the inputs), c.out, c.grad ... in c.dtype
//
// Fields: in (a differentiable input, in order), const (an input that takes no gradient), gout (the
// output's gradient), out, grad (one per input), vec and hvp (a direction per input, and the
// Hessian-vector product). A case is its name and dtype, its lines consecutive. A malformed line,
// a count of values that is not the shape's, or an unknown field fails the test, naming the line.
//
//   golden::check_case(c, [](const V& in, const V& constant) { return conv2d(in[0], in[1], in[2]); });
#pragma once

#include <boost/test/unit_test.hpp>

#include <autograd/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace golden {

using autograd::Dtype;
using autograd::Tensor;
using V = std::vector<Tensor>;

struct TensorCase {
    autograd::Dtype dtype = autograd::Dtype::Float64;
    std::vector<autograd::Tensor> in, constant, vec, grad, hvp;
    autograd::Tensor gout, out;
};

inline autograd::Shape parse_shape(const std::string& text)
{
    BOOST_REQUIRE_MESSAGE(text.size() >= 2 && text.front() == '[' && text.back() == ']', "bad shape " << text);
    autograd::Shape shape;
    std::istringstream in(text.substr(1, text.size() - 2));
    std::string size;
    while (std::getline(in, size, ','))
        shape.push_back(std::stoll(size));
    return shape;
}

/// (name, case) in the fixture's order.
inline std::vector<std::pair<std::string, TensorCase>> read_tensor_cases(const std::string& path)
{
    std::ifstream file(path);
    BOOST_REQUIRE_MESSAGE(file, "cannot open " << path);
    std::vector<std::pair<std::string, TensorCase>> cases;
    std::string line;
    for (std::size_t number = 1; std::getline(file, line); ++number) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::string name, dtype_text, field, shape_text, value;
        fields >> name >> dtype_text >> field >> shape_text;
        BOOST_REQUIRE_MESSAGE(fields && (dtype_text == "float64" || dtype_text == "float32"),
                              path << ":" << number << ": malformed line: " << line);
        const Dtype dtype = dtype_text == "float64" ? Dtype::Float64 : Dtype::Float32;
        std::vector<double> values;
        while (fields >> value) {
            char* end = nullptr;
            values.push_back(std::strtod(value.c_str(), &end)); // strtod reads inf and nan too
            BOOST_REQUIRE_MESSAGE(*end == '\0', path << ":" << number << ": bad number " << value);
        }
        const autograd::Shape shape = parse_shape(shape_text);
        std::int64_t n = 1;
        for (std::int64_t s : shape)
            n *= s;
        BOOST_REQUIRE_MESSAGE(static_cast<std::int64_t>(values.size()) == n,
                              path << ":" << number << ": " << values.size() << " values for shape " << shape_text);
        // A float32 value is written as the shortest decimal whose double rounds to it.
        const autograd::Tensor t = dtype == Dtype::Float64
                                       ? autograd::Tensor(values, shape)
                                       : autograd::Tensor(std::vector<float>(values.begin(), values.end()), shape);
        if (cases.empty() || cases.back().first != name || cases.back().second.dtype != dtype) {
            cases.emplace_back(name, TensorCase{});
            cases.back().second.dtype = dtype;
        }
        TensorCase& c = cases.back().second;
        if (field == "in")
            c.in.push_back(t);
        else if (field == "const")
            c.constant.push_back(t);
        else if (field == "gout")
            c.gout = t;
        else if (field == "out")
            c.out = t;
        else if (field == "grad")
            c.grad.push_back(t);
        else if (field == "vec")
            c.vec.push_back(t);
        else if (field == "hvp")
            c.hvp.push_back(t);
        else
            BOOST_FAIL(path << ":" << number << ": unknown field '" << field << "'");
    }
    return cases;
}

// |got - want| <= rel |want| + floor scale, element by element.
// - float64: rel 1e-12, floor 1e-15. Both sides compute in double; the results differ by a few
//   roundings (summation order, BLAS blocking, exp/log/tanh of different libms), far below 1e-12
//   relative; the floor covers values that are zero up to rounding (sums that cancel).
// - float32: rel 1e-5, floor 1e-6. float32's epsilon is 1.2e-7, and PyTorch rounds every
//   intermediate result to float32 (its sums and its sgemm accumulate in float32, in an order of
//   their own) while Backprop accumulates float32 sums in double and rounds once, so the two
//   differ by some ulps per op along a case's chain (up to about ten ops in the MLP's
//   Hessian-vector product): 1e-5 is about 80 ulps. Where terms cancel, an element can be much
//   smaller than the roundings of the terms it is made of, so the relative bound alone cannot
//   hold; the floor, 1e-6 (about 8 ulps) of the tensor's largest magnitude, bounds those. A
//   wrong formula, index or broadcast still gives errors of order 1 relative, far beyond either.
struct Tolerance {
    double rel, floor;
};
inline Tolerance tolerance(Dtype dtype)
{
    return dtype == Dtype::Float64 ? Tolerance{1e-12, 1e-15} : Tolerance{1e-5, 1e-6};
}

inline void expect_close(const std::string& what, const Tensor& got, const Tensor& want)
{
    BOOST_TEST_CONTEXT(what)
    {
        BOOST_TEST_REQUIRE(got.defined());
        BOOST_TEST(got.dtype() == want.dtype());
        BOOST_TEST_REQUIRE(autograd::to_string(got.shape()) == autograd::to_string(want.shape()));
        const Tolerance tol = tolerance(want.dtype());
        const std::vector<double> a = got.to_vector(), b = want.to_vector();
        double scale = 0.0;
        for (double v : b)
            if (std::isfinite(v))
                scale = std::max(scale, std::abs(v));
        for (std::size_t i = 0; i < a.size(); ++i) {
            const bool same_special = (std::isnan(a[i]) && std::isnan(b[i])) || (std::isinf(b[i]) && a[i] == b[i]);
            const bool close = std::abs(a[i] - b[i]) <= tol.rel * std::abs(b[i]) + tol.floor * scale;
            BOOST_TEST((same_special || close), "element " << i << ": got " << a[i] << ", PyTorch " << b[i]
                                                           << " (difference " << a[i] - b[i] << ")");
        }
    }
}

inline void expect_all_close(const std::string& what, const V& got, const V& want)
{
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        expect_close(what + " " + std::to_string(i),
                     got[i].defined() ? got[i] : Tensor::zeros(want[i].shape(), want[i].dtype()), want[i]);
}

// A fresh leaf with t's values and dtype.
inline Tensor leaf_copy(const Tensor& t)
{
    if (t.dtype() == Dtype::Float64)
        return Tensor(t.to_vector(), t.shape()).requires_grad_();
    return Tensor(t.to_vector_as<float>(), t.shape()).requires_grad_();
}

/// Checks f on the case's inputs against it: the output, the first derivatives recorded
/// (create_graph), and where the case has them, the Hessian-vector products.
inline void check_case(const TensorCase& c, const std::function<autograd::Tensor(const V&, const V&)>& f)
{
    V leaves;
    for (const Tensor& t : c.in)
        leaves.push_back(leaf_copy(t));
    BOOST_TEST_REQUIRE(c.out.defined());
    const Tensor y = f(leaves, c.constant);
    expect_close("out", y, c.out);
    if (leaves.empty())
        return;
    BOOST_TEST_REQUIRE(c.gout.defined());
    // First derivatives, recorded (create_graph) so that they can be differentiated again.
    const V grads = autograd::grad({(y * c.gout).sum()}, leaves, {}, {.create_graph = true});
    expect_all_close("grad", grads, c.grad);
    if (c.vec.empty() && c.hvp.empty())
        return; // a case of first derivatives only (see golden_tensor.py)
    BOOST_TEST_REQUIRE(c.vec.size() == leaves.size());
    Tensor dot;
    for (std::size_t i = 0; i < grads.size(); ++i)
        if (grads[i].defined() && grads[i].requires_grad()) {
            const Tensor term = (grads[i] * c.vec[i]).sum();
            dot = dot.defined() ? dot + term : term;
        }
    // A gradient that is constant in the inputs has a zero Hessian.
    const V hvps = dot.defined() ? autograd::grad({dot}, leaves) : V(leaves.size());
    expect_all_close("hvp", hvps, c.hvp);
}

} // namespace golden
