#pragma once

#include "app/nsqlookupd/lookupd_settings.hpp"

namespace nsq {

/// What main does after the command line (and config file) were read.
enum class lookupd_outcome {
  run,
  exit_success, ///< --help or --version printed
  exit_usage,   ///< a bad flag or flag value (Go's flag package exits 2)
  exit_failure, ///< a bad config file (FATAL logged, exit 1)
};

/// Parses nsqlookupd's flags in all four spellings (`-f v`, `-f=v`,
/// `--f v`, `--f=v`), then `--config` (flags override the file). Prints
/// usage, the version or the error itself.
lookupd_outcome parse_lookupd_options(int argc, char** argv, lookupd_settings& out);

/// `nsqlookupd v1.3.0 (built w/caf-nsqd 0.1.0, CAF 0.17.6)`.
std::string lookupd_banner();

} // namespace nsq
