// The topological order of a scalar graph with marks kept beside the nodes, not in them.
//
// Used where writing into nodes is not allowed: drawing a graph (any time, on any thread) and
// backward on graphs that other threads' arenas hold (their owners may be reading those slots).
// The same-thread fast paths use flag bits and the arena order instead (value.cpp, scalar_node.cpp).
//
//   for (const detail::ScalarNode* n : detail::scalar_topological_order(root, /*skip_leaves=*/false))
//       draw(n);   // inputs before the nodes that use them, root last
#pragma once

#include "autograd/engine/scalar_ops.hpp"
#include "autograd/engine/topo.hpp"

#include <vector>

namespace autograd::detail {

// Side-table marks over scalar nodes, optionally leaving leaves out.
struct ScalarSideMarks : SideTableMarks<ScalarNode> {
    bool skip_leaves = false;
    template <class F> void for_each_input_reversed(const ScalarNode* n, F&& f) const
    {
        for_each_parent_reversed(n, [&](const ScalarNode* p) {
            if (!skip_leaves || p->op != ScalarOp::Leaf)
                f(p);
        });
    }
};

/// Every node above `root` (itself included), each after its parents. With `skip_leaves`,
/// leaves are left out (backward has nothing to do at a leaf).
inline std::vector<const ScalarNode*> scalar_topological_order(const ScalarNode* root, bool skip_leaves)
{
    ScalarSideMarks marks;
    marks.skip_leaves = skip_leaves;
    std::vector<const ScalarNode*> order, stack;
    topological_order(root, order, stack, marks);
    return order;
}

} // namespace autograd::detail
