// The tensor ops against PyTorch in float64 and float32: values, gradients and Hessian-vector
// products.
//
// tests/fixtures/tensor_golden.txt is written by tests/golden/golden_tensor.py (PyTorch; the test never
// needs it). Each fixture case is a function f of some inputs, with a weight w for its output and
// a direction v_i for each differentiable input; PyTorch recorded f, the gradients
// d sum(f w) / d in_i and the Hessian-vector products d/d in_j sum_i <d sum(f w) / d in_i, v_i>.
// Every row names its dtype: a case is computed by PyTorch in that dtype and here on tensors of
// that dtype (every case in float64, a subset of every op family again in float32).
// Every case name maps to the same function written with Backprop's ops (the table below, one
// function for both dtypes). A fixture case without an entry, an entry without a float64 case,
// or a float32 case missing from the fixture or from float32_cases() fails. Every value must
// agree within the tolerance of its dtype (see `tolerance`), NaN with NaN and infinities with the
// same infinity, and have the case's dtype.
#define BOOST_TEST_MODULE tensor_golden
#include <boost/test/unit_test.hpp>

#include "golden_cases.hpp"

#include <autograd/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using V = std::vector<Tensor>;

namespace {

// The `end` of a slice to the end of its axis (Python's x[a:]).
constexpr std::int64_t to_end = std::numeric_limits<std::int64_t>::max();

using Case = golden::TensorCase;

// "name (dtype)", how the test names a case.
std::string case_id(const std::string& name, Dtype dtype)
{
    return name + " (" + std::string(autograd::to_string(dtype)) + ")";
}

std::vector<std::pair<std::string, Case>> load_fixture()
{
    return golden::read_tensor_cases(BACKPROP_FIXTURES "/tensor_golden.txt");
}

// The function of each case: f(differentiable inputs, constant inputs), as golden_tensor.py
// writes it with PyTorch. The same function serves both dtypes: it must build no tensor of a
// fixed dtype (the inputs' dtype carries through).
using CaseFunction = std::function<Tensor(const V& x, const V& c)>;

const std::map<std::string, CaseFunction>& table()
{
    using autograd::Correction;
    using autograd::concat;
    using autograd::stack;
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
        // Elementwise (ops/elementwise.hpp)
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
        // Reductions (ops/reduce.hpp)
        {"max", [](const V& x, const V&) { return max(x[0]); }},
        {"max_ties", [](const V& x, const V&) { return max(x[0]); }},
        {"max_axis", [](const V& x, const V&) { return max(x[0], 1); }},
        {"max_axis_keepdim", [](const V& x, const V&) { return max(x[0], 0, true); }},
        {"max_axis_ties", [](const V& x, const V&) { return max(x[0], 1); }},
        {"min", [](const V& x, const V&) { return min(x[0]); }},
        {"min_ties", [](const V& x, const V&) { return min(x[0]); }},
        {"min_axis", [](const V& x, const V&) { return min(x[0], -1); }},
        // argmax is int64, as torch's; the fixture holds its values in the case's float dtype
        {"argmax", [](const V&, const V& c) { return argmax(c[0]).to(c[0].dtype()); }},
        {"argmax_axis", [](const V&, const V& c) { return argmax(c[0], 1).to(c[0].dtype()); }},
        {"argmax_axis_ties", [](const V&, const V& c) { return argmax(c[0], 1, true).to(c[0].dtype()); }},
        {"argmin", [](const V&, const V& c) { return argmin(c[0]).to(c[0].dtype()); }},
        {"argmin_axis", [](const V&, const V& c) { return argmin(c[0], 0).to(c[0].dtype()); }},
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
        // Select, join and rearrange (ops/index.hpp, ops/shape.hpp); the `_hvp` cases go through a nonlinear
        // function, so that their Hessian-vector products differentiate each op's backward.
        {"permute", [](const V& x, const V&) { return x[0].permute({2, 0, 1}); }},
        {"permute_negative", [](const V& x, const V&) { return permute(x[0], {1, -1, 0}); }},
        {"permute_hvp", [](const V& x, const V&) { return tanh(x[0].permute({1, 0})) * x[1]; }},
        {"squeeze", [](const V& x, const V&) { return x[0].squeeze(); }},
        {"squeeze_to_0d", [](const V& x, const V&) { return squeeze(x[0]); }},
        {"squeeze_axis", [](const V& x, const V&) { return x[0].squeeze(1); }},
        {"squeeze_axis_negative", [](const V& x, const V&) { return squeeze(x[0], -1); }},
        {"squeeze_axis_not_one", [](const V& x, const V&) { return x[0].squeeze(0); }},
        {"unsqueeze", [](const V& x, const V&) { return x[0].unsqueeze(0); }},
        {"unsqueeze_middle", [](const V& x, const V&) { return unsqueeze(x[0], 1); }},
        {"unsqueeze_negative", [](const V& x, const V&) { return x[0].unsqueeze(-1); }},
        {"squeeze_unsqueeze_hvp", [](const V& x, const V&) { return exp(x[0].squeeze(1)).unsqueeze(-1) * x[1]; }},
        {"expand", [](const V& x, const V&) { return x[0].expand({2, 3, 4}); }},
        {"expand_keep", [](const V& x, const V&) { return expand(x[0], {3, -1}); }},
        {"expand_same", [](const V& x, const V&) { return x[0].expand({2, 3}); }},
        {"expand_hvp", [](const V& x, const V&) { return tanh(x[0].expand({2, -1, 3})) * x[1]; }},
        {"slice", [](const V& x, const V&) { return slice(x[0], 0, 1, 3); }},
        {"slice_axis1", [](const V& x, const V&) { return slice(x[0], 1, 1, to_end); }},
        {"slice_negative", [](const V& x, const V&) { return slice(x[0], 1, -3, -1); }},
        {"slice_clamped", [](const V& x, const V&) { return slice(x[0], 1, -10, 100); }},
        {"slice_clamped_start", [](const V& x, const V&) { return slice(x[0], 0, -100, 2); }},
        {"slice_step", [](const V& x, const V&) { return slice(x[0], 1, 0, to_end, 2); }},
        {"slice_step_offset", [](const V& x, const V&) { return slice(x[0], 2, 1, 100, 3); }},
        {"slice_negative_bounds_step", [](const V& x, const V&) { return slice(x[0], 0, -4, -1, 2); }},
        {"slice_empty", [](const V& x, const V&) { return slice(x[0], 0, 3, 1); }},
        {"slice_hvp",
         [](const V& x, const V&) { return tanh(slice(x[0], 1, 1, to_end, 2)) * slice(x[0], 1, 0, to_end, 2); }},
        {"index_select", [](const V& x, const V&) { return index_select(x[0], 1, {2, 0, 2}); }},
        {"index_select_axis0", [](const V& x, const V&) { return index_select(x[0], 0, {1, 1, 0, 2}); }},
        {"index_select_3d", [](const V& x, const V&) { return index_select(x[0], -1, {3, 1}); }},
        {"index_select_hvp", [](const V& x, const V&) { return exp(index_select(x[0], 0, {1, 1, 0})) * x[0]; }},
        {"gather", [](const V& x, const V&) { return gather(x[0], 1, {0, 0, 3, 1, 2, 2}, {3, 2}); }},
        {"gather_axis0", [](const V& x, const V&) { return gather(x[0], 0, {2, 0, 1, 2, 2, 0}, {2, 3}); }},
        {"gather_3d", [](const V& x, const V&) { return gather(x[0], 1, {1, 0, 2, 2, 0, 0, 1, 2}, {2, 2, 2}); }},
        {"gather_tensor_index", [](const V& x, const V& c) { return gather(x[0], -1, c[0]); }},
        {"gather_hvp", [](const V& x, const V&) { return exp(gather(x[0], 1, {1, 1, 0, 2, 0, 0}, {2, 3})); }},
        {"concat", [](const V& x, const V&) { return concat({x[0], x[1]}, 0); }},
        {"concat_axis1_three", [](const V& x, const V&) { return concat({x[0], x[1], x[2]}, 1); }},
        {"concat_negative_axis", [](const V& x, const V&) { return concat({x[0], x[1]}, -1); }},
        {"concat_const", [](const V& x, const V& c) { return concat({c[0], x[0]}); }},
        {"concat_one", [](const V& x, const V&) { return concat({x[0]}, 1); }},
        {"concat_hvp",
         [](const V& x, const V&) { return tanh(concat({x[0], x[1]}, -1)) * concat({x[1], x[0]}, -1); }},
        {"stack", [](const V& x, const V&) { return stack({x[0], x[1]}); }},
        {"stack_axis1_three", [](const V& x, const V&) { return stack({x[0], x[1], x[2]}, 1); }},
        {"stack_axis_last", [](const V& x, const V&) { return stack({x[0], x[1]}, -1); }},
        {"stack_hvp",
         [](const V& x, const V&) {
             const Tensor s = stack({x[0], x[1]}, 1); // s[:, 0] * tanh(s[:, 1])
             return slice(s, 1, 0, 1).squeeze(1) * tanh(index_select(s, 1, {1}).squeeze(1));
         }},
        {"index_chain",
         [](const V& x, const V&) {
             const Tensor e = x[0].permute({1, 0}).unsqueeze(0).expand({4, -1, -1});
             return pow(slice(slice(e, 0, 1, 3), 2, 0, to_end, 2), 2.0); // e[1:3, :, ::2] ** 2
         }},
        // Issue 13's ops
        {"sin", [](const V& x, const V&) { return sin(x[0]); }},
        {"cos", [](const V& x, const V&) { return cos(x[0]); }},
        {"log1p", [](const V& x, const V&) { return log1p(x[0]); }},
        {"log1p_small", [](const V& x, const V&) { return log1p(x[0]); }},
        {"expm1", [](const V& x, const V&) { return expm1(x[0]); }},
        {"expm1_small", [](const V& x, const V&) { return expm1(x[0]); }},
        {"softplus", [](const V& x, const V&) { return softplus(x[0]); }},
        {"softplus_beta_threshold", [](const V& x, const V&) { return softplus(x[0], 2.0, 1.0); }},
        {"softplus_large", [](const V& x, const V&) { return softplus(x[0]); }},
        {"gelu", [](const V& x, const V&) { return gelu(x[0]); }},
        {"gelu_tanh", [](const V& x, const V&) { return gelu(x[0], autograd::GeluApproximation::Tanh); }},
        {"silu", [](const V& x, const V&) { return silu(x[0]); }},
        {"elu", [](const V& x, const V&) { return elu(x[0]); }},
        {"elu_alpha", [](const V& x, const V&) { return elu(x[0], 0.5); }},
        {"maximum", [](const V& x, const V&) { return maximum(x[0], x[1]); }},
        {"maximum_broadcast", [](const V& x, const V&) { return maximum(x[0], x[1]); }},
        {"maximum_ties", [](const V& x, const V&) { return maximum(x[0], x[1]); }},
        {"minimum_broadcast", [](const V& x, const V&) { return minimum(x[0], x[1]); }},
        {"minimum_ties", [](const V& x, const V&) { return minimum(x[0], x[1]); }},
        {"logsumexp", [](const V& x, const V&) { return logsumexp(x[0], 1); }},
        {"logsumexp_keepdim", [](const V& x, const V&) { return logsumexp(x[0], 0, true); }},
        {"logsumexp_negative_axis", [](const V& x, const V&) { return logsumexp(x[0], -1); }},
        {"logsumexp_large", [](const V& x, const V&) { return logsumexp(x[0], 0); }},
        {"clone", [](const V& x, const V&) { return clone(x[0]); }},
        {"clone_hvp", [](const V& x, const V&) { return clone(x[0]) * x[0]; }},
        {"flip", [](const V& x, const V&) { return flip(x[0], {0, 2}); }},
        {"flip_negative", [](const V& x, const V&) { return flip(x[0], {-1}); }},
        {"flip_hvp", [](const V& x, const V&) { return tanh(flip(x[0], {1})) * x[0]; }},
        {"repeat", [](const V& x, const V&) { return repeat(x[0], {2, 1, 3}); }},
        {"repeat_hvp", [](const V& x, const V&) { return tanh(repeat(x[0], {3, 2})) * repeat(x[0], {3, 2}); }},
        {"tile_hvp", [](const V& x, const V&) { return tanh(tile(x[0], {2})) * tile(x[0], {1, 2}); }},
        {"split_hvp", [](const V& x, const V&) {
             const auto p = split(x[0], 2);
             return concat({p[2], p[0] * p[1]});
         }},
        {"split_with_sizes_hvp", [](const V& x, const V&) {
             const auto p = split_with_sizes(x[0], {1, 3}, -1);
             return p[0] * tanh(p[1]);
         }},
        {"chunk_hvp", [](const V& x, const V&) {
             const auto p = chunk(x[0], 4);
             return p.size() == 3 ? p[0] * p[1] + sin(p[2]) : Tensor(); // torch.chunk's 3 parts
         }},
        {"matmul_broadcast_1_4", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_broadcast_4d", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_broadcast_vector_4d", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_broadcast_4d_vector", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_broadcast_matrix_4d", [](const V& x, const V&) { return matmul(x[0], x[1]); }},
        {"matmul_broadcast_hvp", [](const V& x, const V&) { return tanh(matmul(x[0], x[1])); }},
        {"unbind_hvp", [](const V& x, const V&) {
             const auto p = unbind(x[0], 1);
             return stack({p[2] * p[0], p[1]}, 1);
         }},
        {"sum_axes", [](const V& x, const V&) { return sum(x[0], Shape{0, 2}); }},
        {"sum_axes_keepdim", [](const V& x, const V&) { return sum(x[0], Shape{-1, 1}, true); }},
        {"mean_axes", [](const V& x, const V&) { return mean(x[0], Shape{1, 2}); }},
        {"mean_axes_hvp", [](const V& x, const V&) { return tanh(mean(x[0], Shape{0, 1}, true)) * x[0]; }},
        {"cumsum", [](const V& x, const V&) { return cumsum(x[0], 1); }},
        {"cumsum_axis0", [](const V& x, const V&) { return cumsum(x[0], 0); }},
        {"cumsum_hvp", [](const V& x, const V&) { return tanh(cumsum(x[0], -1)) * x[0]; }},
        {"prod", [](const V& x, const V&) { return prod(x[0]); }},
        {"prod_axis", [](const V& x, const V&) { return prod(x[0], 1); }},
        {"prod_axis_keepdim", [](const V& x, const V&) { return prod(x[0], 0, true); }},
        {"prod_one_zero", [](const V& x, const V&) { return prod(x[0]); }},
        {"prod_two_zeros", [](const V& x, const V&) { return prod(x[0]); }},
        {"prod_axis_zeros", [](const V& x, const V&) { return prod(x[0], 1); }},
    };
    return cases;
}

