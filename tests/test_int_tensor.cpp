// int64 and bool tensors: construction and access, printing, PyTorch's promotion when they meet
// float32 and float64 (each rule against fixtures/int_golden.txt, which tests/golden/golden_int.py
// writes from PyTorch), no gradient through integers, int64 indices and labels, embedding's
// max_norm, safetensors I64 and BOOL entries, and the message of every refused input.
#define BOOST_TEST_MODULE int_tensor
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/autograd.hpp>
#include <nn/nn.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::contains;
using test_util::message_of;
namespace tt = boost::test_tools;
using I = std::vector<std::int64_t>;

namespace {

// One result line of the fixture: its dtype, shape and the values as written (exact text).
struct Golden {
    Dtype dtype = Dtype::Float32;
    Shape shape;
    std::vector<std::string> values;
};

Dtype parse_dtype(const std::string& name)
{
    for (Dtype d : {Dtype::Float32, Dtype::Float64, Dtype::Int64, Dtype::Bool})
        if (autograd::to_string(d) == name)
            return d;
    BOOST_FAIL("unknown dtype " << name);
    return Dtype::Float32;
}

struct Fixture {
    std::map<std::string, Golden> results; // the last of a name (max_norm cases come in two dtypes: see below)
    std::vector<std::pair<std::string, Golden>> all;
    std::map<std::string, std::string> prints;
};

const Fixture& fixture()
{
    static const Fixture f = [] {
        Fixture out;
        std::ifstream file(BACKPROP_FIXTURES "/int_golden.txt");
        BOOST_REQUIRE_MESSAGE(file, "cannot open int_golden.txt (run tests/golden/golden_int.py)");
        std::string line;
        while (std::getline(file, line)) {
            if (line.empty() || line[0] == '#')
                continue;
            if (line.rfind("print ", 0) == 0) {
                const std::size_t space = line.find(' ', 6);
                std::string text = line.substr(space + 1), unescaped;
                for (std::size_t i = 0; i < text.size(); ++i) {
                    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
                        unescaped += '\n';
                        ++i;
                    } else {
                        unescaped += text[i];
                    }
                }
                out.prints[line.substr(6, space - 6)] = unescaped;
                continue;
            }
            std::istringstream in(line);
            std::string name, dtype, shape;
            in >> name >> dtype >> shape;
            Golden g;
            g.dtype = parse_dtype(dtype);
            std::istringstream sizes(shape.substr(1, shape.size() - 2));
            std::string size;
            while (std::getline(sizes, size, ','))
                g.shape.push_back(std::stoll(size));
            for (std::string v; in >> v;)
                g.values.push_back(v);
            out.results[name] = g;
            out.all.emplace_back(name, g);
        }
        return out;
    }();
    return f;
}

// Checks t against a golden result: dtype and shape exactly; int64 values exactly (compared as
// integers, not through doubles), floating values to a few ulps of their dtype.
void check(const std::string& name, const Tensor& t, const Golden& g)
{
    BOOST_TEST_CONTEXT(name)
    {
        BOOST_TEST(t.dtype() == g.dtype);
        BOOST_TEST(t.shape() == g.shape, tt::per_element());
        BOOST_REQUIRE_EQUAL(static_cast<std::size_t>(t.numel()), g.values.size());
        if (t.dtype() == Dtype::Int64) {
            const I got = t.to_vector_as<std::int64_t>();
            for (std::size_t i = 0; i < got.size(); ++i)
                BOOST_TEST(got[i] == std::stoll(g.values[i]), "element " << i);
        } else {
            const std::vector<double> got = t.to_vector();
            const double tol = t.dtype() == Dtype::Float64 ? 1e-14 : 1e-6;
            for (std::size_t i = 0; i < got.size(); ++i) {
                const double want = std::stod(g.values[i]);
                BOOST_TEST(std::abs(got[i] - want) <= tol * std::max(1.0, std::abs(want)),
                           "element " << i << ": " << got[i] << " vs " << want);
            }
        }
    }
}

