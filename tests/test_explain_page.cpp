// The step-through page of tools/explain (tools/explain/page.hpp), written for the documents of
// tests/fixtures/explain/ and opened in a real browser: headless Chromium driven over WebDriver
// (tests/webdriver.hpp). Frame 0 shows no gradient; Next (a click or the Right key) walks every
// backward step, each showing the gradient the document says reached the step's parent; at the
// end every node shows the document's final gradient, exactly (parsed back from data-grad);
// Previous, Left, Home, End and a click on a row of the table move as they should; the descent
// part steps through its updates. Screenshots of the first and last frames go to the build
// folder (explain_page_*.png). Without chromium and chromedriver the browser tests are skipped,
// with a message; every browser call has a deadline.
//
// The fixtures themselves are checked first, against the scalar engine and against values
// derived by hand, so that the page is compared with numbers known to be right.
#define BOOST_TEST_MODULE explain_page
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"
#include "webdriver.hpp"

#include <autograd/atomic_file.hpp>
#include <autograd/value.hpp>
#include <page.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;
using test_util::contains;

namespace {

json fixture(const std::string& name)
{
    const fs::path path = fs::path(BACKPROP_FIXTURES) / "explain" / (name + ".json");
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    return json::parse(in);
}

std::string page_for(const json& doc)
{
    std::ostringstream out;
    explain::write_step_through_page(out, doc);
    return out.str();
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

const json& node_of(const json& doc, const std::string& id)
{
    for (const auto& n : doc["nodes"])
        if (n["id"] == id)
            return n;
    BOOST_FAIL("no node " << id);
    static const json none;
    return none;
}

// A number of the document as the page writes it into data-grad: a JSON number or one of the
// strings "inf", "-inf", "nan"; null as "".
bool same_number(const std::string& shown, const json& expected)
{
    if (expected.is_null())
        return shown.empty();
    if (expected.is_string())
        return shown == expected.get<std::string>();
    if (shown.empty())
        return false;
    char* end = nullptr;
    const double parsed = std::strtod(shown.c_str(), &end);
    const double want = expected.get<double>();
    // Exact: the text must parse back to the very double of the document.
    return *end == '\0' && std::memcmp(&parsed, &want, sizeof parsed) == 0;
}

// Numbers of the fixtures are floats in JSON ("1.0"), so get<double>() is the value itself.
double d(const json& j) { return j.get<double>(); }

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

// ---- In Chromium ----

namespace {

// One browser for all the browser tests, ended by the global fixture's teardown, which runs
// even after a test case timed out.
std::unique_ptr<webdriver::Session>& browser_slot()
{
    static std::unique_ptr<webdriver::Session> session;
    return session;
}

webdriver::Session& browser()
{
    auto& s = browser_slot();
    if (!s)
        s = std::make_unique<webdriver::Session>(webdriver::default_browser(), 1400, 1600);
    return *s;
}

struct EndBrowser {
    ~EndBrowser() { browser_slot().reset(); }
};
BOOST_TEST_GLOBAL_FIXTURE(EndBrowser);

struct BrowserPresent {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const
    {
        const std::string why = webdriver::missing_browser();
        boost::test_tools::assertion_result r(why.empty());
        if (!why.empty()) {
            r.message() << "explain_page: skipped, " << why;
            BOOST_TEST_MESSAGE("explain_page: skipped, " << why);
        }
        return r;
    }
};

fs::path out_dir() { return fs::path(BACKPROP_TEST_OUTPUT); }

// Writes the page for a fixture into the build folder and opens it.
json open_page(webdriver::Session& s, const std::string& name)
{
    const json doc = fixture(name);
    const fs::path html = out_dir() / ("explain_page_" + name + ".html");
    autograd::write_file_atomically(html, [&](std::ostream& out) { explain::write_step_through_page(out, doc); });
    s.navigate("file://" + html.string());
    return doc;
}

// What the page shows in one call: each node's data-grad, the highlighted node, edge and row,
// the counter.
struct Shown {
    std::map<std::string, std::string> grad;
    std::string current, edge_from, edge_to, edge_wrt, row;
    int frame = -1, frames = -1;
    std::string counter;
};

Shown read(webdriver::Session& s)
{
    const json v = s.execute(R"(
        const grads = {};
        document.querySelectorAll('text.grad[data-node-id]').forEach(e => { grads[e.dataset.nodeId] = e.getAttribute('data-grad'); });
        const cur = document.querySelector('g.node.current');
        const edge = document.querySelector('path.edge.active');
        const row = document.querySelector('#steps tbody tr.current');
        const c = document.getElementById('counter');
        return { grads, current: cur ? cur.dataset.nodeId : '', from: edge ? edge.dataset.from : '',
                 to: edge ? edge.dataset.to : '', wrt: edge ? edge.dataset.wrt : '', row: row ? row.dataset.frame : '',
                 frame: Number(c.dataset.frame), frames: Number(c.dataset.frames), counter: c.textContent };)");
    Shown r;
    for (const auto& [id, g] : v.at("grads").items())
        r.grad[id] = g.is_string() ? g.get<std::string>() : "";
    r.current = v.at("current");
    r.edge_from = v.at("from");
    r.edge_to = v.at("to");
    r.edge_wrt = v.at("wrt");
    r.row = v.at("row");
    r.frame = v.at("frame");
    r.frames = v.at("frames");
    r.counter = v.at("counter");
    return r;
}

// The gradients the page should show at frame f, replayed from the document: none at 0, the
// output's 1 at 1, then after each step its node's upstream and its parent's running sum.
std::map<std::string, json> expected_at(const json& doc, int f)
{
    std::map<std::string, json> g;
    if (f >= 1)
        g[doc["output"]] = 1.0;
    for (int k = 0; k + 2 <= f; ++k) {
        const json& s = doc["steps"][k];
        g[s["node"]] = s["upstream"];
        if (s["accumulates"].get<bool>())
            g[s["parent"]] = s["parent_grad"];
    }
    return g;
}

void check_frame(webdriver::Session& s, const json& doc, int f)
{
    const Shown shown = read(s);
    const int last = static_cast<int>(doc["steps"].size()) + 1;
    BOOST_TEST(shown.frame == f);
    BOOST_TEST(shown.frames == last);
    BOOST_TEST(shown.counter == "step " + std::to_string(f) + " of " + std::to_string(last));
    BOOST_TEST(shown.row == std::to_string(f));
    BOOST_TEST(shown.grad.size() == doc["nodes"].size());
    const auto expected = expected_at(doc, f);
    for (const auto& n : doc["nodes"]) {
        const std::string id = n["id"];
        const auto it = expected.find(id);
        const json want = it == expected.end() ? json() : it->second;
        BOOST_TEST(same_number(shown.grad.at(id), want),
                   "frame " << f << ": node " << id << " shows '" << shown.grad.at(id) << "', expected " << want.dump());
    }
    if (f >= 2) {
        const json& step = doc["steps"][f - 2];
        BOOST_TEST(shown.current == step["node"].get<std::string>());
        BOOST_TEST(shown.edge_from == step["parent"].get<std::string>());
        BOOST_TEST(shown.edge_to == step["node"].get<std::string>());
        BOOST_TEST(shown.edge_wrt == step["wrt"].get<std::string>());
    } else {
        BOOST_TEST(shown.current == (f == 1 ? doc["output"].get<std::string>() : ""));
        BOOST_TEST(shown.edge_from.empty());
    }
}

std::string panel(webdriver::Session& s) { return s.text(s.find("#arithmetic")); }

// Clicks a row of the table of steps. The row is first scrolled to the middle of the table's
// box, as a reader would, so that the sticky header row is not over it.
void click_row(webdriver::Session& s, int frame)
{
    const std::string css = "#steps tbody tr[data-frame=\"" + std::to_string(frame) + "\"]";
    s.execute("document.querySelector(arguments[0]).scrollIntoView({block: 'center'});", json::array({css}));
    s.click(s.find(css));
}

// The whole walk: frame 0, Next by click and by key to the end, the final gradients, back.
void step_through(webdriver::Session& s, const std::string& name)
{
    const json doc = open_page(s, name);
    const int last = static_cast<int>(doc["steps"].size()) + 1;
    check_frame(s, doc, 0);
    for (const auto& e : s.find_all("text.grad"))
        BOOST_TEST(s.attribute(e, "data-grad").empty());
    BOOST_TEST(s.attribute(s.find("#prev"), "disabled") == "true");
    s.save_screenshot(out_dir() / ("explain_page_" + name + "_first.png"));

    const std::string next = s.find("#next");
    for (int f = 1; f <= last; ++f) {
        if (f % 2 == 1)
            s.click(next);
        else
            s.press(webdriver::key::right);
        check_frame(s, doc, f);
    }
    // At the end, Next does nothing.
    BOOST_TEST(s.attribute(next, "disabled") == "true");
    s.press(webdriver::key::right);
    BOOST_TEST(read(s).frame == last);

    // Every node shows the document's final gradient, read through the element itself.
    for (const auto& n : doc["nodes"]) {
        const std::string id = n["id"];
        const std::string g = s.attribute(s.find("text.grad[data-node-id=\"" + id + "\"]"), "data-grad");
        BOOST_TEST(same_number(g, n["grad"]), "node " << id << " shows '" << g << "', the document " << n["grad"].dump());
    }
    s.save_screenshot(out_dir() / ("explain_page_" + name + "_last.png"));

    s.click(s.find("#prev"));
    check_frame(s, doc, last - 1);
    s.press(webdriver::key::left);
    check_frame(s, doc, last - 2);
    s.press(webdriver::key::home);
    check_frame(s, doc, 0);
    s.press(webdriver::key::end);
    check_frame(s, doc, last);
    click_row(s, 2);
    check_frame(s, doc, 2);
}

} // namespace

BOOST_AUTO_TEST_SUITE(in_chromium, *boost::unit_test::precondition(BrowserPresent()))

BOOST_AUTO_TEST_CASE(tutorial_steps_from_forward_to_the_last_edge, *boost::unit_test::timeout(120))
{
    webdriver::Session& s = browser();
    step_through(s, "tutorial");
    // The arithmetic of the last step, as the tutorial writes it: d(a*b)/db = a = 1.5;
    // upstream 1.4 x local 1.5 = 2.1; grad(w) = 2.1.
    s.press(webdriver::key::end);
    const std::string text = panel(s);
    BOOST_TEST(contains(text, "d(a\u00b7b)/db = a = 1.5"), text);
    BOOST_TEST(contains(text, "upstream 1.4 \u00d7 local 1.5 = 2.1"), text);
    BOOST_TEST(contains(text, "grad(w) = 2.1"), text);
    // Step 4 (frame 5) sends 1.12 to the constant i, where it goes nowhere.
    click_row(s, 5);
    BOOST_TEST(contains(panel(s), "i is a constant"), panel(s));
    // Values are shown with 6 significant digits, the document keeps all of them.
    const std::string n2 = s.find("text.value[data-node-id=\"n2\"]");
    BOOST_TEST(s.text(n2) == "= 0.7");
    BOOST_TEST(s.attribute(n2, "data-value") == "0.7000000000000002");
    // The formula of n3 is pretty-printed: n2^2 as n2², c*a^(c-1) as c·aᶜ⁻¹.
    click_row(s, 2);
    BOOST_TEST(contains(panel(s), "n3 = n2\u00b2"), panel(s));
    BOOST_TEST(contains(panel(s), "d(a\u1d9c)/da = c\u00b7a\u1d9c\u207b\u00b9 = 1.4"), panel(s));
}

BOOST_AUTO_TEST_CASE(a_node_used_twice_gets_the_sum_in_two_steps, *boost::unit_test::timeout(120))
{
    webdriver::Session& s = browser();
    step_through(s, "shared");
    // h = n3 feeds both sides of n4 = n3*n3: steps 7 and 8 (frames 8 and 9) each bring
    // h = tanh(0.7) = 0.604368, and the second shows the sum 1.20874.
    click_row(s, 8);
    BOOST_TEST(contains(panel(s), "grad(n3) = 0.604368"), panel(s));
    click_row(s, 9);
    BOOST_TEST(contains(panel(s), "grad(n3) = 0.604368 + 0.604368 = 1.20874"), panel(s));
    // x: -1/x^2 = -0.25 from 1/x (step 4), then 2h(1-h^2)*w = 0.383616 from w*x (step 13).
    s.press(webdriver::key::end);
    BOOST_TEST(contains(panel(s), "grad(x) = \u22120.25 + 0.383616 = 0.133616"), panel(s));

    // On a phone's 360 px the page does not overflow sideways (the graph scrolls in its box).
    s.emulate_viewport(360, 1900, true);
    s.navigate("file://" + (out_dir() / "explain_page_shared.html").string());
    s.press(webdriver::key::end);
    BOOST_TEST(s.execute("return document.documentElement.scrollWidth;").get<int>() <= 360);
    s.save_screenshot(out_dir() / "explain_page_shared_phone.png");
    s.emulate_viewport(1400, 1600, false);
}

BOOST_AUTO_TEST_CASE(descent_steps_through_its_updates, *boost::unit_test::timeout(120))
{
    webdriver::Session& s = browser();
    step_through(s, "descent");
    const json doc = fixture("descent");
    const json& steps = doc["descent"]["steps"];
    const int last = static_cast<int>(steps.size()) - 1;
    BOOST_TEST(s.find_all("#loss-chart circle.loss-point").size() == steps.size());
    const std::string counter = s.find("#descent-counter");
    BOOST_TEST(s.attribute(counter, "data-step") == "0");
    BOOST_TEST(contains(s.text(s.find("#descent-explain")), "w \u2190 w \u2212 lr\u00b7grad(w) = 0.8 \u2212 0.1\u00b72.1 = 0.59"),
               s.text(s.find("#descent-explain")));
    const int backward_frame = read(s).frame;
    const std::string next = s.find("#descent-next");
    for (int k = 1; k <= last; ++k) {
        if (k % 2 == 1)
            s.click(next);
        else
            s.press(webdriver::key::right); // the descent part was used last: keys step it
        BOOST_TEST(s.attribute(counter, "data-step") == std::to_string(k));
    }
    BOOST_TEST(read(s).frame == backward_frame);
    BOOST_TEST(s.attribute(next, "disabled") == "true");
    const std::string w = s.attribute(s.find("#descent-steps tbody tr.current td[data-param=\"w\"]"), "data-value");
    BOOST_TEST(same_number(w, steps[last]["params"]["w"]), w);
    s.click(s.find("#descent-prev"));
    BOOST_TEST(s.attribute(counter, "data-step") == std::to_string(last - 1));
    s.execute("document.getElementById('descent').scrollIntoView();");
    s.save_screenshot(out_dir() / "explain_page_descent_updates.png");
}

BOOST_AUTO_TEST_SUITE_END()
