// StateDict: named tensors in insertion order, what PyTorch's state_dict() returns.
//
//   nn::StateDict sd = model.state_dict();             // "0.weight", "0.bias", ...: live handles
//   const autograd::Tensor& w = sd.at("0.weight");     // throws, naming it, when missing
//   for (const auto& [name, tensor] : sd) { ... }
//
// Modules put their parameters and buffers here ("0.weight", "0.bias", ...), optimizers their
// state ("state.0.momentum_buffer", "step", ...), and nn/io/safetensors.hpp saves and loads it.
// Lookups of a missing name throw an error that names it, so a file from another model fails
// loudly instead of training from half-loaded weights.
#pragma once

#include <autograd/tensor.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nn {

/// Whether a saved number is a count (steps, epochs): a whole number >= 0 below 2^53, beyond
/// which a double no longer holds every whole number. Optimizers and schedulers check their
/// counts with it when a state is loaded.
inline bool is_count(double v) { return v >= 0.0 && v < 9007199254740992.0 && v == std::floor(v); }

class StateDict {
public:
    using Entry = std::pair<std::string, autograd::Tensor>;

    /// Adds a named tensor; throws std::invalid_argument if the name is already there.
    void insert(std::string name, autograd::Tensor tensor)
    {
        const auto [it, inserted] = index_.try_emplace(name, entries_.size());
        if (!inserted)
            throw std::invalid_argument(fmt::format("state_dict: duplicate name '{}'", name));
        try {
            entries_.emplace_back(std::move(name), std::move(tensor));
        } catch (...) { // out of memory: the index must not name an entry that is not there
            index_.erase(it);
            throw;
        }
    }
    bool contains(std::string_view name) const { return find(name) != nullptr; }
    /// The tensor of that name; throws std::out_of_range naming it when it is missing.
    const autograd::Tensor& at(std::string_view name) const
    {
        if (const autograd::Tensor* t = find(name))
            return *t;
        throw std::out_of_range(fmt::format("state_dict: no entry named '{}'", name));
    }
    const autograd::Tensor* find(std::string_view name) const
    {
        const auto it = index_.find(name);
        return it == index_.end() ? nullptr : &entries_[it->second].second;
    }

    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    auto begin() const { return entries_.begin(); }
    auto end() const { return entries_.end(); }

private:
    std::vector<Entry> entries_;
    // Name to position in entries_: lookups in log time, so that inserting or loading n entries
    // is not quadratic (a 40k-entry file once took a minute). std::less<> finds string_views.
    std::map<std::string, std::size_t, std::less<>> index_;
};

} // namespace nn
