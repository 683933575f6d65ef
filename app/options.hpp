#pragma once

#include "protocol/settings.hpp"

#include <string>

namespace nsq {

/// What main does after the command line was read.
enum class options_outcome {
  run,          ///< start the broker with the parsed settings
  exit_success, ///< --help or --version was printed
  exit_failure, ///< a bad flag or value was reported on stderr
};

/// Parses nsqd's flags (`-flag value`, `-flag=value`, `--flag value`,
/// `--flag=value`) into `out`, starting from nsqd's defaults. Durations take
/// Go syntax. Prints usage, the version or the error itself.
options_outcome parse_options(int argc, char** argv, settings& out);

/// Runs nsqd's startup checks that need no resources (node id range, ...).
/// Returns "" when valid, else the text after `failed to instantiate nsqd - `.
std::string validate(const settings& cfg);

} // namespace nsq
