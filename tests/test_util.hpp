// Helpers shared by the test suites: checking that a call throws, and what its message says.
#pragma once

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace test_util {

/// The message of the exception of type E that f() throws; fails the test if it throws none.
template <class E, class F> std::string message_of(F&& f)
{
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    BOOST_FAIL("expected an exception");
    return {};
}

inline bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

/// A scratch folder of the system's temporary directory, made if missing (tests remove it).
inline std::filesystem::path temp_dir(const std::string& name)
{
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(dir);
    return dir;
}

/// What a program run by run_program did: its exit code (-1 if it did not exit) and its
/// standard output and error, together.
struct ProgramRun {
    int status = -1;
    std::string output;
};

/// Runs `program` with `args` through the shell (`args` is shell text: quote what needs it), in
/// the folder `cwd` when one is given, its output into `out_file`, and reads the output back.
inline ProgramRun run_program(const std::string& program, const std::string& args, const std::filesystem::path& out_file,
                              const std::filesystem::path& cwd = {})
{
    const std::string in_folder = cwd.empty() ? "" : "cd '" + cwd.string() + "' && ";
    const std::string command = in_folder + "'" + program + "' " + args + " > '" + out_file.string() + "' 2>&1";
    const int raw = std::system(command.c_str());
    ProgramRun r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(out_file);
    r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
}

} // namespace test_util
