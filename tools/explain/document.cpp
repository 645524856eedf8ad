// Writing an explained graph, its backward steps and its descent as the explain JSON document.
#include "document.hpp"

#include "page.hpp"

#include <cmath>

namespace explain {
namespace {

nlohmann::json number(double x)
{
    if (std::isnan(x))
        return "nan";
    if (std::isinf(x))
        return x > 0 ? "inf" : "-inf";
    return x;
}

nlohmann::json optional_number(const std::optional<double>& x) { return x ? number(*x) : nlohmann::json(nullptr); }

} // namespace

nlohmann::json to_document(const Expression& e, const ExplainedGraph& g, const std::vector<Binding>& bindings,
                           const Descent* descent)
{
    nlohmann::json doc;
    doc["schema"] = kExplainSchema; // the page checks it
    doc["expression"] = e.source;
    doc["output"] = g.nodes[g.output].id;
    nlohmann::json nodes = nlohmann::json::array();
    for (const GraphNode& n : g.nodes) {
        nlohmann::json j;
        j["id"] = n.id;
        j["label"] = n.kind == "literal" ? n.text : n.id;
        j["kind"] = n.kind;
        j["op"] = autograd::op_info(n.op).name;
        if (n.kind == "op") {
            const autograd::OpInfo& info = autograd::op_info(n.op);
            j["symbol"] = info.symbol;
            j["text"] = n.text;
            j["formula"] = info.formula;
            if (n.constant)
                j["constant"] = number(*n.constant);
            j["recorded"] = n.recorded;
            nlohmann::json parents = nlohmann::json::array();
            for (std::size_t p : n.parents)
                parents.push_back(g.nodes[p].id);
            j["parents"] = std::move(parents);
        }
        j["column"] = n.column;
        j["value"] = number(n.value.data());
        j["grad"] = optional_number(n.grad());
        nodes.push_back(std::move(j));
    }
    doc["nodes"] = std::move(nodes);
    nlohmann::json steps = nlohmann::json::array();
    std::size_t index = 0;
    for (const autograd::ScalarTraceStep& s : g.steps) {
        nlohmann::json j;
        j["index"] = ++index;
        j["node"] = g.nodes[g.index_of(s.node)].id;
        j["op"] = autograd::op_info(s.op).name;
        j["parent"] = g.nodes[g.index_of(s.parent)].id;
        j["wrt"] = s.wrt();
        j["derivative"] = s.derivative_name();
        j["formula"] = s.formula();
        j["local"] = number(s.local);
        j["upstream"] = number(s.upstream);
        j["contribution"] = number(s.contribution);
        j["parent_grad"] = s.accumulates ? number(s.parent_grad) : nlohmann::json(nullptr);
        j["accumulates"] = s.accumulates;
        steps.push_back(std::move(j));
    }
    doc["steps"] = std::move(steps);
    if (descent != nullptr) {
        nlohmann::json d;
        d["lr"] = number(descent->lr);
        nlohmann::json rows = nlohmann::json::array();
        for (const DescentStep& row : descent->steps) {
            nlohmann::json r;
            r["step"] = row.step;
            r["loss"] = number(row.loss);
            std::size_t k = 0;
            r["params"] = nlohmann::json::object();
            r["grads"] = nlohmann::json::object();
            for (const Binding& b : bindings) {
                if (b.role != Role::Param)
                    continue;
                r["params"][b.name] = number(row.params[k]);
                r["grads"][b.name] = number(row.grads[k]);
                ++k;
            }
            rows.push_back(std::move(r));
        }
        d["steps"] = std::move(rows);
        doc["descent"] = std::move(d);
    }
    return doc;
}

} // namespace explain
