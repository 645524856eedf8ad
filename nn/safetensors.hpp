// safetensors: named tensors in the format PyTorch, NumPy and the Hugging Face tools read.
//
//   nn::save_safetensors(model.state_dict(), "model.safetensors");   // atomic: temp file, rename
//   model.load_state_dict(nn::load_safetensors("model.safetensors"));
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON mapping each name to
// {"dtype": "F32" | "F64", "shape": [...], "data_offsets": [begin, end]} (plus an optional
// "__metadata__" of strings), then the tensors' little-endian bytes back to back.
#pragma once

#include "nn/state_dict.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace nn {

/// Writes every tensor of the dict (float32 or float64) with optional string metadata. The file
/// appears whole or not at all: a failure leaves an earlier file of that name as it was.
void save_safetensors(const StateDict& tensors, const std::filesystem::path& path,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
    StateDict tensors; // in the order of their data in the file
    std::map<std::string, std::string> metadata;
};

/// Reads a file, checking everything: the header's length and JSON, every entry's dtype, shape
/// and offsets (within the data, matching shape times element size, covering the data without
/// gaps or overlaps). Errors are std::runtime_error naming the file and the entry. F32 and F64
/// are read; other dtypes are a clear error.
SafetensorsFile read_safetensors(const std::filesystem::path& path);
/// The tensors alone.
StateDict load_safetensors(const std::filesystem::path& path);

} // namespace nn
