// The explain documents of tests/fixtures/explain/ (schema backprop-explain/1, written by
// make_fixtures.py there) and the step-through page made from them, for test_explain_page and
// test_explain_page_browser.
//
//   const nlohmann::json doc = explain_fixture::load("tutorial");
//   double g = explain_fixture::number(explain_fixture::node_of(doc, "w")["grad"]);   // 2.1000000000000005
#pragma once

#include <boost/test/unit_test.hpp>

#include <explain/page.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace explain_fixture {

inline nlohmann::json load(const std::string& name)
{
    const std::filesystem::path path = std::filesystem::path(BACKPROP_FIXTURES) / "explain" / (name + ".json");
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    return nlohmann::json::parse(in);
}

inline std::string page_for(const nlohmann::json& doc)
{
    std::ostringstream out;
    explain::write_step_through_page(out, doc);
    return out.str();
}

inline const nlohmann::json& node_of(const nlohmann::json& doc, const std::string& id)
{
    for (const auto& n : doc["nodes"])
        if (n["id"] == id)
            return n;
    BOOST_FAIL("no node " << id);
    static const nlohmann::json none;
    return none;
}

/// A JSON number of a fixture as a double.
inline double number(const nlohmann::json& j) { return j.get<double>(); }

} // namespace explain_fixture
