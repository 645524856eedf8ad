#include "nn/optim/optimizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace nn {

using autograd::Dtype;
using autograd::Tensor;

Optimizer::Optimizer(Params params, std::string name, double lr) : Optimizer(std::move(params), std::move(name))
{
    lr_ = 0.0; // it has one: set_lr checks and sets the one given, as it does every later one
    set_lr(lr);
}

Optimizer::Optimizer(Params params, std::string name)
    : name_(std::move(name)), params_(std::move(params).refs()), param_steps_(params_.size(), 0)
{
    // A parameter listed twice would be updated twice per step (PyTorch refuses it too).
    std::unordered_map<const void*, std::size_t> seen;
    for (std::size_t n = 0; n < params_.size(); ++n) {
        const ParamRef& p = params_[n];
        const void* id = p.is_tensor() ? p.tensor()->id() : static_cast<const void*>(&p.value()->node());
        const auto [it, fresh] = seen.emplace(id, n);
        if (!fresh)
            throw std::invalid_argument(
                fmt::format("{}: parameters {} and {} are the same {}", this->name(), it->second, n, p.is_tensor() ? "tensor" : "Value"));
        numel_ += p.numel();
        std::size_t& of_dtype = p.dtype() == Dtype::Float32 ? numel_f32_ : numel_f64_;
        offsets_.push_back(of_dtype);
        of_dtype += p.numel();
    }
}

void Optimizer::zero_grad()
{
    for (const ParamRef& p : params_)
        p.zero_grad();
}

double Optimizer::lr() const
{
    if (!lr_)
        throw std::logic_error(fmt::format("{}: this optimizer has no learning rate", name()));
    return *lr_;
}

void Optimizer::set_lr(double lr)
{
    if (!lr_)
        throw std::logic_error(fmt::format("{}: this optimizer has no learning rate to set", name()));
    require(lr >= 0.0, "lr must be >= 0", lr); // false for NaN too
    lr_ = lr;
}

void Optimizer::register_state(std::string name, StateArray& buffer, double initial)
{
    buffer.f32_.assign(numel_f32_, static_cast<float>(initial));
    buffer.f64_.assign(numel_f64_, initial);
    state_.emplace_back(std::move(name), &buffer);
}

void Optimizer::set_partition(const std::vector<std::size_t>& mine)
{
    std::vector<char> partition(params_.size(), 0);
    for (std::size_t n : mine) {
        if (n >= params_.size())
            throw std::out_of_range(fmt::format("{}: set_partition: parameter {} of {}", name(), n, params_.size()));
        partition[n] = 1;
    }
    partition_ = std::move(partition);
}

std::vector<std::span<std::byte>> Optimizer::param_state(std::size_t n)
{
    if (n >= params_.size())
        throw std::out_of_range(fmt::format("{}: param_state: parameter {} of {}", name(), n, params_.size()));
    std::vector<std::span<std::byte>> out;
    for (const auto& buffer : state_) { // not a structured binding: see state_dict()
        StateArray* values = buffer.second;
        out.push_back(autograd::dispatch(params_[n].dtype(), [&]<class T>() {
            return std::as_writable_bytes(std::span<T>(values->data<T>() + offsets_[n], params_[n].numel()));
        }));
    }
    return out;
}

void Optimizer::require(bool ok, std::string_view what, double value) const
{
    if (!ok)
        throw std::invalid_argument(fmt::format("{}: {} (got {})", name(), what, value));
}

namespace {

Tensor scalar64(double x) { return Tensor::scalar(x, Dtype::Float64); }

std::string param_entry(std::size_t n, std::string_view what) { return fmt::format("state.{}.{}", n, what); }

} // namespace

StateDict Optimizer::state_dict() const
{
    StateDict out;
    out.insert("step", scalar64(static_cast<double>(steps_)));
    out.insert("lr", scalar64(lr()));
    for (std::size_t n = 0; n < params_.size(); ++n) {
        const std::size_t size = params_[n].numel();
        out.insert(param_entry(n, "step"), scalar64(static_cast<double>(param_steps_[n])));
        // NOTE: not a structured binding: clang before 16 cannot capture one in a lambda.
        for (const auto& buffer : state_) {
            const auto& values = buffer.second;
            out.insert(param_entry(n, buffer.first), autograd::dispatch(params_[n].dtype(), [&]<class T>() {
                const T* first = values->data<T>() + offsets_[n];
                return Tensor(std::vector<T>(first, first + size), params_[n].shape());
            }));
        }
    }
    return out;
}

