#include "actors/http_api.hpp"

#include "actors/http_handlers.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "protocol/go_json.hpp"
#include "protocol/http_publish.hpp"
#include "protocol/names.hpp"
#include "protocol/statsd.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <map>

namespace nsq {

namespace {

http_response info(const http_context& c) {
  auto& cfg = *c.cfg;
  auto ns = [](settings::ms d) { return std::to_string(d.count() * 1000000); };
  std::string out =
      "{\"version\":\"1.3.0\",\"broadcast_address\":" + json_string(c.broadcast_address) +
      ",\"hostname\":" + json_string(c.hostname) +
      ",\"http_port\":" + std::to_string(c.http_port) +
      ",\"tcp_port\":" + std::to_string(c.tcp_port) +
      ",\"start_time\":" + std::to_string(c.start_time_ns / 1000000000) +
      ",\"max_heartbeat_interval\":" + ns(cfg.max_heartbeat_interval) +
      ",\"max_output_buffer_size\":" + std::to_string(cfg.max_output_buffer_size) +
      ",\"max_output_buffer_timeout\":" + ns(cfg.max_output_buffer_timeout) +
      ",\"max_deflate_level\":" + std::to_string(cfg.max_deflate_level) + "}";
  return nsq_json(std::move(out));
}

/// The statsd prefix as nsqd expands it at startup (§13.9, §15.9), with the
/// announced HTTP port (--broadcast-http-port, else the bound one).
std::string statsd_prefix(const http_context& c) {
  auto port = c.cfg->broadcast_http_port != 0 ? c.cfg->broadcast_http_port : c.http_port;
  return expand_statsd_prefix(c.cfg->statsd_prefix, c.broadcast_address, port);
}

/// Options nsqd has that we do not implement yet (lookupd, TLS,
/// auth, HTTPS): their values are nsqd's defaults, which is what we run with.
std::optional<http_response> default_config_value(const http_context& c,
                                                  const std::string& name) {
  static const std::map<std::string, std::string> raw = {
      {"https_address", "0.0.0.0:4152"},
      {"log_prefix", "[nsqd] "},
      {"tls_cert", ""},
      {"tls_key", ""},
      {"tls_client_auth_policy", ""},
      {"tls_root_ca_file", ""},
      {"topology_region", ""},
      {"topology_zone", ""},
  };
  static const std::map<std::string, std::string> json = {
      {"broadcast_tcp_port", "0"},
      {"broadcast_http_port", "0"},
      {"nsqlookupd_tcp_addresses", "[]"},
      {"auth_http_addresses", "[]"},
      {"http_client_connect_timeout", "2000000000"},
      {"http_client_request_timeout", "5000000000"},
      {"queue_scan_interval", "100000000"},
      {"queue_scan_refresh_interval", "5000000000"},
      {"queue_scan_selection_count", "20"},
      {"queue_scan_worker_pool_max", "4"},
      {"queue_scan_dirty_percent", "0.25"},
      {"tls_required", "0"},
      {"tls_min_version", "769"},
  };
  if (name == "deflate")
    return nsq_json(c.cfg->deflate_enabled ? "true" : "false");
  if (name == "snappy")
    return nsq_json(c.cfg->snappy_enabled ? "true" : "false");
  if (auto it = raw.find(name); it != raw.end())
    return nsq_text(it->second);
  if (auto it = json.find(name); it != json.end())
    return nsq_json(it->second);
  return std::nullopt;
}

/// The statsd options (§14.2) as GET /config shows them.
std::optional<http_response> statsd_config_value(const http_context& c,
                                                 const std::string& name) {
  auto& s = *c.cfg;
  auto flag = [](bool b) { return nsq_json(b ? "true" : "false"); };
  if (name == "statsd_address")
    return nsq_text(s.statsd_address);
  if (name == "statsd_prefix")
    return nsq_text(statsd_prefix(c));
  if (name == "statsd_interval")
    return nsq_json(std::to_string(s.statsd_interval.count() * 1000000));
  if (name == "statsd_mem_stats")
    return flag(s.statsd_mem_stats);
  if (name == "statsd_udp_packet_size")
    return nsq_json(std::to_string(s.statsd_udp_packet_size));
  if (name == "statsd_exclude_ephemeral")
    return flag(s.statsd_exclude_ephemeral);
  return std::nullopt;
}

/// GET /config/<name>: strings raw, everything else JSON (§13.9).
std::optional<http_response> config_value(const http_context& c,
                                          const std::string& name) {
  auto& s = *c.cfg;
  auto ns = [](settings::ms d) { return nsq_json(std::to_string(d.count() * 1000000)); };
  auto num = [](int64_t v) { return nsq_json(std::to_string(v)); };
  if (name == "tcp_address")
    return nsq_text(s.tcp_address);
  if (name == "http_address")
    return nsq_text(s.http_address);
  if (name == "broadcast_address")
    return nsq_text(c.broadcast_address);
  // nsqd replaces an unset (0) broadcast port with the bound one at startup.
  if (name == "broadcast_tcp_port")
    return num(s.broadcast_tcp_port != 0 ? s.broadcast_tcp_port : c.tcp_port);
  if (name == "broadcast_http_port")
    return num(s.broadcast_http_port != 0 ? s.broadcast_http_port : c.http_port);
  if (name == "data_path")
    return nsq_text(s.data_path);
  if (name == "id")
    return num(s.node_id);
  if (name == "log_level") {
    for (int lvl = 0; lvl <= 4; ++lvl)
      if (log_enabled(static_cast<log_level>(lvl)))
        return num(lvl + 1);
    return num(5);
  }
  if (name == "mem_queue_size")
    return num(s.mem_queue_size);
  if (name == "max_bytes_per_file")
    return num(s.max_bytes_per_file);
  if (name == "sync_every")
    return num(s.sync_every);
  if (name == "sync_timeout")
    return ns(s.sync_timeout);
  if (name == "msg_timeout")
    return ns(s.msg_timeout);
  if (name == "max_msg_timeout")
    return ns(s.max_msg_timeout);
  if (name == "max_msg_size")
    return num(s.max_msg_size);
  if (name == "max_body_size")
    return num(s.max_body_size);
  if (name == "max_req_timeout")
    return ns(s.max_req_timeout);
  if (name == "max_heartbeat_interval")
    return ns(s.max_heartbeat_interval);
  if (name == "max_rdy_count")
    return num(s.max_rdy_count);
  if (name == "max_output_buffer_size")
    return num(s.max_output_buffer_size);
  if (name == "max_output_buffer_timeout")
    return ns(s.max_output_buffer_timeout);
  if (name == "min_output_buffer_timeout")
    return ns(s.min_output_buffer_timeout);
  if (name == "output_buffer_timeout")
    return ns(s.output_buffer_timeout);
  if (name == "max_channel_consumers")
    return num(s.max_channel_consumers);
  if (name == "max_deflate_level")
    return num(s.max_deflate_level);
  if (name == "e2e_processing_latency_window_time")
    return ns(s.e2e_processing_latency_window_time);
  if (name == "e2e_processing_latency_percentiles") {
    if (s.e2e_processing_latency_percentiles.empty())
      return nsq_json("null");
    std::string out = "[";
    for (auto q : s.e2e_processing_latency_percentiles)
      out += (out.size() > 1 ? "," : "") + json_float(q);
    return nsq_json(out + "]");
  }
  if (auto v = statsd_config_value(c, name))
    return v;
  return default_config_value(c, name);
}

http_response config(const http_context& c, const http_call& call) {
  if (call.method == "PUT") {
    if (call.body.empty() || static_cast<int64_t>(call.body.size()) > c.cfg->max_msg_size)
      return nsq_error(413, "INVALID_VALUE");
    if (call.param != "log_level")
      return nsq_error(400, "INVALID_OPTION");
    log_level lvl;
    if (!parse_log_level(call.body, lvl))
      return nsq_error(400, "INVALID_VALUE");
    set_log_level(lvl);
  }
  if (auto v = config_value(c, call.param))
    return *v;
  return nsq_error(400, "INVALID_OPTION");
}

/// Publishes `bodies` to `topic` (already known valid): get-or-create the
/// topic, then run `check` (defer validation comes after creation), then
/// publish.
void publish(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
             std::string topic, body_batch bodies, std::optional<std::string> defer,
             http_reply reply) {
  // The broker is a spawn argument: CAF 0.17.6 dereferences a null argument
  // tuple when a function actor is spawned without any (UBSan finds it).
  auto broker = ctx->broker;
  sys.spawn(
      [=](caf::event_based_actor* self, caf::actor broker) mutable -> caf::behavior {
        auto exiting = [=](caf::error&) {
          reply(nsq_error(503, "EXITING"));
          self->quit();
        };
        self->request(broker, http_ask_timeout, get_topic_atom::value, topic)
            .then(
                [=](caf::actor& t) mutable {
                  int64_t ms = 0;
                  if (defer) {
                    auto parsed = parse_http_defer(*defer, *ctx->cfg);
                    if (auto* err = std::get_if<http_error>(&parsed)) {
                      reply(nsq_error(static_cast<unsigned>(err->status), err->message));
                      return self->quit();
                    }
                    ms = std::get<int64_t>(parsed);
                  }
                  // No timeout: the topic answers every publish (a disk write's
                  // real outcome, or "exiting" when it is deleted or shuts
                  // down; a request to a topic that quit bounces), so a slow
                  // disk never turns a write that completes into a 503.
                  self->request(t, caf::infinite, publish_atom::value, std::move(bodies),
                                caf::timespan{std::chrono::milliseconds(ms)})
                      .then(
                          [=](const std::string& why) {
                            reply(why.empty() ? nsq_text("OK")
                                              : nsq_error(503, "EXITING"));
                            self->quit();
                          },
                          exiting);
                },
                exiting);
        return {};
      },
      std::move(broker));
}

/// The query and topic checks /pub and /mpub share; returns the topic.
std::variant<std::string, http_response> topic_of(const std::optional<query_params>& q) {
  if (!q)
    return nsq_error(400, "INVALID_REQUEST");
  auto* t = find_param(*q, "topic");
  if (t == nullptr)
    return nsq_error(400, "MISSING_ARG_TOPIC");
  if (!is_valid_topic_name(*t))
    return nsq_error(400, "INVALID_TOPIC");
  return *t;
}

void pub(caf::actor_system& sys, std::shared_ptr<const http_context> ctx, http_call& call,
         const std::optional<query_params>& q, http_reply reply) {
  if (static_cast<int64_t>(call.body.size()) > ctx->cfg->max_msg_size)
    return reply(nsq_error(413, "MSG_TOO_BIG"));
  if (call.body.empty())
    return reply(nsq_error(400, "MSG_EMPTY"));
  auto topic = topic_of(q);
  if (auto* err = std::get_if<http_response>(&topic))
    return reply(std::move(*err));
  std::optional<std::string> defer;
  if (auto* d = find_param(*q, "defer"))
    defer = *d;
  publish(sys, std::move(ctx), std::get<std::string>(topic),
          body_batch::single(std::move(call.body)), std::move(defer), std::move(reply));
}

void mpub(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
          http_call& call, const std::optional<query_params>& q, http_reply reply) {
  if (static_cast<int64_t>(call.body.size()) > ctx->cfg->max_body_size)
    return reply(nsq_error(413, "BODY_TOO_BIG"));
  auto topic = topic_of(q);
  if (auto* err = std::get_if<http_response>(&topic))
    return reply(std::move(*err));
  bool binary = mpub_binary_mode(find_param(*q, "binary"));
  auto split = binary ? split_mpub_binary(std::move(call.body), *ctx->cfg)
                      : split_mpub_text(std::move(call.body), *ctx->cfg);
  if (auto* err = std::get_if<http_error>(&split))
    return reply(nsq_error(static_cast<unsigned>(err->status), err->message));
  auto& bodies = std::get<body_batch>(split);
  if (bodies.empty())
    return reply(nsq_text("OK")); // nothing to publish (nsqd creates the topic)
  publish(sys, std::move(ctx), std::get<std::string>(topic), std::move(bodies),
          std::nullopt, std::move(reply));
}

/// GET /ping: `OK`, or 500 `NOK - <error>` after a failed disk write (§13.3).
void ping(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
          http_reply reply) {
  auto broker = ctx->broker; // a spawn argument: see publish()
  sys.spawn(
      [=](caf::event_based_actor* self, caf::actor broker) -> caf::behavior {
        self->request(broker, http_ask_timeout, health_atom::value)
            .then(
                [=](const std::string& health) {
                  reply(plain_text(health == "OK" ? 200 : 500, health));
                  self->quit();
                },
                [=](caf::error&) {
                  reply(plain_text(500, "NOK - exiting"));
                  self->quit();
                });
        return {};
      },
      std::move(broker));
}

} // namespace

void handle_http(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 http_call call, http_reply reply) {
  auto q = parse_query(call.query);
  switch (call.target) {
  case endpoint::ping:
    return ping(sys, std::move(ctx), std::move(reply));
  case endpoint::info:
    return reply(info(*ctx));
  case endpoint::pub:
    return pub(sys, std::move(ctx), call, q, std::move(reply));
  case endpoint::mpub:
    return mpub(sys, std::move(ctx), call, q, std::move(reply));
  case endpoint::config:
    if (call.param == "nsqlookupd_tcp_addresses" && ctx->lookupd)
      return serve_lookupd_config(sys, std::move(ctx), call, std::move(reply));
    return reply(config(*ctx, call));
  case endpoint::debug_setblockrate:
  case endpoint::debug_freememory:
    return reply(nsq_error(500, "INTERNAL_ERROR")); // as nsqd v1.3.0 (§13.10)
  default:
    break;
  }
  if (!q)
    return reply(nsq_error(400, "INVALID_REQUEST"));
  if (call.target == endpoint::stats)
    return serve_stats(sys, std::move(ctx), *q, std::move(reply));
  if (call.target == endpoint::cluster)
    return serve_cluster(sys, std::move(ctx), std::move(reply));
  if (call.target == endpoint::metrics)
    return serve_metrics(sys, std::move(ctx), std::move(reply));
  serve_admin(sys, std::move(ctx), call.target, *q, std::move(reply));
}

} // namespace nsq
