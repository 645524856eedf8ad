#include "nn/io/load_state_dict.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <stdexcept>

namespace nn {

namespace {

std::string quoted_list(const std::vector<std::string>& names)
{
    std::vector<std::string> quoted;
    quoted.reserve(names.size());
    for (const std::string& n : names)
        quoted.push_back(fmt::format("'{}'", n));
    return fmt::format("{}", fmt::join(quoted, ", "));
}

void check_defined(const char* side, const std::string& name, const autograd::Tensor& t)
{
    if (!t.defined())
        throw std::invalid_argument(fmt::format("load_state_dict: '{}' is an undefined tensor in the {}", name, side));
}

} // namespace

IncompatibleKeys load_state_dict(const StateDict& destination, const StateDict& source, bool strict)
{
    IncompatibleKeys keys;
    for (const auto& [name, t] : destination)
        if (!source.contains(name))
            keys.missing_keys.push_back(name);
    for (const auto& [name, t] : source)
        if (!destination.contains(name))
            keys.unexpected_keys.push_back(name);
    if (strict && (!keys.missing_keys.empty() || !keys.unexpected_keys.empty())) {
        std::vector<std::string> parts;
        if (!keys.missing_keys.empty())
            parts.push_back(fmt::format("missing {} ({})", keys.missing_keys.size(), quoted_list(keys.missing_keys)));
        if (!keys.unexpected_keys.empty())
            parts.push_back(
                fmt::format("unexpected {} ({})", keys.unexpected_keys.size(), quoted_list(keys.unexpected_keys)));
        throw std::invalid_argument(fmt::format("load_state_dict: the names differ: {}", fmt::join(parts, "; ")));
    }

    // Check everything before writing anything, so a bad source leaves the destination whole.
    for (const auto& [name, dst] : destination) {
        const autograd::Tensor* src = source.find(name);
        if (src == nullptr)
            continue;
        check_defined("destination", name, dst);
        check_defined("source", name, *src);
        if (src->shape() != dst.shape() || src->dtype() != dst.dtype())
            throw std::invalid_argument(fmt::format(
                "load_state_dict: '{}' is {} {} in the source but {} {} in the destination", name,
                autograd::to_string(src->dtype()), autograd::to_string(src->shape()), autograd::to_string(dst.dtype()),
                autograd::to_string(dst.shape())));
        if (!dst.is_contiguous())
            throw std::invalid_argument(
                fmt::format("load_state_dict: '{}' in the destination is not contiguous and cannot be written in place",
                            name));
    }

    autograd::NoGradGuard no_grad; // contiguous() below must not record; the copies are raw
    for (const auto& entry : destination) { // not a structured binding: clang before 16 cannot capture one
        const autograd::Tensor& dst = entry.second;
        const autograd::Tensor* found = source.find(entry.first);
        if (found == nullptr || found->id() == dst.id() || dst.numel() == 0)
            continue;
        const autograd::Tensor src = found->contiguous();
        autograd::dispatch_any(dst.dtype(), [&]<class T>() {
            // memmove: two handles of different tensors never share data in this version, but a
            // future view could, and memmove is right either way.
            std::memmove(dst.data_ptr<T>(), src.data_ptr<T>(), static_cast<std::size_t>(dst.numel()) * sizeof(T));
        });
    }
    return keys;
}

} // namespace nn
