#pragma once

#include <cstddef>

namespace nsq {

/// Drops from the process the resident pages of every loaded ELF object's
/// read-only segments (code, constants, and the symbol and relocation tables
/// the dynamic loader read in full at startup). They are clean copies of their
/// files: whatever the broker still runs faults back in from the page cache,
/// so an idle broker keeps only the pages idling uses. Writable segments
/// (data, relocated RELRO) and segments holding a private copy of any page
/// (text relocations, breakpoints) are left alone. Returns the bytes advised.
/// Measured in docs/performance.md ("Session 15").
std::size_t release_startup_pages();

} // namespace nsq
