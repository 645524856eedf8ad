// The tensor ops against PyTorch in float64: values, gradients and Hessian-vector products.
//
// tests/fixtures/tensor_golden.txt is written by tools/golden_tensor.py (PyTorch; the test never
// needs it). Each fixture case is a function f of some inputs, with a weight w for its output and
// a direction v_i for each differentiable input; PyTorch recorded f, the gradients
// d sum(f w) / d in_i and the Hessian-vector products d/d in_j sum_i <d sum(f w) / d in_i, v_i>.
// Here every case name maps to the same function written with Backprop's ops (the table below);
// a fixture case without an entry, or an entry without a fixture case, fails. Every value must
// agree within 1e-12 relative (with a floor of 1e-15 times the tensor's largest magnitude, for
// values that are zero up to rounding), NaN with NaN and infinities with the same infinity.
#define BOOST_TEST_MODULE tensor_golden
#include <boost/test/unit_test.hpp>

#include <autograd/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using V = std::vector<Tensor>;

namespace {

struct Case {
    V in, constant, vec, grad, hvp;
    Tensor gout, out;
};

Shape parse_shape(const std::string& text)
{
    BOOST_REQUIRE_MESSAGE(text.size() >= 2 && text.front() == '[' && text.back() == ']', "bad shape " << text);
    Shape shape;
    std::istringstream in(text.substr(1, text.size() - 2));
    std::string size;
    while (std::getline(in, size, ','))
        shape.push_back(std::stoll(size));
    return shape;
}

// Case name -> its rows, in the fixture's order of names.
std::vector<std::pair<std::string, Case>> load_fixture()
{
    std::ifstream file(BACKPROP_FIXTURES "/tensor_golden.txt");
    BOOST_REQUIRE_MESSAGE(file, "cannot open tensor_golden.txt");
    std::vector<std::pair<std::string, Case>> cases;
    std::string line;
    while (std::getline(file, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::string name, field, shape_text, number;
        fields >> name >> field >> shape_text;
        BOOST_REQUIRE_MESSAGE(fields, "malformed fixture line: " << line);
        std::vector<double> values;
        while (fields >> number) {
            char* end = nullptr;
            values.push_back(std::strtod(number.c_str(), &end)); // strtod reads inf and nan too
            BOOST_REQUIRE_MESSAGE(*end == '\0', "bad number " << number << " in: " << line);
        }
        const Tensor t(values, parse_shape(shape_text));
        if (cases.empty() || cases.back().first != name)
            cases.emplace_back(name, Case{});
        Case& c = cases.back().second;
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
            BOOST_FAIL("unknown field '" << field << "' in: " << line);
    }
    return cases;
}

// The function of each case: f(differentiable inputs, constant inputs), as golden_tensor.py
// writes it with PyTorch.
using CaseFunction = std::function<Tensor(const V& x, const V& c)>;

const std::map<std::string, CaseFunction>& table()
{
    using autograd::Correction;
    static const std::map<std::string, CaseFunction> cases = {
        // Broadcasting arithmetic
        {"add", [](const V& x, const V&) { return x[0] + x[1]; }},
        {"add_broadcast", [](const V& x, const V&) { return x[0] + x[1]; }},
        {"sub_broadcast", [](const V& x, const V&) { return x[0] - x[1]; }},
        {"mul_broadcast", [](const V& x, const V&) { return x[0] * x[1]; }},
        {"mul_scalar_tensor", [](const V& x, const V&) { return x[0] * x[1]; }},
        {"div_broadcast", [](const V& x, const V&) { return x[0] / x[1]; }},
        {"div_scalar_tensor", [](const V& x, const V&) { return x[0] / x[1]; }},
        {"neg", [](const V& x, const V&) { return -x[0]; }},
        {"scalar_ops", [](const V& x, const V&) { return 2.0 - x[0] * 3.0 + 1.0 / (x[0] + 4.0) - x[0] / 2.0; }},
        // Elementwise functions
        {"exp", [](const V& x, const V&) { return exp(x[0]); }},
        {"log", [](const V& x, const V&) { return log(x[0]); }},
        {"tanh", [](const V& x, const V&) { return tanh(x[0]); }},
        {"sigmoid", [](const V& x, const V&) { return sigmoid(x[0]); }},
        {"relu", [](const V& x, const V&) { return relu(x[0]); }},
        {"relu_grad", [](const V& x, const V&) { return relu(x[0]) * x[0]; }},
        {"pow_scalar", [](const V& x, const V&) { return pow(x[0], 3.0); }},
        {"pow_scalar_negative", [](const V& x, const V&) { return pow(x[0], -1.5); }},
        // Reductions
        {"sum", [](const V& x, const V&) { return x[0].sum(); }},
        {"sum_axis", [](const V& x, const V&) { return x[0].sum(0); }},
        {"sum_axis_keepdim", [](const V& x, const V&) { return x[0].sum(-1, true); }},
        {"mean", [](const V& x, const V&) { return x[0].mean(); }},
        {"mean_axis", [](const V& x, const V&) { return x[0].mean(1); }},
        {"sum_to", [](const V& x, const V&) { return sum_to(x[0], Shape{3, 1}); }},
        {"broadcast_to", [](const V& x, const V& c) { return broadcast_to(x[0], Shape{2, 3, 4}) * c[0]; }},
        // Matrix products
        {"matmul", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_vector_vector", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_vector_matrix", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_matrix_vector", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_batched", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_batch_shared", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_shared_batch", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_transposed", [](const V& x, const V&) { return matmul(x[0].t(), x[1].t()); }},
        // Shape
        {"reshape", [](const V& x, const V&) { return x[0].reshape({4, 3}) * x[1]; }},
        {"flatten", [](const V& x, const V& c) { return x[0].flatten() * c[0]; }},
        {"transpose", [](const V& x, const V&) { return x[0].transpose(0, 2); }},
        // Elementwise (tensor_math.hpp)
        {"sqrt", [](const V& x, const V&) { return sqrt(x[0]); }},
        {"abs", [](const V& x, const V&) { return abs(x[0]); }},
        {"leaky_relu", [](const V& x, const V&) { return leaky_relu(x[0]); }},
        {"leaky_relu_slope", [](const V& x, const V&) { return leaky_relu(x[0], 0.2); }},
        {"clamp", [](const V& x, const V&) { return clamp(x[0], -0.5, 0.6); }},
        {"clamp_min", [](const V& x, const V&) { return clamp(x[0], 0.0, std::nullopt); }},
        {"clamp_max", [](const V& x, const V&) { return clamp(x[0], std::nullopt, 0.4); }},
        {"pow_tensor", [](const V& x, const V&) { return pow(x[0], x[1]); }},
        {"pow_tensor_broadcast", [](const V& x, const V&) { return pow(x[0], x[1]); }},
        {"pow_tensor_scalar_exponent", [](const V& x, const V&) { return pow(x[0], x[1]); }},
        {"pow_zero_base", [](const V& x, const V&) { return pow(x[0], x[1]); }},
        // Reductions (tensor_math.hpp)
        {"max", [](const V& x, const V&) { return max(x[0]); }},
        {"max_ties", [](const V& x, const V&) { return max(x[0]); }},
        {"max_axis", [](const V& x, const V&) { return max(x[0], 1); }},
        {"max_axis_keepdim", [](const V& x, const V&) { return max(x[0], 0, true); }},
        {"max_axis_ties", [](const V& x, const V&) { return max(x[0], 1); }},
        {"min", [](const V& x, const V&) { return min(x[0]); }},
        {"min_ties", [](const V& x, const V&) { return min(x[0]); }},
        {"min_axis", [](const V& x, const V&) { return min(x[0], -1); }},
        {"argmax", [](const V&, const V& c) { return argmax(c[0]); }},
        {"argmax_axis", [](const V&, const V& c) { return argmax(c[0], 1); }},
        {"argmax_axis_ties", [](const V&, const V& c) { return argmax(c[0], 1, true); }},
        {"argmin", [](const V&, const V& c) { return argmin(c[0]); }},
        {"argmin_axis", [](const V&, const V& c) { return argmin(c[0], 0); }},
        {"var", [](const V& x, const V&) { return var(x[0]); }},
        {"var_biased", [](const V& x, const V&) { return var(x[0], Correction{0}); }},
        {"var_axis", [](const V& x, const V&) { return var(x[0], 1); }},
        {"var_axis_keepdim_biased", [](const V& x, const V&) { return var(x[0], 0, true, Correction{0}); }},
        {"std", [](const V& x, const V&) { return autograd::std(x[0]); }},
        {"std_axis", [](const V& x, const V&) { return autograd::std(x[0], -1); }},
        {"std_axis_biased", [](const V& x, const V&) { return autograd::std(x[0], 0, false, Correction{0}); }},
        // Normalisation
        {"softmax", [](const V& x, const V&) { return softmax(x[0], 1); }},
        {"softmax_axis0", [](const V& x, const V&) { return softmax(x[0], 0); }},
        {"softmax_3d", [](const V& x, const V&) { return softmax(x[0], 1); }},
        {"log_softmax", [](const V& x, const V&) { return log_softmax(x[0], -1); }},
        {"log_softmax_axis0", [](const V& x, const V&) { return log_softmax(x[0], 0); }},
        {"log_softmax_large", [](const V& x, const V&) { return log_softmax(x[0], 0); }},
        {"cross_entropy",
         [](const V& x, const V& c) {
             return -(log_softmax(x[0], 1) * autograd::one_hot(c[0], x[0].size(1))).sum(1).mean();
         }},
        // Comparisons and where
        {"eq", [](const V&, const V& c) { return eq(c[0], c[1]); }},
        {"ne", [](const V&, const V& c) { return ne(c[0], c[1]); }},
        {"lt", [](const V&, const V& c) { return lt(c[0], c[1]); }},
        {"le", [](const V&, const V& c) { return le(c[0], c[1]); }},
        {"gt", [](const V&, const V& c) { return gt(c[0], c[1]); }},
        {"ge", [](const V&, const V& c) { return ge(c[0], c[1]); }},
        {"where", [](const V& x, const V& c) { return where(c[0], x[0], x[1]); }},
        {"where_broadcast", [](const V& x, const V& c) { return where(c[0], x[0] * x[0], x[1] * x[0]); }},
        // The 2-layer tanh MLP with MSE loss: c = (inputs, targets), x = (w1, b1, w2, b2)
        {"mlp_mse",
         [](const V& x, const V& c) {
             const Tensor d = matmul(tanh(matmul(c[0], x[0]) + x[1]), x[2]) + x[3] - c[1];
             return (d * d).mean();
         }},
    };
    return cases;
}

// |got - want| <= 1e-12 |want| + 1e-15 max|want|, element by element.
void expect_close(const std::string& what, const Tensor& got, const Tensor& want)
{
    BOOST_TEST_CONTEXT(what)
    {
        BOOST_TEST_REQUIRE(got.defined());
        BOOST_TEST(got.dtype() == Dtype::Float64);
        BOOST_TEST_REQUIRE(autograd::to_string(got.shape()) == autograd::to_string(want.shape()));
        const std::vector<double> a = got.to_vector(), b = want.to_vector();
        double scale = 0.0;
        for (double v : b)
            if (std::isfinite(v))
                scale = std::max(scale, std::abs(v));
        for (std::size_t i = 0; i < a.size(); ++i) {
            const bool same_special = (std::isnan(a[i]) && std::isnan(b[i])) || (std::isinf(b[i]) && a[i] == b[i]);
            const bool close = std::abs(a[i] - b[i]) <= 1e-12 * std::abs(b[i]) + 1e-15 * scale;
            BOOST_TEST((same_special || close), "element " << i << ": got " << a[i] << ", PyTorch " << b[i]
                                                           << " (difference " << a[i] - b[i] << ")");
        }
    }
}

void expect_all_close(const std::string& what, const V& got, const V& want)
{
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        expect_close(what + " " + std::to_string(i), got[i].defined() ? got[i] : Tensor::zeros(want[i].shape(), Dtype::Float64),
                     want[i]);
}

void run_case(const CaseFunction& f, const Case& c)
{
    V leaves;
    for (const Tensor& t : c.in)
        leaves.push_back(Tensor(t.to_vector(), t.shape()).requires_grad_());
    BOOST_TEST_REQUIRE(c.out.defined());
    const Tensor y = f(leaves, c.constant);
    expect_close("out", y, c.out);
    if (leaves.empty())
        return;
    BOOST_TEST_REQUIRE(c.gout.defined());
    // First derivatives, recorded (create_graph) so that they can be differentiated again.
    const V grads = autograd::grad({(y * c.gout).sum()}, leaves, {}, false, /*create_graph=*/true);
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

} // namespace

BOOST_AUTO_TEST_CASE(every_case_matches_pytorch)
{
    const auto cases = load_fixture();
    BOOST_TEST(cases.size() >= 80u);
    std::map<std::string, int> seen;
    for (const auto& [name, c] : cases) {
        BOOST_TEST_CONTEXT("case " << name)
        {
            BOOST_TEST(++seen[name] == 1, "the fixture has case " << name << " twice");
            const auto it = table().find(name);
            if (it == table().end()) {
                BOOST_ERROR("fixture case " << name << " has no function in this test's table");
                continue;
            }
            run_case(it->second, c);
        }
    }
    for (const auto& [name, f] : table())
        BOOST_TEST(seen.contains(name), "table entry " << name << " has no case in the fixture");
}

BOOST_AUTO_TEST_CASE(the_fixture_has_an_mlp_hessian_vector_product)
{
    // The second-derivative golden value the issue asks for: a 2-layer tanh MLP's MSE loss.
    const auto cases = load_fixture();
    const auto it = std::find_if(cases.begin(), cases.end(), [](const auto& c) { return c.first == "mlp_mse"; });
    BOOST_TEST_REQUIRE((it != cases.end()));
    BOOST_TEST(it->second.hvp.size() == 4u);
    double norm = 0.0;
    for (const Tensor& h : it->second.hvp)
        for (double v : h.to_vector())
            norm += v * v;
    BOOST_TEST(norm > 0.1); // not trivially zero
}
