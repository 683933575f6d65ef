#include "actors/auth_client.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <utility>

// AUTH and the authorization check of SUB/PUB/MPUB/DPUB (reference §5.2,
// §9). The HTTP call runs on the io_context through a small query actor
// (actors/auth_client); the
// session is busy meanwhile, so later commands wait for the outcome.

namespace nsq {

namespace {

/// A grant, or why there is none (for the log only).
using grant_handler = std::function<void(std::shared_ptr<const auth_grant>, std::string)>;

/// Longest ttl honoured: keeps `now + ttl` from overflowing the clock.
constexpr int64_t max_ttl_seconds = int64_t{100} * 365 * 24 * 3600;

bool has_authorizations(const session_state& st) {
  return st.auth && !st.auth->authorizations.empty();
}

/// Asks the auth servers with the stored secret; `done` runs on the reply.
void query_auth_servers(session_actor* self, grant_handler done) {
  auto& st = self->state;
  auth_job job;
  job.addresses = st.cfg->auth_http_addresses;
  // nsqd: tls once the handshake succeeded, with the client certificate's CN.
  job.query = auth_query{st.remote, st.tls_info.has_value(),
                         st.tls_info ? st.tls_info->common_name : "", st.auth_secret};
  job.http.connect_timeout = st.cfg->http_client_connect_timeout;
  job.http.request_timeout = st.cfg->http_client_request_timeout;
  job.http.root_ca_file = st.cfg->tls_root_ca_file;
  job.http.tls_min_version = st.cfg->tls_min_version;
  st.busy = true;
  auto worker = spawn_auth_query(self->system(), std::move(job), st.http,
                                 caf::actor_cast<caf::actor>(self));
  self->request(worker, caf::infinite, auth_query_atom::value)
      .then(
          [=](std::string& body) {
            // The worker validated this body already; decoding cannot fail here.
            auto g = decode_auth_response(body);
            if (is_error(g))
              return done(nullptr, error_of(g).text);
            done(std::make_shared<const auth_grant>(std::move(std::get<auth_grant>(g))),
                 "");
          },
          [=](caf::error& err) { done(nullptr, self->system().render(err)); });
}

/// Stores a fresh grant and its expiry.
void store_grant(session_actor* self, std::shared_ptr<const auth_grant> g) {
  auto& st = self->state;
  auto ttl = std::chrono::seconds(std::min(g->ttl, max_ttl_seconds));
  st.auth_expires = self->clock().now() + ttl;
  st.auth = std::move(g);
}

/// The reply arrived: the session runs its backlog again unless `then`
/// started another wait.
void resume(session_actor* self) {
  auto& st = self->state;
  st.busy = false;
  run_backlog(self);
}

void answer_auth_failed(session_actor* self, const std::string& why) {
  log_warn("PROTOCOL(V2): [" + self->state.remote + "] auth failed - " + why);
  answer_error(self, fatal_error(codes::auth_failed, "AUTH failed"));
}

void decide(session_actor* self, const char* verb, const std::string& topic,
            const std::string& channel, const std::function<void()>& then) {
  if (self->state.auth->allows(topic, channel))
    return then();
  answer_error(self, fatal_error(codes::unauthorized,
                                 std::string("AUTH failed for ") + verb + " on " +
                                     go_quote(topic) + " " + go_quote(channel)));
}

} // namespace

void authenticate(session_actor* self, std::string secret) {
  auto& st = self->state;
  if (has_authorizations(st))
    return answer_error(self, fatal_error(codes::invalid, "AUTH already set"));
  if (!st.cfg->auth_required)
    return answer_error(self, fatal_error(codes::auth_disabled, "AUTH disabled"));
  st.auth_secret = std::move(secret);
  query_auth_servers(self, [=](std::shared_ptr<const auth_grant> g, std::string why) {
    auto& st = self->state;
    if (!st.dead) {
      if (!g) {
        log_warn("PROTOCOL(V2): [" + st.remote + "] AUTH failed " + why);
        answer_error(self, fatal_error(codes::auth_failed, "AUTH failed"));
      } else {
        store_grant(self, g);
        if (g->authorizations.empty())
          answer_error(self,
                       fatal_error(codes::unauthorized, "AUTH no authorizations found"));
        else
          respond(self, encode_auth_response(*g));
      }
    }
    resume(self);
  });
}

void authorize(session_actor* self, const char* verb, const std::string& topic,
               const std::string& channel, std::function<void()> then) {
  auto& st = self->state;
  if (!st.cfg->auth_required)
    return then();
  if (!has_authorizations(st))
    return answer_error(self, fatal_error(codes::auth_first,
                                          std::string("AUTH required before ") + verb));
  if (self->clock().now() <= st.auth_expires)
    return decide(self, verb, topic, channel, then);
  // Expired: nsqd re-queries only now, at the next command that needs it.
  query_auth_servers(self, [=](std::shared_ptr<const auth_grant> g, std::string why) {
    auto& st = self->state;
    st.busy = false;
    if (!st.dead) {
      if (!g) {
        answer_auth_failed(self, why);
      } else {
        store_grant(self, std::move(g));
        decide(self, verb, topic, channel, then);
      }
    }
    if (!st.busy)
      run_backlog(self);
  });
}

} // namespace nsq
