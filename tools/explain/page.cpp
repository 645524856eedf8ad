#include "page.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace explain {

extern const std::string_view kStepThroughHtml; // step_through.html, embedded by CMake

namespace {

constexpr std::string_view kMarker = "@EXPLAIN_DATA@";

// The template around the marker. It must hold the marker exactly once; CMake embeds the file
// from the tree, so a mistake there is a build defect, reported as such.
struct Template {
    std::string_view before, after;
};

Template split_template()
{
    const std::size_t at = kStepThroughHtml.find(kMarker);
    if (at == std::string_view::npos || kStepThroughHtml.find(kMarker, at + 1) != std::string_view::npos)
        throw std::logic_error("write_step_through_page: step_through.html must contain " + std::string(kMarker) +
                               " exactly once");
    return {kStepThroughHtml.substr(0, at), kStepThroughHtml.substr(at + kMarker.size())};
}

void check_document(const nlohmann::json& doc)
{
    const auto fail = [](const std::string& why) {
        throw std::invalid_argument("write_step_through_page: not an explain document: " + why);
    };
    if (!doc.is_object())
        fail("expected a JSON object, got " + std::string(doc.type_name()));
    const auto schema = doc.find("schema");
    if (schema == doc.end() || !schema->is_string())
        fail("no \"schema\" string (expected \"" + std::string(kExplainSchema) + "\")");
    if (schema->get<std::string>() != kExplainSchema)
        fail("\"schema\" is \"" + schema->get<std::string>() + "\", expected \"" + kExplainSchema + "\"");
    for (const char* field : {"nodes", "steps"}) {
        const auto it = doc.find(field);
        if (it == doc.end() || !it->is_array())
            fail(std::string("no \"") + field + "\" array");
    }
    const auto output = doc.find("output");
    if (output == doc.end() || !output->is_string())
        fail("no \"output\" string (the id of the output node)");
}

} // namespace

std::string json_for_script(const nlohmann::json& doc)
{
    // Invalid UTF-8 in a label becomes U+FFFD rather than an exception half-way through a page.
    const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (const char c : text) {
        // '<' occurs only inside JSON strings, where \u003c means the same character.
        if (c == '<')
            out += "\\u003c";
        else
            out += c;
    }
    return out;
}

void write_step_through_page(std::ostream& out, const nlohmann::json& doc)
{
    check_document(doc);
    static const Template page = split_template();
    out << page.before << json_for_script(doc) << page.after;
    if (!out)
        throw std::runtime_error("write_step_through_page: writing the page failed");
}

} // namespace explain
