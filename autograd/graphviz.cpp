// Rendering DOT text with Graphviz's layout library, when the build has it.
#include "autograd/atomic_file.hpp"
#include "autograd/dot.hpp"

#include <stdexcept>
#include <string>

#ifdef BACKPROP_HAVE_GRAPHVIZ
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

namespace autograd {

bool graphviz_available()
{
#ifdef BACKPROP_HAVE_GRAPHVIZ
    return true;
#else
    return false;
#endif
}

std::string render_dot(std::string_view dot, std::string_view format)
{
    if (format != "svg" && format != "png")
        throw std::invalid_argument("render_dot: unsupported format '" + std::string(format) + "' (use svg or png)");
#ifdef BACKPROP_HAVE_GRAPHVIZ
    GVC_t* gvc = gvContext();
    if (gvc == nullptr)
        throw std::runtime_error("render_dot: Graphviz could not create a context");
    const std::string text(dot);
    Agraph_t* graph = agmemread(text.c_str());
    if (graph == nullptr) {
        gvFreeContext(gvc);
        throw std::runtime_error("render_dot: Graphviz could not parse the DOT text");
    }
    std::string result;
    bool ok = gvLayout(gvc, graph, "dot") == 0;
    if (ok) {
        char* data = nullptr;
        unsigned int length = 0;
        ok = gvRenderData(gvc, graph, std::string(format).c_str(), &data, &length) == 0;
        if (ok && data != nullptr)
            result.assign(data, length);
        gvFreeRenderData(data);
        gvFreeLayout(gvc, graph);
    }
    agclose(graph);
    gvFreeContext(gvc);
    if (!ok)
        throw std::runtime_error("render_dot: Graphviz failed to lay out or render the graph as " + std::string(format));
    return result;
#else
    (void)dot;
    throw std::runtime_error("render_dot: Graphviz is missing: this build of Backprop has no SVG/PNG rendering "
                             "(apt-get install libgraphviz-dev, then reconfigure with -DBACKPROP_WITH_GRAPHVIZ=ON). "
                             "write_dot() still writes DOT text, which `dot -Tsvg` renders.");
#endif
}

void render_graph(const Value& root, const std::filesystem::path& file, const DotOptions& options)
{
    std::string ext = file.extension().string();
    if (!ext.empty())
        ext.erase(0, 1);
    if (ext != "svg" && ext != "png")
        throw std::invalid_argument("render_graph: cannot tell the image format of '" + file.string() +
                                    "' (use a .svg or .png extension)");
    write_file_atomically(file, render_dot(to_dot(root, options), ext), true);
}

} // namespace autograd
