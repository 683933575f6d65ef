#include "actors/auth_client.hpp"

#include "actors/log.hpp"
#include "protocol/auth.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <random>
#include <utility>

namespace nsq {

namespace {

/// (auth_answer_atom, error, body): one GET finished (sent by the
/// http_client's callback to the query actor itself).
using auth_answer_atom = caf::atom_constant<caf::atom("auth_ans")>;

/// Picks where the round of servers starts (nsqd: rand.Int() % n).
size_t random_start(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<size_t>(rng() % n);
}

struct query_state {
  caf::response_promise rp;
  size_t start = 0;
  size_t tried = 0;
  std::string last_error = "no auth server configured";
};

/// Sends the GET to the next server; its answer comes back as a message.
void ask_next(caf::event_based_actor* self, const auth_job& job,
              const std::shared_ptr<http_client>& client,
              const std::shared_ptr<query_state>& qs) {
  size_t n = job.addresses.size();
  if (qs->tried >= n || !client) {
    if (!client && n > 0)
      qs->last_error = "no HTTP client";
    qs->rp.deliver(caf::make_error(caf::sec::runtime_error, qs->last_error));
    self->quit();
    return;
  }
  auto url = auth_url(job.addresses[(qs->start + qs->tried) % n], job.query);
  // A strong handle: the answer is bounded by the client's timeouts.
  auto me = caf::actor_cast<caf::actor>(self);
  client->get(std::move(url), job.http, [me](std::string err, std::string body) {
    caf::anon_send(me, auth_answer_atom::value, std::move(err), std::move(body));
  });
}

caf::behavior auth_query_actor(caf::event_based_actor* self, auth_job job,
                               std::shared_ptr<http_client> client,
                               caf::actor requester) {
  auto qs = std::make_shared<query_state>();
  if (requester) {
    self->set_down_handler([self](caf::down_msg&) { self->quit(); });
    self->monitor(requester);
  }
  return {
      [=](auth_query_atom) {
        qs->rp = self->make_response_promise<std::string>();
        if (!job.addresses.empty())
          qs->start = random_start(job.addresses.size());
        ask_next(self, job, client, qs);
        return qs->rp;
      },
      [=](auth_answer_atom, std::string& err, std::string& body) {
        const auto& address =
            job.addresses[(qs->start + qs->tried) % job.addresses.size()];
        ++qs->tried;
        if (err.empty()) {
          // nsqd's validation of the answer.
          auto grant = decode_auth_response(body);
          if (!is_error(grant)) {
            qs->rp.deliver(std::move(body));
            self->quit();
            return;
          }
          err = error_of(grant).text;
        }
        log_warn("Error: failed auth against " + address + " " + err);
        qs->last_error = std::move(err);
        ask_next(self, job, client, qs);
      },
  };
}

} // namespace

caf::actor spawn_auth_query(caf::actor_system& sys, auth_job job,
                            std::shared_ptr<http_client> client, caf::actor requester) {
  return sys.spawn(auth_query_actor, std::move(job), std::move(client),
                   std::move(requester));
}

} // namespace nsq
