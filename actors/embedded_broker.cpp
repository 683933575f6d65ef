#include "actors/embedded_broker.hpp"

#include "actors/broker.hpp"
#include "actors/cluster_membership.hpp"
#include "actors/messages.hpp"
#include "app/cluster_start.hpp"
#include "app/data_lock.hpp"
#include "app/durable_start.hpp"
#include "app/id_lease.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace nsq {

struct embedded_broker::impl {
  data_lock lock; // durable only: one broker per data path, as caf-nsqd
  id_lease ids;   // durable only: IDs stay unique across restarts
  caf::actor broker;
  caf::actor membership;
};

namespace {

/// How the embedded node introduces itself to the cluster: no TCP or HTTP
/// port (0), and --broadcast-address or else the cluster address's host.
cluster_identity embedded_identity(const settings& opts) {
  cluster_identity who;
  who.broadcast_address = opts.broadcast_address;
  std::string host;
  uint16_t port = 0;
  if (who.broadcast_address.empty() &&
      split_cluster_address(opts.cluster_address, host, port) && !host.empty() &&
      host != "0.0.0.0" && host != "::")
    who.broadcast_address = host;
  if (who.broadcast_address.empty())
    who.broadcast_address = "localhost";
  return who;
}

} // namespace

void configure_embedded(caf::actor_system_config& cfg, const embedded_options& opts) {
  add_message_types(cfg);
  configure_cluster(cfg, opts.broker);
}

embedded_broker::embedded_broker() : impl_(std::make_unique<impl>()) {}

embedded_broker::~embedded_broker() {
  stop();
}

std::string embedded_broker::start(caf::actor_system& sys, const embedded_options& opts) {
  if (impl_->broker)
    return "already started";
  if (auto err = validate_cluster(opts.broker); !err.empty())
    return err;
  auto shared = std::make_shared<const settings>(opts.broker);
  if (!opts.durable) {
    impl_->broker = spawn_broker(sys, shared);
  } else {
    if (auto err = impl_->lock.acquire(opts.broker.data_path); !err.empty())
      return err;
    if (auto err = impl_->ids.start(opts.broker.data_path); !err.empty())
      return "failed to write the message ID lease - " + err;
    impl_->ids.keep_renewing();
    broker_startup startup;
    if (auto err = load_durable_start(opts.broker.data_path, startup); !err.empty())
      return err;
    impl_->broker = spawn_broker(sys, shared, std::move(startup));
  }
  auto cluster =
      start_cluster(sys, opts.broker, impl_->broker, embedded_identity(opts.broker));
  if (!cluster.error.empty()) {
    stop();
    return cluster.error;
  }
  impl_->membership = cluster.membership;
  return {};
}

const caf::actor& embedded_broker::broker() const {
  return impl_->broker;
}

const caf::actor& embedded_broker::membership() const {
  return impl_->membership;
}

void embedded_broker::stop() {
  if (impl_->membership)
    caf::anon_send_exit(impl_->membership, caf::exit_reason::user_shutdown);
  if (impl_->broker)
    caf::anon_send_exit(impl_->broker, caf::exit_reason::user_shutdown);
  impl_->membership = nullptr;
  impl_->broker = nullptr;
}

} // namespace nsq
