#include "actors/http_handlers.hpp"

#include "actors/messages.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

// /topic/* and /channel/* (reference §13.8, semantics §11.5–11.7): argument
// checks in nsqd's order, then one or two questions to the actors.

namespace nsq {

namespace {

struct admin_args {
  std::string topic;
  std::string channel;
};

/// Checks topic (and channel) args; returns the error answer or nothing.
std::optional<http_response> check_args(endpoint e, const query_params& q,
                                        admin_args& out) {
  bool is_channel = e == endpoint::channel_create || e == endpoint::channel_delete ||
                    e == endpoint::channel_empty || e == endpoint::channel_pause ||
                    e == endpoint::channel_unpause;
  auto* t = find_param(q, "topic");
  if (t == nullptr)
    return nsq_error(400, "MISSING_ARG_TOPIC");
  out.topic = *t;
  if (is_channel) {
    if (!is_valid_topic_name(*t))
      return nsq_error(400, "INVALID_ARG_TOPIC");
    auto* c = find_param(q, "channel");
    if (c == nullptr)
      return nsq_error(400, "MISSING_ARG_CHANNEL");
    if (!is_valid_channel_name(*c))
      return nsq_error(400, "INVALID_ARG_CHANNEL");
    out.channel = *c;
    return std::nullopt;
  }
  bool validated = e == endpoint::topic_create || e == endpoint::topic_empty;
  if (validated && !is_valid_topic_name(*t))
    return nsq_error(400, "INVALID_TOPIC");
  return std::nullopt;
}

/// Sends the final operation to a topic or channel actor and answers.
void act(caf::event_based_actor* self, const caf::actor& target, endpoint e,
         const admin_args& a, http_reply reply) {
  auto ok = [=](bool) {
    reply(nsq_empty());
    self->quit();
  };
  auto failed = [=](caf::error&) {
    reply(nsq_error(500, "INTERNAL_ERROR"));
    self->quit();
  };
  switch (e) {
  case endpoint::topic_empty:
  case endpoint::channel_empty:
    self->request(target, http_ask_timeout, empty_atom::value).then(ok, failed);
    return;
  case endpoint::topic_pause:
  case endpoint::channel_pause:
    self->request(target, http_ask_timeout, pause_atom::value, true).then(ok, failed);
    return;
  case endpoint::topic_unpause:
  case endpoint::channel_unpause:
    self->request(target, http_ask_timeout, pause_atom::value, false).then(ok, failed);
    return;
  case endpoint::channel_delete:
    self->request(target, http_ask_timeout, delete_atom::value, a.channel)
        .then(
            [=](bool existed) {
              reply(existed ? nsq_empty() : nsq_error(404, "CHANNEL_NOT_FOUND"));
              self->quit();
            },
            failed);
    return;
  case endpoint::channel_create:
    self->request(target, http_ask_timeout, get_channel_atom::value, a.channel)
        .then([=](caf::actor&) { ok(true); }, failed);
    return;
  default:
    reply(nsq_error(500, "INTERNAL_ERROR"));
    self->quit();
  }
}

bool on_channel(endpoint e) {
  return e == endpoint::channel_empty || e == endpoint::channel_pause ||
         e == endpoint::channel_unpause;
}

caf::behavior admin_actor(caf::event_based_actor* self,
                          std::shared_ptr<const http_context> ctx, endpoint e,
                          admin_args a, http_reply reply) {
  auto failed = [=](caf::error&) {
    reply(nsq_error(500, "INTERNAL_ERROR"));
    self->quit();
  };
  if (e == endpoint::topic_create) {
    self->request(ctx->broker, http_ask_timeout, get_topic_atom::value, a.topic)
        .then(
            [=](caf::actor&) {
              reply(nsq_empty());
              self->quit();
            },
            failed);
    return {};
  }
  if (e == endpoint::topic_delete) {
    self->request(ctx->broker, http_ask_timeout, delete_atom::value, a.topic)
        .then(
            [=](bool existed) {
              reply(existed ? nsq_empty() : nsq_error(404, "TOPIC_NOT_FOUND"));
              self->quit();
            },
            failed);
    return {};
  }
  self->request(ctx->broker, http_ask_timeout, find_atom::value, a.topic)
      .then(
          [=](caf::actor& topic) {
            if (!on_channel(e))
              return act(self, topic, e, a, reply);
            self->request(topic, http_ask_timeout, find_atom::value, a.channel)
                .then([=](caf::actor& ch) { act(self, ch, e, a, reply); },
                      [=](caf::error&) {
                        reply(nsq_error(404, "CHANNEL_NOT_FOUND"));
                        self->quit();
                      });
          },
          [=](caf::error&) {
            reply(nsq_error(404, "TOPIC_NOT_FOUND"));
            self->quit();
          });
  return {};
}

} // namespace

void serve_admin(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 endpoint target, const query_params& q, http_reply reply) {
  admin_args a;
  if (auto err = check_args(target, q, a))
    return reply(std::move(*err));
  sys.spawn(admin_actor, std::move(ctx), target, std::move(a), std::move(reply));
}

} // namespace nsq
