// Tensor's construction, accessors, autograd bookkeeping and printing.
#include "autograd/tensor.hpp"

#include "autograd/cpu/object_cache.hpp"
#include "autograd/engine/record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstring>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace autograd {

namespace {

template <class T> Tensor from_vector(std::vector<T> data, Shape shape)
{
    const std::int64_t n = shape_numel(shape);
    if (n != static_cast<std::int64_t>(data.size()))
        throw std::invalid_argument(fmt::format("Tensor: {} values do not fill shape {} ({} elements)", data.size(),
                                                to_string(shape), n));
    Tensor t = detail::empty(std::move(shape), dtype_of<T>);
    if (!data.empty()) // an empty vector's data() may be null, which memcpy must not get
        std::memcpy(t.impl()->data<T>(), data.data(), data.size() * sizeof(T));
    return t;
}

// Fills a tensor with value_at(i) (a double) converted to the dtype as to() converts: an int64
// tensor gets the value truncated toward zero (torch.full((2,), 2.5, dtype=torch.int64) is 2).
template <class F> Tensor generate(std::string_view op, Shape shape, Dtype dtype, F&& value_at)
{
    Tensor t = detail::empty(std::move(shape), dtype);
    dispatch_any(dtype, [&]<class T>() {
        T* p = t.impl()->data<T>();
        for (std::int64_t i = 0; i < t.numel(); ++i) {
            const double v = value_at(i);
            if (!convert_element(v, p[i]))
                throw std::invalid_argument(fmt::format("{}: value {} does not fit dtype {}", op, v, to_string(dtype)));
        }
    });
    return t;
}

void check_floating(std::string_view op, Dtype dtype)
{
    if (!is_floating_point(dtype))
        throw std::invalid_argument(fmt::format("{}: dtype {} is not floating-point (random numbers are float32 or "
                                                "float64; convert with .to())",
                                                op, to_string(dtype)));
}

} // namespace

Tensor::Tensor(std::vector<float> data, Shape shape) : Tensor(from_vector(std::move(data), std::move(shape))) {}
Tensor::Tensor(std::vector<double> data, Shape shape) : Tensor(from_vector(std::move(data), std::move(shape))) {}
Tensor::Tensor(std::vector<std::int64_t> data, Shape shape) : Tensor(from_vector(std::move(data), std::move(shape))) {}

Tensor Tensor::scalar(double value, Dtype dtype) { return full({}, value, dtype); }
Tensor Tensor::zeros(Shape shape, Dtype dtype) { return full(std::move(shape), 0.0, dtype); }
Tensor Tensor::ones(Shape shape, Dtype dtype) { return full(std::move(shape), 1.0, dtype); }

Tensor Tensor::empty(Shape shape, Dtype dtype)
{
    shape_numel(shape); // checks the sizes
    return detail::empty(std::move(shape), dtype);
}

// The value is converted once and copied, not converted per element through generate(): zeros()
// is what every backward formula that scatters (slice, index_select, pools) starts from.
Tensor Tensor::full(Shape shape, double value, Dtype dtype)
{
    Tensor t = detail::empty(std::move(shape), dtype);
    dispatch_any(dtype, [&]<class T>() {
        T v{};
        if (!convert_element(value, v))
            throw std::invalid_argument(fmt::format("full: value {} does not fit dtype {}", value, to_string(dtype)));
        std::fill_n(t.impl()->data<T>(), t.numel(), v);
    });
    return t;
}

Tensor Tensor::arange(double start, double end, double step, Dtype dtype)
{
    if (step == 0.0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
        throw std::invalid_argument(fmt::format("arange: bad range start={} end={} step={}", start, end, step));
    if ((end - start) * step < 0.0) // PyTorch: the step must point from start towards end
        throw std::invalid_argument(fmt::format("arange: step {} does not go from {} towards {}", step, start, end));
    const double count = std::ceil((end - start) / step);
    if (!(count < 9.0e18)) // the cast below would be undefined
        throw std::invalid_argument(fmt::format("arange: start={} end={} step={} gives {} elements, too many", start,
                                                end, step, count));
    const auto n = static_cast<std::int64_t>(std::max(0.0, count));
    return generate("arange", {n}, dtype, [&](std::int64_t i) { return start + static_cast<double>(i) * step; });
}

Tensor Tensor::linspace(double start, double end, std::int64_t steps, Dtype dtype)
{
    if (steps < 0)
        throw std::invalid_argument(fmt::format("linspace: steps must be >= 0 (got {})", steps));
    const double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    return generate("linspace", {steps}, dtype, [&](std::int64_t i) {
        return i == steps - 1 && steps > 1 ? end : start + static_cast<double>(i) * delta;
    });
}

Tensor Tensor::rand(Shape shape, Generator& gen, double low, double high, Dtype dtype)
{
    check_floating("rand", dtype);
    if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high))
        throw std::invalid_argument(fmt::format("rand: bounds low={} high={} must be finite with low <= high", low, high));
    return generate("rand", std::move(shape), dtype, [&](std::int64_t) { return gen.uniform(low, high); });
}

