// libFuzzer harness of the safetensors reader (nn/io/safetensors.hpp). The input is the file. A
// read either throws std::runtime_error (the documented errors) or returns tensors that, saved
// again and read back, come out the same: names, shapes, dtypes, bytes and metadata (the
// writer must accept whatever the reader accepts, F16 and BF16 having become float32, I64 and
// BOOL staying int64 and bool).
//
//   cmake --build build-fuzz --target fuzz_safetensors
//   build-fuzz/tests/fuzz/fuzz_safetensors -max_total_time=60 tests/fuzz/safetensors_corpus
#include "fuzz_scratch.hpp"

#include <nn/io/safetensors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size > 65536)
        return 0;
    nn::SafetensorsFile f;
    try {
        f = nn::read_safetensors(fuzz::write_file("in.safetensors", data, size));
    } catch (const std::runtime_error&) {
        return 0;
    }
    const std::filesystem::path again = fuzz::scratch() / "again.safetensors";
    nn::save_safetensors(f.tensors, again, f.metadata); // throws (a finding) if it refuses them
    const nn::SafetensorsFile g = nn::read_safetensors(again);
    if (g.metadata != f.metadata || g.tensors.size() != f.tensors.size())
        __builtin_trap();
    auto a = f.tensors.begin();
    for (auto b = g.tensors.begin(); b != g.tensors.end(); ++a, ++b) {
        const autograd::Tensor &x = a->second, &y = b->second;
        if (a->first != b->first || x.shape() != y.shape() || x.dtype() != y.dtype())
            __builtin_trap();
        const std::size_t bytes = static_cast<std::size_t>(x.numel()) * autograd::itemsize(x.dtype());
        autograd::dispatch_any(x.dtype(), [&]<class T>() { // I64 and BOOL entries too
            if (bytes != 0 && std::memcmp(x.data_ptr<T>(), y.data_ptr<T>(), bytes) != 0)
                __builtin_trap();
        });
    }
    return 0;
}
