// A per-thread cache of tensor buffers by size class, so that a training step, which frees and
// allocates the same sizes every time, reuses memory instead of going through malloc (which
// measured at about half of a small model's step).
//
//   std::size_t capacity = 0;
//   void* data = detail::allocate_buffer(numel * sizeof(float), capacity);
//   detail::free_buffer(data, capacity);   // back to this thread's cache
#pragma once

#include <cstddef>

namespace autograd::detail {

/// At least `bytes` bytes, 64-byte aligned; `capacity` receives the size actually reserved,
/// which free_buffer needs back. Throws std::bad_alloc.
void* allocate_buffer(std::size_t bytes, std::size_t& capacity);
void free_buffer(void* data, std::size_t capacity) noexcept;

} // namespace autograd::detail
