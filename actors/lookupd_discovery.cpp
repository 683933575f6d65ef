#include "actors/lookupd_discovery.hpp"

#include "actors/log.hpp"
#include "actors/lookupd_messages.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <utility>

namespace nsq {

namespace {

using namespace std::chrono_literals;

/// The text of a query's failure (the message we made it with).
std::string error_text(caf::actor_system& sys, const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

/// What one discovery gathers from its lookupds.
struct discovery {
  caf::response_promise rp;
  std::string topic;
  size_t waiting = 0;
  size_t asked = 0;
  std::set<std::string> channels;
  std::vector<std::string> errors;
};

void finish_one(const std::shared_ptr<discovery>& d) {
  if (--d->waiting > 0)
    return;
  if (!d->errors.empty()) {
    std::string joined;
    for (auto& e : d->errors)
      joined += (joined.empty() ? "" : "\n") + e;
    if (d->errors.size() == d->asked)
      joined = "Failed to query any nsqlookupd: " + joined;
    log_warn("failed to query nsqlookupd for channels to pre-create for topic " +
             d->topic + " - " + joined);
  }
  d->rp.deliver(std::vector<std::string>(d->channels.begin(), d->channels.end()));
}

/// (lk_chans_ans_atom, error, body): the client's answer to a query actor.
using lk_chans_ans_atom = caf::atom_constant<caf::atom("lk_chans_a")>;

/// One `/channels` GET through the asynchronous client; quits once answered.
caf::behavior channels_query(caf::event_based_actor* self, http_client_options http,
                             std::shared_ptr<http_client> client) {
  auto rp = std::make_shared<caf::response_promise>();
  return {
      [=](lk_chans_atom, std::string& url) {
        *rp = self->make_response_promise<std::vector<std::string>>();
        if (!client) {
          rp->deliver(caf::make_error(caf::sec::runtime_error, "no HTTP client"));
          self->quit();
          return *rp;
        }
        auto me = caf::actor_cast<caf::actor>(self);
        client->get(std::move(url), http, [me](std::string err, std::string body) {
          caf::anon_send(me, lk_chans_ans_atom::value, std::move(err), std::move(body));
        });
        return *rp;
      },
      [=](lk_chans_ans_atom, std::string& err, std::string& body) {
        self->quit();
        if (!err.empty())
          return rp->deliver(caf::make_error(caf::sec::runtime_error, std::move(err)));
        auto chans = parse_lookupd_channels(body);
        if (!chans)
          return rp->deliver(
              caf::make_error(caf::sec::runtime_error, "invalid response " + body));
        rp->deliver(std::move(*chans));
      },
  };
}

} // namespace

void discover_lookupd_channels(caf::event_based_actor* self,
                               std::vector<std::string> http_addresses,
                               const std::string& topic, const http_client_options& http,
                               const std::shared_ptr<http_client>& client,
                               caf::response_promise rp) {
  auto d = std::make_shared<discovery>();
  d->rp = std::move(rp);
  d->topic = topic;
  d->waiting = d->asked = http_addresses.size();
  auto timeout = http.connect_timeout + http.request_timeout + 1s;
  for (auto& addr : http_addresses) {
    auto url = lookupd_channels_url(addr, topic);
    log_info("CI: querying nsqlookupd " + url);
    auto q = self->system().spawn(channels_query, http, client);
    self->request(q, timeout, lk_chans_atom::value, url)
        .then(
            [d](std::vector<std::string>& chans) {
              d->channels.insert(chans.begin(), chans.end());
              finish_one(d);
            },
            [self, d](caf::error& err) {
              d->errors.push_back(error_text(self->system(), err));
              finish_one(d);
            });
  }
}

} // namespace nsq
