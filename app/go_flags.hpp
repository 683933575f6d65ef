#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nsq {

/// How a flag takes its value (answer of the caller's lookup).
enum class go_flag_arity { unknown, value, boolean };

/// The command line split as Go's flag package splits it.
struct go_flag_args {
  std::vector<std::pair<std::string, std::string>> given; ///< name, value; in order
  bool help = false;                                      ///< -h, -help or --help
  std::vector<std::string> rest;                          ///< from the first non-flag on
};

/// Splits `args` (without the program name) like Go's flag.FlagSet.Parse:
/// `-name`, `--name`, `-name=value`, `--name=value`, or `-name value` for a
/// flag that takes a value (the next argument is taken as is, even when it
/// starts with '-'). A boolean flag never takes the next argument (a bare
/// one means "true"). Parsing stops at `--` or the first non-flag argument.
/// Returns "" or Go's error text (`flag provided but not defined: -x`,
/// `flag needs an argument: -x`, `bad flag syntax: ---x`).
std::string split_go_flags(const std::vector<std::string>& args,
                           const std::function<go_flag_arity(std::string_view)>& lookup,
                           go_flag_args& out);

} // namespace nsq
