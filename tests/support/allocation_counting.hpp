// Allocation counting for a test binary: replaces the global (non-aligned) operator new and
// delete so that a test can count the allocations of the calling thread while `counting` is on.
// Include it plainly in exactly one translation unit of a test executable (it defines the
// replacements); other translation units of that executable that count too define
// VOLLEY_ALLOCATION_COUNTERS_ONLY before including it (they share the counters).
#pragma once

#include <cstdlib>
#include <new>

inline thread_local bool counting = false;
inline thread_local std::size_t allocations = 0;

#ifndef VOLLEY_ALLOCATION_COUNTERS_ONLY
// NOLINTBEGIN(misc-definitions-in-headers): the replacements are meant to be defined here, once.

// GCC 12 at -O2 inlines these replacements and then mistakes the malloc/free pair for a
// new/free mismatch; the pairing is correct (every operator new here is malloc).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
    if (counting) ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    if (counting) ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    if (counting) ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    if (counting) ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// NOLINTEND(misc-definitions-in-headers)
#endif  // VOLLEY_ALLOCATION_COUNTERS_ONLY
