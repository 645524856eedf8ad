// The storage of one scalar graph node, and the per-thread arena that hands nodes out.
//
// Internal to the scalar engine (value.hpp is the public face). A node is 40 bytes: W1s needs
// node creation and backward at a few nanoseconds each, which rules out a shared_ptr and a
// std::function per node (about 150 bytes and two heap allocations).
//
// Ownership: a node owns its parents through an intrusive reference count, never its children,
// so a graph cannot form an ownership cycle. Releasing the last handle of a node frees it and,
// iteratively, every ancestor no other handle keeps alive (release_node), so a chain of a
// million nodes is destroyed without recursion.
//
// Layout: each thread allocates nodes by bumping a pointer through 64 KiB chunks, and a chunk is
// reused once every node in it has been freed. So the nodes of a graph lie in memory in the order
// they were created, which is a topological order: backward() walks them from the output down,
// in address order, with no sort (see Value::backward). The chunks of a thread are kept in a
// list in the order they were started, which extends that order across chunks.
//
//   detail::ScalarNode* n = detail::allocate_node();   // a bump of this thread's chunk pointer
//   n->op = ScalarOp::Mul; n->lhs = a; n->rhs = b;      // what value.cpp's ops fill in
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace autograd {

enum class ScalarOp : std::uint8_t; // defined with the op table in scalar_ops.hpp

namespace detail {

enum NodeFlags : std::uint8_t {
    kRequiresGrad = 1, // backward() reaches this node (leaves asked for it, or recorded ops)
    kParameter = 2,    // a trainable weight: coloured as such in DOT
    kHasLabel = 4,     // has an entry in the label side table (labels are rare: keep nodes small)
    kReached = 8,      // during backward: has received gradient, not yet passed it on
    kMixed = 16,       // the graph above this node has interior nodes from another thread's arena
    kDying = 32,      // unreferenced, to be freed by the release walk
};

struct ScalarNode {
    double data;
    double grad;
    ScalarNode* lhs; // first parent
    union {
        ScalarNode* rhs; // second parent of binary ops
        double aux;      // the constant of add_const, mul_const, pow_const
    };
    std::uint32_t refs; // handles and children that keep this node alive
    ScalarOp op;
    std::uint8_t flags;

    bool requires_grad() const { return (flags & kRequiresGrad) != 0; }
};
static_assert(sizeof(ScalarNode) == 40, "scalar nodes must stay small: see W1s in DESIGN.md");

struct ThreadArena;

inline constexpr std::size_t kChunkBytes = std::size_t{1} << 16;
inline constexpr std::uint32_t kChunkIsCurrent = ~std::uint32_t{0};

// The first 64 bytes of every chunk; nodes follow.
struct alignas(64) ChunkHeader {
    ThreadArena* owner;
    ChunkHeader* prev; // the owner's chunks, oldest to newest
    ChunkHeader* next;
    std::uint32_t allocated; // nodes handed out, final once the chunk is no longer current
    std::uint32_t freed;     // nodes freed by the owner thread
    std::atomic<std::uint32_t> foreign_freed; // nodes freed by other threads

    ScalarNode* first() { return reinterpret_cast<ScalarNode*>(reinterpret_cast<char*>(this) + sizeof(ChunkHeader)); }
};
inline constexpr std::size_t kNodesPerChunk = (kChunkBytes - sizeof(ChunkHeader)) / sizeof(ScalarNode);

struct ThreadArena {
    ScalarNode* bump = nullptr; // next free slot of the current chunk
    ScalarNode* end = nullptr;
    ChunkHeader* current = nullptr;
    ChunkHeader* newest = nullptr; // tail of the owner's chunk list (the current chunk)
    ChunkHeader* spare = nullptr;  // empty chunks, linked through `next`
    std::uint64_t foreign_frees_seen = 0;
    // Set (under the global mutex) when the thread has exited: from then on other threads hand
    // its chunks back to the global pool as they empty.
    std::atomic<bool> orphaned{false};
};

inline thread_local ThreadArena* tl_arena = nullptr;

inline ChunkHeader* chunk_of(const ScalarNode* n)
{
    return reinterpret_cast<ChunkHeader*>(reinterpret_cast<std::uintptr_t>(n) & ~(kChunkBytes - 1));
}

ScalarNode* allocate_node_slow();

inline ScalarNode* allocate_node()
{
    ThreadArena* a = tl_arena;
    if (a != nullptr && a->bump != a->end) [[likely]]
        return a->bump++;
    return allocate_node_slow();
}

/// Returns a node's slot to its chunk (the node must be unreferenced).
void free_node(ScalarNode* n);

/// Frees a node whose count reached zero, and every ancestor that this leaves unowned.
void release_node(ScalarNode* n);

/// Bytes the node arenas have taken from the system so far (for benchmarks and memory reports).
std::size_t node_pool_bytes();

} // namespace detail
} // namespace autograd
