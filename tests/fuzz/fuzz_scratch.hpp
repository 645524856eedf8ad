// What the file-reading harnesses share: a scratch folder of their own process, where an input
// is written as the file the reader under test opens (the readers take paths, as the tools do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <unistd.h>

namespace fuzz {

/// $TMPDIR (else /dev/shm, else /tmp)/backprop_fuzz_<pid>, made on first use. Several fuzzing
/// jobs may run at once. NOTE: /dev/shm is memory: a save's fsync costs nothing there, and on a
/// disk the safetensors harness's saves (two fsyncs each) would bound it to a hundred runs a second.
inline const std::filesystem::path& scratch()
{
    // Removed again when the fuzzer exits (at -max_total_time or -runs; a crash leaves it).
    struct Folder {
        std::filesystem::path path;
        Folder()
        {
            const char* tmp = std::getenv("TMPDIR");
            std::error_code ec;
            const std::filesystem::path base = tmp != nullptr && *tmp != '\0'                  ? tmp
                                               : std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm"
                                                                                               : "/tmp";
            path = base / ("backprop_fuzz_" + std::to_string(::getpid()));
            std::filesystem::create_directories(path);
        }
        Folder(const Folder&) = delete;
        Folder& operator=(const Folder&) = delete;
        ~Folder()
        {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    static const Folder folder;
    return folder.path;
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
