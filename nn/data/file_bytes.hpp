// Reading a data file whole, gunzipped when it is gzip (by its first two bytes, 1f 8b, not its
// name): data sets ship both ways (MNIST's .gz files, digits.csv.gz, plain copies).
//
//   std::vector<std::uint8_t> text = nn::read_file_bytes("data/digits.csv.gz");  // the CSV, gunzipped
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace nn {

/// The file's bytes, decompressed if it is gzip (several gzip members one after another are
/// read as one stream, as gzip -d does). Throws std::runtime_error naming the file and the
/// reason: missing, a directory or unreadable; truncated or corrupt gzip data, bytes after it
/// that are not gzip.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

} // namespace nn
