#include "app/options.hpp"

#include "actors/log.hpp"
#include "app/config_file.hpp"
#include "app/duration.hpp"
#include "app/go_flags.hpp"
#include "app/go_values.hpp"
#include "app/hostname.hpp"
#include "app/option_table.hpp"
#include "app/usage.hpp"
#include "app/version.hpp"
#include "net/address.hpp"
#include "protocol/node_id.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace nsq {

namespace {

using texts = std::vector<std::string>;

/// The values given on the command line per flag name, in order.
using given_flags = std::map<std::string, texts, std::less<>>;

/// Options given as a flag or in the config file, whose default is derived
/// when they are not.
struct explicit_settings {
  bool node_id = false;
  bool scheduler_threads = false;
};

/// Returns how each flag takes its value, for split_go_flags.
go_flag_arity arity_of(std::string_view name) {
  if (name == "version")
    return go_flag_arity::boolean;
  if (name == "config")
    return go_flag_arity::value;
  for (auto& spec : nsqd_options())
    if (spec.flag == name)
      return spec.kind == option_kind::boolean || spec.bool_flag ? go_flag_arity::boolean
                                                                 : go_flag_arity::value;
  return go_flag_arity::unknown;
}

/// Go's `invalid value "x" for flag -name: why`.
std::string bad_value(std::string_view flag, std::string_view text,
                      std::string_view why) {
  return "invalid value \"" + std::string{text} + "\" for flag -" + std::string{flag} +
         ": " + std::string{why};
}

/// Splits "1.0,0.99" as Go's FloatArray does; returns "" or the part that
/// does not parse.
std::string parse_float_list(const std::string& text, std::vector<double>& out) {
  std::string::size_type start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma - start);
    double v = 0;
    if (!parse_go_float(item, v))
      return item.empty() ? "\"\"" : item;
    out.push_back(v);
    if (comma == std::string::npos)
      return {};
    start = comma + 1;
  }
}

/// Applies one flag value to `s`; returns "" or Go's error text.
std::string apply_flag(const option_spec& spec, const std::string& text, settings& s) {
  std::string why;
  switch (spec.kind) {
  case option_kind::text:
    s.*std::get<std::string settings::*>(spec.target) = text;
    return {};
  case option_kind::integer: {
    int64_t v = 0;
    if (!parse_go_int(text, v))
      return bad_value(spec.flag, text, "parse error");
    s.*std::get<int64_t settings::*>(spec.target) = v;
    return {};
  }
  case option_kind::duration: {
    settings::ms v{};
    if (!parse_go_duration_strict(text, v))
      return bad_value(spec.flag, text, "parse error");
    s.*std::get<settings::ms settings::*>(spec.target) = v;
    return {};
  }
  case option_kind::boolean: {
    bool v = false;
    if (!parse_go_bool(text, v))
      return bad_value(spec.flag, text, "parse error");
    if (auto p = std::get_if<bool settings::*>(&spec.target))
      s.*(*p) = v; // deprecated flags have no target: parsed, then ignored
    return {};
  }
  case option_kind::text_list:
    (s.*std::get<texts settings::*>(spec.target)).push_back(text);
    return {};
  case option_kind::number_list:
    why =
        parse_float_list(text, s.*std::get<std::vector<double> settings::*>(spec.target));
    // nsqd's FloatArray ends the process with this (log.Fatalf, exit 1).
    return why.empty() ? why : "Could not parse: " + why;
  case option_kind::custom:
    why = spec.parse(text, s);
    return why.empty() ? why : bad_value(spec.flag, text, why);
  }
  return {};
}

/// Applies the flags given on the command line. A list given on the command
/// line replaces the file's list; percentiles given as flags are sorted
/// descending (nsqd's FloatArray).
std::string apply_flags(const given_flags& given, settings& s) {
  for (auto& spec : nsqd_options()) {
    auto values = given.find(spec.flag);
    if (values == given.end())
      continue;
    if (auto p = std::get_if<texts settings::*>(&spec.target))
      (s.*(*p)).clear();
    if (auto p = std::get_if<std::vector<double> settings::*>(&spec.target))
      (s.*(*p)).clear();
    for (auto& text : values->second)
      if (auto err = apply_flag(spec, text, s); !err.empty())
        return err;
    if (auto p = std::get_if<std::vector<double> settings::*>(&spec.target))
      std::sort((s.*(*p)).begin(), (s.*(*p)).end(), std::greater<double>());
  }
  return {};
}

/// Reads one option from the config file; returns "" or a message naming the key.
std::string apply_key(const option_spec& spec, config_file& file, settings& s) {
  auto key = spec.cfg_key;
  if (spec.kind == option_kind::custom) {
    std::string text;
    if (auto err = file.read_text(key, text); !err.empty() || !file.has(key))
      return err;
    if (!spec.parse(text, s).empty())
      return "failed parsing " + std::string{key} + " " + text; // nsqd's wording
    return {};
  }
  return std::visit(
      [&](auto member) -> std::string {
        if constexpr (std::is_same_v<decltype(member), std::monostate>) {
          bool ignored = false; // `verbose`: old config files still carry it
          return file.read(key, ignored);
        } else
          return file.read(key, s.*member);
      },
      spec.target);
}

