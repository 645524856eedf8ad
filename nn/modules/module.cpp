#include "nn/modules/module.hpp"

#include "nn/io/load_state_dict.hpp"
#include "nn/metrics/progress.hpp" // group_thousands

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

const Tensor& Module::register_parameter(std::string name, Tensor tensor)
{
    if (name.empty() || name.find('.') != std::string::npos)
        throw std::invalid_argument(fmt::format("register_parameter: bad name '{}' (non-empty, without dots)", name));
    if (!tensor.defined())
        throw std::invalid_argument(fmt::format("register_parameter: '{}' is an undefined tensor", name));
    for (const auto& p : parameters_)
        if (p.first == name)
            throw std::invalid_argument(fmt::format("register_parameter: '{}' is already registered", name));
    if (!tensor.is_leaf())
        throw std::invalid_argument(fmt::format("register_parameter: '{}' is not a leaf (detach() it first)", name));
    tensor.requires_grad_();
    parameters_.emplace_back(std::move(name), std::move(tensor));
    return parameters_.back().second;
}

const Tensor& Module::register_buffer(std::string name, Tensor tensor)
{
    if (name.empty() || name.find('.') != std::string::npos)
        throw std::invalid_argument(fmt::format("register_buffer: bad name '{}' (non-empty, without dots)", name));
    if (!tensor.defined())
        throw std::invalid_argument(fmt::format("register_buffer: '{}' is an undefined tensor", name));
    for (const auto& p : parameters_)
        if (p.first == name)
            throw std::invalid_argument(fmt::format("register_buffer: '{}' is already a parameter", name));
    for (const auto& b : buffers_)
        if (b.first == name)
            throw std::invalid_argument(fmt::format("register_buffer: '{}' is already registered", name));
    if (tensor.requires_grad())
        throw std::invalid_argument(
            fmt::format("register_buffer: '{}' requires a gradient (a buffer is not trained: detach() it)", name));
    buffers_.emplace_back(std::move(name), std::move(tensor));
    return buffers_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module)
{
    if (name.empty() || name.find('.') != std::string::npos)
        throw std::invalid_argument(fmt::format("register_module: bad name '{}' (non-empty, without dots)", name));
    if (module == nullptr)
        throw std::invalid_argument(fmt::format("register_module: '{}' is a null module", name));
    for (const auto& c : children_)
        if (c.first == name)
            throw std::invalid_argument(fmt::format("register_module: '{}' is already registered", name));
    children_.emplace_back(std::move(name), std::move(module));
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const
{
    std::vector<std::pair<std::string, Tensor>> out(parameters_.begin(), parameters_.end());
    for (const auto& [child_name, child] : children_)
        for (auto& [name, t] : child->named_parameters())
            out.emplace_back(child_name + "." + name, std::move(t));
    return out;
}

std::vector<Tensor> Module::parameters() const
{
    std::vector<Tensor> out;
    for (auto& named : named_parameters())
        out.push_back(std::move(named.second));
    return out;
}

std::int64_t Module::num_parameters() const
{
    std::int64_t n = 0;
    for (const Tensor& p : parameters())
        n += p.numel();
    return n;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const
{
    std::vector<std::pair<std::string, Tensor>> out(buffers_.begin(), buffers_.end());
    for (const auto& [child_name, child] : children_)
        for (auto& [name, t] : child->named_buffers())
            out.emplace_back(child_name + "." + name, std::move(t));
    return out;
}

void Module::collect_state(const std::string& prefix, StateDict& state) const
{
    for (const auto& [name, t] : parameters_)
        state.insert(prefix + name, t);
    for (const auto& [name, t] : buffers_)
        state.insert(prefix + name, t);
    for (const auto& [child_name, child] : children_)
        child->collect_state(prefix + child_name + ".", state);
}

StateDict Module::state_dict() const
{
    StateDict state;
    collect_state("", state);
    return state;
}

void Module::load_state_dict(const StateDict& state, bool strict)
{
    // The module's own state dict holds handles to its parameters: copying into it loads them.
    nn::load_state_dict(state_dict(), state, strict);
}

void Module::train(bool on)
{
    training_ = on;
    for (auto& child : children_)
        child.second->train(on);
}

void Module::zero_grad()
{
    for (const Tensor& p : parameters())
        p.zero_grad();
}

void Module::print(std::string& out, int indent) const
{
    out += type_name() + "(";
    if (children_.empty()) {
        out += extra_repr() + ")";
        return;
    }
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    out += "\n";
    if (const std::string extra = extra_repr(); !extra.empty())
        out += pad + extra + "\n";
    for (const auto& [name, child] : children_) {
        out += pad + "(" + name + "): ";
        child->print(out, indent + 2);
        out += "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + ")";
}

std::string Module::summary() const
{
    std::string out;
    print(out, 0);
    out += fmt::format("\nParameters: {} in {} tensors\n", group_thousands(num_parameters()), parameters().size());
    return out;
}

} // namespace nn
