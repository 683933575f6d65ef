#include "actors/http_handlers.hpp"

#include "actors/cluster_messages.hpp"
#include "protocol/cluster_json.hpp"

#include <caf/all.hpp>

// GET /cluster and the `cluster` field of /stats JSON (ours; docs/cluster.md):
// the membership actor answers with its view, rendered by protocol/.

namespace nsq {

namespace {

/// Asks the membership actor for its view; `done` gets the JSON, or "" when
/// it did not answer (shutting down).
void ask_view(caf::actor_system& sys, const caf::actor& membership,
              std::function<void(std::string)> done) {
  sys.spawn(
      [done](caf::event_based_actor* self, caf::actor membership) -> caf::behavior {
        self->request(membership, http_ask_timeout, cl_view_atom::value)
            .then(
                [=](const cluster_view& v) {
                  done(render_cluster_json(v));
                  self->quit();
                },
                [=](caf::error&) {
                  done({});
                  self->quit();
                });
        return {};
      },
      membership);
}

} // namespace

void serve_cluster(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                   http_reply reply) {
  if (!ctx->cluster)
    return reply(nsq_error(404, "NOT_FOUND")); // clustering off: as nsqd
  ask_view(sys, ctx->cluster, [reply](std::string json) {
    reply(json.empty() ? nsq_error(503, "EXITING") : nsq_json(std::move(json)));
  });
}

void add_cluster_field(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                       std::string stats_json, http_reply reply) {
  if (!ctx->cluster || stats_json.empty() || stats_json.back() != '}')
    return reply(nsq_json(std::move(stats_json)));
  ask_view(sys, ctx->cluster, [reply, stats_json](std::string json) mutable {
    if (!json.empty()) {
      stats_json.pop_back();
      stats_json += ",\"cluster\":" + json + "}";
    }
    reply(nsq_json(std::move(stats_json)));
  });
}

} // namespace nsq
