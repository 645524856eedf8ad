// What the file-reading harnesses share: a scratch folder of their own process, where an input
// is written as the file the reader under test opens (the readers take paths, as the tools do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace fuzz {

/// $TMPDIR (or /tmp)/backprop_fuzz_<pid>, made on first use. Several fuzzing jobs may run at once.
inline const std::filesystem::path& scratch()
{
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::filesystem::path d = std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
                                  ("backprop_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

/// Writes the bytes as scratch()/name and returns that path.
inline std::filesystem::path write_file(const std::string& name, const std::uint8_t* data, std::size_t size)
{
    const std::filesystem::path path = scratch() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out)
        __builtin_trap(); // the harness itself cannot work: say so loudly
    return path;
}

} // namespace fuzz
