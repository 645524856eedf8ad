// The step-through page of tools/explain: one self-contained HTML file that draws an explain
// document's graph and walks through its forward pass, seed and backward steps (and, when the
// document has them, its gradient-descent updates), in any browser, offline.
//
//   nlohmann::json doc = ...;   // schema "backprop-explain/1", as `explain --json` prints it
//   autograd::write_file_atomically("steps.html",
//       [&](std::ostream& out) { explain::write_step_through_page(out, doc); });
//
// The page is the template step_through.html (embedded in the library at build time) with the
// document inside it as <script type="application/json" id="explain-data">; its own script
// lays the graph out and draws it. It loads nothing: no network, scripts, styles or fonts.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <iosfwd>
#include <string>

namespace explain {

/// The schema this page reads, the value of the document's "schema".
inline constexpr const char* kExplainSchema = "backprop-explain/1";

/// Writes the page for `doc` to `out`. Throws std::invalid_argument, naming the field, when `doc`
/// is not an explain document (wrong or missing "schema", no "nodes" or "steps" array, no
/// "output" string), and std::runtime_error when the stream fails.
void write_step_through_page(std::ostream& out, const nlohmann::json& doc);

/// The document as it goes inside the page's <script> element: compact JSON with every '<'
/// written as \u003c, so no "</script>" or "<!--" in a string can end or change the element.
/// JSON.parse reads it back unchanged.
std::string json_for_script(const nlohmann::json& doc);

} // namespace explain
