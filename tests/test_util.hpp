// Helpers shared by the test suites: checking that a call throws, and what its message says.
#pragma once

#include <boost/test/unit_test.hpp>

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

} // namespace test_util
