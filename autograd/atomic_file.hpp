// Atomic file writes: a crash or an exception mid-write leaves the previous file whole.
//
//   autograd::write_file_atomically("graph.dot", [&](std::ostream& out) { out << text; });
//   autograd::write_file_atomically("model.safetensors", bytes);   // binary, from a string_view
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string_view>

namespace autograd {

/// Writes through `write` into a temporary file beside `path`, flushes it, then renames it over
/// `path` (an atomic replace on POSIX file systems). On any failure the temporary is removed and
/// std::runtime_error names the file and the reason; `path` is untouched.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false);

/// The same for bytes already in memory.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool binary = true);

} // namespace autograd
