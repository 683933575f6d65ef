#include "bench/options.hpp"

#include "bench/go_duration.hpp"

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <sstream>

namespace bench {

namespace {

/// One flag: its name, whether it is a switch, how it stores a value.
struct flag {
  const char* name;
  const char* help;
  bool is_switch;
  std::function<bool(const std::string&)> set;
};

std::function<bool(const std::string&)> integer(int64_t& out, int64_t min) {
  return [&out, min](const std::string& v) {
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || x < min)
      return false;
    out = x;
    return true;
  };
}

std::function<bool(const std::string&)> real(double& out) {
  return [&out](const std::string& v) {
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x >= 0) || x > 1e12)
      return false;
    out = x;
    return true;
  };
}

std::function<bool(const std::string&)> text(std::string& out) {
  return [&out](const std::string& v) {
    out = v;
    return true;
  };
}

std::function<bool(const std::string&)> duration(std::chrono::nanoseconds& out) {
  return [&out](const std::string& v) {
    auto d = parse_go_duration(v);
    if (!d || d->count() < 0)
      return false;
    out = *d;
    return true;
  };
}

std::function<bool(const std::string&)> boolean(bool& out) {
  return [&out](const std::string& v) {
    if (v == "true" || v == "1" || v == "t" || v == "TRUE" || v == "True")
      out = true;
    else if (v == "false" || v == "0" || v == "f" || v == "FALSE" || v == "False")
      out = false;
    else
      return false;
    return true;
  };
}

std::function<bool(const std::string&)> mode_value(mode& out) {
  return [&out](const std::string& v) {
    if (v == "writer")
      out = mode::writer;
    else if (v == "reader")
      out = mode::reader;
    else if (v == "idle")
      out = mode::idle;
    else if (v == "floor")
      out = mode::floor;
    else
      return false;
    return true;
  };
}

std::function<bool(const std::string&)> identify_value(std::string& out) {
  return [&out](const std::string& v) {
    if (v != "bench" && v != "go-nsq")
      return false;
    out = v;
    return true;
  };
}

std::vector<flag> flags(options& o) {
  return {
      {"mode", "writer, reader, idle or floor (or give it as the first argument)", false,
       mode_value(o.mode)},
      {"nsqd-tcp-address", "<addr>:<port> to connect to nsqd (default 127.0.0.1:4150)",
       false, text(o.nsqd_tcp_address)},
      {"topic", "topic to publish/receive messages on (default sub_bench)", false,
       text(o.topic)},
      {"channel", "channel to receive messages on (default ch)", false, text(o.channel)},
      {"runfor", "duration of time to run (default 10s)", false, duration(o.runfor)},
      {"size", "size of messages (default 200)", false, integer(o.size, 0)},
      {"batch-size", "MPUB batch size of messages; 1 publishes with PUB (default 200)",
       false, integer(o.batch_size, 1)},
      {"deadline", "deadline to start the benchmark run, \"2006-01-02 15:04:05\" UTC",
       false, text(o.deadline)},
      {"rdy", "RDY count to use (default 2500)", false, integer(o.rdy, 0)},
      {"connections",
       "writer: connections in total; reader/idle: per topic x channel (default: CPUs)",
       false, integer(o.connections, 1)},
      {"writers", "alias of --connections", false, integer(o.connections, 1)},
      {"readers", "alias of --connections", false, integer(o.connections, 1)},
      {"topics", "number of topics: <topic>_0 .. <topic>_N-1 when N > 1 (default 1)",
       false, integer(o.topics, 1)},
      {"channels", "channels per topic: <channel>_0 .. when N > 1 (default 1)", false,
       integer(o.channels, 1)},
      {"messages", "stop after this many messages in total (default 0: no limit)", false,
       integer(o.messages, 0)},
      {"rate", "writer: publish this many messages/s in total (default 0: unpaced)",
       false, real(o.rate)},
      {"timestamps", "writer: bodies carry their send time (for end-to-end latency)",
       true, boolean(o.timestamps)},
      {"output-buffer-size", "IDENTIFY output_buffer_size (-1: unbuffered)", false,
       integer(o.output_buffer_size, -1)},
      {"output-buffer-timeout", "IDENTIFY output_buffer_timeout in ms", false,
       integer(o.output_buffer_timeout, -1)},
      {"identify",
       "writer: IDENTIFY as \"bench\" (default) or as \"go-nsq\" 1.1.0 with its defaults "
       "(feature negotiation, heartbeat 30s, output buffer 16384 B / 250ms), like "
       "nsq's to_nsq",
       false, identify_value(o.identify)},
      {"subscribe", "idle: SUB and RDY 1 on every connection", true,
       boolean(o.subscribe)},
      {"threads", "I/O threads (default: CPUs)", false, integer(o.threads, 1)},
      {"progress", "live progress line when stderr is a terminal (default true)", true,
       boolean(o.progress)},
  };
}

/// Splits `-name=value` / `--name value` into name and optional inline value.
bool split_flag(const std::string& arg, std::string& name,
                std::optional<std::string>& value) {
  if (arg.size() < 2 || arg[0] != '-')
    return false;
  size_t start = arg[1] == '-' ? 2 : 1;
  auto eq = arg.find('=', start);
  name = arg.substr(start, eq == std::string::npos ? std::string::npos : eq - start);
  if (eq != std::string::npos)
    value = arg.substr(eq + 1);
  return !name.empty();
}

} // namespace

std::string usage() {
  options o;
  std::ostringstream out;
  out << "Usage: caf-nsq-bench <writer|reader|idle|floor> [flags]\n"
         "  (floor: a do-nothing server on --nsqd-tcp-address; see bench/floor.hpp)\n";
  for (auto& f : flags(o))
    out << "  --" << f.name << (f.is_switch ? "" : " <value>") << "\n      " << f.help
        << "\n";
  return out.str();
}

parse_result parse_options(const std::vector<std::string>& args) {
  parse_result result;
  options o;
  auto table = flags(o);
  bool mode_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (!mode_given && !arg.empty() && arg[0] != '-') {
      if (!mode_value(o.mode)(arg)) {
        result.message = "unknown mode: " + arg;
        return result;
      }
      mode_given = true;
      continue;
    }
    std::string name;
    std::optional<std::string> value;
    if (!split_flag(arg, name, value)) {
      result.message = "unexpected argument: " + arg;
      return result;
    }
    if (name == "help" || name == "h") {
      result.help = true;
      result.message = usage();
      return result;
    }
    const flag* f = nullptr;
    for (auto& candidate : table)
      if (name == candidate.name)
        f = &candidate;
    if (f == nullptr) {
      result.message = "flag provided but not defined: -" + name;
      return result;
    }
    if (!value && f->is_switch)
      value = "true";
    if (!value) {
      if (i + 1 >= args.size()) {
        result.message = "flag needs an argument: -" + name;
        return result;
      }
      value = args[++i];
    }
    if (!f->set(*value)) {
      result.message = "invalid value \"" + *value + "\" for flag -" + name;
      return result;
    }
    if (name == "mode")
      mode_given = true;
  }
  if (o.mode != mode::writer && o.rate > 0) {
    result.message = "--rate applies to the writer only";
    return result;
  }
  result.opts = o;
  return result;
}

} // namespace bench
