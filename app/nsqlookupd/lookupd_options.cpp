#include "app/nsqlookupd/lookupd_options.hpp"

#include "actors/log.hpp"
#include "app/config_file.hpp"
#include "app/duration.hpp"
#include "app/go_flags.hpp"
#include "app/go_values.hpp"

#include <caf/config.hpp>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

namespace nsq {

namespace {

/// One nsqlookupd v1.3.0 option (reference §11.1): the flag, its config key
/// (the flag with `_`), and how its text lands in the settings.
struct lookupd_option {
  const char* flag;
  const char* type; ///< Go's usage type name; "" for booleans
  const char* help;
  std::string (*from_flag)(const std::string& text, lookupd_settings& s);
  std::string (*from_file)(config_file& file, const std::string& key,
                           lookupd_settings& s);
};

std::string invalid(const char* flag, const std::string& text, const std::string& why) {
  return "invalid value \"" + text + "\" for flag -" + flag + ": " + why;
}

template <std::string lookupd_settings::*Field>
std::string text_flag(const std::string& text, lookupd_settings& s) {
  s.*Field = text;
  return {};
}

template <std::string lookupd_settings::*Field>
std::string text_key(config_file& f, const std::string& key, lookupd_settings& s) {
  return f.read(key, s.*Field);
}

template <lookupd_settings::ms lookupd_settings::*Field>
std::string duration_flag(const std::string& text, lookupd_settings& s) {
  return parse_go_duration(text, s.*Field) ? std::string{} : std::string{"parse error"};
}

template <lookupd_settings::ms lookupd_settings::*Field>
std::string duration_key(config_file& f, const std::string& key, lookupd_settings& s) {
  return f.read(key, s.*Field);
}

std::string log_level_flag(const std::string& text, lookupd_settings& s) {
  log_level ignored;
  if (!parse_log_level(text, ignored))
    return "invalid log level '" + text + "' (debug, info, warn, error, fatal)";
  s.log_level = text;
  return {};
}

std::string log_level_key(config_file& f, const std::string& key, lookupd_settings& s) {
  std::string text;
  if (auto err = f.read_text(key, text); !err.empty() || !f.has(key))
    return err;
  log_level ignored;
  if (!parse_log_level(text, ignored))
    return "failed parsing log_level " + text;
  s.log_level = text;
  return {};
}

std::string verbose_flag(const std::string& text, lookupd_settings& s) {
  return parse_go_bool(text, s.verbose) ? std::string{} : std::string{"parse error"};
}

std::string verbose_key(config_file& f, const std::string& key, lookupd_settings& s) {
  return f.read(key, s.verbose);
}

/// Every option besides --help, --version and --config, sorted as Go prints them.
const std::vector<lookupd_option>& lookupd_options() {
  static const std::vector<lookupd_option> options = {
      {"broadcast-address", "string",
       "address of this lookupd node, (default to the OS hostname)",
       text_flag<&lookupd_settings::broadcast_address>,
       text_key<&lookupd_settings::broadcast_address>},
      {"http-address", "string", "<addr>:<port> to listen on for HTTP clients",
       text_flag<&lookupd_settings::http_address>,
       text_key<&lookupd_settings::http_address>},
      {"inactive-producer-timeout", "duration",
       "duration of time a producer will remain in the active list since its last ping",
       duration_flag<&lookupd_settings::inactive_producer_timeout>,
       duration_key<&lookupd_settings::inactive_producer_timeout>},
      {"log-level", "value", "set log verbosity: debug, info, warn, error, or fatal",
       log_level_flag, log_level_key},
      {"log-prefix", "string", "log message prefix",
       text_flag<&lookupd_settings::log_prefix>, text_key<&lookupd_settings::log_prefix>},
      {"tcp-address", "string", "<addr>:<port> to listen on for TCP clients",
       text_flag<&lookupd_settings::tcp_address>,
       text_key<&lookupd_settings::tcp_address>},
      {"tombstone-lifetime", "duration",
       "duration of time a producer will remain tombstoned if registration remains",
       duration_flag<&lookupd_settings::tombstone_lifetime>,
       duration_key<&lookupd_settings::tombstone_lifetime>},
      {"verbose", "", "[deprecated] has no effect, use --log-level", verbose_flag,
       verbose_key},
  };
  return options;
}

const lookupd_option* find_option(std::string_view flag) {
  for (auto& o : lookupd_options())
    if (flag == o.flag)
      return &o;
  return nullptr;
}

std::string config_key(std::string flag) {
  std::replace(flag.begin(), flag.end(), '-', '_');
  return flag;
}

/// Go's flag.PrintDefaults for nsqlookupd's flag set.
std::string usage_text() {
  lookupd_settings defaults;
  auto shown = [&](std::string_view flag) -> std::string {
    if (flag == "http-address")
      return "\"" + defaults.http_address + "\"";
    if (flag == "tcp-address")
      return "\"" + defaults.tcp_address + "\"";
    if (flag == "log-prefix")
      return "\"" + defaults.log_prefix + "\"";
    if (flag == "log-level")
      return defaults.log_level;
    if (flag == "inactive-producer-timeout")
      return go_duration_text(defaults.inactive_producer_timeout);
    if (flag == "tombstone-lifetime")
      return go_duration_text(defaults.tombstone_lifetime);
    return {};
  };
  std::vector<std::pair<std::string, std::string>> lines = {
      {"config", "  -config string\n    \tpath to config file\n"},
      {"version", "  -version\n    \tprint version string\n"}};
  for (auto& o : lookupd_options()) {
    std::ostringstream line;
    line << "  -" << o.flag << (*o.type ? std::string{" "} + o.type : std::string{})
         << "\n    \t" << o.help;
    if (auto d = shown(o.flag); !d.empty())
      line << " (default " << d << ")";
    lines.emplace_back(o.flag, line.str() + "\n");
  }
  std::sort(lines.begin(), lines.end());
  std::ostringstream out;
  out << "Usage of nsqlookupd:\n";
  for (auto& [name, text] : lines)
    out << text;
  return out.str();
}

/// Reads `--config`: the file's keys, except those given as flags (still checked).
std::string apply_config(const std::string& path, const std::set<std::string>& given,
                         lookupd_settings& s) {
  std::string err;
  auto file = config_file::load(path, err);
  if (!file)
    return err;
  lookupd_settings scratch;
  // log_level first, as nsqlookupd validates it before the rest (§11.2).
  if (auto e = log_level_key(*file, "log_level", given.count("log_level") ? scratch : s);
      !e.empty())
    return e;
  for (auto& o : lookupd_options()) {
    auto key = config_key(o.flag);
    if (key == "log_level")
      continue;
    if (auto e = o.from_file(*file, key, given.count(key) ? scratch : s); !e.empty())
      return e + " (config file " + path + ")";
  }
  auto unknown = file->unknown_keys();
  if (!unknown.empty())
    return "unknown key " + unknown.front() + " in config file " + path;
  return {};
}

} // namespace

std::string lookupd_banner() {
  auto caf = std::to_string(CAF_VERSION / 10000) + "." +
             std::to_string(CAF_VERSION / 100 % 100) + "." +
             std::to_string(CAF_VERSION % 100);
  return "nsqlookupd v1.3.0 (built w/caf-nsqd 0.1.0, CAF " + caf + ")";
}

lookupd_outcome parse_lookupd_options(int argc, char** argv, lookupd_settings& out) {
  std::vector<std::string> args(argv + 1, argv + argc);
  go_flag_args parsed;
  auto arity = [](std::string_view name) {
    if (name == "version" || name == "verbose")
      return go_flag_arity::boolean;
    if (name == "config" || find_option(name))
      return go_flag_arity::value;
    return go_flag_arity::unknown;
  };
  auto usage_error = [](const std::string& why) {
    std::cerr << why << "\n" << usage_text();
    return lookupd_outcome::exit_usage;
  };
  if (auto err = split_go_flags(args, arity, parsed); !err.empty())
    return usage_error(err);
  if (parsed.help) {
    std::cerr << usage_text();
    return lookupd_outcome::exit_success;
  }
  if (!parsed.rest.empty())
    return usage_error("unexpected argument: " + parsed.rest.front());
  lookupd_settings s;
  std::set<std::string> given;
  bool version = false;
  for (auto& [name, value] : parsed.given) {
    if (name == "version") {
      if (!parse_go_bool(value, version))
        return usage_error(invalid("version", value, "parse error"));
      continue;
    }
    if (name == "config") {
      s.config = value;
      continue;
    }
    auto* o = find_option(name);
    if (auto why = o->from_flag(value, s); !why.empty())
      return usage_error(invalid(o->flag, value, why));
    given.insert(config_key(name));
  }
  if (version) {
    std::cout << lookupd_banner() << "\n";
    return lookupd_outcome::exit_success;
  }
  if (!s.config.empty()) {
    set_log_prefix(s.log_prefix); // the file may change it; known so far first
    if (auto err = apply_config(s.config, given, s); !err.empty()) {
      log_line(log_level::fatal, err);
      return lookupd_outcome::exit_failure;
    }
  }
  out = std::move(s);
  return lookupd_outcome::run;
}

} // namespace nsq
