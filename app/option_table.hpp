#pragma once

#include "protocol/settings.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nsq {

/// How an option's value is read from a flag or a config key.
enum class option_kind {
  text,        ///< Go string flag; config: TOML string
  integer,     ///< Go int flag (strconv.ParseInt base 0); config: integer or string
  duration,    ///< Go duration flag; config: duration string or integer milliseconds
  boolean,     ///< Go bool flag (`-f`, `-f=false`, never the next argument)
  text_list,   ///< repeatable flag; config: array or comma-separated string
  number_list, ///< repeatable, comma-separated floats; config: array or string
  custom,      ///< parsed by option_spec::parse (enums such as --tls-required)
};

/// Where a parsed value goes; monostate: accepted and ignored (deprecated flags).
using option_target =
    std::variant<std::monostate, std::string settings::*, int64_t settings::*,
                 settings::ms settings::*, bool settings::*,
                 std::vector<std::string> settings::*, std::vector<double> settings::*>;

/// Parses a custom option's text into `s`; returns "" or the reason it failed.
using option_parser = std::string (*)(std::string_view text, settings& s);

/// One nsqd v1.3.0 option (reference §14.2).
struct option_spec {
  std::string_view flag;    ///< without dashes
  std::string_view cfg_key; ///< config-file key; empty when the file has none
  option_kind kind;
  option_target target;
  std::string_view help;
  option_parser parse = nullptr;  ///< custom kinds only
  bool bool_flag = false;         ///< custom kinds that take no argument (Go IsBoolFlag)
  std::string_view shown_default; ///< custom kinds: the default --help prints
};

/// Returns every option nsqd v1.3.0 accepts besides --help, --version and
/// --config, in nsqd's order, then caf-nsqd's own --scheduler-threads and
/// its cluster options (app/cluster_options).
const std::vector<option_spec>& nsqd_options();

} // namespace nsq
