// safetensors: named tensors in the format PyTorch, NumPy and the Hugging Face tools read.
//
//   nn::save_safetensors(model.state_dict(), "model.safetensors", {{"epoch", "3"}});  // atomic
//   model.load_state_dict(nn::load_safetensors("model.safetensors"));
//
// Layout (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian header
// length N, N bytes of UTF-8 JSON mapping each name to
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]} (plus an optional
// "__metadata__" object of strings), padded with spaces to a multiple of 8 bytes; then the
// tensors' little-endian bytes. Offsets count from the start of the data, and the tensors must
// cover the data exactly: no gaps, no overlaps, nothing after the last one.
#pragma once

#include "nn/io/state_dict.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace nn {

/// Writes every tensor of the dict (float32 as F32, float64 as F64, int64 as I64, bool as BOOL,
/// one byte of 0 or 1 each), their data back to back in
/// the order of the dict, with optional string metadata. Names must be non-empty and not
/// "__metadata__"; tensors must be defined (std::invalid_argument otherwise, before anything is
/// written). The file appears whole or not at all: it is written to a temporary beside `path`
/// and renamed over it, so a failure (std::runtime_error naming the file) leaves an earlier file
/// of that name as it was.
void save_safetensors(const StateDict& tensors, const std::filesystem::path& path,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
    StateDict tensors; // in the order of their data in the file
    std::map<std::string, std::string> metadata;
};

/// Reads a file, checking everything before allocating a tensor: the header's length (at most
/// 100 MB, as the reference reader allows) and JSON, unique non-empty names, every entry's dtype,
/// shape and data_offsets (matching shape times element size, within the file, covering the data
/// exactly). Errors are std::runtime_error naming the file, the entry and what is wrong.
///
/// F32, F64, I64 and BOOL are read as float32, float64, int64 and bool (a BOOL byte other than 0
/// or 1 is an error naming it). F16 and BF16 are read as float32, which holds every one of their
/// values exactly (Hugging Face checkpoints are often BF16). The other integer dtypes and the
/// 8-bit floats are an error naming the dtype: no tensor here holds them, and a silent conversion
/// (of U64 to int64, of I32 to float) could change values.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

/// The tensors alone, in the order of their data in the file.
StateDict load_safetensors(const std::filesystem::path& path);

} // namespace nn