/// Loads --config into `s`; returns "" or the fatal message. Unknown keys are
/// an error (nsqd ignores them): a typo must not silently keep a default.
std::string apply_config_file(const std::string& path, settings& s,
                              explicit_settings& set) {
  std::string err;
  auto file = config_file::load(path, err);
  if (!file)
    return err;
  for (auto& spec : nsqd_options())
    if (!spec.cfg_key.empty())
      if (auto why = apply_key(spec, *file, s); !why.empty())
        return why + " (config file " + path + ")";
  set.node_id = set.node_id || file->has("id");
  set.scheduler_threads = set.scheduler_threads || file->has("scheduler_threads");
  auto unknown = file->unknown_keys();
  if (!unknown.empty())
    return "failed to load config file " + path + " - unknown key \"" + unknown.front() +
           "\" (keys are nsqd's, e.g. mem_queue_size; see caf-nsqd.cfg.example)";
  return {};
}

/// The scheduler's workers unless --scheduler-threads says: one fewer than
/// the cores, at least 1. The Asio io thread is busy too; on 2 cores a
/// second worker adds hand-offs more than parallelism (docs/performance.md,
/// "Scaling with scheduler threads").
int64_t default_scheduler_threads() {
  auto cores = static_cast<int64_t>(std::thread::hardware_concurrency());
  return std::clamp<int64_t>(cores - 1, 1, 64);
}

/// Derives what nsqd derives from the options once they are resolved.
void derive(settings& s, const explicit_settings& set) {
  if (!set.scheduler_threads)
    s.scheduler_threads = default_scheduler_threads();
  // nsqd's default unless clustering: members on one host share the hostname.
  if (!set.node_id)
    s.node_id = s.cluster_address.empty()
                    ? node_id_for(os_hostname())
                    : cluster_node_id_for(os_hostname(), s.tcp_address,
                                          s.broadcast_address, s.cluster_address);
  if (!s.tls_client_auth_policy.empty() &&
      s.tls_required == settings::tls_policy::not_required)
    s.tls_required = settings::tls_policy::required;
  s.tls_available = !s.tls_cert.empty() && !s.tls_key.empty();
  s.auth_required = !s.auth_http_addresses.empty(); // §9.1
}

/// Returns Go's `%v` of a float64 (shortest text that reads back the same).
std::string go_float_text(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

} // namespace

options_result parse_options(const std::vector<std::string>& args, settings& out) {
  go_flag_args split;
  if (auto err = split_go_flags(args, arity_of, split); !err.empty())
    return {options_outcome::bad_flag, err};
  if (split.help)
    return {options_outcome::help, usage_text(nsqd_options())};
  // Go stops at the first non-flag argument and nsqd ignores the rest
  // (`-snappy false -tcp-address=...` silently drops the address); we refuse.
  if (!split.rest.empty())
    return {options_outcome::bad_flag,
            "unexpected argument \"" + split.rest.front() +
                "\" (caf-nsqd takes only flags; a boolean flag is set as -flag=false)"};
  given_flags given;
  for (auto& [name, value] : split.given)
    given[name].push_back(value);
  bool version = false;
  if (auto v = given.find("version"); v != given.end())
    if (!parse_go_bool(v->second.back(), version))
      return {options_outcome::bad_flag,
              bad_value("version", v->second.back(), "parse error")};
  if (version)
    return {options_outcome::version, version_banner()};
  settings s;
  explicit_settings set;
  set.node_id = given.count("node-id") != 0;
  set.scheduler_threads = given.count("scheduler-threads") != 0;
  if (auto c = given.find("config"); c != given.end() && !c->second.back().empty())
    if (auto err = apply_config_file(c->second.back(), s, set); !err.empty())
      return {options_outcome::fatal, err};
  if (auto err = apply_flags(given, s); !err.empty()) {
    bool fatal = err.rfind("Could not parse", 0) == 0;
    return {fatal ? options_outcome::fatal : options_outcome::bad_flag, err};
  }
  derive(s, set);
  out = std::move(s);
  return {};
}

int exit_code(options_outcome outcome) {
  switch (outcome) {
  case options_outcome::bad_flag:
    return 2;
  case options_outcome::fatal:
    return 1;
  default:
    return 0;
  }
}

options_outcome parse_options(int argc, char** argv, settings& out) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto result = parse_options(args, out);
  switch (result.outcome) {
  case options_outcome::run: {
    log_level level = log_level::info;
    parse_log_level(out.log_level, level);
    set_log_level(level);
    set_log_prefix(out.log_prefix);
    break;
  }
  case options_outcome::help:
    std::cerr << result.message;
    break;
  case options_outcome::version:
    std::cout << result.message << "\n";
    break;
  case options_outcome::bad_flag:
    std::cerr << result.message << "\n" << usage_text(nsqd_options());
    break;
  case options_outcome::fatal:
    log_fatal(result.message);
    break;
  }
  return result.outcome;
}

std::string validate(const settings& cfg) {
  if (cfg.max_deflate_level < 1 || cfg.max_deflate_level > 9)
    return "--max-deflate-level must be [1,9]";
  if (cfg.node_id < 0 || cfg.node_id >= 1024)
    return "--node-id must be [0,1024)";
  if (cfg.scheduler_threads < 1 || cfg.scheduler_threads > 64)
    return "--scheduler-threads must be [1,64]";
  // Only one of cert and key given is a TLS config error, reported when it is built.
  if (cfg.tls_required != settings::tls_policy::not_required && cfg.tls_cert.empty() &&
      cfg.tls_key.empty())
    return "cannot require TLS client connections without TLS key and cert";
  for (double p : cfg.e2e_processing_latency_percentiles)
    if (!(p > 0 && p <= 1))
      return "invalid E2E processing latency percentile: " + go_float_text(p);
  host_port hp;
  if (!cfg.http_address.empty() && !parse_host_port(cfg.http_address, hp))
    return "listen (" + cfg.http_address + ") failed - listen tcp " + cfg.http_address +
           ": not a host:port address (unix sockets are not supported)";
  return {};
}

} // namespace nsq
