// Topological order of a graph, iteratively: written once for the scalar and the tensor engine.
//
//   std::vector<Node*> order, stack;
//   detail::topological_order(root, order, stack, marks);   // marks: e.g. SideTableMarks<Node>
//   // walk order backwards: every node before its inputs
#pragma once

#include <unordered_map>
#include <vector>

namespace autograd::detail {

/// Appends to `order` every node reachable from `root` through `traits.for_each_input`, each
/// after all of its inputs (depth-first post-order), so walking `order` backwards visits every
/// node before its inputs: the order in which backward applies the chain rule.
///
/// An explicit stack replaces recursion, so a chain of a million nodes needs no call stack.
/// Parents are visited in argument order, which makes the order (and DOT node ids) deterministic.
/// `traits` marks nodes: enter/entered (expanded) and emit/emitted (placed in `order`); the
/// caller clears the marks afterwards (backward does it during its sweep).
template <class Node, class Traits>
void topological_order(Node* root, std::vector<Node*>& order, std::vector<Node*>& stack, Traits& traits)
{
    stack.clear();
    stack.push_back(root);
    while (!stack.empty()) {
        Node* n = stack.back();
        if (!traits.entered(n)) {
            traits.enter(n);
            // Pushed in reverse so the first input is expanded first.
            traits.for_each_input_reversed(n, [&](Node* input) {
                if (!traits.entered(input))
                    stack.push_back(input);
            });
        } else {
            stack.pop_back();
            if (!traits.emitted(n)) {
                traits.emit(n);
                order.push_back(n);
            }
        }
    }
}

/// Marks for topological_order kept in a side table, for walks that must not write into nodes
/// (drawing, graphs other threads own). Derive and add for_each_input_reversed.
template <class Node> struct SideTableMarks {
    std::unordered_map<const Node*, bool> emitted_; // present once entered
    bool entered(const Node* n) const { return emitted_.contains(n); }
    bool emitted(const Node* n) const
    {
        auto it = emitted_.find(n);
        return it != emitted_.end() && it->second;
    }
    void enter(const Node* n) { emitted_.emplace(n, false); }
    void emit(const Node* n) { emitted_[n] = true; }
};

} // namespace autograd::detail
