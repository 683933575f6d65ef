#include "app/nsqlookupd/lookupd_options.hpp"

#include "actors/log.hpp"
#include "app/duration.hpp"
#include "app/nsqlookupd/lookupd_config.hpp"

#include <boost/program_options.hpp>

#include <caf/config.hpp>

#include <iostream>
#include <set>

namespace nsq {

namespace po = boost::program_options;

namespace {

/// The flags whose text is parsed after the command line is read.
struct flag_texts {
  std::string inactive = "5m0s";
  std::string tombstone = "45s";
  std::string verbose;
};

po::options_description describe(lookupd_settings& s, flag_texts& t) {
  po::options_description desc("Usage of nsqlookupd");
  auto add = desc.add_options();
  add("help,h", po::bool_switch(), "print this help and exit");
  add("version", po::bool_switch(), "print version string");
  add("config", po::value<std::string>(&s.config), "path to config file");
  add("log-level", po::value<std::string>(&s.log_level)->default_value("info"),
      "set log verbosity: debug, info, warn, error, or fatal");
  add("log-prefix", po::value<std::string>(&s.log_prefix)->default_value(s.log_prefix),
      "log message prefix");
  add("verbose", po::value<std::string>(&t.verbose)->implicit_value("true"),
      "[deprecated] has no effect, use --log-level");
  add("tcp-address", po::value<std::string>(&s.tcp_address)->default_value(s.tcp_address),
      "<addr>:<port> to listen on for TCP clients");
  add("http-address",
      po::value<std::string>(&s.http_address)->default_value(s.http_address),
      "<addr>:<port> to listen on for HTTP clients");
  add("broadcast-address", po::value<std::string>(&s.broadcast_address),
      "address of this lookupd node, (default to the OS hostname)");
  add("inactive-producer-timeout",
      po::value<std::string>(&t.inactive)->default_value(t.inactive),
      "duration of time a producer will remain in the active list since its last ping");
  add("tombstone-lifetime",
      po::value<std::string>(&t.tombstone)->default_value(t.tombstone),
      "duration of time a producer will remain tombstoned if registration remains");
  return desc;
}

bool bad_value(const std::string& flag, const std::string& text, const std::string& why) {
  std::cerr << "invalid value \"" << text << "\" for flag -" << flag << ": " << why
            << "\n";
  return false;
}

/// Go's strconv.ParseBool.
bool parse_go_bool(const std::string& text, bool& out) {
  for (auto* y : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == y)
      return out = true, true;
  for (auto* n : {"0", "f", "F", "FALSE", "false", "False"})
    if (text == n)
      return out = false, true;
  return false;
}

/// Checks the values given as flags (Go rejects them while parsing: exit 2).
bool read_flag_values(const po::variables_map& vm, const flag_texts& t,
                      lookupd_settings& s) {
  if (!parse_go_duration(t.inactive, s.inactive_producer_timeout))
    return bad_value("inactive-producer-timeout", t.inactive, "parse error");
  if (!parse_go_duration(t.tombstone, s.tombstone_lifetime))
    return bad_value("tombstone-lifetime", t.tombstone, "parse error");
  log_level ignored;
  if (!parse_log_level(s.log_level, ignored))
    return bad_value("log-level", s.log_level,
                     "invalid log level '" + s.log_level +
                         "' (debug, info, warn, error, fatal)");
  if (vm.count("verbose") != 0 && !parse_go_bool(t.verbose, s.verbose))
    return bad_value("verbose", t.verbose, "parse error");
  return true;
}

/// The config keys of the flags given on the command line (they win).
std::set<std::string> given_keys(const po::variables_map& vm) {
  std::set<std::string> out;
  for (auto& [name, value] : vm) {
    if (value.defaulted())
      continue;
    auto key = name;
    for (auto& c : key)
      if (c == '-')
        c = '_';
    out.insert(key);
  }
  return out;
}

} // namespace

std::string lookupd_banner() {
  auto caf = std::to_string(CAF_VERSION / 10000) + "." +
             std::to_string(CAF_VERSION / 100 % 100) + "." +
             std::to_string(CAF_VERSION % 100);
  return "nsqlookupd v1.3.0 (built w/caf-nsqd 0.1.0, CAF " + caf + ")";
}

lookupd_outcome parse_lookupd_options(int argc, char** argv, lookupd_settings& out) {
  lookupd_settings s;
  flag_texts t;
  auto desc = describe(s, t);
  // Go's flag package: one or two dashes, `=` or a separate value, no
  // abbreviations.
  auto style =
      (po::command_line_style::default_style & ~po::command_line_style::allow_guessing) |
      po::command_line_style::allow_long_disguise;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc << "\n";
    return lookupd_outcome::exit_usage;
  }
  if (vm["help"].as<bool>()) {
    std::cout << desc << "\n";
    return lookupd_outcome::exit_success;
  }
  if (vm["version"].as<bool>()) {
    std::cout << lookupd_banner() << "\n";
    return lookupd_outcome::exit_success;
  }
  if (!read_flag_values(vm, t, s))
    return lookupd_outcome::exit_usage;
  if (!s.config.empty()) {
    // The prefix may come from the file: apply what is known so far first.
    set_log_prefix(s.log_prefix);
    if (auto err = load_lookupd_config(s.config, given_keys(vm), s); !err.empty()) {
      log_line(log_level::fatal, err);
      return lookupd_outcome::exit_failure;
    }
  }
  out = std::move(s);
  return lookupd_outcome::run;
}

} // namespace nsq
