// Rendering DOT text with Graphviz's layout library, when the build has it.
#include "autograd/atomic_file.hpp"
#include "autograd/dot.hpp"

#include <mutex>
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
    // NOTE: one Graphviz context for the whole process, behind a mutex. Graphviz 2.42 (Debian 12)
    // keeps a pointer into a freed context after gvFreeContext, so a second context reads freed
    // memory (AddressSanitizer shows it); and Graphviz is not thread-safe. The context stays
    // reachable until exit, like Graphviz's own caches.
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    static GVC_t* const gvc = gvContext();
    if (gvc == nullptr)
        throw std::runtime_error("render_dot: Graphviz could not create a context");
    // Graphviz reports parse errors through a callback; keep them for the exception message
    // instead of letting them go to stderr.
    static std::string errors;
    errors.clear();
    agseterrf([](char* message) {
        errors += message;
        return 0;
    });
    const std::string text(dot);
    Agraph_t* graph = agmemread(text.c_str());
    if (graph == nullptr) {
        while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' '))
            errors.pop_back();
        throw std::runtime_error("render_dot: Graphviz could not parse the DOT text" +
                                 (errors.empty() ? std::string() : ": " + errors));
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

void render_dot_file(std::string_view dot, const std::filesystem::path& file)
{
    std::string ext = file.extension().string();
    if (!ext.empty())
        ext.erase(0, 1);
    if (ext != "svg" && ext != "png")
        throw std::invalid_argument("render_graph: cannot tell the image format of '" + file.string() +
                                    "' (use a .svg or .png extension)");
    write_file_atomically(file, render_dot(dot, ext), true);
}

void render_graph(const Value& root, const std::filesystem::path& file, const DotOptions& options)
{
    render_dot_file(to_dot(root, options), file);
}

} // namespace autograd
