// The step-through page of tools/explain, opened in a real browser: headless Chromium driven
// over WebDriver (tests/webdriver.hpp), for each document of tests/fixtures/explain/. Frame 0
// shows no gradient; Next (a click or the Right key) walks every backward step, each showing
// the gradient the document says reached the step's parent; at the end every node shows the
// document's final gradient, exactly (parsed back from data-grad); Previous, Left, Home, End and
// a click on a row of the table move as they should; the descent part steps through its
// updates. Screenshots of the first and last frames go to the build folder
// (tests/explain_page_*.png). Without chromium and chromedriver the tests are skipped with a
// message (CTest shows "Skipped"); every browser call has a deadline, every case a timeout.
#define BOOST_TEST_MODULE explain_page_browser
#include <boost/test/unit_test.hpp>

#include "explain_fixture.hpp"
#include "test_util.hpp"
#include "webdriver.hpp"

#include <autograd/atomic_file.hpp>
#include <explain/page.hpp>

#include "explained_graph.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;
using test_util::contains;

namespace {

json fixture(const std::string& name) { return explain_fixture::load(name); }

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

// One browser for all the browser tests, ended by the global fixture's teardown, which runs
// even after a test case timed out.
std::unique_ptr<webdriver::Session>& browser_slot()
{
    static std::unique_ptr<webdriver::Session> session;
    return session;
}

// A browser that did not start fails the later cases at once, with the first one's reason,
// instead of each waiting out the start-up deadline again.
webdriver::Session& browser()
{
    static std::string failed;
    auto& s = browser_slot();
    if (!failed.empty())
        BOOST_FAIL("the browser did not start: " << failed);
    if (!s) {
        try {
            s = std::make_unique<webdriver::Session>(webdriver::default_browser(), 1400, 1600);
        } catch (const std::exception& e) {
            failed = e.what();
            throw;
        }
    }
    return *s;
}

struct EndBrowser {
    ~EndBrowser() { browser_slot().reset(); }
};
BOOST_TEST_GLOBAL_FIXTURE(EndBrowser);

boost::test_tools::assertion_result browser_present(boost::unit_test::test_unit_id)
{
    const std::string why = webdriver::missing_browser();
    boost::test_tools::assertion_result r(why.empty());
    if (!why.empty()) {
        r.message() << "explain_page: skipped, " << why;
        BOOST_TEST_MESSAGE("explain_page: skipped, " << why);
    }
    return r;
}

fs::path out_dir() { return fs::path(BACKPROP_TEST_OUTPUT); }

// Writes the page for a fixture into the build folder and opens it.
json open_page(webdriver::Session& s, const std::string& name, const json& doc)
{
    const fs::path html = out_dir() / ("explain_page_" + name + ".html");
    autograd::write_file_atomically(html, [&](std::ostream& out) { explain::write_step_through_page(out, doc); });
    s.navigate("file://" + html.string());
    // The page's script ran to its end (it marks the root element last).
    BOOST_TEST(s.attribute(s.find("html"), "data-ready") == "true");
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
void step_through(webdriver::Session& s, const std::string& name, const json& doc)
{
    open_page(s, name, doc);
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

BOOST_AUTO_TEST_SUITE(in_chromium, *boost::unit_test::precondition(browser_present))

BOOST_AUTO_TEST_CASE(tutorial_steps_from_forward_to_the_last_edge, *boost::unit_test::timeout(120))
{
    webdriver::Session& s = browser();
    step_through(s, "tutorial", fixture("tutorial"));
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
    step_through(s, "shared", fixture("shared"));
    // h = n3 feeds both sides of n4 = n3*n3: steps 7 and 8 (frames 8 and 9) each bring
    // h = tanh(0.7) = 0.604368, and the second shows the sum 1.20874.
    click_row(s, 8);
    BOOST_TEST(contains(panel(s), "grad(n3) = 0.604368"), panel(s));
    click_row(s, 9);
    BOOST_TEST(contains(panel(s), "grad(n3) = 0.604368 + 0.604368 = 1.20874"), panel(s));
    s.save_screenshot(out_dir() / "explain_page_shared_sum.png");
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
    const json doc = fixture("descent");
    step_through(s, "descent", doc);
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

    // On a phone: no sideways overflow, the chart drawn at the phone's width.
    s.emulate_viewport(360, 1900, true);
    s.navigate("file://" + (out_dir() / "explain_page_descent.html").string());
    BOOST_TEST(s.execute("return document.documentElement.scrollWidth;").get<int>() <= 360);
    s.execute("document.getElementById('descent').scrollIntoView();");
    s.save_screenshot(out_dir() / "explain_page_descent_phone.png");
    s.emulate_viewport(1400, 1600, false);
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_arrive_as_strings_and_show_as_such, *boost::unit_test::timeout(120))
{
    // The tutorial with w's gradient overflowed, as the producer writes it: "inf" in the last
    // step and in the node. The walk is the same; the node shows the string's symbol.
    json doc = fixture("tutorial");
    json& last = doc["steps"].back();
    last["contribution"] = "inf";
    last["parent_grad"] = "inf";
    for (auto& n : doc["nodes"])
        if (n["id"] == "w")
            n["grad"] = "inf";
    webdriver::Session& s = browser();
    step_through(s, "nonfinite", doc);
    const std::string w = s.find("text.grad[data-node-id=\"w\"]");
    s.press(webdriver::key::end);
    BOOST_TEST(s.attribute(w, "data-grad") == "inf");
    BOOST_TEST(s.text(w) == "grad \u221e");
    BOOST_TEST(contains(panel(s), "grad(w) = \u221e"), panel(s));
}

// The pages the explain program itself writes (--html), for the tutorials' expressions and one
// where operands are used twice: stepped to the end with Next, every leaf shows the gradient
// the library computes for it (explain's graph built here, in this process), to the last bit.
BOOST_AUTO_TEST_CASE(pages_written_by_explain_show_the_library_gradients, *boost::unit_test::timeout(180))
{
    using explain::Role;
    struct Case {
        std::string name, expression, args;
        std::vector<explain::Binding> bindings;
    };
    const Case cases[] = {
        {"program_tutorial", "(i*w - y)^2", "--param w=0.8 --const i=1.5 --const y=0.5",
         {{"w", 0.8, Role::Param}, {"i", 1.5, Role::Const}, {"y", 0.5, Role::Const}}},
        {"program_neuron", "(sigmoid(w1*x1 + w2*x2 + b) - t)^2/2",
         "--param w1=0.5 --param w2=-0.5 --param b=0.5 --input x1=1 --input x2=2 --const t=1",
         {{"w1", 0.5, Role::Param}, {"w2", -0.5, Role::Param}, {"b", 0.5, Role::Param}, {"x1", 1.0, Role::Input},
          {"x2", 2.0, Role::Input}, {"t", 1.0, Role::Const}}},
        {"program_shared", "w*w + tanh(w*x + b)*x - 2/x", "--param w=0.3 --param b=-0.1 --input x=1.7",
         {{"w", 0.3, Role::Param}, {"b", -0.1, Role::Param}, {"x", 1.7, Role::Input}}},
    };
    webdriver::Session& s = browser();
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.expression)
        {
            const fs::path html = out_dir() / (c.name + ".html"), json_file = out_dir() / (c.name + ".json");
            const std::string command = "'" BACKPROP_EXPLAIN "' '" + c.expression + "' " + c.args + " --html '" +
                                        html.string() + "' --json > '" + json_file.string() + "'";
            BOOST_REQUIRE_EQUAL(std::system(command.c_str()), 0);
            std::ifstream in(json_file);
            const json doc = json::parse(in);
            s.navigate("file://" + html.string());
            BOOST_TEST(s.attribute(s.find("html"), "data-ready") == "true");
            check_frame(s, doc, 0);
            const int last = static_cast<int>(doc["steps"].size()) + 1;
            const std::string next = s.find("#next");
            for (int f = 1; f <= last; ++f) {
                s.click(next);
                check_frame(s, doc, f);
            }
            s.save_screenshot(out_dir() / ("explain_page_" + c.name + "_last.png"));
            const explain::ExplainedGraph g = explain::build_and_backward(explain::parse(c.expression), c.bindings);
            for (const explain::GraphNode& n : g.nodes) {
                if (n.kind == "op" || n.kind == "literal")
                    continue;
                const std::string shown = s.attribute(s.find("text.grad[data-node-id=\"" + n.id + "\"]"), "data-grad");
                const auto grad = n.grad();
                BOOST_TEST(same_number(shown, grad ? json(*grad) : json()),
                           n.id << " shows '" << shown << "', the library " << (grad ? *grad : 0.0));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()