// The inputs of golden_int.py.
Tensor A() { return Tensor({1, -2, 3, 4, 5, -6}, {2, 3}); }
Tensor B() { return Tensor({2, -3, 5}, {3}); }
Tensor F32() { return Tensor({0.5f, -1.25f, 2.0f}, {3}); }
Tensor F64() { return Tensor({0.5, -1.25, 2.0}, {3}); }
Tensor BIG() { return Tensor(I{(std::int64_t{1} << 53) + 1, -(std::int64_t{1} << 62), 7}, {3}); }
Tensor FL() { return Tensor({2.7f, -2.7f, 0.5f, -0.5f, 0.0f}, {5}); }
Tensor M() { return Tensor({1, 0, 1}, {3}).to(Dtype::Bool); }

} // namespace

BOOST_AUTO_TEST_CASE(dtype_basics)
{
    BOOST_TEST(autograd::itemsize(Dtype::Int64) == 8u);
    BOOST_TEST(autograd::itemsize(Dtype::Bool) == 1u);
    BOOST_TEST(autograd::to_string(Dtype::Int64) == "int64");
    BOOST_TEST(autograd::to_string(Dtype::Bool) == "bool");
    BOOST_TEST(autograd::dtype_of<std::int64_t> == Dtype::Int64);
    BOOST_TEST(autograd::is_floating_point(Dtype::Float64));
    BOOST_TEST(!autograd::is_floating_point(Dtype::Int64));
    BOOST_TEST(!autograd::is_floating_point(Dtype::Bool));
    // torch.promote_types
    BOOST_TEST(autograd::promote_types(Dtype::Int64, Dtype::Float32) == Dtype::Float32);
    BOOST_TEST(autograd::promote_types(Dtype::Float64, Dtype::Int64) == Dtype::Float64);
    BOOST_TEST(autograd::promote_types(Dtype::Bool, Dtype::Int64) == Dtype::Int64);
    BOOST_TEST(autograd::promote_types(Dtype::Bool, Dtype::Float32) == Dtype::Float32);
    BOOST_TEST(autograd::promote_types(Dtype::Int64, Dtype::Int64) == Dtype::Int64);
    // float arithmetic kernels refuse integers rather than read their bits as floats
    BOOST_TEST(contains(message_of<std::invalid_argument>([] {
                            autograd::dispatch(Dtype::Int64, []<class T>() { return 0; });
                        }),
                        "an int64 tensor reached an op that computes in floating point only"));
}

BOOST_AUTO_TEST_CASE(construction_and_access)
{
    const Tensor t({1, 2, 3}, {3}); // int literals: int64, as torch.tensor([1, 2, 3])
    BOOST_TEST(t.dtype() == Dtype::Int64);
    BOOST_TEST(Tensor({1.f, 2.f}, {2}).dtype() == Dtype::Float32);
    BOOST_TEST(Tensor({1.0, 2.0}, {2}).dtype() == Dtype::Float64);
    BOOST_TEST(Tensor(I{4, 5}, {2}).dtype() == Dtype::Int64);
    BOOST_TEST(t.at({2}) == 3.0);
    BOOST_TEST(t.to_vector() == (std::vector<double>{1, 2, 3}), tt::per_element());
    BOOST_TEST(t.data_ptr<std::int64_t>()[1] == 2);
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)t.data_ptr<float>(); }) ==
               "data_ptr: the tensor is int64, not float32");
    // Exact beyond 2^53, where a double is not: read as int64, not through item()
    const Tensor big = BIG();
    BOOST_TEST(big.to_vector_as<std::int64_t>()[0] == (std::int64_t{1} << 53) + 1);
    BOOST_TEST(Tensor({-7}, {}).item() == -7.0);

    const Tensor z = Tensor::zeros({2, 2}, Dtype::Int64);
    BOOST_TEST(z.dtype() == Dtype::Int64);
    BOOST_TEST(z.to_vector_as<std::int64_t>() == (I{0, 0, 0, 0}), tt::per_element());
    BOOST_TEST(Tensor::ones({3}, Dtype::Int64).to_vector_as<std::int64_t>() == (I{1, 1, 1}), tt::per_element());
    // torch.full((2,), 2.5, dtype=torch.int64) and torch.arange(0, 5, 2): truncated toward zero
    BOOST_TEST(Tensor::full({2}, -2.5, Dtype::Int64).to_vector_as<std::int64_t>() == (I{-2, -2}), tt::per_element());
    BOOST_TEST(Tensor::arange(0, 5, 2, Dtype::Int64).to_vector_as<std::int64_t>() == (I{0, 2, 4}), tt::per_element());
    BOOST_TEST(Tensor::empty({3}, Dtype::Bool).numel() == 3);
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor::full({1}, NAN, Dtype::Int64); }) ==
               "full: value nan does not fit dtype int64");
    autograd::Generator gen(0);
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { (void)Tensor::randn({2}, gen, 0, 1, Dtype::Int64); }),
                        "randn: dtype int64 is not floating-point"));
}

