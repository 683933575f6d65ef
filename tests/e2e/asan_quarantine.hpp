#pragma once

// For RSS bounds under AddressSanitizer: its default 256 MiB quarantine would
// count freed blocks as resident in the server.

#include <cstdlib>
#include <string>

namespace e2e {

/// Sets ASAN_OPTIONS for children started while it lives (the test process's
/// own sanitizer read its options at startup already).
class small_asan_quarantine {
public:
  small_asan_quarantine() {
    const char* old = std::getenv("ASAN_OPTIONS");
    if (old != nullptr)
      old_ = old;
    had_ = old != nullptr;
    std::string value = old_.empty() ? "" : old_ + ":";
    ::setenv("ASAN_OPTIONS", (value + "quarantine_size_mb=16").c_str(), 1);
  }
  ~small_asan_quarantine() {
    if (had_)
      ::setenv("ASAN_OPTIONS", old_.c_str(), 1);
    else
      ::unsetenv("ASAN_OPTIONS");
  }

private:
  std::string old_;
  bool had_ = false;
};

/// Whether this test binary (and so the server it starts, built alike) runs
/// under AddressSanitizer: shadow memory and redzones inflate RSS.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif

} // namespace e2e
