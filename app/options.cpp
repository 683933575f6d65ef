#include "app/options.hpp"

#include "actors/log.hpp"
#include "app/duration.hpp"
#include "app/hostname.hpp"
#include "app/version.hpp"
#include "net/address.hpp"
#include "protocol/node_id.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

namespace nsq {

namespace po = boost::program_options;

namespace {

/// A duration flag: its name and where its value goes.
struct duration_flag {
  const char* name;
  settings::ms* target;
  const char* help;
};

/// Returns nsqd's spelling of a default duration, e.g. `1m0s`, `250ms`.
std::string go_duration_text(settings::ms d) {
  auto ms = d.count();
  if (ms % 1000 != 0)
    return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  if (s < 60)
    return std::to_string(s) + "s";
  auto text = std::to_string(s % 60) + "s";
  auto m = s / 60;
  text = std::to_string(m % 60) + "m" + text;
  if (m >= 60)
    text = std::to_string(m / 60) + "h" + text;
  return text;
}

std::vector<duration_flag> duration_flags(settings& s) {
  return {
      {"sync-timeout", &s.sync_timeout, "duration of time per diskqueue fsync"},
      {"msg-timeout", &s.msg_timeout,
       "default duration to wait before auto-requeing a message"},
      {"max-msg-timeout", &s.max_msg_timeout,
       "maximum duration before a message will timeout"},
      {"max-req-timeout", &s.max_req_timeout, "maximum requeuing timeout for a message"},
      {"max-heartbeat-interval", &s.max_heartbeat_interval,
       "maximum client configurable duration of time between client heartbeats"},
      {"max-output-buffer-timeout", &s.max_output_buffer_timeout,
       "maximum client configurable duration of time between flushing to a client"},
      {"min-output-buffer-timeout", &s.min_output_buffer_timeout,
       "minimum client configurable duration of time between flushing to a client"},
      {"output-buffer-timeout", &s.output_buffer_timeout,
       "default duration of time between flushing data to clients"},
      {"e2e-processing-latency-window-time", &s.e2e_processing_latency_window_time,
       "calculate end to end latency quantiles for this duration of time"},
      {"http-client-connect-timeout", &s.http_client_connect_timeout,
       "timeout for HTTP connect"},
      {"http-client-request-timeout", &s.http_client_request_timeout,
       "timeout for HTTP request"},
      {"statsd-interval", &s.statsd_interval, "duration between pushing to statsd"},
  };
}

/// Declares the TLS and compression flags (§10, §14.2). Go booleans and the
/// enums are read as text and parsed by read_tls(); a bare flag means true.
void describe_tls(po::options_description_easy_init& add, settings& s) {
  add("https-address",
      po::value<std::string>(&s.https_address)->default_value(s.https_address),
      "<addr>:<port> to listen on for HTTPS clients");
  add("tls-cert", po::value<std::string>(&s.tls_cert), "path to certificate file");
  add("tls-key", po::value<std::string>(&s.tls_key), "path to key file");
  add("tls-client-auth-policy", po::value<std::string>(&s.tls_client_auth_policy),
      "client certificate auth policy ('require' or 'require-verify')");
  add("tls-root-ca-file", po::value<std::string>(&s.tls_root_ca_file),
      "path to certificate authority file");
  add("tls-required", po::value<std::string>()->implicit_value("true"),
      "require TLS for client connections (true, false, tcp-https)");
  add("tls-min-version", po::value<std::string>(),
      "minimum SSL/TLS version acceptable ('ssl3.0', 'tls1.0', 'tls1.1', 'tls1.2' or "
      "'tls1.3')");
  add("snappy", po::value<std::string>()->implicit_value("true"),
      "enable snappy feature negotiation (client compression) (default true)");
  add("deflate", po::value<std::string>()->implicit_value("true"),
      "enable deflate feature negotiation (client compression) (default true)");
  add("max-deflate-level",
      po::value<int64_t>(&s.max_deflate_level)->default_value(s.max_deflate_level),
      "max deflate compression level a client can negotiate (> values == > nsqd CPU "
      "usage)");
}

/// Parses a Go boolean (strconv.ParseBool).
bool parse_go_bool(const std::string& text, bool& out) {
  static const char* const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char* const no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto* y : yes)
    if (text == y)
      return out = true, true;
  for (auto* n : no)
    if (text == n)
      return out = false, true;
  return false;
}

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// Reports a bad flag value the way Go's flag package does.
bool bad_value(const std::string& flag, const std::string& text, const std::string& why) {
  std::cerr << "invalid value \"" << text << "\" for flag -" << flag << ": " << why
            << "\n";
  return false;
}

bool read_bool_flag(const po::variables_map& vm, const char* flag, bool& out) {
  if (vm.count(flag) == 0)
    return true;
  auto& text = vm[flag].as<std::string>();
  if (!parse_go_bool(text, out))
    return bad_value(flag, text, "parse error");
  return true;
}

/// Reads --tls-required, --tls-min-version, --snappy and --deflate, and
/// applies nsqd's implications (a client auth policy requires TLS).
bool read_tls(const po::variables_map& vm, settings& s) {
  using policy = settings::tls_policy;
  if (vm.count("tls-required") != 0) {
    auto& text = vm["tls-required"].as<std::string>();
    bool required = false;
    if (lower(text) == "tcp-https")
      s.tls_required = policy::tcp_https;
    else if (parse_go_bool(lower(text), required))
      s.tls_required = required ? policy::required : policy::not_required;
    else
      return bad_value("tls-required", text,
                       "strconv.ParseBool: parsing \"" + lower(text) +
                           "\": invalid syntax");
  }
  if (vm.count("tls-min-version") != 0) {
    auto& text = vm["tls-min-version"].as<std::string>();
    auto v = lower(text);
    if (v == "tls1.0")
      s.tls_min_version = 0x0301;
    else if (v == "tls1.1")
      s.tls_min_version = 0x0302;
    else if (v == "tls1.2")
      s.tls_min_version = 0x0303;
    else if (v == "tls1.3")
      s.tls_min_version = 0x0304;
    else if (!v.empty()) // ssl3.0 too: neither Go's crypto/tls nor OpenSSL 3 offer it
      return bad_value("tls-min-version", text, "unknown tlsVersionOption \"" + v + "\"");
  }
  if (!read_bool_flag(vm, "statsd-mem-stats", s.statsd_mem_stats) ||
      !read_bool_flag(vm, "statsd-exclude-ephemeral", s.statsd_exclude_ephemeral))
    return false;
  if (!read_bool_flag(vm, "snappy", s.snappy_enabled) ||
      !read_bool_flag(vm, "deflate", s.deflate_enabled))
    return false;
  if (!s.tls_client_auth_policy.empty() && s.tls_required == policy::not_required)
    s.tls_required = policy::required;
  s.tls_available = !s.tls_cert.empty() && !s.tls_key.empty();
  return true;
}

/// Declares every flag; durations are read as text and parsed afterwards.
po::options_description describe(settings& s,
                                 const std::vector<duration_flag>& durations) {
  po::options_description desc("Usage of nsqd");
  auto add = desc.add_options();
  add("help,h", po::bool_switch(), "print this help and exit");
  add("version", po::bool_switch(), "print version string");
  add("log-level", po::value<std::string>(&s.log_level)->default_value(s.log_level),
      "set log verbosity: debug, info, warn, error, or fatal");
  add("node-id", po::value<int64_t>(&s.node_id),
      "unique part for message IDs, (int) in range [0,1024) (default is hash of "
      "hostname)");
  add("tcp-address", po::value<std::string>(&s.tcp_address)->default_value(s.tcp_address),
      "<addr>:<port> to listen on for TCP clients");
  add("http-address",
      po::value<std::string>(&s.http_address)->default_value(s.http_address),
      "<addr>:<port> to listen on for HTTP clients");
  add("broadcast-address", po::value<std::string>(&s.broadcast_address),
      "address that will be registered with lookupd (defaults to the OS hostname)");
  add("data-path", po::value<std::string>(&s.data_path),
      "path to store disk-backed messages (default: the current directory)");
  add("mem-queue-size",
      po::value<int64_t>(&s.mem_queue_size)->default_value(s.mem_queue_size),
      "number of messages to keep in memory (per topic/channel)");
  add("max-bytes-per-file",
      po::value<int64_t>(&s.max_bytes_per_file)->default_value(s.max_bytes_per_file),
      "number of bytes per diskqueue file before rolling");
  add("sync-every", po::value<int64_t>(&s.sync_every)->default_value(s.sync_every),
      "number of messages per diskqueue fsync");
  add("max-msg-size", po::value<int64_t>(&s.max_msg_size)->default_value(s.max_msg_size),
      "maximum size of a single message in bytes");
  add("max-body-size",
      po::value<int64_t>(&s.max_body_size)->default_value(s.max_body_size),
      "maximum size of a single command body");
  add("max-rdy-count",
      po::value<int64_t>(&s.max_rdy_count)->default_value(s.max_rdy_count),
      "maximum RDY count for a client");
  add("max-output-buffer-size",
      po::value<int64_t>(&s.max_output_buffer_size)
          ->default_value(s.max_output_buffer_size),
      "maximum client configurable size (in bytes) for a client output buffer");
  add("max-channel-consumers",
      po::value<int64_t>(&s.max_channel_consumers)
          ->default_value(s.max_channel_consumers),
      "maximum channel consumer connection count per nsqd instance (default 0, i.e., "
      "unlimited)");
  add("e2e-processing-latency-percentile",
      po::value<std::vector<std::string>>()->composing(),
      "message processing time percentiles (as float (0, 1.0]) to track (can be "
      "specified multiple times or comma separated '1.0,0.99,0.95', default none)");
  add("log-prefix", po::value<std::string>(&s.log_prefix)->default_value(s.log_prefix),
      "log message prefix");
  add("lookupd-tcp-address",
      po::value<std::vector<std::string>>(&s.lookupd_tcp_addresses)->composing(),
      "lookupd TCP address (may be given multiple times)");
  add("broadcast-tcp-port",
      po::value<int64_t>(&s.broadcast_tcp_port)->default_value(s.broadcast_tcp_port),
      "TCP port that will be registered with lookupd (defaults to the TCP port that this "
      "nsqd is listening on)");
  add("broadcast-http-port",
      po::value<int64_t>(&s.broadcast_http_port)->default_value(s.broadcast_http_port),
      "HTTP port that will be registered with lookupd (defaults to the HTTP port that "
      "this nsqd is listening on)");
  add("statsd-address", po::value<std::string>(&s.statsd_address),
      "UDP <addr>:<port> of a statsd daemon for pushing stats");
  add("statsd-prefix",
      po::value<std::string>(&s.statsd_prefix)->default_value(s.statsd_prefix),
      "prefix used for keys sent to statsd (%s for host replacement)");
  add("statsd-mem-stats", po::value<std::string>()->implicit_value("true"),
      "toggle sending memory and GC stats to statsd (default true)");
  add("statsd-udp-packet-size",
      po::value<int64_t>(&s.statsd_udp_packet_size)
          ->default_value(s.statsd_udp_packet_size),
      "the size in bytes of statsd UDP packets");
  add("statsd-exclude-ephemeral", po::value<std::string>()->implicit_value("true"),
      "Skip ephemeral topics and channels when sending stats to statsd");
  add("auth-http-address",
      po::value<std::vector<std::string>>(&s.auth_http_addresses)->composing(),
      "<addr>:<port> or a full url to query auth server (may be given multiple times)");
  for (auto& d : durations)
    add(d.name, po::value<std::string>()->default_value(go_duration_text(*d.target)),
        d.help);
  describe_tls(add, s);
  return desc;
}

/// Reads the duration flags given on the command line into `s`.
bool read_durations(const po::variables_map& vm,
                    const std::vector<duration_flag>& durations) {
  for (auto& d : durations) {
    auto& text = vm[d.name].as<std::string>();
    if (!parse_go_duration(text, *d.target)) {
      std::cerr << "invalid value \"" << text << "\" for flag -" << d.name
                << ": parse error\n";
      return false;
    }
  }
  return true;
}

bool read_log_level(settings& s) {
  log_level level;
  if (!parse_log_level(s.log_level, level)) {
    std::cerr << "invalid value \"" << s.log_level
              << "\" for flag -log-level: invalid log level '" << s.log_level << "'\n";
    return false;
  }
  for (auto& c : s.log_level)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  set_log_level(level);
  return true;
}

/// Reads --e2e-processing-latency-percentile (repeatable, comma-separated),
/// sorted descending like nsqd; a value outside (0, 1] is fatal at startup.
bool read_percentiles(const po::variables_map& vm, settings& s) {
  if (vm.count("e2e-processing-latency-percentile") == 0)
    return true;
  for (auto& arg :
       vm["e2e-processing-latency-percentile"].as<std::vector<std::string>>()) {
    std::stringstream in(arg);
    std::string item;
    while (std::getline(in, item, ',')) {
      char* end = nullptr;
      double v = std::strtod(item.c_str(), &end);
      if (item.empty() || end != item.c_str() + item.size()) {
        std::cerr << "invalid value \"" << arg
                  << "\" for flag -e2e-processing-latency-percentile\n";
        return false;
      }
      if (!(v > 0 && v <= 1)) {
        log_line(log_level::fatal, "failed to instantiate nsqd - invalid E2E processing "
                                   "latency percentile: " +
                                       item);
        return false;
      }
      s.e2e_processing_latency_percentiles.push_back(v);
    }
  }
  auto& p = s.e2e_processing_latency_percentiles;
  std::sort(p.begin(), p.end(), std::greater<double>());
  return true;
}

} // namespace