BOOST_AUTO_TEST_CASE(conversions)
{
    const auto& r = fixture().results;
    check("to_int", FL().to(Dtype::Int64), r.at("to_int"));
    check("to_bool", FL().to(Dtype::Bool).to(Dtype::Int64), r.at("to_bool"));
    check("bool_to_f32", M().to(Dtype::Float32), r.at("bool_to_f32"));
    // Where C++ would be undefined, a clear error naming the element
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor({1.f, NAN}, {2}).to(Dtype::Int64); }) ==
               "to: element 1 of shape [2] is nan, which int64 cannot hold");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor({1e19}, {1}).to(Dtype::Int64); }) ==
               "to: element 0 of shape [1] is 1e+19, which int64 cannot hold");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)Tensor({0.5, INFINITY}, {2}).to_vector_as<std::int64_t>(); }) ==
               "to_vector_as: element 1 is inf, which int64 cannot hold");
    // int64 -> float64 -> int64 round trip is exact below 2^53
    const Tensor v = Tensor(I{-(std::int64_t{1} << 52), 3}, {2});
    BOOST_TEST(v.to(Dtype::Float64).to(Dtype::Int64).to_vector_as<std::int64_t>() == v.to_vector_as<std::int64_t>(),
               tt::per_element());
}

// The ops that only move elements take every dtype (dispatch_any), exactly, beyond 2^53 too.
BOOST_AUTO_TEST_CASE(moving_ops_keep_int64)
{
    const auto values = [](const Tensor& t) {
        BOOST_TEST(t.dtype() == Dtype::Int64);
        return t.to_vector_as<std::int64_t>();
    };
    const Tensor a = A(); // [[1, -2, 3], [4, 5, -6]]
    BOOST_TEST(values(a.t()) == (I{1, 4, -2, 5, 3, -6}), tt::per_element());
    BOOST_TEST(values(a.permute({1, 0})) == (I{1, 4, -2, 5, 3, -6}), tt::per_element());
    BOOST_TEST(values(a.reshape({3, 2}).slice(0, 1, 3)) == (I{3, 4, 5, -6}), tt::per_element());
    BOOST_TEST(values(autograd::flip(a, {1})) == (I{3, -2, 1, -6, 5, 4}), tt::per_element());
    BOOST_TEST(values(autograd::clone(BIG())) == BIG().to_vector_as<std::int64_t>(), tt::per_element());
    BOOST_TEST(values(B().unsqueeze(0).expand({2, 3})) == (I{2, -3, 5, 2, -3, 5}), tt::per_element());
    BOOST_TEST(values(autograd::repeat(Tensor({7, 8}, {2}), {2})) == (I{7, 8, 7, 8}), tt::per_element());
    BOOST_TEST(values(autograd::concat({B(), BIG()})) ==
                   (I{2, -3, 5, (std::int64_t{1} << 53) + 1, -(std::int64_t{1} << 62), 7}),
               tt::per_element());
    BOOST_TEST(values(autograd::stack({B(), B()}, 1)) == (I{2, 2, -3, -3, 5, 5}), tt::per_element());
    BOOST_TEST(values(a.gather(1, Tensor({2, 0}, {2, 1}))) == (I{3, 4}), tt::per_element());
    BOOST_TEST(values(autograd::max(a, 1)) == (I{3, 5}), tt::per_element());
    // joining int64 with float promotes (relu_clamp_extremes_and_joins_promote_as_torch); float32
    // with float64 stays refused, naming the dtypes
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)autograd::concat({B(), F32(), F64()}); }) ==
               "concat: dtypes float32 and float64 differ (convert one with .to())");
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)autograd::stack({F64(), B(), F32()}); }) ==
               "stack: dtypes float64 and float32 differ (convert one with .to())");
}

