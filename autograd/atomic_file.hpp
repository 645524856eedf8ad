// Atomic file writes: a crash, a kill or an exception mid-write leaves the previous file whole.
//
//   autograd::write_file_atomically("graph.dot", [&](std::ostream& out) { out << text; });
//   autograd::write_file_atomically("model.safetensors", bytes);   // binary, from a string_view
//
// The data goes to a temporary file beside the target, named target + ".backprop-tmp." + process
// id + "." + a counter, which is synced to disk and renamed over the target; then the folder is
// synced, so that a power loss keeps either the old file or the new one, never an empty one.
// A process killed mid-write cannot remove its temporary: the next save of the same target does
// (each writer holds an flock on its temporary while it writes, so only abandoned ones go).
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string_view>

namespace autograd {

/// What the names of the temporary files have between the target's name and the process id.
inline constexpr std::string_view kAtomicTempInfix = ".backprop-tmp.";

/// Whether a write waits for the disk. Synced (the default) fsyncs the file before the rename and
/// the folder after it: a checkpoint survives a power loss. Unsynced keeps the rename's atomicity
/// against crashes and kills but skips both fsyncs, for files written again and again that can be
/// written anew (a metrics log and its picture, redrawn each epoch): two fsyncs cost about 6 ms a
/// file here, which made `train --metrics` on iris 25 times slower.
enum class Durability { Synced, Unsynced };

/// Writes through `write` into a temporary file beside `path`, flushes and fsyncs it, renames it
/// over `path` (an atomic replace on POSIX file systems) and fsyncs the folder. Before that, the
/// temporaries of `path` that killed saves left behind are removed. On any failure the temporary
/// is removed and std::runtime_error names the file and the reason; `path` is untouched (unless
/// only the final folder sync fails: then the message says that the new file is in place).
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                           bool binary = false, Durability durability = Durability::Synced);

/// The same for bytes already in memory.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, bool binary = true,
                           Durability durability = Durability::Synced);

} // namespace autograd
