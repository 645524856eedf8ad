#include "autograd/cpu/buffer_cache.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

namespace autograd::detail {
namespace {

constexpr std::size_t kMinBytes = 64;           // smallest class
constexpr std::size_t kMaxCachedBytes = 1 << 24; // larger buffers go straight to the system
constexpr std::size_t kClasses = 19;             // 64 B .. 16 MiB, powers of two
constexpr std::uint32_t kMaxPerClass = 64;       // bounds what a thread keeps...
constexpr std::size_t kMaxThreadBytes = std::size_t{256} << 20; // ...in count and in bytes

// A free buffer holds the link to the next one of its class, so that keeping and reusing one
// touches no other memory (a std::vector per class cost a capacity check and an exception path
// on every tensor freed).
struct FreeBuffer {
    FreeBuffer* next;
};

// Plain data, so that a thread reaches its lists without a first-use check on every call; the
// Release object below, made with the first buffer a thread keeps, frees them at thread exit.
struct Lists {
    std::array<FreeBuffer*, kClasses> head;
    std::array<std::uint32_t, kClasses> count;
    std::size_t bytes;
    bool keeping; // whether this thread's Release exists
    bool gone;    // set when the thread's lists were released: buffers freed later go to the system
};
constinit thread_local Lists tl_lists{};

struct Release {
    ~Release()
    {
        tl_lists.gone = true;
        for (FreeBuffer*& head : tl_lists.head)
            while (head != nullptr)
                std::free(std::exchange(head, head->next));
        tl_lists.bytes = 0;
    }
};

std::size_t class_of(std::size_t capacity) { return static_cast<std::size_t>(std::countr_zero(capacity / kMinBytes)); }

} // namespace

void* allocate_buffer(std::size_t bytes, std::size_t& capacity)
{
    if (bytes > kMaxCachedBytes) {
        capacity = (bytes + 63) / 64 * 64;
    } else {
        capacity = std::bit_ceil(std::max(bytes, kMinBytes));
        const std::size_t c = class_of(capacity);
        if (FreeBuffer* b = tl_lists.head[c]) {
            tl_lists.head[c] = b->next;
            --tl_lists.count[c];
            tl_lists.bytes -= capacity;
            return b;
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
    Lists& lists = tl_lists;
    if (capacity <= kMaxCachedBytes && !lists.gone) {
        const std::size_t c = class_of(capacity);
        if (lists.count[c] < kMaxPerClass && lists.bytes + capacity <= kMaxThreadBytes) {
            if (!lists.keeping) [[unlikely]] {
                thread_local Release release; // registers the release of the lists at thread exit
                lists.keeping = true;
            }
            auto* b = static_cast<FreeBuffer*>(data);
            b->next = lists.head[c];
            lists.head[c] = b;
            ++lists.count[c];
            lists.bytes += capacity;
            return;
        }
    }
    std::free(data);
}

} // namespace autograd::detail
