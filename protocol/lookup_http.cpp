#include "protocol/lookup_http.hpp"

#include "protocol/go_json.hpp"
#include "protocol/http_query.hpp"
#include "protocol/names.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace nsq {

namespace {

// -- JSON ---------------------------------------------------------------------

void append_strings(std::string& out, const std::vector<std::string>& xs) {
  out += '[';
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, xs[i]);
  }
  out += ']';
}

void append_field(std::string& out, const char* key, const std::string& v) {
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, v);
}

void append_field(std::string& out, const char* key, int64_t v) {
  out += '"';
  out += key;
  out += "\":" + std::to_string(v);
}

/// The /lookup producer and /nodes prefix layout (§9.3), without braces.
void append_producer_fields(std::string& out, const lookup_peer& p) {
  append_field(out, "remote_address", p.id);
  out += ',';
  append_field(out, "hostname", p.hostname);
  out += ',';
  append_field(out, "broadcast_address", p.broadcast_address);
  out += ',';
  append_field(out, "tcp_port", p.tcp_port);
  out += ',';
  append_field(out, "http_port", p.http_port);
  out += ',';
  append_field(out, "version", p.version);
  out += ',';
  append_field(out, "topology_zone", p.topology_zone);
  out += ',';
  append_field(out, "topology_region", p.topology_region);
}

/// The /debug producer object: keys sorted (§9.5).
void append_debug_producer(std::string& out, const lookup_producer& prod) {
  auto& p = *prod.peer;
  out += '{';
  append_field(out, "broadcast_address", p.broadcast_address);
  out += ',';
  append_field(out, "hostname", p.hostname);
  out += ',';
  append_field(out, "http_port", p.http_port);
  out += ',';
  append_field(out, "id", p.id);
  out += ',';
  append_field(out, "last_update", p.last_update);
  out += ',';
  append_field(out, "tcp_port", p.tcp_port);
  out += ",\"tombstoned\":";
  out += prod.tombstoned ? "true" : "false";
  out += ',';
  append_field(out, "tombstoned_at", prod.tombstoned_at);
  out += ',';
  append_field(out, "topology_region", p.topology_region);
  out += ',';
  append_field(out, "topology_zone", p.topology_zone);
  out += ',';
  append_field(out, "version", p.version);
  out += '}';
}

std::string debug_json(const lookup_db& db) {
  // Go sorts the flattened "<category>:<key>:<subkey>" strings, which is not
  // the tuple order ('.' and '-' sort before ':').
  std::map<std::string, const lookup_db::producers*> sorted;
  for (auto& [k, prods] : db.all())
    if (!prods.empty()) // only keys with producers (§9.5)
      sorted.emplace(k.category + ":" + k.key + ":" + k.subkey, &prods);
  std::string out = "{";
  for (auto& [name, prods] : sorted) {
    if (out.size() > 1)
      out += ',';
    append_json_string(out, name);
    out += ":[";
    bool first_prod = true;
    for (auto& [id, prod] : *prods) {
      if (!first_prod)
        out += ',';
      first_prod = false;
      append_debug_producer(out, prod);
    }
    out += ']';
  }
  return out + "}";
}

std::string lookup_json(const lookup_db& db, const std::string& topic, int64_t now,
                        const lookup_liveness& l) {
  std::string out = "{\"channels\":";
  append_strings(out, db.channels(topic));
  out += ",\"producers\":[";
  bool first = true;
  for (auto* p : db.lookup(topic, now, l)) {
    out += first ? "{" : ",{";
    first = false;
    append_producer_fields(out, *p);
    out += '}';
  }
  return out + "]}";
}

std::string nodes_json(const lookup_db& db, int64_t now, const lookup_liveness& l) {
  std::string out = "{\"producers\":[";
  bool first = true;
  for (auto& n : db.nodes(now, l)) {
    out += first ? "{" : ",{";
    first = false;
    append_producer_fields(out, *n.peer);
    out += ",\"tombstones\":[";
    for (size_t i = 0; i < n.tombstones.size(); ++i)
      out += std::string(i > 0 ? "," : "") + (n.tombstones[i] ? "true" : "false");
    out += "],\"topics\":";
    append_strings(out, n.topics);
    out += '}';
  }
  return out + "]}";
}

