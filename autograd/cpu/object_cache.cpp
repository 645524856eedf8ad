#include "autograd/cpu/object_cache.hpp"

#include <array>
#include <cstdint>
#include <new>
#include <utility>

namespace autograd::detail {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kClasses = 32;     // up to 512 bytes; larger objects use operator new
constexpr std::uint32_t kMaxPerClass = 4096;

// A free block holds the link to the next one: the lists need no memory of their own, and
// taking or returning a block is a few loads and stores (a std::vector per class, with its
// capacity checks and exception path, cost several times that on every op).
struct FreeBlock {
    FreeBlock* next;
};
static_assert(sizeof(FreeBlock) <= kGranule);

// Plain data, so that a thread reaches its lists without a first-use check on every call; the
// Release object below, made with the first block a thread keeps, frees them at thread exit.
struct Lists {
    std::array<FreeBlock*, kClasses> head;
    std::array<std::uint32_t, kClasses> count;
    bool keeping; // whether this thread's Release exists
    bool gone;    // set when the thread's lists were released: blocks freed later go to delete
};
constinit thread_local Lists tl_lists{};

struct Release {
    ~Release()
    {
        tl_lists.gone = true;
        for (FreeBlock*& head : tl_lists.head)
            while (head != nullptr)
                ::operator delete(std::exchange(head, head->next));
    }
};

std::size_t class_of(std::size_t bytes) { return (bytes + kGranule - 1) / kGranule - 1; }

} // namespace

void* allocate_small(std::size_t bytes)
{
    const std::size_t c = class_of(bytes);
    if (c < kClasses) {
        if (FreeBlock* b = tl_lists.head[c]) {
            tl_lists.head[c] = b->next;
            --tl_lists.count[c];
            return b;
        }
        // Always the full size of the class: a block freed on another thread is filed by its class.
        return ::operator new((c + 1) * kGranule);
    }
    return ::operator new(bytes);
}

void free_small(void* p, std::size_t bytes) noexcept
{
    const std::size_t c = class_of(bytes);
    Lists& lists = tl_lists;
    if (c < kClasses && !lists.gone && lists.count[c] < kMaxPerClass) {
        if (!lists.keeping) [[unlikely]] {
            thread_local Release release; // registers the release of the lists at thread exit
            lists.keeping = true;
        }
        auto* b = static_cast<FreeBlock*>(p);
        b->next = lists.head[c];
        lists.head[c] = b;
        ++lists.count[c];
        return;
    }
    ::operator delete(p);
}

} // namespace autograd::detail
