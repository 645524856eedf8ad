// prefetch_lines: asks the CPU to bring a block of memory towards the cache before it is read,
// for reads whose addresses the hardware prefetcher cannot guess (rows picked at random).
//
//   detail::prefetch_lines(next_row, row_bytes);   // while the current row is worked on
#pragma once

#include <cstddef>
#include <cstdint>

namespace autograd::detail {

/// Prefetches every 64-byte line of [p, p + bytes) for reading. NOTE: a loop of
/// __builtin_prefetch alone has no side effect GCC respects: at -O2 it deletes the whole loop
/// (C++ loops may be assumed to end, and the builtin counts as pure), so x86 gets an asm
/// statement the optimiser must keep.
inline void prefetch_lines(const void* p, std::size_t bytes) noexcept
{
    const auto* first = static_cast<const std::uint8_t*>(p);
    for (std::size_t offset = 0; offset < bytes; offset += 64) {
#if defined(__x86_64__) || defined(__i386__)
        asm volatile("prefetcht0 %0" : : "m"(first[offset]));
#else
        __builtin_prefetch(first + offset, 0, 3);
#endif
    }
}

} // namespace autograd::detail