Tensor Tensor::randn(Shape shape, Generator& gen, double mean, double stddev, Dtype dtype)
{
    check_floating("randn", dtype);
    return generate("randn", std::move(shape), dtype, [&](std::int64_t) { return gen.normal(mean, stddev); });
}

void Tensor::throw_undefined() { throw std::logic_error("Tensor: use of an undefined tensor"); }

const Shape& Tensor::shape() const { return checked().shape; }
Shape Tensor::strides() const { return contiguous_strides(shape()); }
std::int64_t Tensor::numel() const { return checked().numel(); }
Dtype Tensor::dtype() const { return checked().dtype; }
bool Tensor::is_contiguous() const
{
    checked();
    return true;
}

std::int64_t Tensor::size(std::int64_t axis) const { return shape()[normalize_axis("size", axis, shape())]; }

double Tensor::item() const
{
    if (numel() != 1)
        throw std::invalid_argument(fmt::format("item: the tensor has {} elements (shape {}); item() needs exactly one",
                                                numel(), to_string(shape())));
    return dispatch_any(dtype(), [&]<class T>() { return static_cast<double>(impl_->data<T>()[0]); });
}

double Tensor::at(std::initializer_list<std::int64_t> index) const
{
    const Shape& s = shape();
    if (index.size() != s.size())
        throw std::invalid_argument(fmt::format("at: {} indices for a tensor of shape {}", index.size(), to_string(s)));
    const Shape strides = contiguous_strides(s);
    std::int64_t offset = 0;
    std::size_t d = 0;
    for (std::int64_t i : index) {
        if (i < -s[d] || i >= s[d])
            throw std::out_of_range(fmt::format("at: index {} is out of range for dimension {} of shape {}", i, d,
                                                to_string(s)));
        offset += (i < 0 ? i + s[d] : i) * strides[d];
        ++d;
    }
    return dispatch_any(dtype(), [&]<class T>() { return static_cast<double>(impl_->data<T>()[offset]); });
}