// relu, clamp, maximum and minimum keep int64 (clamp with integer bounds), and promote with a
// float bound or operand; concat and stack promote as torch.cat and torch.stack. Each result's
// dtype and values against golden_int.py's.
BOOST_AUTO_TEST_CASE(relu_clamp_extremes_and_joins_promote_as_torch)
{
    using Op = std::function<Tensor()>;
    const std::vector<std::pair<std::string, Op>> ops = {
        {"relu_i", [] { return autograd::relu(A()); }},
        {"clamp_ii", [] { return autograd::clamp(A(), -1, 4); }},
        {"clamp_i_min", [] { return autograd::clamp(A(), 0, std::nullopt); }},
        {"clamp_i_max", [] { return autograd::clamp(A(), std::nullopt, 2); }},
        {"clamp_big", [] { return autograd::clamp(BIG(), -(std::int64_t{1} << 62) + 1, std::int64_t{1} << 53); }},
        {"clamp_if", [] { return autograd::clamp(A(), -1.5, 2.5); }},
        {"clamp_i_mixed", [] { return autograd::clamp(A(), 0, 2.5); }}, // an int and a double bound: float32
        {"clamp_f32_int_bounds", [] { return autograd::clamp(F32(), 0, 1); }},
        {"maximum_ii", [] { return autograd::maximum(A(), B()); }},
        {"minimum_ii", [] { return autograd::minimum(A(), B()); }},
        {"maximum_big", [] { return autograd::maximum(BIG(), B()); }},
        {"maximum_if32", [] { return autograd::maximum(A(), F32()); }},
        {"minimum_if64", [] { return autograd::minimum(B(), F64()); }},
        {"maximum_bb", [] { return autograd::maximum(M(), Tensor({0, 1, 0}, {3}).to(Dtype::Bool)); }},
        {"minimum_ib", [] { return autograd::minimum(B(), M()); }},
        {"cat_if32", [] { return autograd::concat({B(), F32()}); }},
        {"cat_if64", [] { return autograd::concat({A(), F64().reshape({1, 3})}); }},
        {"cat_ib", [] { return autograd::concat({B(), M()}); }},
        {"cat_bf32", [] { return autograd::concat({M(), F32()}); }},
        {"stack_if32", [] { return autograd::stack({F32(), B()}, 1); }},
    };
    const auto& r = fixture().results;
    for (const auto& [name, op] : ops)
        check(name, op(), r.at(name));
    // No gradient through the integers: a float input joined with an int64 one gets its slice.
    const Tensor w = Tensor({0.5f, -1.f, 2.f}, {3}).requires_grad_();
    const Tensor joined = autograd::concat({B(), w});
    BOOST_TEST(joined.requires_grad());
    (joined * Tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {6})).sum().backward();
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{4, 5, 6}), tt::per_element());
    BOOST_TEST(!autograd::maximum(A(), B()).requires_grad());
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)autograd::clamp(A(), std::nullopt, std::nullopt); }) ==
               "clamp: at least one of min and max must be given");
}

BOOST_AUTO_TEST_CASE(printing_as_pytorch)
{
    const auto& p = fixture().prints;
    BOOST_TEST(autograd::to_string(Tensor({1, 2, 3}, {3})) == p.at("vector"));
    BOOST_TEST(autograd::to_string(A()) == p.at("matrix"));
    BOOST_TEST(autograd::to_string(Tensor({-7}, {})) == p.at("scalar"));
    BOOST_TEST(autograd::to_string(Tensor(I{}, {0})) == p.at("empty"));
    BOOST_TEST(autograd::to_string(BIG()) == p.at("big"));
    BOOST_TEST(autograd::to_string(M()) == p.at("bool"));
    BOOST_TEST(autograd::to_string(Tensor({1, 0, 0, 0}, {2, 2}).to(Dtype::Bool)) == p.at("bool_matrix"));
    BOOST_TEST(p.at("vector") == "tensor([1, 2, 3])"); // the fixture says what the brief asks
}

