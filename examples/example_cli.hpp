// The command line of an example program: CLI11 as the tools use it, with the tools' number
// checks (tools/common/cli.hpp: messages that name the value and what is wanted), every default
// shown in --help, and the output folder made only once the options are known to be good.
//
//   CLI::App app{"xor: ..."};
//   examples::show_defaults(app);
//   app.add_option("--steps", steps, "training steps")->check(tools::whole_in(1, 1'000'000));
//   CLI11_PARSE(app, argc, argv);
//   const std::filesystem::path dir = examples::output_folder("--out", out);
#pragma once

#include "tools/common/cli.hpp"
#include "tools/common/wrapped_help.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace examples {

/// --help shows each option's default value (the value its variable holds when it is added), and
/// fits the terminal as the tools' does.
inline void show_defaults(CLI::App& app)
{
    tools::standard_help(app);
}

/// Makes the folder `path` given by `option` (and its parents) and returns it. A file in its
/// place, or a folder that cannot be made, is an error that names the option and the path
/// (std::filesystem's own message names neither the option nor what to do).
inline std::filesystem::path output_folder(const std::string& option, const std::filesystem::path& path)
{
    if (std::filesystem::exists(path) && !std::filesystem::is_directory(path))
        throw std::invalid_argument(fmt::format("{} {}: not a folder (a file of that name is in the way)", option, path.string()));
    try {
        std::filesystem::create_directories(path);
    } catch (const std::filesystem::filesystem_error& e) {
        throw std::runtime_error(fmt::format("{} {}: cannot make the folder: {}", option, path.string(), e.code().message()));
    }
    return path;
}

} // namespace examples
