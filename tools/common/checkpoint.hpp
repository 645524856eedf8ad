// What train writes and evaluate and predict read: one safetensors file holding the model's
// weights under their names ("0.weight"), the optimizer's state under "optimizer.", the
// scheduler's under "scheduler.", the feature scaler's under "scaler.", and in the metadata the
// epoch and every option that shaped the run (as text).
//
//   Checkpoint c = Checkpoint::read("iris.safetensors");
//   std::int64_t epoch = c.integer("epoch", 0, kMaxEpochs);   // errors name the file, key and value
//   TrainedModel m = load_trained_model(c);                   // the MLP or CNN, its weights and its scaler
#pragma once

#include "architecture.hpp"
#include "data_source.hpp"

#include <nn/data/scaler.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/sequential.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tools {

/// The prefixes of the entries that are not the model's weights.
inline constexpr const char* kSections[] = {"optimizer.", "scheduler.", "scaler."};

class Checkpoint {
public:
    static Checkpoint read(const std::filesystem::path& path);

    const std::filesystem::path& path() const { return path_; }
    const nn::SafetensorsFile& file() const { return file_; }

    /// The metadata value, or nullptr when the key is absent (a checkpoint from before it).
    const std::string* find(const std::string& key) const;
    /// The value; std::runtime_error naming the file and the key when it is absent.
    const std::string& text(const std::string& key) const;
    /// The value as a whole number in [lo, hi] / a finite number; errors name file, key, value.
    std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi) const;
    std::uint64_t unsigned_integer(const std::string& key) const;
    double number(const std::string& key) const;

    /// The model's own entries (those under none of kSections).
    nn::StateDict weights() const;
    /// The entries under one of kSections, without the prefix.
    nn::StateDict section(const std::string& prefix) const;

private:
    std::filesystem::path path_;
    nn::SafetensorsFile file_;
};

struct TrainedModel {
    nn::Sequential model;
    Architecture architecture;
    std::vector<std::int64_t> sizes;      // --layers; a cnn's {features, classes}
    std::string loss;                     // cross_entropy or mse
    nn::Scaler scaler;                    // none for checkpoints from before scalers
    std::vector<std::string> class_names; // from the training CSV's header, or empty
    std::string class_name(std::size_t c) const
    {
        return c < class_names.size() ? class_names[c] : std::to_string(c);
    }
};

/// The model the metadata describes: "model" mlp (or absent, a checkpoint from before --model),
/// its "layers" and "activation"; or cnn, its "image", "conv_padding" and "classes". Errors name
/// the file and the key.
Architecture read_architecture(const Checkpoint& checkpoint);

/// The model of read_architecture with the file's weights (strict: a missing, extra or misshapen
/// weight is an error naming it), and its scaler.
TrainedModel load_trained_model(const Checkpoint& checkpoint);

/// What checkpoints from before a metadata key were trained with: no validation rows, an
/// unstratified split (train's --resume carries these; evaluate rebuilds the split with them).
inline constexpr double kLegacyValFraction = 0.0;
inline constexpr const char* kLegacySplit = "random";

/// The split train made of its data: the seed, fractions and kind in the metadata, the legacy
/// values for keys a checkpoint predates.
SplitOptions split_options(const Checkpoint& checkpoint);

/// Class names as stored in the metadata (joined by commas: CSV header fields hold none).
std::string join_class_names(const std::vector<std::string>& names);
std::vector<std::string> split_class_names(const std::string& text);

} // namespace tools