// Every rule of promotion, against PyTorch.
BOOST_AUTO_TEST_CASE(promotion_matches_pytorch)
{
    using Op = std::function<Tensor()>;
    const std::vector<std::pair<std::string, Op>> ops = {
        {"add_ii", [] { return A() + B(); }},
        {"sub_ii", [] { return A() - B(); }},
        {"mul_ii", [] { return A() * B(); }},
        {"neg_i", [] { return -A(); }},
        {"abs_i", [] { return autograd::abs(A()); }},
        {"sum_i", [] { return A().sum(); }},
        {"sum_i_axis1", [] { return A().sum(1); }},
        {"sum_big", [] { return BIG().sum(); }},
        {"add_big", [] { return BIG() + BIG(); }},
        {"max_i", [] { return autograd::max(A()); }},
        {"argmax_i", [] { return autograd::argmax(A(), 1); }},
        {"argmax_f", [] { return autograd::argmax(F32()); }},
        {"add_if32", [] { return A() + F32(); }},
        {"mul_if64", [] { return A() * F64(); }},
        {"sub_f32i", [] { return F32() - A(); }},
        {"div_f64i", [] { return F64() / B(); }},
        {"div_ii", [] { return A() / B(); }},
        {"exp_i", [] { return autograd::exp(A()); }},
        {"log_i", [] { return autograd::log(autograd::abs(A())); }},
        {"sqrt_i", [] { return autograd::sqrt(autograd::abs(A())); }},
        {"sigmoid_i", [] { return autograd::sigmoid(A()); }},
        {"tanh_i", [] { return autograd::tanh(A()); }},
        {"add_scalar_i", [] { return A() + 2.5; }},
        {"mul_scalar_i", [] { return A() * 2.0; }},
        {"add_bool_i", [] { return B() + M(); }},
        {"add_int_scalar_i", [] { return A() + 2; }},
        {"sub_int_scalar_i", [] { return 3 - A(); }},
        {"mul_int_scalar_i", [] { return -4 * A(); }},
        {"mul_int_scalar_big", [] { return BIG() * 3; }},
        {"add_int_scalar_bool", [] { return M() + 1; }},
        {"add_int_scalar_f32", [] { return F32() + 2; }},
        {"div_int_scalar_i", [] { return A() / 2; }},
        {"gt_ii", [] { return autograd::gt(A(), B()); }},
        {"lt_if32", [] { return autograd::lt(A(), F32()); }},
        {"lt_scalar_i", [] { return autograd::lt(A(), 2.5); }},
        {"where_i", [] { return autograd::where(autograd::gt(A(), 0.0), A(), Tensor({0}, {})); }},
        {"one_hot_i", [] { return autograd::one_hot(Tensor({2, 0, 1}, {3})); }},
    };
    const auto& r = fixture().results;
    for (const auto& [name, op] : ops)
        check(name, op(), r.at(name));
    // float32 with float64 stays an error, the message naming both
    BOOST_TEST(message_of<std::invalid_argument>([] { (void)(F32() + F64()); }) ==
               "add: dtypes float32 and float64 differ (convert one with .to())");
    // ops that compute in floating point only say so for integers rather than read them wrongly
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)autograd::matmul(A(), A().t()); }), "int64"));
    BOOST_TEST(contains(message_of<std::invalid_argument>([] { (void)A().mean(); }),
                        "an int64 tensor reached an op that computes in floating point only"));
}

