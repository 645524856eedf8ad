#include "autograd/cpu/buffer_cache.hpp"

#include <array>
#include <bit>
#include <cstdlib>
#include <new>
#include <vector>

namespace autograd::detail {
namespace {

constexpr std::size_t kMinBytes = 64;           // smallest class
constexpr std::size_t kMaxCachedBytes = 1 << 24; // larger buffers go straight to the system
constexpr std::size_t kClasses = 19;             // 64 B .. 16 MiB, powers of two
constexpr std::size_t kMaxPerClass = 64;         // bounds what a thread keeps...
constexpr std::size_t kMaxThreadBytes = std::size_t{256} << 20; // ...in count and in bytes

// Set once this thread's cache is destroyed: tensors freed later (thread_locals destroyed after
// it) go straight to the system.
thread_local bool tl_cache_gone = false;

struct Cache {
    std::array<std::vector<void*>, kClasses> free;
    std::size_t bytes = 0;
    ~Cache()
    {
        tl_cache_gone = true;
        for (auto& list : free)
            for (void* p : list)
                std::free(p);
    }
};
thread_local Cache tl_cache;

std::size_t class_of(std::size_t capacity) { return static_cast<std::size_t>(std::countr_zero(capacity / kMinBytes)); }

} // namespace

void* allocate_buffer(std::size_t bytes, std::size_t& capacity)
{
    if (bytes > kMaxCachedBytes || tl_cache_gone) {
        capacity = bytes > kMaxCachedBytes ? (bytes + 63) / 64 * 64 : std::bit_ceil(std::max(bytes, kMinBytes));
    } else {
        capacity = std::bit_ceil(std::max(bytes, kMinBytes));
        std::vector<void*>& list = tl_cache.free[class_of(capacity)];
        if (!list.empty()) {
            void* p = list.back();
            list.pop_back();
            tl_cache.bytes -= capacity;
            return p;
        }
    }
    void* p = std::aligned_alloc(64, capacity);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}

void free_buffer(void* data, std::size_t capacity) noexcept
{
    if (data == nullptr)
        return;
    if (capacity <= kMaxCachedBytes && !tl_cache_gone) {
        std::vector<void*>& list = tl_cache.free[class_of(capacity)];
        if (list.size() < kMaxPerClass && tl_cache.bytes + capacity <= kMaxThreadBytes) {
            try {
                list.push_back(data);
                tl_cache.bytes += capacity;
                return;
            } catch (...) { // no room to remember it: give it back
            }
        }
    }
    std::free(data);
}

} // namespace autograd::detail
