#pragma once

#include "protocol/settings.hpp"

#include <string>
#include <vector>

namespace nsq {

/// What main does after the command line (and --config file) was read.
enum class options_outcome {
  run,      ///< start the broker with the parsed settings
  help,     ///< print the message (usage) on stderr and exit 0, as Go's -h
  version,  ///< print the message on stdout and exit 0
  bad_flag, ///< print the message and the usage on stderr, exit 2 (Go's flag package)
  fatal,    ///< log the message as FATAL and exit 1 (config file errors)
};

/// The outcome and, unless `run`, the text to print.
struct options_result {
  options_outcome outcome = options_outcome::run;
  std::string message;
};

/// Parses nsqd's flags (`args` without the program name) in Go's syntax
/// (`-flag value`, `-flag=value`, `--flag value`, `--flag=value`; booleans as
/// `-flag` or `-flag=false`; later flags win, repeatable ones accumulate)
/// and the TOML file named by --config into `out`. Precedence: a flag given
/// on the command line, then the file, then nsqd's default. Prints nothing.
options_result parse_options(const std::vector<std::string>& args, settings& out);

/// Returns nsqd's exit code for `outcome` (0, 1 or 2).
int exit_code(options_outcome outcome);

/// Parses argv like the above, prints what the result asks for and applies
/// the log level and prefix. Returns the outcome.
options_outcome parse_options(int argc, char** argv, settings& out);

/// Runs nsqd's startup checks that need no resources (node id range, ...).
/// Returns "" when valid, else the text after `failed to instantiate nsqd - `.
std::string validate(const settings& cfg);

} // namespace nsq
