// Helpers shared by the test suites: checking that a call throws, and what its message says; a
// scratch folder; running a built program; reading the files programs write; finding a python3.
#pragma once

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

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

/// A scratch folder of this process, temp/backprop_<suite>_<pid> (two builds' ctest runs may
/// overlap), removed with everything in it when the object goes. Kept as a function's static:
///   const fs::path& work_dir() { static const test_util::ScratchDir dir("tools_cli"); return dir.path; }
struct ScratchDir {
    std::filesystem::path path;
    explicit ScratchDir(const std::string& suite) : path(temp_dir("backprop_" + suite + "_" + std::to_string(::getpid()))) {}
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

/// A file's whole text ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The fields of one line between the separators (a trailing empty field is dropped).
inline std::vector<std::string> split(const std::string& line, char sep = ',')
{
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string field; std::getline(in, field, sep);)
        out.push_back(field);
    return out;
}

/// A metrics CSV as tools/train writes it: the header's names, then each row as text and as numbers.
struct MetricsCsv {
    std::vector<std::string> columns;
    std::vector<std::string> lines;
    std::vector<std::vector<double>> rows;
    double at(std::size_t row, const std::string& column) const
    {
        const auto it = std::find(columns.begin(), columns.end(), column);
        BOOST_REQUIRE_MESSAGE(it != columns.end(), "no column " << column);
        return rows.at(row).at(static_cast<std::size_t>(it - columns.begin()));
    }
};

inline MetricsCsv read_metrics_csv(const std::filesystem::path& path)
{
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
    MetricsCsv csv;
    std::string line;
    std::getline(in, line);
    csv.columns = split(line);
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        csv.lines.push_back(line);
        std::vector<double> row;
        for (const std::string& field : split(line))
            row.push_back(std::stod(field));
        BOOST_REQUIRE_EQUAL(row.size(), csv.columns.size());
        csv.rows.push_back(std::move(row));
    }
    return csv;
}

/// The first python3 that imports `module`: the one on PATH, else Debian's (a pyenv or virtual
/// environment first on PATH may lack NumPy or PyTorch while Debian's packages are installed).
inline std::optional<std::string> python_with(const std::string& module)
{
    for (const std::string python : {"python3", "/usr/bin/python3"})
        if (std::system((python + " -c 'import " + module + "' > /dev/null 2>&1").c_str()) == 0)
            return python;
    return std::nullopt;
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
