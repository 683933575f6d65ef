#include "protocol/command_parser.hpp"

#include "protocol/commands.hpp"

#include <algorithm>

namespace nsq {

namespace {

constexpr std::string_view magic_v2 = "  V2";
constexpr size_t size_prefix = 4;
/// Bodies are announced up front; reserve at most this much before the bytes
/// actually arrive so an idle client cannot pin max-body-size of memory.
constexpr size_t max_body_reserve = 64 * 1024;

int32_t read_be_i32(std::string_view p) {
  uint32_t x = 0;
  for (size_t i = 0; i < 4; ++i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int32_t>(x);
}

/// The verbs whose one message-ID token the parser keeps in `command::id`.
bool takes_inline_id(std::string_view name) {
  using namespace std::string_view_literals;
  return name == "FIN"sv || name == "TOUCH"sv;
}

/// Whether a FIN the parser keeps inline, directly after another such FIN of
/// this batch, joins that command's `more_ids`.
bool continues_fin_run(const std::vector<command>& out) {
  using namespace std::string_view_literals;
  return !out.empty() && out.back().id && std::string_view{out.back().name} == "FIN"sv;
}

/// The ID of `line` if it is a FIN the parser keeps inline ("FIN " and an
/// ID's length of bytes without a space), else nothing.
std::optional<message_id> inline_fin_id(std::string_view line) {
  using namespace std::string_view_literals;
  constexpr size_t id_size = std::tuple_size_v<message_id>;
  if (line.size() != 4 + id_size || line.substr(0, 4) != "FIN "sv ||
      line.find(' ', 4) != std::string_view::npos)
    return std::nullopt;
  message_id id;
  line.substr(4).copy(id.data(), id_size);
  return id;
}

/// Room a FIN run's `more_ids` starts with once a second FIN joins it: a
/// consumer's read holds hundreds, and growing from 1 reallocated ~10 times.
constexpr size_t fin_run_reserve = 256;

void join_fin_run(command& run, const message_id& id) {
  if (run.more_ids.empty())
    run.more_ids.reserve(fin_run_reserve);
  run.more_ids.push_back(id);
}

std::string fmt_d(int64_t x) {
  return std::to_string(x);
}

/// Moves an MPUB body into `cmd.messages`, marking each message, or returns
/// the first element error.
std::optional<client_error> split_mpub(command& cmd, int64_t max_msg_size,
                                       int64_t max_count) {
  body_batch batch{std::move(cmd.body)};
  std::string_view whole = batch.buffer();
  if (whole.size() < size_prefix)
    return fatal_error(codes::bad_body, "MPUB failed to read message count");
  int32_t count = read_be_i32(whole);
  size_t pos = size_prefix;
  if (count <= 0 || count > max_count)
    return fatal_error(codes::bad_body, "MPUB invalid message count " + fmt_d(count));
  // Each element needs at least 5 bytes; do not let the count alone size the vector.
  batch.reserve(std::min<size_t>(static_cast<size_t>(count), whole.size() / 5));
  for (int32_t i = 0; i < count; ++i) {
    if (whole.size() - pos < size_prefix)
      return fatal_error(codes::bad_message,
                         "MPUB failed to read message(" + fmt_d(i) + ") body size");
    int32_t size = read_be_i32(whole.substr(pos));
    pos += size_prefix;
    if (size <= 0)
      return fatal_error(codes::bad_message, "MPUB invalid message(" + fmt_d(i) +
                                                 ") body size " + fmt_d(size));
    if (size > max_msg_size)
      return fatal_error(codes::bad_message, "MPUB message too big " + fmt_d(size) +
                                                 " > " + fmt_d(max_msg_size));
    if (whole.size() - pos < static_cast<size_t>(size))
      return fatal_error(codes::bad_message, "MPUB failed to read message body");
    batch.add(pos, static_cast<size_t>(size));
    pos += static_cast<size_t>(size);
  }
  cmd.messages = std::move(batch); // trailing bytes inside the body are ignored
  return std::nullopt;
}

/// The body-size check of each verb, in that verb's order (reference §5).
std::optional<client_error> check_body_size(const std::string& verb, int32_t size,
                                            int64_t max_msg_size, int64_t max_body_size) {
  std::string n = fmt_d(size);
  if (verb == "PUB" || verb == "DPUB") {
    if (size <= 0)
      return fatal_error(codes::bad_message, verb + " invalid message body size " + n);
    if (size > max_msg_size)
      return fatal_error(codes::bad_message,
                         verb + " message too big " + n + " > " + fmt_d(max_msg_size));
    return std::nullopt;
  }
  if (verb == "MPUB") {
    if (size <= 0)
      return fatal_error(codes::bad_body, "MPUB invalid body size " + n);
    if (size > max_body_size)
      return fatal_error(codes::bad_body,
                         "MPUB body too big " + n + " > " + fmt_d(max_body_size));
    return std::nullopt;
  }
  // IDENTIFY and AUTH check the upper bound first.
  if (size > max_body_size)
    return fatal_error(codes::bad_body,
                       verb + " body too big " + n + " > " + fmt_d(max_body_size));
  if (size <= 0)
    return fatal_error(codes::bad_body, verb + " invalid body size " + n);
  return std::nullopt;
}

} // namespace

command_parser::command_parser(const settings& cfg)
    : limits_{cfg.max_msg_size, cfg.max_body_size, cfg.max_mpub_count(),
              cfg.max_req_timeout, cfg.auth_required} {}

size_t command_parser::buffered() const {
  return pending_.size();
}

command_parser::status command_parser::feed(std::string_view bytes,
                                            std::vector<command>& out) {
  while (status_ == status::ok && !bytes.empty()) {
    switch (stage_) {
    case stage::magic: {
      size_t take = std::min(magic_v2.size() - pending_.size(), bytes.size());
      pending_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      if (pending_.size() < magic_v2.size())
        break;
      if (pending_ != magic_v2) {
        status_ = status::bad_protocol;
        break;
      }
      pending_.clear();
      stage_ = stage::line;
      break;
    }
    case stage::line: {
      size_t nl = bytes.find('\n');
      size_t chunk = nl == std::string_view::npos ? bytes.size() : nl;
      // Without '\n' in the first max_line_size bytes nsqd's read buffer is full.
      if (pending_.size() + chunk >= max_line_size) {
        pending_.clear();
        status_ = status::line_too_long;
        break;
      }
      if (nl == std::string_view::npos) {
        pending_.append(bytes.data(), bytes.size());
        bytes = {};
        break;
      }
      bool go_on;
      if (pending_.empty()) {
        go_on = on_line(bytes.substr(0, nl), out);
      } else {
        pending_.append(bytes.data(), nl);
        std::string line = std::move(pending_);
        pending_.clear();
        go_on = on_line(line, out);
      }
      bytes.remove_prefix(nl + 1);
      if (!go_on)
        return status_;
      break;
    }
    case stage::body_size: {
      size_t take = std::min(size_prefix - pending_.size(), bytes.size());
      pending_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      if (pending_.size() < size_prefix)
        break;
      int32_t size = read_be_i32(pending_);
      pending_.clear();
      if (!on_body_size(size, out))
        return status_;
      break;
    }
    case stage::body: {
      size_t take = std::min(body_size_ - pending_.size(), bytes.size());
      if (pending_.empty())
        pending_.reserve(std::min(body_size_, std::max(take, max_body_reserve)));
      pending_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      if (pending_.size() == body_size_)
        on_body(out);
      break;
    }
    }
  }
  return status_;
}

bool command_parser::on_line(std::string_view line, std::vector<command>& out) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  // The common case first: a FIN continuing a run builds no command.
  if (auto id = inline_fin_id(line); id && continues_fin_run(out)) {
    join_fin_run(out.back(), *id);
    return true;
  }
  command cmd;
  size_t space = line.find(' ');
  cmd.name.assign(line.substr(0, space));
  if (space != std::string_view::npos && takes_inline_id(cmd.name)) {
    auto token = line.substr(space + 1);
    if (token.size() == std::tuple_size_v<message_id> &&
        token.find(' ') == std::string_view::npos) {
      message_id id;
      token.copy(id.data(), id.size());
      cmd.id = id;
      out.push_back(std::move(cmd));
      return true;
    }
  }
  while (space != std::string_view::npos) {
    line.remove_prefix(space + 1);
    space = line.find(' ');
    cmd.params.emplace_back(line.substr(0, space));
  }
  if (cmd.name == "SUB")
    after_sub_ = true;
  else if (cmd.name == "AUTH")
    auth_seen_ = true;
  if (!takes_body(cmd.name)) {
    out.push_back(std::move(cmd));
    return true;
  }
  bool refused_by_state = after_sub_ && (cmd.name == "IDENTIFY" || cmd.name == "AUTH");
  // nsqd checks MPUB's auth before its body: without any AUTH the answer is
  // E_AUTH_FIRST, so do not wait for a body (reference §5.11).
  bool auth_first = cmd.name == "MPUB" && limits_.auth_required && !auth_seen_;
  if (refused_by_state || auth_first || check_before_body(cmd, limits_.max_req_timeout)) {
    stop(std::move(cmd), out); // the session answers the exact error
    return false;
  }
  current_ = std::move(cmd);
  stage_ = stage::body_size;
  return true;
}

bool command_parser::on_body_size(int32_t size, std::vector<command>& out) {
  if (auto err = check_body_size(current_.name, size, limits_.max_msg_size,
                                 limits_.max_body_size)) {
    current_.body_error = std::move(*err);
    stop(std::move(current_), out);
    return false;
  }
  body_size_ = static_cast<size_t>(size);
  stage_ = stage::body;
  return true;
}

void command_parser::on_body(std::vector<command>& out) {
  current_.body = std::move(pending_);
  pending_ = std::string();
  stage_ = stage::line;
  body_size_ = 0;
  if (current_.name == "MPUB") {
    auto err = split_mpub(current_, limits_.max_msg_size, limits_.max_mpub_count);
    current_.body = std::string(); // the messages now hold the bytes
    if (err) {
      current_.messages.clear();
      current_.body_error = std::move(*err);
      stop(std::move(current_), out);
      current_ = command();
      return;
    }
  }
  out.push_back(std::move(current_));
  current_ = command();
}

void command_parser::finish(std::vector<command>& out) {
  if (status_ != status::ok || (stage_ != stage::body_size && stage_ != stage::body))
    return;
  const std::string& verb = current_.name;
  bool is_pub = verb == "PUB" || verb == "DPUB";
  const char* code = is_pub ? codes::bad_message : codes::bad_body;
  if (stage_ == stage::body_size) {
    current_.body_error =
        fatal_error(code, verb + (is_pub ? " failed to read message body size"
                                         : " failed to read body size"));
  } else if (verb == "MPUB") {
    // nsqd reads MPUB element by element: what is there tells which read failed.
    current_.body = std::move(pending_);
    auto err = split_mpub(current_, limits_.max_msg_size, limits_.max_mpub_count);
    current_.body = std::string();
    if (!err) {
      out.push_back(std::move(current_));
      status_ = status::stopped;
      return;
    }
    current_.messages.clear();
    current_.body_error = std::move(*err);
  } else {
    current_.body_error = fatal_error(
        code, verb + (is_pub ? " failed to read message body" : " failed to read body"));
  }
  pending_.clear();
  stop(std::move(current_), out);
  current_ = command();
}

void command_parser::stop(command&& cmd, std::vector<command>& out) {
  out.push_back(std::move(cmd));
  status_ = status::stopped;
}

} // namespace nsq
