#include "nn/modules/make_mlp.hpp"

#include "nn/modules/activation.hpp"
#include "nn/modules/linear.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <stdexcept>
#include <string>

namespace nn {

namespace {

constexpr std::string_view kActivations = "relu, leaky_relu, sigmoid or tanh";

// nullptr for "none" where allowed.
std::shared_ptr<Module> activation_module(std::string_view name, bool none_allowed, std::string_view role)
{
    if (name == "relu")
        return std::make_shared<ReLU>();
    if (name == "leaky_relu")
        return std::make_shared<LeakyReLU>();
    if (name == "sigmoid")
        return std::make_shared<Sigmoid>();
    if (name == "tanh")
        return std::make_shared<Tanh>();
    if (none_allowed && name == "none")
        return nullptr;
    throw std::invalid_argument(fmt::format("make_mlp: unknown {} '{}' (known: {}{})", role, name, kActivations,
                                            none_allowed ? ", or none" : ""));
}

} // namespace

Sequential make_mlp(std::span<const std::int64_t> sizes, std::string_view activation, autograd::Generator& gen,
                    std::string_view output_activation)
{
    if (sizes.size() < 2)
        throw std::invalid_argument(fmt::format(
            "make_mlp: sizes [{}] need at least an input and an output size", fmt::join(sizes, ", ")));
    for (std::size_t i = 0; i < sizes.size(); ++i)
        if (sizes[i] < 1)
            throw std::invalid_argument(
                fmt::format("make_mlp: sizes [{}]: size {} is {}, must be >= 1", fmt::join(sizes, ", "), i, sizes[i]));
    // Both names are checked before any weight is drawn, so a bad name leaves gen untouched.
    (void)activation_module(activation, false, "activation");
    std::shared_ptr<Module> output = activation_module(output_activation, true, "output activation");

    Sequential model;
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
        model.push_back(std::make_shared<Linear>(sizes[i], sizes[i + 1], gen));
        if (i + 2 < sizes.size())
            model.push_back(activation_module(activation, false, "activation"));
    }
    if (output)
        model.push_back(std::move(output));
    return model;
}

std::vector<std::int64_t> parse_sizes(std::string_view text)
{
    std::vector<std::int64_t> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        std::string_view item = text.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || v < 1)
            throw std::invalid_argument(
                fmt::format("layer sizes '{}': '{}' is not a whole number >= 1", text, item));
        out.push_back(v);
        if (comma == text.size())
            return out;
        start = comma + 1;
    }
}

} // namespace nn
