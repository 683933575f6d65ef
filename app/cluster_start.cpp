#include "app/cluster_start.hpp"

#include "actors/cluster_directory.hpp"
#include "actors/cluster_membership.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/send.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>

namespace nsq {

namespace {

bool tls_on(const settings& opts) {
  return !opts.cluster_tls_cert.empty() || !opts.cluster_tls_key.empty() ||
         !opts.cluster_tls_ca.empty();
}

std::string openssl_error() {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

/// Loads the three TLS files the way caf_openssl will, so a bad file is a
/// clean startup error instead of an exception in CAF's middleman.
std::string check_tls_files(const settings& opts) {
  if (opts.cluster_tls_cert.empty() || opts.cluster_tls_key.empty() ||
      opts.cluster_tls_ca.empty())
    return "--cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca go together";
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{SSL_CTX_new(TLS_method()),
                                                        SSL_CTX_free};
  if (!ctx)
    return "cluster TLS: " + openssl_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), opts.cluster_tls_cert.c_str()) != 1)
    return "cluster TLS: cannot load " + opts.cluster_tls_cert + " - " + openssl_error();
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), opts.cluster_tls_key.c_str(),
                                  SSL_FILETYPE_PEM) != 1)
    return "cluster TLS: cannot load " + opts.cluster_tls_key + " - " + openssl_error();
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return "cluster TLS: key does not match certificate - " + openssl_error();
  if (SSL_CTX_load_verify_locations(ctx.get(), opts.cluster_tls_ca.c_str(), nullptr) != 1)
    return "cluster TLS: cannot load " + opts.cluster_tls_ca + " - " + openssl_error();
  return {};
}

/// The address members reach us on: a wildcard host is replaced by the
/// broadcast address, port 0 by the bound one.
std::string advertised(const std::string& host, uint16_t port,
                       const cluster_identity& who) {
  auto h = host;
  if (h.empty() || h == "0.0.0.0" || h == "::" || h == "[::]")
    h = who.broadcast_address;
  if (h.find(':') != std::string::npos)
    h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

} // namespace

std::string validate_cluster(const settings& opts) {
  std::string host;
  uint16_t port = 0;
  if (opts.cluster_address.empty()) {
    if (!opts.cluster_peers.empty() || !opts.cluster_broadcast_address.empty() ||
        tls_on(opts))
      return "--cluster-peer, --cluster-broadcast-address and --cluster-tls-* need "
             "--cluster-address";
    return {};
  }
  if (!split_cluster_address(opts.cluster_address, host, port))
    return "invalid --cluster-address " + opts.cluster_address + " (want host:port)";
  auto& announced = opts.cluster_broadcast_address;
  if (!announced.empty() && (!split_cluster_address(announced, host, port) || port == 0))
    return "invalid --cluster-broadcast-address " + announced + " (want host:port)";
  for (auto& peer : opts.cluster_peers)
    if (!split_cluster_address(peer, host, port) || port == 0)
      return "invalid --cluster-peer " + peer + " (want host:port)";
  if (opts.cluster_timeout < std::chrono::milliseconds(100))
    return "--cluster-timeout must be at least 100ms";
  return tls_on(opts) ? check_tls_files(opts) : std::string{};
}

void configure_cluster(caf::actor_system_config& cfg, const settings& opts) {
  if (opts.cluster_address.empty())
    return;
  cfg.load<caf::io::middleman>();
  // CAF 0.17 ships both off: a frozen peer would never be dropped.
  caf::timespan timeout{opts.cluster_timeout};
  cfg.set("middleman.heartbeat-interval", timeout / 4);
  cfg.set("middleman.connection-timeout", timeout);
  // The BASP handshake refuses nodes of other applications.
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"caf-nsqd-cluster-1"});
  if (tls_on(opts)) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = opts.cluster_tls_cert;
    cfg.openssl_key = opts.cluster_tls_key;
    cfg.openssl_cafile = opts.cluster_tls_ca;
  }
}

cluster_start start_cluster(caf::actor_system& sys, const settings& opts,
                            const caf::actor& broker, const cluster_identity& who) {
  cluster_start out;
  if (opts.cluster_address.empty())
    return out;
  bool tls = tls_on(opts);
  membership_config mc;
  mc.seeds = opts.cluster_peers;
  mc.broker = broker;
  mc.tls = tls;
  mc.node_id = opts.node_id;
  mc.retry_jitter = 0.25;
  mc.connector = tls ? caf::actor_cast<caf::actor>(sys.openssl_manager().actor_handle())
                     : caf::actor_cast<caf::actor>(sys.middleman().actor_handle());
  auto membership = spawn_membership(sys, std::move(mc));
  // Introduced to the membership actor before it is published: a member
  // asking for it right away finds it.
  directory_config dc;
  dc.broker = broker;
  dc.membership = membership;
  dc.node_id = opts.node_id;
  auto directory = spawn_directory(sys, std::move(dc));
  std::string host;
  uint16_t port = 0;
  split_cluster_address(opts.cluster_address, host, port); // validated
  const char* in = host.empty() ? nullptr : host.c_str();
  auto bound = tls ? caf::openssl::publish(membership, port, in, true)
                   : sys.middleman().publish(membership, port, in, true);
  if (!bound) {
    caf::anon_send_exit(membership, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    out.error =
        "listen (" + opts.cluster_address + ") failed - " + sys.render(bound.error());
    return out;
  }
  member_info me;
  me.cluster_address = opts.cluster_broadcast_address.empty()
                           ? advertised(host, *bound, who)
                           : opts.cluster_broadcast_address;
  me.broadcast_address = who.broadcast_address;
  me.tcp_port = who.tcp_port;
  me.http_port = who.http_port;
  me.incarnation = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  log_info("CLUSTER: listening on " + host + ":" + std::to_string(*bound) + " as " +
           member_id(me) + (tls ? " (TLS)" : " (no TLS: keep this port private)"));
  caf::anon_send(membership, cl_start_atom::value, me);
  out.membership = membership;
  out.directory = directory;
  return out;
}

} // namespace nsq