BOOST_AUTO_TEST_CASE(no_gradient_through_integers)
{
    Tensor labels({0, 2}, {2});
    BOOST_TEST(message_of<std::invalid_argument>([&] { labels.requires_grad_(); }) ==
               "requires_grad_: only floating-point tensors can require gradients (this one is int64; convert it "
               "with .to(Dtype::Float32))");
    labels.requires_grad_(false); // turning it off is always allowed
    BOOST_TEST(!labels.requires_grad());

    // An op whose result is an integer records nothing, whatever its inputs need.
    const Tensor w = Tensor({0.5f, -1.f, 2.f}, {3}).requires_grad_();
    const Tensor i = w.to(Dtype::Int64);
    BOOST_TEST(!i.requires_grad());
    BOOST_TEST(i.grad_fn() == nullptr);
    BOOST_TEST(i.to_vector_as<std::int64_t>() == (I{0, -1, 2}), tt::per_element());
    BOOST_TEST(!autograd::argmax(w).requires_grad());
    // float op int: the gradient reaches the float operand only, with its dtype
    const Tensor y = (w * Tensor({1, 2, 3}, {3})).sum();
    y.backward();
    BOOST_TEST(w.grad().dtype() == Dtype::Float32);
    BOOST_TEST(w.grad().to_vector() == (std::vector<double>{1, 2, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(int64_indices_and_labels)
{
    const Tensor x = Tensor::arange(0, 6, 1, Dtype::Float64).reshape({2, 3});
    // index_select with an int64 tensor, and the braced list still picking the vector form
    BOOST_TEST(x.index_select(1, Tensor({2, 0}, {2})).to_vector() == (std::vector<double>{2, 0, 5, 3}),
               tt::per_element());
    BOOST_TEST(autograd::index_select(x, 1, {2, 0}).to_vector() == (std::vector<double>{2, 0, 5, 3}),
               tt::per_element());
    BOOST_TEST(message_of<std::out_of_range>([&] { (void)x.index_select(1, Tensor({3}, {1})); }) ==
               "index_select: index 3 is out of range for axis 1 of size 3");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)x.index_select(1, Tensor({0, 1}, {1, 2})); }) ==
               "index_select: the indices have shape [1, 2]; they must be 0-d or 1-d");
    // index_select and gather move int64 data too
    BOOST_TEST(A().index_select(0, Tensor({1}, {1})).to_vector_as<std::int64_t>() == (I{4, 5, -6}),
               tt::per_element());
    // gather: int64 index, and a float index holding integers still accepted
    const Tensor g = x.gather(1, Tensor({0, 0, 2, 1}, {2, 2}));
    BOOST_TEST(g.to_vector() == (std::vector<double>{0, 0, 5, 4}), tt::per_element());
    BOOST_TEST(x.gather(1, Tensor({0.0, 0.0, 2.0, 1.0}, {2, 2})).to_vector() == g.to_vector(), tt::per_element());
    BOOST_TEST(message_of<std::out_of_range>([&] { (void)x.gather(1, Tensor({0, -1}, {1, 2})); }) ==
               "gather: index -1 is out of range for axis 1 of size 3");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)x.gather(1, Tensor({0, 1}, {1, 2}).to(Dtype::Bool)); }) ==
               "gather: the index is a bool tensor; indices are int64");
    // one_hot of int64 labels: int64 as torch's; out of range named
    BOOST_TEST(autograd::one_hot(Tensor({1}, {1}), 2).dtype() == Dtype::Int64);
    BOOST_TEST(contains(message_of<std::out_of_range>([] { (void)autograd::one_hot(Tensor({0, 5}, {2}), 3); }),
                        "one_hot: label 5 at position 1 is out of range for 3 classes"));

    // cross_entropy and nll_loss: int64 labels give what float labels give
    const Tensor logits = Tensor({0.5, -1.0, 2.0, 0.1, 0.2, -0.3}, {2, 3}).requires_grad_();
    const Tensor li = Tensor({2, 0}, {2});
    const Tensor lf = Tensor({2.0, 0.0}, {2});
    const Tensor ce_i = autograd::cross_entropy(logits, li), ce_f = autograd::cross_entropy(logits, lf);
    BOOST_TEST(ce_i.item() == ce_f.item(), tt::tolerance(0.0));
    ce_i.backward();
    const std::vector<double> grad_i = logits.grad().to_vector();
    logits.zero_grad();
    ce_f.backward();
    BOOST_TEST(grad_i == logits.grad().to_vector(), tt::per_element());
    BOOST_TEST(nn::nll_loss(logits.log_softmax(1), li).item() == ce_f.item(), tt::tolerance(1e-15));
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)autograd::cross_entropy(logits, Tensor({2, 3}, {2})); }) ==
               "cross_entropy: label 3 of row 1 is not a class index in [0, 3)");
    BOOST_TEST(message_of<std::invalid_argument>([&] { (void)nn::nll_loss(logits, Tensor({-1, 0}, {2})); }) ==
               "nll_loss: label -1 of row 0 is not a class index in [0, 3)");

    // embedding with int64 indices, and an index out of range named with its position
    const Tensor table = Tensor::arange(0, 6, 1, Dtype::Float32).reshape({3, 2});
    BOOST_TEST(autograd::embedding(Tensor({2, 0}, {2}), table).to_vector() == (std::vector<double>{4, 5, 0, 1}),
               tt::per_element());
    BOOST_TEST(message_of<std::out_of_range>([&] { (void)autograd::embedding(Tensor({0, 3}, {2}), table); }) ==
               "embedding: index 3 at position 1 of indices [2] is not in [0, 3) (num_embeddings)");

    // accuracy with int64 labels: argmax is int64 now, compared exactly
    autograd::Generator gen(0);
    nn::Linear id(2, 2, gen, /*bias=*/false);
    id.weight().data_ptr<float>()[0] = 1.f, id.weight().data_ptr<float>()[1] = 0.f;
    id.weight().data_ptr<float>()[2] = 0.f, id.weight().data_ptr<float>()[3] = 1.f;
    const Tensor feats({1.f, 0.f, 0.f, 1.f, 0.2f, 0.9f}, {3, 2});
    BOOST_TEST(nn::accuracy(id, feats, Tensor({0, 0, 1}, {3})) == 2.0 / 3.0, tt::tolerance(1e-15));
}

