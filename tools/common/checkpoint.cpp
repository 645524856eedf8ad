#include "checkpoint.hpp"

#include <nn/modules/make_mlp.hpp>

#include <autograd/random.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace tools {

Checkpoint Checkpoint::read(const std::filesystem::path& path)
{
    Checkpoint c;
    c.path_ = path;
    c.file_ = nn::read_safetensors(path);
    return c;
}

const std::string* Checkpoint::find(const std::string& key) const
{
    const auto it = file_.metadata.find(key);
    return it == file_.metadata.end() ? nullptr : &it->second;
}

const std::string& Checkpoint::text(const std::string& key) const
{
    if (const std::string* v = find(key))
        return *v;
    throw std::runtime_error(fmt::format("{}: no '{}' in the metadata (not written by train?)", path_.string(), key));
}

namespace {

[[noreturn]] void bad_value(const std::filesystem::path& path, const std::string& key, const std::string& value,
                            const std::string& want)
{
    throw std::runtime_error(fmt::format("{}: metadata '{}' is '{}', not {} (a damaged or edited checkpoint?)",
                                         path.string(), key, value, want));
}

} // namespace

std::int64_t Checkpoint::integer(const std::string& key, std::int64_t lo, std::int64_t hi) const
{
    const std::string& v = text(key);
    std::int64_t out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size() || out < lo || out > hi)
        bad_value(path_, key, v, fmt::format("a whole number from {} to {}", lo, hi));
    return out;
}

std::uint64_t Checkpoint::unsigned_integer(const std::string& key) const
{
    const std::string& v = text(key);
    std::uint64_t out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size())
        bad_value(path_, key, v, "a whole number >= 0");
    return out;
}

double Checkpoint::number(const std::string& key) const
{
    const std::string& v = text(key);
    double out = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(out))
        bad_value(path_, key, v, "a finite number");
    return out;
}

nn::StateDict Checkpoint::weights() const
{
    nn::StateDict out;
    for (const auto& [name, t] : file_.tensors) {
        bool model_entry = true;
        for (const char* prefix : kSections)
            model_entry = model_entry && !name.starts_with(prefix);
        if (model_entry)
            out.insert(name, t);
    }
    return out;
}

nn::StateDict Checkpoint::section(const std::string& prefix) const
{
    nn::StateDict out;
    for (const auto& [name, t] : file_.tensors)
        if (name.starts_with(prefix))
            out.insert(name.substr(prefix.size()), t);
    return out;
}

Architecture read_architecture(const Checkpoint& checkpoint)
{
    Architecture a;
    a.kind = checkpoint.find("model") ? *checkpoint.find("model") : "mlp";
    const auto bad = [&](const std::string& key, const std::exception& e) {
        return std::runtime_error(fmt::format("{}: metadata '{}': {}", checkpoint.path().string(), key, e.what()));
    };
    if (a.kind == "mlp") {
        try {
            a.sizes = nn::parse_sizes(checkpoint.text("layers"));
        } catch (const std::invalid_argument& e) {
            throw bad("layers", e);
        }
        a.activation = checkpoint.text("activation");
    } else if (a.kind == "cnn") {
        try {
            a.image = parse_image_size(checkpoint.text("image"), "image");
        } catch (const std::invalid_argument& e) {
            throw bad("image", e);
        }
        try {
            a.padding = parse_conv_padding(checkpoint.text("conv_padding"), "conv_padding");
        } catch (const std::invalid_argument& e) {
            throw bad("conv_padding", e);
        }
        a.classes = checkpoint.integer("classes", 0, std::numeric_limits<std::int64_t>::max()); // check() bounds it
    } else {
        throw std::runtime_error(fmt::format("{}: metadata 'model' is '{}', not mlp or cnn (a damaged or edited "
                                             "checkpoint, or one of a newer version?)",
                                             checkpoint.path().string(), a.kind));
    }
    try {
        a.check();
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(fmt::format("{}: {}", checkpoint.path().string(), e.what()));
    }
    return a;
}

TrainedModel load_trained_model(const Checkpoint& checkpoint)
{
    TrainedModel m;
    m.architecture = read_architecture(checkpoint);
    m.sizes = m.architecture.kind == "mlp" ? m.architecture.sizes
                                           : std::vector<std::int64_t>{m.architecture.inputs(), m.architecture.outputs()};
    m.loss = checkpoint.find("loss") ? *checkpoint.find("loss") : "cross_entropy";
    autograd::Generator gen(0); // the weights are replaced by the checkpoint's
    // The output sigmoid of an mse-trained model is left out: it has no weights and keeps the argmax.
    m.model = build(m.architecture, gen);
    try {
        m.model.load_state_dict(checkpoint.weights());
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("{}: {}", checkpoint.path().string(), e.what()));
    }
    if (const std::string* kind = checkpoint.find("scaler")) {
        try {
            m.scaler = nn::Scaler(nn::parse_scaler_kind(*kind));
            if (m.scaler.kind() != nn::ScalerKind::None)
                m.scaler.load_state_dict(checkpoint.section("scaler."));
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("{}: {}", checkpoint.path().string(), e.what()));
        }
    }
    if (const std::string* names = checkpoint.find("class_names"))
        m.class_names = split_class_names(*names);
    return m;
}

SplitOptions split_options(const Checkpoint& c)
{
    const SplitOptions defaults;
    return {.val_fraction = c.find("val_fraction") ? c.number("val_fraction") : kLegacyValFraction,
            .test_fraction = c.find("test_fraction") ? c.number("test_fraction") : defaults.test_fraction,
            .seed = c.find("seed") ? c.unsigned_integer("seed") : defaults.seed,
            .stratified = (c.find("split") ? c.text("split") : std::string(kLegacySplit)) == "stratified"};
}

std::string join_class_names(const std::vector<std::string>& names) { return fmt::format("{}", fmt::join(names, ",")); }

std::vector<std::string> split_class_names(const std::string& text)
{
    std::vector<std::string> out;
    if (text.empty())
        return out;
    std::size_t start = 0;
    for (std::size_t comma; (comma = text.find(',', start)) != std::string::npos; start = comma + 1)
        out.push_back(text.substr(start, comma - start));
    out.push_back(text.substr(start));
    return out;
}

} // namespace tools
