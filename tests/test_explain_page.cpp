// The step-through page of tools/explain (tools/explain/page.hpp) as a file: one page, loading
// nothing, with the document inside it read back unchanged, whatever markup its strings hold;
// what is not an explain document is refused with a message naming the field. And the fixture
// documents of tests/fixtures/explain/, which test_explain_page_browser opens in Chromium, are
// checked here against the scalar engine and values derived by hand, so that the page is
// compared with numbers known to be right.
#define BOOST_TEST_MODULE explain_page
#include <boost/test/unit_test.hpp>

#include "explain_fixture.hpp"
#include "test_util.hpp"

#include <autograd/value.hpp>
#include <explain/page.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>
#include <string>

using explain_fixture::node_of;
using explain_fixture::page_for;
using nlohmann::json;
using test_util::contains;

namespace {

json fixture(const std::string& name) { return explain_fixture::load(name); }
double d(const json& j) { return explain_fixture::number(j); }

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

} // namespace

// ---- The fixtures are right ----

BOOST_AUTO_TEST_CASE(tutorial_fixture_matches_the_hand_derivation_and_the_engine)
{
    const json doc = fixture("tutorial");
    // (i*w - y)^2 at i = 1.5, w = 0.8, y = 0.5: i*w = 1.2, minus y is 0.7, squared 0.49;
    // d/dw = 2*(i*w - y)*i = 2*0.7*1.5 = 2.1 (the tutorial's gradient).
    BOOST_TEST(d(node_of(doc, "n3")["value"]) == 0.49, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(d(node_of(doc, "w")["grad"]) == 2.1, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(d(node_of(doc, "n2")["grad"]) == 1.4, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(node_of(doc, "i")["grad"].is_null());
    // The engine computes the same doubles, to the bit.
    autograd::Value i = autograd::Value::constant(1.5), w = 0.8, y = autograd::Value::constant(0.5);
    autograd::Value loss = autograd::pow(i * w - y, 2.0);
    loss.backward();
    BOOST_TEST(d(node_of(doc, "n3")["value"]) == loss.data());
    BOOST_TEST(d(node_of(doc, "w")["grad"]) == w.grad());
}

BOOST_AUTO_TEST_CASE(shared_fixture_matches_the_hand_derivation_and_the_engine)
{
    const json doc = fixture("shared");
    // f = h*h - y + 1/x, h = tanh(w*x + b), w = 0.5, x = 2, b = -0.3: h = tanh(0.7).
    // df/dh = 2h (h used twice: h + h, summed); dh/dn2 = 1 - h^2;
    // df/dw = 2h(1 - h^2)*x; df/db = 2h(1 - h^2); df/dx = 2h(1 - h^2)*w - 1/x^2 (x used twice).
    const double h = std::tanh(0.7), g = 2 * h * (1 - h * h);
    const auto tol = boost::test_tools::tolerance(1e-14);
    BOOST_TEST(d(node_of(doc, "n3")["grad"]) == 2 * h, tol);
    BOOST_TEST(d(node_of(doc, "w")["grad"]) == g * 2.0, tol);
    BOOST_TEST(d(node_of(doc, "b")["grad"]) == g, tol);
    BOOST_TEST(d(node_of(doc, "x")["grad"]) == g * 0.5 - 0.25, tol);
    BOOST_TEST(d(node_of(doc, "n7")["value"]) == h * h - 0.25 + 0.5, tol);
    autograd::Value w = 0.5, x = 2.0, b = -0.3, y = autograd::Value::constant(0.25);
    autograd::Value t = autograd::tanh(w * x + b);
    autograd::Value f = t * t - y + 1.0 / x;
    f.backward();
    BOOST_TEST(d(node_of(doc, "n7")["value"]) == f.data());
    BOOST_TEST(d(node_of(doc, "w")["grad"]) == w.grad());
    BOOST_TEST(d(node_of(doc, "b")["grad"]) == b.grad());
    BOOST_TEST(d(node_of(doc, "x")["grad"]) == x.grad());
}

BOOST_AUTO_TEST_CASE(fixture_steps_are_consistent)
{
    // In every fixture, each step's contribution is upstream x local (to rounding: the engine
    // multiplies in its own order), and each parent's running sum adds the contributions up
    // to its final gradient.
    for (const char* name : {"tutorial", "shared", "descent"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const json doc = fixture(name);
            std::map<std::string, double> sum;
            for (const auto& s : doc["steps"]) {
                BOOST_TEST(d(s["contribution"]) == d(s["upstream"]) * d(s["local"]), boost::test_tools::tolerance(1e-15));
                if (s["accumulates"].get<bool>()) {
                    sum[s["parent"]] += d(s["contribution"]);
                    BOOST_TEST(d(s["parent_grad"]) == sum[s["parent"]], boost::test_tools::tolerance(1e-15));
                } else {
                    BOOST_TEST(s["parent_grad"].is_null());
                }
            }
            for (const auto& [id, g] : sum)
                BOOST_TEST(d(node_of(doc, id)["grad"]) == g, boost::test_tools::tolerance(1e-15));
        }
    }
}

BOOST_AUTO_TEST_CASE(descent_fixture_follows_the_tutorial)
{
    // w <- w - 0.1 * (4.5w - 1.5) = 0.55w + 0.15, so w_k = 1/3 + (0.8 - 1/3) * 0.55^k:
    // 0.8, 0.59, 0.4745, ... settling at 1/3; loss_k = (1.5 w_k - 0.5)^2.
    const json doc = fixture("descent");
    const json& steps = doc["descent"]["steps"];
    BOOST_TEST(steps.size() == 21u);
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const double w = 1.0 / 3 + (0.8 - 1.0 / 3) * std::pow(0.55, static_cast<double>(k));
        BOOST_TEST(d(steps[k]["params"]["w"]) == w, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(d(steps[k]["loss"]) == (1.5 * w - 0.5) * (1.5 * w - 0.5), boost::test_tools::tolerance(1e-9));
        BOOST_TEST(d(steps[k]["grads"]["w"]) == 4.5 * w - 1.5, boost::test_tools::tolerance(1e-9));
    }
    BOOST_TEST(d(steps[1]["params"]["w"]) == 0.59, boost::test_tools::tolerance(1e-14));
}

// ---- The page as text ----

BOOST_AUTO_TEST_CASE(page_is_one_self_contained_file)
{
    const json doc = fixture("shared");
    const std::string page = page_for(doc);
    BOOST_TEST(page.rfind("<!DOCTYPE html>", 0) == 0u);
    BOOST_TEST(count(page, "id=\"explain-data\"") == 1u);
    BOOST_TEST(!contains(page, "@EXPLAIN_DATA@"));
    // Nothing that loads anything: no linked files, sources, imports or url()s.
    for (const char* loads : {"<link", " src=", "href", "@import", "url(http", "<iframe", "fetch(", "XMLHttpRequest"})
        BOOST_TEST(!contains(page, loads), "the page contains " << loads);
    // The document inside reads back as it went in.
    const std::string open = "id=\"explain-data\">";
    const std::size_t from = page.find(open) + open.size();
    const std::size_t to = page.find("</script>", from);
    BOOST_TEST(json::parse(page.substr(from, to - from)) == doc);
}

BOOST_AUTO_TEST_CASE(markup_inside_the_document_cannot_end_its_script)
{
    json doc = fixture("tutorial");
    doc["expression"] = "a</script><script>alert(1)</script><!--";
    const std::string page = page_for(doc);
    const std::string plain = page_for(fixture("tutorial"));
    BOOST_TEST(count(page, "</script>") == count(plain, "</script>"));
    BOOST_TEST(count(page, "<!--") == count(plain, "<!--"));
    const std::string open = "id=\"explain-data\">";
    const std::size_t from = page.find(open) + open.size();
    BOOST_TEST(json::parse(page.substr(from, page.find("</script>", from) - from)) == doc);
    BOOST_TEST(explain::json_for_script(json("</")) == "\"\\u003c/\"");
}

BOOST_AUTO_TEST_CASE(what_is_not_an_explain_document_is_refused)
{
    using test_util::message_of;
    std::ostringstream out;
    const auto refuse = [&](const json& doc) {
        return message_of<std::invalid_argument>([&] { explain::write_step_through_page(out, doc); });
    };
    json doc = fixture("tutorial");
    doc["schema"] = "backprop-explain/2";
    const std::string wrong = refuse(doc);
    BOOST_TEST(contains(wrong, "write_step_through_page"));
    BOOST_TEST(contains(wrong, "\"backprop-explain/2\", expected \"backprop-explain/1\""));
    doc = fixture("tutorial");
    doc.erase("steps");
    BOOST_TEST(contains(refuse(doc), "no \"steps\" array"));
    doc = fixture("tutorial");
    doc.erase("output");
    BOOST_TEST(contains(refuse(doc), "\"output\""));
    BOOST_TEST(contains(refuse(json::array()), "expected a JSON object, got array"));
    BOOST_TEST(out.str().empty());
}
