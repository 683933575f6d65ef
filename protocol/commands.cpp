#include "protocol/commands.hpp"

#include "protocol/names.hpp"

namespace nsq {

namespace {

using std::chrono::milliseconds;

constexpr uint64_t nanos_per_ms = 1000000;

client_error invalid(std::string text) {
  return fatal_error(codes::invalid, std::move(text));
}

/// Go's `time.Duration(ms) * time.Millisecond` on a uint64: wraps like int64.
int64_t go_duration_ns(uint64_t ms) {
  return static_cast<int64_t>(ms * nanos_per_ms);
}

int64_t to_ns(milliseconds ms) {
  return static_cast<int64_t>(ms.count()) * static_cast<int64_t>(nanos_per_ms);
}

/// The checks shared by PUB and MPUB before the body: params, topic name.
std::optional<client_error> check_publish_line(const command& cmd, const char* verb,
                                               std::string topic_prefix) {
  if (cmd.params.empty())
    return invalid(std::string(verb) + " insufficient number of parameters");
  if (!is_valid_topic_name(cmd.params[0]))
    return fatal_error(codes::bad_topic, topic_prefix + verb + " topic name " +
                                             go_quote(cmd.params[0]) + " is not valid");
  return std::nullopt;
}

std::optional<client_error> check_pub(const command& cmd) {
  return check_publish_line(cmd, "PUB", "");
}

std::optional<client_error> check_mpub(const command& cmd) {
  // nsqd duplicates the code inside the text (observed).
  return check_publish_line(cmd, "MPUB", std::string(codes::bad_topic) + " ");
}

/// DPUB line checks; stores the deferral in `defer` when they pass.
std::optional<client_error> check_dpub(const command& cmd, milliseconds max_req_timeout,
                                       milliseconds& defer) {
  if (cmd.params.size() < 2)
    return invalid("DPUB insufficient number of parameters");
  if (!is_valid_topic_name(cmd.params[0]))
    return fatal_error(codes::bad_topic,
                       "DPUB topic name " + go_quote(cmd.params[0]) + " is not valid");
  auto ms = parse_decimal(cmd.params[1]);
  if (!ms)
    return invalid("DPUB could not parse timeout " + cmd.params[1]);
  int64_t ns = go_duration_ns(*ms);
  if (ns < 0 || ns > to_ns(max_req_timeout))
    return invalid("DPUB timeout " + std::to_string(*ms) + " out of range 0-" +
                   std::to_string(max_req_timeout.count()));
  defer = milliseconds(ns / static_cast<int64_t>(nanos_per_ms));
  return std::nullopt;
}

std::optional<client_error> check_auth(const command& cmd) {
  if (!cmd.params.empty())
    return invalid("AUTH invalid number of parameters");
  return std::nullopt;
}

/// FIN and TOUCH: `<verb> insufficient number of params`, then the ID length.
checked<message_id> parse_id_command(const command& cmd, const char* verb) {
  if (cmd.id)
    return *cmd.id;
  if (cmd.params.empty())
    return invalid(std::string(verb) + " insufficient number of params");
  auto id = make_message_id(cmd.params[0]);
  if (!id)
    return invalid("invalid message ID");
  return *id;
}

} // namespace

bool takes_body(std::string_view name) {
  using namespace std::string_view_literals;
  return name == "PUB"sv || name == "MPUB"sv || name == "DPUB"sv ||
         name == "IDENTIFY"sv || name == "AUTH"sv;
}

std::optional<client_error> check_before_body(const command& cmd, const settings& cfg) {
  return check_before_body(cmd, cfg.max_req_timeout);
}

std::optional<client_error> check_before_body(const command& cmd,
                                              milliseconds max_req_timeout) {
  if (cmd.name == "PUB")
    return check_pub(cmd);
  if (cmd.name == "MPUB")
    return check_mpub(cmd);
  if (cmd.name == "DPUB") {
    milliseconds defer{0};
    return check_dpub(cmd, max_req_timeout, defer);
  }
  if (cmd.name == "AUTH")
    return check_auth(cmd);
  return std::nullopt;
}

checked<publish_args> parse_pub(command&& cmd, const settings&) {
  if (auto err = check_pub(cmd))
    return *err;
  if (cmd.has_body_error())
    return cmd.body_error;
  publish_args args;
  args.topic = std::move(cmd.params[0]);
  args.bodies = body_batch::single(std::move(cmd.body));
  return args;
}

checked<publish_args> parse_mpub(command&& cmd, const settings&) {
  if (auto err = check_mpub(cmd))
    return *err;
  if (cmd.has_body_error())
    return cmd.body_error;
  publish_args args;
  args.topic = std::move(cmd.params[0]);
  args.bodies = std::move(cmd.messages);
  return args;
}

checked<publish_args> parse_dpub(command&& cmd, const settings& cfg) {
  publish_args args;
  if (auto err = check_dpub(cmd, cfg.max_req_timeout, args.defer))
    return *err;
  if (cmd.has_body_error())
    return cmd.body_error;
  args.topic = std::move(cmd.params[0]);
  args.bodies = body_batch::single(std::move(cmd.body));
  return args;
}

checked<sub_args> parse_sub(const command& cmd) {
  if (cmd.params.size() < 2)
    return invalid("SUB insufficient number of parameters");
  if (!is_valid_topic_name(cmd.params[0]))
    return fatal_error(codes::bad_topic,
                       "SUB topic name " + go_quote(cmd.params[0]) + " is not valid");
  if (!is_valid_channel_name(cmd.params[1]))
    return fatal_error(codes::bad_channel,
                       "SUB channel name " + go_quote(cmd.params[1]) + " is not valid");
  return sub_args{cmd.params[0], cmd.params[1]};
}

checked<int64_t> parse_rdy(const command& cmd, const settings& cfg) {
  int64_t count = 1;
  if (!cmd.params.empty()) {
    auto value = parse_decimal(cmd.params[0]);
    if (!value)
      return invalid("RDY could not parse count " + cmd.params[0]);
    count = static_cast<int64_t>(*value); // Go's int64(uint64): wraps negative
  }
  if (count < 0 || count > cfg.max_rdy_count)
    return invalid("RDY count " + std::to_string(count) + " out of range 0-" +
                   std::to_string(cfg.max_rdy_count));
  return count;
}

checked<message_id> parse_fin(const command& cmd) {
  return parse_id_command(cmd, "FIN");
}

checked<message_id> parse_touch(const command& cmd) {
  return parse_id_command(cmd, "TOUCH");
}

checked<req_args> parse_req(const command& cmd, const settings& cfg) {
  if (cmd.params.size() < 2)
    return invalid("REQ insufficient number of params");
  auto id = make_message_id(cmd.params[0]);
  if (!id)
    return invalid("invalid message ID");
  auto ms = parse_decimal(cmd.params[1]);
  if (!ms)
    return invalid("REQ could not parse timeout " + cmd.params[1]);
  req_args args;
  args.id = *id;
  int64_t ns = go_duration_ns(*ms);
  if (ns < 0) {
    args.delay = milliseconds(0); // nsqd clamps a wrapped duration to 0
    args.clamped = true;
  } else if (ns > to_ns(cfg.max_req_timeout)) {
    args.delay = cfg.max_req_timeout;
    args.clamped = true;
  } else {
    args.delay = milliseconds(ns / static_cast<int64_t>(nanos_per_ms));
  }
  return args;
}

std::optional<uint64_t> parse_decimal(const std::string& s) {
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

} // namespace nsq
