// DOT export and Graphviz rendering of scalar graphs.
//
// Where the expected text comes from:
// - tests/fixtures/single_weight.dot is the second tutorial's single-weight graph
//   (w = 0.8, i = 1.5, C = (i*w - 0.5)^2) after backward(), written by hand and checked against
//   the numbers derived here:
//       a = i*w = 1.2,  a - 0.5 = 0.7,  C = 0.7^2 = 0.49
//       dC/dC = 1,  dC/d(a - 0.5) = 2 * 0.7 = 1.4,  dC/da = 1.4,  dC/dw = 1.4 * i = 2.1
//   The constant i has no gradient, so its record has no grad field. Node ids follow the
//   topological order: v0 = i and v1 = w (the arguments of * in order), v2 = i*w, v3 = a - 0.5,
//   v4 = C; each op node opN feeds the value vN.
// - The other tests check properties stated in autograd/dot.hpp: record escaping of { } | < > "
//   and backslash, rankdir, show_grad/show_data, max_nodes cutting (the values nearest the output
//   are kept; a note node "cut" counts the others and dashed edges replace cut inputs), role
//   colours, atomic file writes, and rendering through Graphviz when the build has it.
#define BOOST_TEST_MODULE dot
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <autograd/dot.hpp>
#include <autograd/engine/scalar_ops.hpp>
#include <autograd/engine/tensor_ops.hpp>
#include <autograd/tensor.hpp>
#include <autograd/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using autograd::DotOptions;
using autograd::Value;

using test_util::contains;
using test_util::message_of;

namespace {

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size()))
        ++n;
    return n;
}

// The line of the DOT text that declares the record whose label starts with `title`.
std::string record_line(const std::string& dot, const std::string& title)
{
    std::istringstream in(dot);
    std::string line;
    while (std::getline(in, line))
        if (line.find("shape=record") != std::string::npos && line.find("label=\"{ " + title + " ") != std::string::npos)
            return line;
    BOOST_FAIL("no record labelled '" << title << "' in:\n" << dot);
    return {};
}

// The tutorial's single-weight graph, after backward().
struct SingleWeight {
    Value w = Value::parameter(0.8, "w");
    Value i = Value::constant(1.5).set_label("i");
    Value C;
    SingleWeight()
    {
        C = pow(i * w - 0.5, 2.0);
        C.set_label("C");
        C.backward();
    }
};

