#pragma once

namespace nsq {

/// Sets glibc malloc's top pad to the size of a thread arena's heap (64 MiB)
/// and its mmap threshold to 32 MiB, unless GLIBC_TUNABLES already tunes malloc. Why: a
/// thread arena (every CAF worker allocates from one) otherwise makes its heap writable
/// one page at a time as it grows, one mprotect() system call per 4 KiB; with the pad a
/// new heap is made writable whole. Untouched pages stay out of the RSS.
/// Measured in docs/performance.md ("Session 12").
void tune_malloc();

} // namespace nsq