options_outcome parse_options(int argc, char** argv, settings& out) {
  settings s;
  auto durations = duration_flags(s);
  auto desc = describe(s, durations);
  // Go's flag package: one or two dashes, value after '=' or as the next
  // argument, no abbreviations.
  auto style =
      (po::command_line_style::default_style & ~po::command_line_style::allow_guessing) |
      po::command_line_style::allow_long_disguise;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).style(style).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc << "\n";
    return options_outcome::exit_failure;
  }
  if (vm["help"].as<bool>()) {
    std::cout << desc << "\n";
    return options_outcome::exit_success;
  }
  if (vm["version"].as<bool>()) {
    std::cout << version_banner() << "\n";
    return options_outcome::exit_success;
  }
  if (!read_durations(vm, durations) || !read_log_level(s))
    return options_outcome::exit_failure;
  if (!read_percentiles(vm, s) || !read_tls(vm, s))
    return options_outcome::exit_failure;
  s.auth_required = !s.auth_http_addresses.empty(); // §9.1
  if (vm.count("node-id") == 0)
    s.node_id = node_id_for(os_hostname());
  out = std::move(s);
  return options_outcome::run;
}

std::string validate(const settings& cfg) {
  if (cfg.max_deflate_level < 1 || cfg.max_deflate_level > 9)
    return "--max-deflate-level must be [1,9]";
  if (cfg.node_id < 0 || cfg.node_id >= 1024)
    return "--node-id must be [0,1024)";
  // Only one of cert and key given is a TLS config error, reported when it is built.
  if (cfg.tls_required != settings::tls_policy::not_required && cfg.tls_cert.empty() &&
      cfg.tls_key.empty())
    return "cannot require TLS client connections without TLS key and cert";
  host_port hp;
  if (!cfg.http_address.empty() && !parse_host_port(cfg.http_address, hp))
    return "listen (" + cfg.http_address + ") failed - listen tcp " + cfg.http_address +
           ": not a host:port address (unix sockets are not supported)";
  return {};
}

} // namespace nsq