template <class T> T* Tensor::data_ptr() const
{
    TensorImpl& impl = checked();
    if (impl.dtype != dtype_of<T>)
        throw std::invalid_argument(fmt::format("data_ptr: the tensor is {}, not {}", to_string(impl.dtype),
                                                to_string(dtype_of<T>)));
    return impl.data<T>();
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template std::int64_t* Tensor::data_ptr<std::int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;

std::vector<double> Tensor::to_vector() const { return to_vector_as<double>(); }

template <class U> std::vector<U> Tensor::to_vector_as() const
{
    const TensorImpl& impl = checked();
    return dispatch_any(impl.dtype, [&]<class T>() {
        const T* p = impl.storage->as<T>();
        std::vector<U> out(static_cast<std::size_t>(impl.numel()));
        for (std::size_t i = 0; i < out.size(); ++i)
            if (!convert_element(p[i], out[i]))
                throw std::invalid_argument(fmt::format("to_vector_as: element {} is {}, which {} cannot hold", i,
                                                        static_cast<double>(p[i]), to_string(dtype_of<U>)));
        return out;
    });
}
template std::vector<float> Tensor::to_vector_as<float>() const;
template std::vector<double> Tensor::to_vector_as<double>() const;
template std::vector<std::int64_t> Tensor::to_vector_as<std::int64_t>() const;

long Tensor::use_count() const { return impl_.use_count(); }
long Tensor::storage_use_count() const { return impl_ ? checked().storage.use_count() : 0; }

bool Tensor::requires_grad() const { return impl_ != nullptr && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool on)
{
    TensorImpl& impl = checked();
    if (impl.grad_fn)
        throw std::logic_error("requires_grad_: only leaves can be marked; this tensor comes from op '" +
                               std::string(op_name(impl.grad_fn->op)) + "' (use detach() for a new leaf)");
    if (on && !is_floating_point(impl.dtype))
        throw std::invalid_argument(fmt::format("requires_grad_: only floating-point tensors can require gradients "
                                                "(this one is {}; convert it with .to(Dtype::Float32))",
                                                to_string(impl.dtype)));
    impl.requires_grad = on;
    return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked().grad; }
void Tensor::set_grad(const Tensor& grad) const
{
    TensorImpl& impl = checked();
    if (grad.defined() && (grad.shape() != impl.shape || grad.dtype() != impl.dtype))
        throw std::invalid_argument(fmt::format("set_grad: a gradient of shape {} ({}) for a tensor of shape {} ({})",
                                                to_string(grad.shape()), to_string(grad.dtype()),
                                                to_string(impl.shape), to_string(impl.dtype)));
    impl.grad = grad;
}
void Tensor::zero_grad() const { checked().grad = Tensor(); }
const std::shared_ptr<TensorNode>& Tensor::grad_fn() const { return checked().grad_fn; }

Tensor Tensor::detach() const
{
    const TensorImpl& impl = checked();
    auto out = std::allocate_shared<TensorImpl>(detail::CachingAllocator<TensorImpl>{});
    out->storage = impl.storage;
    out->shape = impl.shape;
    out->dtype = impl.dtype;
    return Tensor(std::move(out));
}

const Tensor& Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const
{
    TensorImpl& impl = checked();
    if (!impl.requires_grad)
        throw std::logic_error("register_hook: the tensor does not require a gradient");
    if (impl.grad_fn)
        impl.grad_fn->outputs[impl.output_nr].hooks.push_back(std::move(hook));
    else
        impl.extra().hooks.push_back(std::move(hook));
    return *this;
}

std::string Tensor::label() const
{
    const TensorImpl& impl = checked();
    return impl.extras ? impl.extras->label : std::string();
}
const Tensor& Tensor::set_label(std::string label) const
{
    checked().extra().label = std::move(label);
    return *this;
}

Tensor Tensor::contiguous() const { return *this; } // every tensor is contiguous in this version

namespace {

// The elements as PyTorch prints them: int64 as integers ("3"), bool as "True"/"False", floats
// holding only integers as "1.", other floats with 4 decimals.
std::vector<std::string> element_texts(const Tensor& t)
{
    std::vector<std::string> text;
    if (t.dtype() == Dtype::Int64) {
        for (std::int64_t x : t.to_vector_as<std::int64_t>())
            text.push_back(fmt::format("{}", x));
        return text;
    }
    if (t.dtype() == Dtype::Bool) {
        const bool* p = t.data_ptr<bool>();
        for (std::int64_t i = 0; i < t.numel(); ++i)
            text.emplace_back(p[i] ? "True" : "False");
        return text;
    }
    const std::vector<double> v = t.to_vector();
    bool integral = true;
    for (double x : v)
        integral = integral && std::isfinite(x) && x == std::floor(x) && std::abs(x) < 1e8;
    const auto number = [&](double x) {
        if (std::isnan(x))
            return std::string("nan");
        if (std::isinf(x))
            return std::string(x > 0 ? "inf" : "-inf");
        return integral ? fmt::format("{}.", static_cast<long long>(x)) : fmt::format("{:.4f}", x);
    };
    for (double x : v)
        text.push_back(number(x));
    return text;
}

} // namespace

// Printing in PyTorch's layout.
std::string to_string(const Tensor& t)
{
    if (!t.defined())
        return "tensor(undefined)";
    // Every element takes the width of the widest, right-aligned, as PyTorch prints them.
    std::vector<std::string> text = element_texts(t);
    std::size_t width = 0;
    for (const std::string& e : text)
        width = std::max(width, e.size());
    for (std::string& e : text)
        e.insert(0, width - e.size(), ' ');
    const Shape& s = t.shape();
    std::string out = "tensor(";
    if (s.empty()) {
        out += text[0];
    } else {
        std::size_t i = 0;
        // Nested brackets, one row per line for 2-d and up, aligned under "tensor(".
        const std::function<void(std::size_t, std::size_t)> print = [&](std::size_t d, std::size_t indent) {
            out += '[';
            for (std::int64_t k = 0; k < s[d]; ++k) {
                if (k > 0)
                    out += d + 1 == s.size() ? ", " : ",\n" + std::string(indent + 1, ' ');
                if (d + 1 == s.size())
                    out += text[i++];
                else
                    print(d + 1, indent + 1);
            }
            out += ']';
        };
        print(0, 7);
    }
    // int64 and bool print no dtype (PyTorch infers them from the values), except when there are
    // no values to infer from, where PyTorch names int64 too.
    if (t.dtype() == Dtype::Float64 || (t.numel() == 0 && t.dtype() != Dtype::Float32))
        out += fmt::format(", dtype={}", to_string(t.dtype()));
    if (t.requires_grad())
        out += t.is_leaf() ? ", requires_grad=True" : fmt::format(", grad_fn=<{}>", op_name(t.grad_fn()->op));
    return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

} // namespace autograd
