// libFuzzer harness of explain's expression language and explained graph. The input is an
// expression; every name in it is bound (roles and values drawn from the input's bytes), then it
// is parsed (as an expression and as a formula), built, differentiated under a trace and written
// as the JSON document. Any exception other than the documented ones, any crash, any sanitizer
// report is a finding.
//
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DBACKPROP_FUZZ=ON
//   cmake --build build-fuzz --target fuzz_explain
//   build-fuzz/tests/fuzz/fuzz_explain -max_total_time=60 tests/fuzz/explain_corpus
#include "document.hpp"
#include "explained_graph.hpp"
#include "expression.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size > 4096) // long inputs only slow the search; the language has no length limit
        return 0;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        explain::parse(text, explain::Syntax::Formula);
    } catch (const explain::ParseError& e) {
        (void)explain::describe_error(e, text);
    }
    explain::Expression e;
    try {
        e = explain::parse(text);
    } catch (const explain::ParseError& error) {
        if (error.column() == 0 || error.column() > text.size() + 1)
            __builtin_trap(); // a column outside the text would misplace the caret
        (void)explain::describe_error(error, text);
        return 0;
    }
    std::vector<explain::Binding> bindings;
    std::size_t k = 0;
    for (const std::string& name : e.names()) {
        const std::uint8_t byte = size > 0 ? data[k++ % size] : 0;
        const auto role = static_cast<explain::Role>(byte % 3);
        bindings.push_back({name, (static_cast<double>(byte) - 128.0) / 16.0, role});
    }
    try {
        const explain::ExplainedGraph g = explain::build_and_backward(e, bindings);
        (void)explain::to_document(e, g, bindings, nullptr).dump();
    } catch (const explain::DomainError&) {
    } catch (const explain::BindingError&) {
    } catch (const std::invalid_argument&) { // nothing to differentiate
    }
    return 0;
}