// torch.nn.Embedding(max_norm=1.5, norm_type=p): the rows looked up are renormalised in place
// before the lookup (row 3 named twice is scaled once; row 0, too large but not looked up, stays).
BOOST_AUTO_TEST_CASE(embedding_max_norm_matches_pytorch)
{
    const auto& all = fixture().all;
    for (const Dtype dtype : {Dtype::Float64, Dtype::Float32}) {
        for (const double p : {2.0, 1.0}) {
            const std::string name = p == 2.0 ? "max_norm_p2" : "max_norm_p1";
            const Tensor w =
                Tensor({3.0, 4.0, 0.0, 0.3, -0.4, 0.1, 1.0, 1.0, 1.0, -2.0, 6.0, 3.0}, {4, 3}).to(dtype).requires_grad_();
            const Tensor out = autograd::embedding(Tensor({3, 1, 3}, {3}), w, {}, 1.5, p);
            for (const auto& [case_name, g] : all) {
                if (g.dtype != dtype)
                    continue;
                if (case_name == name + "_out")
                    check(case_name, out, g);
                if (case_name == name + "_weight")
                    check(case_name, w.detach(), g);
            }
            // The lookup is recorded; the renormalisation is not: the gradient is the lookup's.
            out.sum().backward();
            BOOST_TEST(w.grad().to_vector() == (std::vector<double>{0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2}),
                       tt::per_element());
        }
    }
    // The module: its option, its repr and the same renormalisation
    autograd::Generator gen(0);
    nn::Embedding emb(5, 4, gen, nn::EmbeddingOptions{.max_norm = 0.5});
    (void)emb(Tensor({1, 4}, {2}));
    for (std::int64_t row : {1, 4}) {
        const Tensor r = emb.weight().detach().index_select(0, I{row});
        BOOST_TEST(autograd::sqrt((r * r).sum()).item() <= 0.5 + 1e-6);
    }
    BOOST_TEST(emb.extra_repr() == "5, 4, max_norm=0.5");
    BOOST_TEST(message_of<std::invalid_argument>([&] { nn::Embedding(2, 2, gen, nn::EmbeddingOptions{.max_norm = -1.0}); }) ==
               "Embedding: max_norm must be >= 0 (got -1)");
}