void Optimizer::load_state_dict(const StateDict& state)
{
    // Every name this optimizer expects, with the shape and dtype it must have. Counts and the
    // lr must be float64; buffers may come in either floating dtype and are converted to their
    // parameter's, as PyTorch casts them (checkpoints written when every buffer was float64 load).
    struct Expected {
        std::string name;
        autograd::Shape shape;
        Dtype dtype;
        bool any_float = false;
    };
    std::vector<Expected> expected = {{"step", {}, Dtype::Float64}, {"lr", {}, Dtype::Float64}};
    for (std::size_t n = 0; n < params_.size(); ++n) {
        expected.push_back({param_entry(n, "step"), autograd::Shape{}, Dtype::Float64});
        for (const auto& entry : state_)
            expected.push_back({param_entry(n, entry.first), params_[n].shape(), params_[n].dtype(), true});
    }
    const auto describe = [&] {
        std::string buffers;
        for (const auto& entry : state_)
            buffers += (buffers.empty() ? "" : ", ") + entry.first;
        return fmt::format("this {} has {} parameters and keeps per parameter: step{}{}", name(), params_.size(),
                           buffers.empty() ? "" : ", ", buffers);
    };

    // Check everything first, so a bad dict leaves the optimizer as it was. The names sorted and
    // bisected: a search through `expected` per entry was quadratic in the parameters.
    std::vector<std::string_view> names;
    names.reserve(expected.size());
    for (const Expected& e : expected)
        names.push_back(e.name);
    std::sort(names.begin(), names.end());
    for (const auto& item : state) { // not a structured binding: see state_dict()
        const std::string& entry = item.first;
        if (!std::binary_search(names.begin(), names.end(), std::string_view(entry)))
            throw std::invalid_argument(
                fmt::format("{}: load_state_dict: unexpected entry '{}' ({})", name(), entry, describe()));
    }
    const auto count_of = [&](std::string_view entry) {
        const double v = state.at(entry).item();
        if (!is_count(v))
            throw std::invalid_argument(
                fmt::format("{}: load_state_dict: '{}' must be a count (a whole number >= 0), got {}", name(), entry, v));
        return static_cast<std::size_t>(v);
    };
    for (const auto& [entry, shape, dtype, any_float] : expected) {
        const Tensor* t = state.find(entry);
        if (t == nullptr)
            throw std::invalid_argument(fmt::format("{}: load_state_dict: no entry named '{}' ({})", name(), entry, describe()));
        if (t->dtype() != dtype && !any_float)
            throw std::invalid_argument(fmt::format("{}: load_state_dict: '{}' is {}, expected {}", name(), entry,
                                                    to_string(t->dtype()), to_string(dtype)));
        if (t->shape() != shape)
            throw std::invalid_argument(fmt::format("{}: load_state_dict: '{}' has shape {}, expected {}", name(), entry,
                                                    to_string(t->shape()), to_string(shape)));
    }
    const std::size_t steps = count_of("step");
    std::vector<std::size_t> param_steps(params_.size());
    for (std::size_t n = 0; n < params_.size(); ++n)
        param_steps[n] = count_of(param_entry(n, "step"));
    set_lr(state.at("lr").item()); // validates the value; the first change made

    steps_ = steps;
    param_steps_ = std::move(param_steps);
    for (std::size_t n = 0; n < params_.size(); ++n)
        for (const auto& buffer : state_) { // not a structured binding: see state_dict()
            const auto& values = buffer.second;
            const Tensor t = state.at(param_entry(n, buffer.first)).to(params_[n].dtype());
            autograd::dispatch(t.dtype(), [&]<class T>() {
                const T* src = t.data_ptr<T>();
                std::copy(src, src + t.numel(), values->data<T>() + offsets_[n]);
            });
        }
}

} // namespace nn