std::string list_json(const char* key, const std::vector<std::string>& xs) {
  std::string out = "{\"";
  out += key;
  out += "\":";
  append_strings(out, xs);
  return out + "}";
}

// -- parameterised endpoints --------------------------------------------------

/// Reads `topic` (and `channel`) for the create/delete POSTs, validating both
/// names in nsqlookupd's order; sets `err` on failure.
bool topic_channel_args(const query_params& q, bool want_channel, std::string& topic,
                        std::string& channel, std::optional<http_response>& err) {
  auto* t = find_param(q, "topic");
  if (t == nullptr)
    return err = nsq_error(400, "MISSING_ARG_TOPIC"), false;
  if (!is_valid_topic_name(*t))
    return err = nsq_error(400, "INVALID_ARG_TOPIC"), false;
  topic = *t;
  if (!want_channel)
    return true;
  auto* c = find_param(q, "channel");
  if (c == nullptr)
    return err = nsq_error(400, "MISSING_ARG_CHANNEL"), false;
  if (!is_valid_channel_name(*c))
    return err = nsq_error(400, "INVALID_ARG_CHANNEL"), false;
  channel = *c;
  return true;
}

http_response serve_changes(lookup_db& db, lookup_endpoint e, const query_params& q,
                            int64_t now) {
  std::string topic, channel;
  std::optional<http_response> err;
  switch (e) {
  case lookup_endpoint::topic_create:
    if (!topic_channel_args(q, false, topic, channel, err))
      return *err;
    db.create_topic(topic);
    return nsq_empty();
  case lookup_endpoint::channel_create:
    if (!topic_channel_args(q, true, topic, channel, err))
      return *err;
    db.create_channel(topic, channel);
    return nsq_empty();
  case lookup_endpoint::channel_delete:
    if (!topic_channel_args(q, true, topic, channel, err))
      return *err;
    if (!db.delete_channel(topic, channel))
      return nsq_error(404, "CHANNEL_NOT_FOUND");
    return nsq_empty();
  default:
    break;
  }
  auto* t = find_param(q, "topic"); // not validated by /topic/delete, /topic/tombstone
  if (t == nullptr)
    return nsq_error(400, "MISSING_ARG_TOPIC");
  if (e == lookup_endpoint::topic_delete) {
    db.delete_topic(*t);
    return nsq_empty();
  }
  auto* node = find_param(q, "node");
  if (node == nullptr)
    return nsq_error(400, "MISSING_ARG_NODE");
  db.tombstone(*t, *node, now);
  return nsq_empty();
}

} // namespace

http_response serve_lookup_http(lookup_db& db, lookup_endpoint e,
                                const std::string& query, int64_t now,
                                const lookup_liveness& l) {
  switch (e) {
  case lookup_endpoint::ping:
    return plain_text(200, "OK");
  case lookup_endpoint::info:
    return nsq_json("{\"version\":\"1.3.0\"}");
  case lookup_endpoint::debug:
    return nsq_json(debug_json(db));
  case lookup_endpoint::topics:
    return nsq_json(list_json("topics", db.topics()));
  case lookup_endpoint::nodes:
    return nsq_json(nodes_json(db, now, l));
  default:
    break;
  }
  // The rest read parameters: a malformed query is refused first.
  auto q = parse_query(query);
  if (!q)
    return nsq_error(400, "INVALID_REQUEST");
  if (e == lookup_endpoint::lookup || e == lookup_endpoint::channels) {
    auto* t = find_param(*q, "topic");
    if (t == nullptr)
      return nsq_error(400, "MISSING_ARG_TOPIC");
    if (e == lookup_endpoint::channels)
      return nsq_json(list_json("channels", db.channels(*t)));
    if (!db.has_topic(*t))
      return nsq_error(404, "TOPIC_NOT_FOUND");
    return nsq_json(lookup_json(db, *t, now, l));
  }
  return serve_changes(db, e, *q, now);
}

} // namespace nsq
