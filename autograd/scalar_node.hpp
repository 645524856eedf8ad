// The storage of one scalar graph node, and the pool that hands nodes out.
//
// Internal to the scalar engine (value.hpp is the public face). A node is 40 bytes: W1s needs
// node creation and backward at a few nanoseconds each, which rules out a shared_ptr and a
// std::function per node (about 150 bytes and two heap allocations).
//
// Ownership: a node owns its parents through an intrusive reference count, never its children,
// so a graph cannot form an ownership cycle. Releasing the last handle of a node frees it and,
// iteratively, every ancestor no other handle keeps alive (release_node), so a chain of a
// million nodes is destroyed without recursion.
#pragma once

#include <cstddef>
#include <cstdint>

namespace autograd {

enum class ScalarOp : std::uint8_t; // defined with the op table in scalar_ops.hpp

namespace detail {

enum NodeFlags : std::uint8_t {
    kRequiresGrad = 1, // backward() reaches this node (leaves asked for it, or recorded ops)
    kParameter = 2,    // a trainable weight: coloured as such in DOT
    kHasLabel = 4,     // has an entry in the label side table (labels are rare: keep nodes small)
    kEntered = 8,      // scratch marks of the topological sort, clear outside backward()
    kEmitted = 16,
};

struct ScalarNode {
    double data;
    double grad;
    ScalarNode* lhs; // first parent; also the free-list link while the node is unused
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

// Per-thread free list of nodes; refilled from shared chunks that live for the whole program.
// Nodes freed on a thread go to that thread's list; a thread's list is handed back for reuse
// when the thread exits.
inline thread_local ScalarNode* tl_free_nodes = nullptr;

ScalarNode* refill_node_pool();

inline ScalarNode* allocate_node()
{
    ScalarNode* n = tl_free_nodes;
    if (n == nullptr) [[unlikely]]
        n = refill_node_pool();
    tl_free_nodes = n->lhs;
    return n;
}

inline void free_node(ScalarNode* n)
{
    n->lhs = tl_free_nodes;
    tl_free_nodes = n;
}

/// Frees a node whose count reached zero, and every ancestor that this leaves unowned.
void release_node(ScalarNode* n);

/// Bytes the node pool has taken from the system so far (for benchmarks and memory reports).
std::size_t node_pool_bytes();

} // namespace detail
} // namespace autograd