BOOST_AUTO_TEST_CASE(safetensors_int64_and_bool)
{
    const test_util::ScratchDir dir("int_tensor");
    nn::StateDict sd;
    sd.insert("counts", BIG());
    sd.insert("mask", M());
    sd.insert("empty_mask", Tensor::zeros({0}, Dtype::Bool));
    sd.insert("w", F32());
    const auto path = dir.path / "ints.safetensors";
    nn::save_safetensors(sd, path);
    const nn::StateDict back = nn::load_safetensors(path);
    BOOST_TEST(back.at("counts").dtype() == Dtype::Int64);
    BOOST_TEST(back.at("counts").to_vector_as<std::int64_t>() == BIG().to_vector_as<std::int64_t>(), tt::per_element());
    BOOST_TEST(back.at("mask").dtype() == Dtype::Bool);
    BOOST_TEST(autograd::to_string(back.at("mask")) == "tensor([ True, False,  True])");
    BOOST_TEST(back.at("empty_mask").numel() == 0);
    BOOST_TEST(back.at("w").to_vector() == F32().to_vector(), tt::per_element());

    // A file torch wrote (golden_int.py): I64 beyond 2^53, BOOL, F32
    const nn::StateDict theirs = nn::load_safetensors(BACKPROP_FIXTURES "/int_reference.safetensors");
    BOOST_TEST(theirs.at("counts").shape() == (Shape{2, 2}), tt::per_element());
    BOOST_TEST(theirs.at("counts").to_vector_as<std::int64_t>() ==
                   (I{(std::int64_t{1} << 60) + 3, -1, 0, (std::int64_t{1} << 53) + 1}),
               tt::per_element());
    BOOST_TEST(theirs.at("mask").to(Dtype::Int64).to_vector_as<std::int64_t>() == (I{1, 0, 0, 1}), tt::per_element());
    BOOST_TEST(theirs.at("weight").to_vector() == (std::vector<double>{0.5, -2.0}), tt::per_element());

    // A BOOL byte other than 0 or 1 is refused, naming the entry and the element
    {
        std::ofstream f(dir.path / "bad_bool.safetensors", std::ios::binary);
        std::string header = R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})";
        header.append((8 - header.size() % 8) % 8, ' ');
        const std::uint64_t n = header.size();
        for (int i = 0; i < 8; ++i)
            f.put(static_cast<char>((n >> (8 * i)) & 0xff));
        f << header;
        f.put(1), f.put(2), f.put(0);
    }
    BOOST_TEST(contains(message_of<std::runtime_error>([&] { (void)nn::load_safetensors(dir.path / "bad_bool.safetensors"); }),
                        "tensor 'm': BOOL element 1 is byte 2, not 0 or 1"));

    // load_state_dict with int64 and bool entries; a dtype mismatch is named
    nn::StateDict dst;
    dst.insert("counts", Tensor::zeros({3}, Dtype::Int64));
    dst.insert("mask", Tensor::zeros({3}, Dtype::Bool));
    nn::StateDict src;
    src.insert("counts", BIG());
    src.insert("mask", M());
    nn::load_state_dict(dst, src);
    BOOST_TEST(dst.at("counts").to_vector_as<std::int64_t>() == BIG().to_vector_as<std::int64_t>(), tt::per_element());
    BOOST_TEST(dst.at("mask").to(Dtype::Int64).to_vector_as<std::int64_t>() == (I{1, 0, 1}), tt::per_element());
    nn::StateDict wrong;
    wrong.insert("counts", BIG().to(Dtype::Float32));
    wrong.insert("mask", M());
    BOOST_TEST(contains(message_of<std::invalid_argument>([&] { nn::load_state_dict(dst, wrong); }),
                        "'counts' is float32 [3] in the source but int64 [3] in the destination"));
}

// BatchNorm's num_batches_tracked is int64, as torch's, in a float64 module too.
BOOST_AUTO_TEST_CASE(batch_norm_counts_in_int64)
{
    nn::BatchNorm1d bn(2, {.dtype = Dtype::Float64});
    BOOST_TEST(bn.num_batches_tracked().dtype() == Dtype::Int64);
    bn.train();
    (void)bn(Tensor({1.0, 2.0, 3.0, 5.0}, {2, 2}));
    (void)bn(Tensor({1.0, 2.0, 3.0, 5.0}, {2, 2}));
    BOOST_TEST(bn.num_batches_tracked().to_vector_as<std::int64_t>() == (I{2}), tt::per_element());
    BOOST_TEST(autograd::to_string(bn.state_dict().at("num_batches_tracked")) == "tensor(2)");
}
