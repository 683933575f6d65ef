// /config/nsqlookupd_tcp_addresses (nsqd reference §13.9): the list lives in
// the lookupd coordinator, which PUT replaces (closing removed peers,
// connecting new ones), so both methods ask it.

#include "actors/http_handlers.hpp"
#include "actors/lookupd_messages.hpp"
#include "protocol/lookup_client_codec.hpp"

#include <caf/all.hpp>

namespace nsq {

void serve_lookupd_config(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                          const http_call& call, http_reply reply) {
  caf::message ask = caf::make_message(lk_addrs_atom::value);
  if (call.method == "PUT") {
    // nsqd's order: the size check, then the JSON (an array of strings).
    if (call.body.empty() ||
        static_cast<int64_t>(call.body.size()) > ctx->cfg->max_msg_size)
      return reply(nsq_error(413, "INVALID_VALUE"));
    auto list = parse_lookupd_address_list(call.body);
    if (!list)
      return reply(nsq_error(400, "INVALID_VALUE"));
    ask = caf::make_message(lk_addrs_atom::value, std::move(*list));
  }
  sys.spawn(
      [=](caf::event_based_actor* self, caf::actor lookupd) -> caf::behavior {
        self->request(lookupd, http_ask_timeout, ask)
            .then(
                [=](const std::vector<std::string>& addresses) {
                  reply(nsq_json(render_lookupd_address_list(addresses)));
                  self->quit();
                },
                [=](caf::error&) {
                  reply(nsq_error(500, "INTERNAL_ERROR"));
                  self->quit();
                });
        return {};
      },
      ctx->lookupd);
}

} // namespace nsq
