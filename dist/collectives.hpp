// Collectives: the same call on every rank of a ProcessGroup, over MPI.
//
//   dist::broadcast(group, w);                          // rank 0's w, on every rank
//   dist::all_reduce(group, g, dist::ReduceOp::Mean);   // g = the ranks' g averaged, on every rank
//   double loss = dist::all_reduce(group, local_loss, dist::ReduceOp::Mean);
//
// Every rank must make the same calls in the same order (MPI's rule); a rank that skips one
// leaves the others waiting. Tensors are changed in place through their data (not recorded by
// autograd), float32 and float64 alike. An MPI error is a std::runtime_error naming the
// operation, this rank and MPI's own message: "dist: all_reduce failed on rank 1 of 4: ...".
//
// NOTE: a sum over ranks is added in an order MPI chooses (by rank for small messages, in a ring
// or a tree for large ones), not in the order one process would add the same numbers, so results
// equal a single process's to rounding, not bit for bit.
#pragma once

#include "dist/process_group.hpp"

#include <autograd/tensor.hpp>

#include <span>
#include <string>
#include <string_view>

namespace dist {

enum class ReduceOp { Sum, Mean, Min, Max };

std::string_view to_string(ReduceOp op);

/// Copies root's tensor into `tensor` on every rank. Checks first that every rank's tensor has
/// root's dtype and shape: a mismatch throws std::invalid_argument on every rank (no rank is left
/// waiting), naming the ranks and both shapes. Throws std::invalid_argument for a root outside
/// [0, world_size) or an undefined tensor.
void broadcast(const ProcessGroup& group, const autograd::Tensor& tensor, int root = 0);
/// Root's string on every rank (the others' strings are replaced).
std::string broadcast(const ProcessGroup& group, std::string text, int root = 0);

/// Reduces `tensor` over the ranks in place: every rank ends with the sum (the mean, min or max)
/// of all ranks' tensors, element by element. Every rank must pass the same dtype and number of
/// elements (not checked: this is the training step's hot path; DistributedDataParallel checks
/// the shapes once at its start). Throws std::invalid_argument for an undefined tensor.
void all_reduce(const ProcessGroup& group, const autograd::Tensor& tensor, ReduceOp op = ReduceOp::Sum);
/// The same over a buffer of numbers (a flattened bucket of gradients).
void all_reduce(const ProcessGroup& group, std::span<float> values, ReduceOp op = ReduceOp::Sum);
void all_reduce(const ProcessGroup& group, std::span<double> values, ReduceOp op = ReduceOp::Sum);
/// One number reduced over the ranks (a loss, a count of correct answers), returned on every rank.
double all_reduce(const ProcessGroup& group, double value, ReduceOp op = ReduceOp::Sum);

} // namespace dist
