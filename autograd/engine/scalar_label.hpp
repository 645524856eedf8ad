// Labels of scalar nodes ("w", "x1"), kept beside the nodes rather than in them: few nodes have
// one, and a string in every node would triple its size.
//
//   detail::set_label(node, "w");
//   detail::get_label(node);   // "w"; "" for a node with no label
#pragma once

#include "autograd/engine/scalar_node.hpp"

#include <string>
#include <string_view>

namespace autograd::detail {

void set_label(ScalarNode* n, std::string_view label);
std::string get_label(const ScalarNode* n); // empty when the node has none
void erase_label(ScalarNode* n);

} // namespace autograd::detail
