// Helpers shared by the test suites: checking that a call throws, and what its message says.
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
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

} // namespace test_util
