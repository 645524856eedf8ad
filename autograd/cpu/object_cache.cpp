#include "autograd/cpu/object_cache.hpp"

#include <array>
#include <new>
#include <vector>

namespace autograd::detail {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 32;     // up to 512 bytes; larger objects use operator new
constexpr std::size_t kMaxPerClass = 4096;

thread_local bool tl_gone = false; // set when the thread's cache is destroyed

struct Cache {
    std::array<std::vector<void*>, kClasses> free;
    ~Cache()
    {
        tl_gone = true;
        for (auto& list : free)
            for (void* p : list)
                ::operator delete(p);
    }
};
thread_local Cache tl_cache;

std::size_t class_of(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

} // namespace

void* allocate_small(std::size_t bytes)
{
    const std::size_t c = class_of(bytes);
    if (c < kClasses && !tl_gone) {
        std::vector<void*>& list = tl_cache.free[c];
        if (!list.empty()) {
            void* p = list.back();
            list.pop_back();
            return p;
        }
    }
    // Always the full size of the class: a block freed on another thread is filed by its class.
    return ::operator new(c < kClasses ? (c + 1) * kGranule : bytes);
}

void free_small(void* p, std::size_t bytes) noexcept
{
    const std::size_t c = class_of(bytes);
    if (c < kClasses && !tl_gone) {
        std::vector<void*>& list = tl_cache.free[c];
        if (list.size() < kMaxPerClass) {
            try {
                list.push_back(p);
                return;
            } catch (...) {
            }
        }
    }
    ::operator delete(p);
}

} // namespace autograd::detail
