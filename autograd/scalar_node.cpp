// The scalar node pool and the iterative release of graphs.
#include "autograd/scalar_node.hpp"

#include "autograd/scalar_label.hpp"
#include "autograd/scalar_ops.hpp"

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

namespace autograd::detail {
namespace {

constexpr std::size_t kNodesPerChunk = 4096; // 160 KiB: few system calls, little waste

struct SharedPool {
    std::mutex mutex;
    std::vector<std::unique_ptr<ScalarNode[]>> chunks;
    ScalarNode* returned = nullptr; // free lists handed back by threads that exited
    std::size_t bytes = 0;
};

// NOTE: never destroyed. A Value in a static object may be destroyed after any other static
// (including this pool, were it a plain static), so the chunks stay valid until the process
// ends; they stay reachable from here, so leak checkers do not report them.
SharedPool& shared_pool()
{
    static SharedPool* pool = new SharedPool;
    return *pool;
}

// Hands a finished thread's free nodes back to the shared pool for other threads to reuse.
struct ThreadListReturn {
    ~ThreadListReturn()
    {
        ScalarNode* head = tl_free_nodes;
        if (head == nullptr)
            return;
        ScalarNode* tail = head;
        while (tail->lhs != nullptr)
            tail = tail->lhs;
        SharedPool& pool = shared_pool();
        std::lock_guard lock(pool.mutex);
        tail->lhs = pool.returned;
        pool.returned = head;
        tl_free_nodes = nullptr;
    }
};
thread_local ThreadListReturn tl_list_return;

} // namespace

ScalarNode* refill_node_pool()
{
    (void)&tl_list_return; // constructs the thread's return hook on its first refill
    SharedPool& pool = shared_pool();
    std::lock_guard lock(pool.mutex);
    if (pool.returned != nullptr) {
        ScalarNode* head = pool.returned;
        pool.returned = nullptr;
        return head;
    }
    auto chunk = std::make_unique_for_overwrite<ScalarNode[]>(kNodesPerChunk);
    for (std::size_t i = 0; i + 1 < kNodesPerChunk; ++i)
        chunk[i].lhs = &chunk[i + 1];
    chunk[kNodesPerChunk - 1].lhs = nullptr;
    ScalarNode* head = chunk.get();
    pool.chunks.push_back(std::move(chunk));
    pool.bytes += kNodesPerChunk * sizeof(ScalarNode);
    return head;
}

std::size_t node_pool_bytes()
{
    SharedPool& pool = shared_pool();
    std::lock_guard lock(pool.mutex);
    return pool.bytes;
}

void release_node(ScalarNode* n)
{
    // Iterative, so the call stack stays flat whatever the graph's depth: follow one freed
    // parent directly and put any other on a pending list. The list is intrusive: a node waiting
    // there is already dead, so its `grad` field holds the link and the list allocates nothing.
    ScalarNode* pending = nullptr;
    const auto push_pending = [&](ScalarNode* p) {
        static_assert(sizeof(ScalarNode*) <= sizeof(double));
        std::memcpy(&p->grad, &pending, sizeof pending);
        pending = p;
    };
    for (;;) {
        ScalarNode* next = nullptr;
        for_each_parent(n, [&](ScalarNode* parent) {
            if (--parent->refs == 0) {
                if (next == nullptr)
                    next = parent;
                else
                    push_pending(parent);
            }
        });
        if ((n->flags & kHasLabel) != 0) [[unlikely]]
            erase_label(n);
        free_node(n);
        if (next == nullptr) {
            if (pending == nullptr)
                return;
            next = pending;
            std::memcpy(&pending, &next->grad, sizeof pending);
        }
        n = next;
    }
}

} // namespace autograd::detail
