// The scalar node pool and the iterative release of graphs.
#include "autograd/scalar_node.hpp"

#include "autograd/scalar_label.hpp"
#include "autograd/scalar_ops.hpp"

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
    // Iterative: follow one freed parent directly and keep any second one on a list, so the
    // call stack stays flat whatever the graph's depth. Most releases free one temporary whose
    // parents are still owned elsewhere, and never touch `pending`.
    std::vector<ScalarNode*> pending;
    for (;;) {
        ScalarNode* next = nullptr;
        const auto drop = [&](ScalarNode* parent) {
            if (--parent->refs == 0) {
                if (next == nullptr)
                    next = parent;
                else
                    pending.push_back(parent);
            }
        };
        const int arity = op_info(n->op).arity;
        if (arity >= 1)
            drop(n->lhs);
        if (arity == 2)
            drop(n->rhs);
        if ((n->flags & kHasLabel) != 0)
            erase_label(n);
        free_node(n);
        if (next == nullptr) {
            if (pending.empty())
                return;
            next = pending.back();
            pending.pop_back();
        }
        n = next;
    }
}

} // namespace autograd::detail
