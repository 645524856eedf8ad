// The JSON document of an explained expression (schema "backprop-explain/1"): what `explain --json`
// prints and what the step-through page embeds. docs/explain.md describes every field.
//
//   nlohmann::json doc = explain::to_document(expression, graph, bindings, nullptr);
//   doc["steps"][0]["local"];   // 1.4: d(a^c)/da at the tutorial's point
#pragma once

#include "explained_graph.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace explain {

struct Descent {
    double lr;
    std::vector<DescentStep> steps;
};

/// Numbers are JSON numbers (every digit of the double); NaN and infinities, which JSON cannot
/// write, are the strings "nan", "inf" and "-inf". A gradient that does not exist is null.
nlohmann::json to_document(const Expression& e, const ExplainedGraph& g, const std::vector<Binding>& bindings,
                           const Descent* descent);

} // namespace explain