// The cases the fixture also has in float32 (FLOAT32 in golden_tensor.py): every op family.
// Every case is in float64.
const std::set<std::string>& float32_cases()
{
    static const std::set<std::string> names = {
        // elementwise
        "add_broadcast", "div_broadcast", "scalar_ops", "exp", "log", "tanh", "sigmoid", "relu_grad",
        "pow_scalar_negative", "sqrt", "abs", "leaky_relu_slope", "clamp", "pow_tensor_broadcast",
        // reductions
        "sum", "sum_axis_keepdim", "mean_axis", "sum_to", "broadcast_to", "max_ties", "max_axis", "min_axis",
        "argmax_axis", "var_axis", "std_axis",
        // matrix products and shape
        "matmul", "matmul_vector_vector", "matmul_matrix_vector", "matmul_batched", "matmul_batch_shared",
        "matmul_shared_batch", "matmul_transposed", "reshape", "transpose",
        // normalisation, comparisons, where
        "softmax", "softmax_3d", "log_softmax", "log_softmax_axis0", "log_softmax_large", "cross_entropy", "lt",
        "where_broadcast",
        // select, join, rearrange
        "permute_hvp", "squeeze_unsqueeze_hvp", "expand_hvp", "slice_negative", "slice_step_offset", "slice_hvp",
        "index_select_hvp", "gather_tensor_index", "gather_hvp", "concat_const", "concat_hvp", "stack_hvp",
        "index_chain",
        // the MLP
        "mlp_mse",
        // issue 13's ops
        "sin", "cos", "log1p_small", "expm1", "expm1_small", "softplus", "softplus_large", "gelu", "gelu_tanh", "silu",
        "elu_alpha", "maximum_broadcast", "minimum_ties", "logsumexp", "logsumexp_keepdim", "clone_hvp",
        "flip_hvp", "sum_axes_keepdim", "mean_axes_hvp", "cumsum_axis0", "cumsum_hvp", "prod",
        "prod_axis_keepdim", "prod_axis_zeros",
        // issue 13, part 3
        "repeat_hvp", "split_hvp", "chunk_hvp", "unbind_hvp", "matmul_broadcast_4d", "matmul_broadcast_hvp"};
    return names;
}

