// Small objects of the tensor engine (tensor records, storages, graph nodes, with their shared_ptr
// control blocks) come from per-thread free lists by size, through this allocator:
//   auto impl = std::allocate_shared<TensorImpl>(detail::CachingAllocator<TensorImpl>{});
// A training step frees and makes the same objects every time; reusing them skips malloc.
#pragma once

#include <cstddef>

namespace autograd::detail {

void* allocate_small(std::size_t bytes);
void free_small(void* p, std::size_t bytes) noexcept;

template <class T> struct CachingAllocator {
    using value_type = T;
    CachingAllocator() = default;
    template <class U> CachingAllocator(const CachingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(allocate_small(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { free_small(p, n * sizeof(T)); }
    template <class U> bool operator==(const CachingAllocator<U>&) const noexcept { return true; }
};

} // namespace autograd::detail