// A fresh empty directory, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir()
    {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("backprop_test_dot." + std::to_string(::getpid()) + "." + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::vector<std::string> names() const
    {
        std::vector<std::string> out;
        for (const auto& entry : fs::directory_iterator(path))
            out.push_back(entry.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(single_weight_graph_matches_the_snapshot)
{
    SingleWeight g;
    BOOST_TEST(g.w.grad() == 2.1, boost::test_tools::tolerance(1e-15));
    const std::string expected = read_file(fs::path(BACKPROP_FIXTURES) / "single_weight.dot");
    const std::string dot = autograd::to_dot(g.C);
    BOOST_TEST(dot == expected);
    // The hand-derived numbers are in the text.
    BOOST_TEST(dot.find("grad 2.1") != std::string::npos);
    BOOST_TEST(dot.find("data 0.49") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ids_do_not_depend_on_addresses)
{
    // The same graph built twice (other node addresses, other allocations in between) gives
    // the same text.
    const std::string first = autograd::to_dot(SingleWeight{}.C);
    std::vector<Value> noise;
    for (int k = 0; k < 1000; ++k)
        noise.push_back(Value(k) * 2.0);
    const std::string second = autograd::to_dot(SingleWeight{}.C);
    BOOST_TEST(first == second);
}

BOOST_AUTO_TEST_CASE(write_dot_to_a_stream_equals_to_dot)
{
    SingleWeight g;
    std::ostringstream out;
    autograd::write_dot(g.C, out);
    BOOST_TEST(out.str() == autograd::to_dot(g.C));
}

BOOST_AUTO_TEST_CASE(record_labels_are_escaped)
{
    const Value x(1.0, "a{b}|c<d>\"e\"\\f");
    const Value y = x * 2.0;
    const std::string dot = autograd::to_dot(y);
    BOOST_TEST(dot.find(R"(a\{b\}\|c\<d\>\"e\"\\f)") != std::string::npos, dot);
    // The raw label never appears unescaped.
    BOOST_TEST(dot.find("a{b}") == std::string::npos);
    BOOST_TEST(dot.find("|c<d>") == std::string::npos);
    if (autograd::graphviz_available()) {
        // Graphviz accepts the escaped text as a record.
        const std::string svg = autograd::render_dot(dot, "svg");
        BOOST_TEST(svg.find("<svg") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(rankdir_option)
{
    SingleWeight g;
    const std::string lr = autograd::to_dot(g.C);
    BOOST_TEST(count(lr, "rankdir=LR;") == 1u);
    BOOST_TEST(count(lr, "rankdir=TB") == 0u);
    const std::string tb = autograd::to_dot(g.C, {.rankdir = autograd::RankDir::TopToBottom});
    BOOST_TEST(count(tb, "rankdir=TB;") == 1u);
    BOOST_TEST(count(tb, "rankdir=LR") == 0u);
}

BOOST_AUTO_TEST_CASE(show_grad_and_show_data_options)
{
    SingleWeight g;
    const std::string full = autograd::to_dot(g.C);
    BOOST_TEST(count(full, "grad ") == 4u); // every value but the constant i
    BOOST_TEST(count(full, "data ") == 5u);

    const std::string no_grad = autograd::to_dot(g.C, {.show_grad = false});
    BOOST_TEST(no_grad.find("grad") == std::string::npos, no_grad);
    BOOST_TEST(count(no_grad, "data ") == 5u);
    BOOST_TEST(no_grad.find("{ w | data 0.8 }") != std::string::npos);

    const std::string no_data = autograd::to_dot(g.C, {.show_data = false});
    BOOST_TEST(no_data.find("data") == std::string::npos, no_data);
    BOOST_TEST(no_data.find("{ w | grad 2.1 }") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(precision_option)
{
    const Value x(1.0 / 3.0, "x");
    const Value y = x * 1.0;
    BOOST_TEST(autograd::to_dot(y).find("data 0.3333 ") != std::string::npos);
    BOOST_TEST(autograd::to_dot(y, {.precision = 2}).find("data 0.33 ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(max_nodes_cuts_and_notes_the_count)
{
    // A chain of 8 values, v0 = x (a leaf) and v_k = f(v_{k-1}): its topological order is fixed,
    // so max_nodes = 3 keeps exactly v5, v6, v7 (the output) and cuts 5 values.
    Value v(0.5, "n0");
    for (int k = 1; k < 8; ++k) {
        v = (k % 2 == 1) ? v * 1.5 : v + 0.25;
        v.set_label(fmt::format("n{}", k));
    }
    v.backward();
    const std::string full = autograd::to_dot(v);
    BOOST_TEST(count(full, "shape=record") == 8u);
    BOOST_TEST(full.find("cut") == std::string::npos);
    BOOST_TEST(full.find("dashed") == std::string::npos);
    BOOST_TEST(autograd::to_dot(v, {.max_nodes = 8}) == full);

    const std::string cut = autograd::to_dot(v, {.max_nodes = 3});
    BOOST_TEST(count(cut, "shape=record") == 3u, cut);
    for (int k = 0; k < 8; ++k) {
        const bool kept = k >= 5;
        BOOST_TEST((cut.find(fmt::format("{{ n{} ", k)) != std::string::npos) == kept, "n" << k);
    }
    // The note node, with the number of values not shown.
    BOOST_TEST(count(cut, "  cut [") == 1u);
    BOOST_TEST(cut.find("5 more values not shown (max_nodes = 3)") != std::string::npos, cut);
    // The oldest kept value (n5) lost its input: one dashed edge from the note to its op.
    BOOST_TEST(count(cut, "cut -> op5 [style=dashed]") == 1u);
    BOOST_TEST(count(cut, "style=dashed") == 1u);
    BOOST_TEST(count(cut, "v5 -> op6;") == 1u);
    BOOST_TEST(count(cut, "v6 -> op7;") == 1u);
    BOOST_TEST(cut.find("v4") == std::string::npos);
    if (autograd::graphviz_available())
        BOOST_TEST(autograd::render_dot(cut, "svg").find("<svg") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(max_nodes_on_a_graph_with_several_inputs)
{
    // x and y leaves; s = x*y; t = s + x; out = t * y. Five values; max_nodes = 1 keeps only the
    // output, whose two inputs are both cut: one dashed edge for the op, not one per input.
    const Value x(2.0, "x");
    const Value y(3.0, "y");
    const Value s = (x * y).set_label("s");
    const Value t = (s + x).set_label("t");
    const Value out = (t * y).set_label("out");
    const std::string dot = autograd::to_dot(out, {.max_nodes = 1});
    BOOST_TEST(count(dot, "shape=record") == 1u, dot);
    BOOST_TEST(dot.find("4 more values not shown (max_nodes = 1)") != std::string::npos, dot);
    BOOST_TEST(count(dot, "style=dashed") == 1u);
    BOOST_TEST(dot.find("{ out ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(roles_have_their_colours)
{
    // input: a leaf that requires a gradient; parameter: Value::parameter; constant: no
    // gradient; output: the root. Colours from autograd/dot.hpp's comment (inputs blue,
    // parameters orange, constants grey, output green), hex values as dot.cpp writes them.
    const Value x(1.5, "x");
    const Value w = Value::parameter(0.8, "w");
    const Value k = Value::constant(2.0).set_label("k");
    const Value h = (x * w).set_label("h");
    const Value out = (h * k).set_label("out");
    out.backward();
    const std::string dot = autograd::to_dot(out);

    const std::string in_line = record_line(dot, "x");
    BOOST_TEST(in_line.find("tooltip=\"input\"") != std::string::npos, in_line);
    BOOST_TEST(in_line.find("#cfe2ff") != std::string::npos, in_line);
    const std::string w_line = record_line(dot, "w");
    BOOST_TEST(w_line.find("tooltip=\"parameter\"") != std::string::npos, w_line);
    BOOST_TEST(w_line.find("#ffd8a8") != std::string::npos, w_line);
    const std::string k_line = record_line(dot, "k");
    BOOST_TEST(k_line.find("tooltip=\"constant\"") != std::string::npos, k_line);
    BOOST_TEST(k_line.find("#e9ecef") != std::string::npos, k_line);
    BOOST_TEST(k_line.find("grad") == std::string::npos, k_line);
    const std::string h_line = record_line(dot, "h");
    BOOST_TEST(h_line.find("tooltip=\"intermediate\"") != std::string::npos, h_line);
    const std::string out_line = record_line(dot, "out");
    BOOST_TEST(out_line.find("tooltip=\"output\"") != std::string::npos, out_line);
    BOOST_TEST(out_line.find("#b2f2bb") != std::string::npos, out_line);
    BOOST_TEST(count(dot, "tooltip=\"output\"") == 1u);

    // The role follows the root: drawn from h, h is the output and out is absent.
    const std::string from_h = autograd::to_dot(h);
    BOOST_TEST(record_line(from_h, "h").find("tooltip=\"output\"") != std::string::npos);
    BOOST_TEST(from_h.find("{ out ") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(write_dot_to_a_file_is_atomic)
{
    SingleWeight g;
    TempDir dir;
    const fs::path file = dir.path / "graph.dot";
    autograd::write_dot(g.C, file);
    BOOST_TEST(read_file(file) == autograd::to_dot(g.C));
    BOOST_TEST(dir.names() == std::vector<std::string>{"graph.dot"}, boost::test_tools::per_element());

    // Overwriting replaces the whole text and leaves no temporary behind.
    autograd::write_dot(g.C, file, {.show_grad = false});
    BOOST_TEST(read_file(file) == autograd::to_dot(g.C, {.show_grad = false}));
    BOOST_TEST(dir.names() == std::vector<std::string>{"graph.dot"}, boost::test_tools::per_element());

    // A directory that does not exist: std::runtime_error naming the file; nothing is written.
    const fs::path missing = dir.path / "no_such_dir" / "graph.dot";
    const std::string msg = message_of<std::runtime_error>([&] { autograd::write_dot(g.C, missing); });
    BOOST_TEST(msg.find(missing.string()) != std::string::npos, msg);
    BOOST_TEST(dir.names() == std::vector<std::string>{"graph.dot"}, boost::test_tools::per_element());
    BOOST_TEST(read_file(file) == autograd::to_dot(g.C, {.show_grad = false}));
}

BOOST_AUTO_TEST_CASE(render_graph_rejects_an_unknown_extension)
{
    SingleWeight g;
    TempDir dir;
    const fs::path file = dir.path / "graph.gif";
    const std::string msg = message_of<std::invalid_argument>([&] { autograd::render_graph(g.C, file); });
    BOOST_TEST(msg.find(file.string()) != std::string::npos, msg);
    BOOST_TEST(dir.names().empty());
    const std::string no_ext =
        message_of<std::invalid_argument>([&] { autograd::render_graph(g.C, dir.path / "graph"); });
    BOOST_TEST(no_ext.find("graph") != std::string::npos, no_ext);
    // render_dot checks the format before anything else.
    BOOST_CHECK_THROW(autograd::render_dot("digraph { a -> b; }", "gif"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(render_graph_to_svg_and_png)
{
    SingleWeight g;
    TempDir dir;
    if (!autograd::graphviz_available()) {
        const std::string msg = message_of<std::runtime_error>([&] { autograd::render_graph(g.C, dir.path / "g.svg"); });
        BOOST_TEST(msg.find("Graphviz is missing") != std::string::npos, msg);
        BOOST_TEST(dir.names().empty());
        return;
    }
    const fs::path svg_file = dir.path / "graph.svg";
    autograd::render_graph(g.C, svg_file);
    const std::string svg = read_file(svg_file);
    BOOST_TEST((svg.rfind("<?xml", 0) == 0 || svg.find("<svg") != std::string::npos), svg.substr(0, 200));
    // The labels made it into the picture.
    BOOST_TEST(svg.find("grad 2.1") != std::string::npos);

    const fs::path png_file = dir.path / "graph.png";
    autograd::render_graph(g.C, png_file);
    const std::string png = read_file(png_file);
    BOOST_TEST(png.size() > 8u);
    BOOST_TEST(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0u);
    BOOST_TEST(dir.names() == (std::vector<std::string>{"graph.png", "graph.svg"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(render_dot_with_bad_text_throws)
{
    if (!autograd::graphviz_available()) {
        const std::string msg = message_of<std::runtime_error>([] { autograd::render_dot("digraph { a -> b; }", "svg"); });
        BOOST_TEST(msg.find("Graphviz is missing") != std::string::npos, msg);
        return;
    }
    // A good graph renders; broken DOT text is a runtime_error, not a crash or an empty result.
    BOOST_TEST(autograd::render_dot("digraph { a -> b; }", "svg").find("<svg") != std::string::npos);
    BOOST_CHECK_THROW(autograd::render_dot("digraph { a -> ; ", "svg"), std::runtime_error);
    BOOST_CHECK_THROW(autograd::render_dot("this is not dot", "svg"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(tensor_graph_dot)
{
    // y = relu(x W + b).sum(): leaves W and b are parameters; x needs no gradient and is not drawn.
    const autograd::Tensor x({1.f, 2.f, 3.f, 4.f}, {2, 2});
    autograd::Tensor w = autograd::Tensor({1.f, 0.f, 0.f, 1.f}, {2, 2}).requires_grad_();
    autograd::Tensor b = autograd::Tensor({0.5f, -0.5f}, {2}).requires_grad_();
    w.set_label("W");
    b.set_label("b");
    const autograd::Tensor y = (matmul(x, w) + b).relu().sum();
    y.set_label("loss");
    y.backward();
    const std::string dot = autograd::to_dot(y);
    BOOST_TEST(dot == autograd::to_dot(y)); // deterministic
    // Values: W, matmul, b, add, relu, sum (6 records); ops as their own nodes, drawn with the
    // symbols scalar graphs use for the same ops (tensor_ops.hpp and scalar_ops.hpp share them).
    for (const char* expected : {"{ W | [2, 2] float32", "{ b | [2] float32", "label=\"@\"", "label=\"+\"",
                                 "label=\"ReLU\"", "label=\"Σ\"", "{ loss | [] float32", "grad norm ", "#ffd8a8",
                                 "#b2f2bb"})
        BOOST_TEST(contains(dot, expected), "missing " << expected << " in\n" << dot);
    BOOST_TEST(!contains(dot, "data norm 5.477")); // x (norm sqrt(30)) is not drawn
    // |grad| of W: dy/dW = x^T 1 (relu is active everywhere here): [[4, 4], [6, 6]], norm sqrt(104)
    BOOST_TEST(contains(dot, "grad norm 10.2"), dot);

    autograd::DotOptions few;
    few.max_nodes = 2;
    const std::string cut = autograd::to_dot(y, few);
    BOOST_TEST(contains(cut, "4 more values not shown (max_nodes = 2)"), cut);
}

BOOST_AUTO_TEST_CASE(scalar_and_tensor_graphs_draw_an_op_alike)
{
    // Every op both engines have (by name) has one symbol in both tables...
    std::set<std::string_view> shared;
    for (int i = 0; i < autograd::detail::kScalarOpCount; ++i)
        for (int j = 0; j < autograd::detail::kTensorOpCount; ++j) {
            const auto& s = autograd::op_info(static_cast<autograd::ScalarOp>(i));
            const auto& t = autograd::op_info(static_cast<autograd::TensorOp>(j));
            if (s.name == t.name) {
                BOOST_TEST(s.symbol == t.symbol, s.name);
                shared.insert(s.name);
            }
        }
    BOOST_TEST(shared.size() == 11u); // add sub mul div pow neg exp log tanh sigmoid relu
    // ... and so in the DOT text: sigmoid(x * w) draws its op nodes as σ and * either way.
    autograd::Value w = autograd::Value::parameter(0.5, "w");
    const std::string scalar = autograd::to_dot((w * 2.0 * w).sigmoid());
    const autograd::Tensor t = autograd::Tensor({0.5f}, {1}).requires_grad_();
    const std::string tensor = autograd::to_dot(sigmoid(t * t.exp()));
    for (const std::string& dot : {scalar, tensor}) {
        BOOST_TEST(contains(dot, "label=\"σ\""), dot);
        BOOST_TEST(contains(dot, "label=\"*\""), dot);
    }
}