// The tolerance of a value `want` of a tensor whose largest magnitude is `scale`:
void run_case(const CaseFunction& f, const Case& c) { golden::check_case(c, f); }

} // namespace

BOOST_AUTO_TEST_CASE(every_case_matches_pytorch)
{
    const auto cases = load_fixture();
    std::map<std::string, int> seen; // by case_id: a name once per dtype
    std::set<std::string> names, names32;
    for (const auto& [name, c] : cases) {
        const std::string id = case_id(name, c.dtype);
        BOOST_TEST_CONTEXT("case " << id)
        {
            BOOST_TEST(++seen[id] == 1, "the fixture has case " << id << " twice");
            (c.dtype == Dtype::Float64 ? names : names32).insert(name);
            const auto it = table().find(name);
            if (it == table().end()) {
                BOOST_ERROR("fixture case " << id << " has no function in this test's table");
                continue;
            }
            run_case(it->second, c);
        }
    }
    for (const auto& [name, f] : table())
        BOOST_TEST(names.contains(name), "table entry " << name << " has no float64 case in the fixture");
    for (const std::string& name : float32_cases())
        BOOST_TEST(names32.contains(name), "the fixture has no float32 case " << name);
    for (const std::string& name : names32)
        BOOST_TEST(float32_cases().contains(name), "float32 case " << name << " is not in this test's float32_cases()");
}

BOOST_AUTO_TEST_CASE(the_fixture_has_an_mlp_hessian_vector_product)
{
    // The second-derivative golden value the issue asks for: a 2-layer tanh MLP's MSE loss, in
    // both dtypes.
    const auto cases = load_fixture();
    for (const Dtype dtype : {Dtype::Float64, Dtype::Float32}) {
        BOOST_TEST_CONTEXT(dtype)
        {
            const auto it = std::find_if(cases.begin(), cases.end(), [dtype](const auto& c) {
                return c.first == "mlp_mse" && c.second.dtype == dtype;
            });
            BOOST_TEST_REQUIRE((it != cases.end()));
            BOOST_TEST(it->second.hvp.size() == 4u);
            double norm = 0.0;
            for (const Tensor& h : it->second.hvp)
                for (double v : h.to_vector())
                    norm += v * v;
            BOOST_TEST(norm > 0.1); // not trivially zero
        }
    }
}
