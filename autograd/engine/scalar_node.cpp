// The per-thread node arenas and the iterative release of graphs.
#include "autograd/engine/scalar_node.hpp"

#include "autograd/engine/scalar_label.hpp"
#include "autograd/engine/scalar_ops.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <cstring>
#include <memory>
#include <new>
#include <mutex>
#include <vector>

namespace autograd::detail {
namespace {

constexpr std::size_t kChunksPerSlab = 32; // chunks are carved from 2 MiB slabs

// Process-wide state: the slabs, the arenas and the chunks of threads that have exited.
// NOTE: never destroyed. A Value in a static object may be destroyed after any other static, so
// the memory stays valid until the process ends; it stays reachable from here, so leak checkers
// do not report it.
struct Global {
    std::mutex mutex;
    std::vector<void*> slabs;
    std::vector<ThreadArena*> arenas;
    ChunkHeader* spare = nullptr; // empty chunks handed back by exited threads
    ChunkHeader* fresh = nullptr; // carved from the last slab, never used yet
    std::size_t fresh_left = 0;
    std::size_t bytes = 0;
    std::atomic<std::uint64_t> foreign_frees{0};
};
Global& global()
{
    static Global* g = new Global;
    return *g;
}

// Takes a chunk off its owner's list and pushes it on a list of spare chunks (linked by `next`).
void move_to_spare(ThreadArena* a, ChunkHeader* h, ChunkHeader*& spare)
{
    if (h->prev != nullptr)
        h->prev->next = h->next;
    if (h->next != nullptr)
        h->next->prev = h->prev;
    if (a->newest == h)
        a->newest = h->prev;
    h->prev = nullptr;
    h->next = spare;
    spare = h;
}

// Keeps an empty chunk of this thread for its reuse.
void recycle(ThreadArena* a, ChunkHeader* h) { move_to_spare(a, h, a->spare); }

bool is_empty(ChunkHeader* h)
{
    return h->allocated != kChunkIsCurrent &&
           h->freed + h->foreign_freed.load(std::memory_order_acquire) == h->allocated;
}

// Chunks whose last nodes were freed by other threads are noticed here, when the owner needs one.
void reclaim_foreign_emptied(ThreadArena* a)
{
    const std::uint64_t seen = global().foreign_frees.load(std::memory_order_acquire);
    if (seen == a->foreign_frees_seen)
        return;
    a->foreign_frees_seen = seen;
    for (ChunkHeader* h = a->newest; h != nullptr;) {
        ChunkHeader* older = h->prev;
        if (is_empty(h))
            recycle(a, h);
        h = older;
    }
}

ChunkHeader* take_chunk(ThreadArena* a)
{
    if (a->spare == nullptr)
        reclaim_foreign_emptied(a);
    if (ChunkHeader* h = a->spare) {
        a->spare = h->next;
        return h;
    }
    Global& g = global();
    std::lock_guard lock(g.mutex);
    if (ChunkHeader* h = g.spare) {
        g.spare = h->next;
        return h;
    }
    if (g.fresh_left == 0) {
        void* slab = std::aligned_alloc(kChunkBytes, kChunksPerSlab * kChunkBytes);
        if (slab == nullptr)
            throw std::bad_alloc();
        g.slabs.push_back(slab);
        g.bytes += kChunksPerSlab * kChunkBytes;
        g.fresh = static_cast<ChunkHeader*>(slab);
        g.fresh_left = kChunksPerSlab;
    }
    ChunkHeader* h = g.fresh;
    g.fresh = reinterpret_cast<ChunkHeader*>(reinterpret_cast<char*>(h) + kChunkBytes);
    --g.fresh_left;
    return ::new (static_cast<void*>(h)) ChunkHeader{};
}

// Moves an empty chunk of an exited thread to the global pool. Caller holds the global mutex.
void give_back_orphan(Global& g, ThreadArena* a, ChunkHeader* h)
{
    move_to_spare(a, h, g.spare);
    h->owner = nullptr; // no longer the orphan's: a late second look will not move it twice
}

// A thread's arena outlives the thread (other threads may still free its nodes). At exit the
// thread gives its empty chunks back, and marks the arena orphaned so that the chunks still in
// use are given back by whichever thread frees their last node (free_node).
thread_local bool tl_exited = false;
struct ArenaExit {
    ~ArenaExit()
    {
        tl_exited = true;
        ThreadArena* a = tl_arena;
        if (a == nullptr)
            return;
        tl_arena = nullptr; // from here on, this thread frees its own nodes as a foreign one
        if (ChunkHeader* h = a->current) {
            h->allocated = static_cast<std::uint32_t>(a->bump - h->first());
            a->current = nullptr;
            a->bump = a->end = nullptr;
        }
        Global& g = global();
        std::lock_guard lock(g.mutex);
        a->orphaned.store(true, std::memory_order_release);
        while (ChunkHeader* h = a->spare) {
            a->spare = h->next;
            h->owner = nullptr;
            h->next = g.spare;
            g.spare = h;
        }
        for (ChunkHeader* h = a->newest; h != nullptr;) {
            ChunkHeader* older = h->prev;
            if (is_empty(h))
                give_back_orphan(g, a, h);
            h = older;
        }
    }
};
thread_local ArenaExit tl_arena_exit;

} // namespace

ScalarNode* allocate_node_slow()
{
    ThreadArena* a = tl_arena;
    if (a == nullptr && tl_exited) {
        // A node made by a thread_local destroyed after this thread's exit hook (rare): it gets a
        // chunk of its own, orphaned at once, so freeing the node gives the chunk back.
        auto* orphan = new ThreadArena;
        orphan->orphaned.store(true, std::memory_order_relaxed);
        ChunkHeader* h = take_chunk(orphan);
        h->owner = orphan;
        h->allocated = 1;
        h->freed = 0;
        h->foreign_freed.store(0, std::memory_order_relaxed);
        h->prev = h->next = nullptr;
        orphan->newest = h;
        Global& g = global();
        std::lock_guard lock(g.mutex);
        g.arenas.push_back(orphan);
        return h->first();
    }
    if (a == nullptr) {
        (void)&tl_arena_exit; // registers the exit hook of this thread
        a = new ThreadArena;
        Global& g = global();
        std::lock_guard lock(g.mutex);
        g.arenas.push_back(a);
        tl_arena = a;
    }
    if (ChunkHeader* h = a->current) { // retire the full chunk
        h->allocated = static_cast<std::uint32_t>(a->bump - h->first());
        a->current = nullptr;
        if (is_empty(h))
            recycle(a, h);
    }
    ChunkHeader* h = take_chunk(a);
    h->owner = a;
    h->allocated = kChunkIsCurrent;
    h->freed = 0;
    h->foreign_freed.store(0, std::memory_order_relaxed);
    h->prev = a->newest;
    h->next = nullptr;
    if (a->newest != nullptr)
        a->newest->next = h;
    a->newest = h;
    a->current = h;
    a->bump = h->first();
    a->end = h->first() + kNodesPerChunk;
    return a->bump++;
}

void free_node(ScalarNode* n)
{
    ChunkHeader* h = chunk_of(n);
    ThreadArena* a = tl_arena;
    if (h->owner != a) [[unlikely]] {
        // Another thread's node: only count it. Its slot is not written, since the owner may be
        // reading the flags of its slots in a walk; a slot freed this way never carries kReached
        // or kDying, which only the owner's walks set and clear.
        ThreadArena* owner = h->owner;
        h->foreign_freed.fetch_add(1, std::memory_order_acq_rel);
        Global& g = global();
        g.foreign_frees.fetch_add(1, std::memory_order_release);
        if (owner->orphaned.load(std::memory_order_acquire)) {
            std::lock_guard lock(g.mutex);
            if (h->owner == owner && is_empty(h))
                give_back_orphan(g, owner, h);
        }
        return;
    }
    // A freed slot reads as a dead leaf, which the walks skip.
    n->op = ScalarOp::Leaf;
    n->flags = 0;
    ++h->freed;
    if (h == a->current) {
        // Everything allocated here is gone: start the chunk over, keeping memory hot.
        if (h->freed == static_cast<std::uint32_t>(a->bump - h->first())) {
            a->bump = h->first();
            h->freed = 0;
        }
    } else if (is_empty(h)) {
        recycle(a, h);
    }
}

std::size_t node_pool_bytes()
{
    Global& g = global();
    std::lock_guard lock(g.mutex);
    return g.bytes;
}

namespace {

// General release, for any graph: follow one freed parent directly and put any other on a
// pending list. The list is intrusive: a node waiting there is already unreferenced, so its
// `grad` field holds the link and the list allocates nothing.
void release_by_references(ScalarNode* n)
{
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

// Release of a graph made by this thread, in the arena order backward uses: a node's count only
// reaches zero once all its children are freed, and children lie above their parents, so one
// walk down from the root frees the whole graph while touching memory in order (about twice as
// fast as following parent pointers). Unreferenced nodes are marked kDying until the walk gets
// to them. Parents in another thread's arena (leaves only: graphs with foreign interior nodes
// take the general path) are freed where they are found.
// NOTE: the walk also passes over live nodes lying between the root and its oldest freed
// ancestor; that is the graph itself in every ordinary program.
void release_by_arena_order(ScalarNode* root)
{
    ThreadArena* arena = tl_arena;
    root->flags |= kDying;
    std::size_t pending = 1;
    ChunkHeader* h = chunk_of(root);
    std::size_t i = static_cast<std::size_t>(root - h->first()) + 1;
    for (;;) {
        ScalarNode* first = h->first();
        ChunkHeader* older = h->prev; // read first: freeing the chunk's last node recycles it
        while (i-- > 0) {
            ScalarNode* n = first + i;
            if ((n->flags & kDying) == 0)
                continue;
            for_each_parent(n, [&](ScalarNode* parent) {
                if (--parent->refs != 0)
                    return;
                if (chunk_of(parent)->owner == arena) {
                    parent->flags |= kDying;
                    ++pending;
                } else {
                    release_by_references(parent);
                }
            });
            if ((n->flags & kHasLabel) != 0) [[unlikely]]
                erase_label(n);
            free_node(n);
            if (--pending == 0)
                return;
        }
        h = older;
        if (h == nullptr) [[unlikely]] {
            // An invariant, not an input error: every unreferenced own node lies below the root.
            // Release runs inside ~Value (noexcept), so there is no caller to throw to.
            std::fputs("backprop: internal error: a node to free is missing from the arena walk\n", stderr);
            std::terminate();
        }
        i = h->allocated;
    }
}

} // namespace

void release_node(ScalarNode* n)
{
    if ((n->flags & kMixed) == 0 && chunk_of(n)->owner == tl_arena)
        release_by_arena_order(n);
    else
        release_by_references(n);
}

} // namespace autograd::detail
