// A broker inside your own CAF program (docs/cluster.md, "Embedding"): no
// sockets, only actor messages. Publishes a few messages to topic "orders",
// consumes them on channel "audit" with an actor of its own, FINs and prints
// them, and shuts down. With --cluster-address=HOST:PORT (and
// --cluster-peer=HOST:PORT, repeatable) it also joins a caf-nsqd cluster as a
// member and stays --linger=SECONDS (default 0, SIGINT/SIGTERM end it early)
// before leaving.
//
//   example-embedded [--count=N] [--data-path=DIR] [--cluster-address=H:P
//                    --cluster-peer=H:P --linger=S]

#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/embedded_broker.hpp"
#include "actors/flow_control.hpp"
#include "actors/id_batch.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

namespace {

using namespace std::chrono_literals;

/// Plays a client session towards `channel`: subscribes, opens a RDY window,
/// and FINs every delivery, returning its write credit; prints each body and
/// fulfils `done` after `expected` messages.
caf::behavior audit_consumer(caf::event_based_actor* self, caf::actor channel,
                             int expected, std::promise<void>* done) {
  self->request(channel, 5s, nsq::subscribe_atom::value, nsq::consumer_info{})
      .then([=](const std::string& refused) {
        if (!refused.empty()) {
          std::cerr << "subscribe refused: " << refused << "\n";
          std::exit(1);
        }
        self->send(channel, nsq::ready_atom::value, int64_t{expected});
      });
  auto seen = std::make_shared<int>(0);
  return {
      [=](nsq::deliver_atom, const nsq::delivery_batch& delivered) {
        auto batch = nsq::deliveries_of(delivered); // frames if from another node
        std::vector<nsq::message_id> ids;
        int64_t bytes = 0;
        for (auto& d : batch) {
          auto& msg = nsq::data_of(d.msg);
          std::cout << "audit got: " << msg.body << std::endl;
          ids.push_back(msg.id);
          bytes += nsq::delivery_cost(msg);
        }
        self->send(channel, nsq::finish_atom::value, nsq::id_batch{std::move(ids)});
        self->send(channel, nsq::credit_atom::value, bytes); // "written": room again
        *seen += static_cast<int>(batch.size());
        if (*seen == expected) {
          self->send(channel, nsq::unsubscribe_atom::value);
          done->set_value();
        }
      },
      [](nsq::op_failed_atom, const nsq::client_error& err) {
        std::cerr << "FIN failed: " << err.text << "\n";
      },
      [](nsq::released_atom, int64_t) {},
  };
}

struct arguments {
  nsq::embedded_options opts;
  int count = 3;
  int linger_s = 0;
};

bool parse(int argc, char** argv, arguments& out) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      auto n = std::char_traits<char>::length(flag);
      return arg.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (auto v = value("--count="))
      out.count = std::atoi(v);
    else if (auto v = value("--linger="))
      out.linger_s = std::atoi(v);
    else if (auto v = value("--data-path=")) {
      out.opts.broker.data_path = v;
      out.opts.durable = true;
    } else if (auto v = value("--cluster-address="))
      out.opts.broker.cluster_address = v;
    else if (auto v = value("--cluster-peer="))
      out.opts.broker.cluster_peers.emplace_back(v);
    else
      return false;
  }
  return out.count > 0;
}

/// Asks an actor and waits for the answer (main is not an actor).
template <class T, class... Ts>
T ask(caf::actor_system& sys, const caf::actor& to, Ts... xs) {
  caf::scoped_actor self{sys};
  T result{};
  self->request(to, 5s, xs...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) {
                 std::cerr << "request failed: " << sys.render(err) << "\n";
                 std::exit(1);
               });
  return result;
}

/// Prints the cluster as this member sees it, once every peer is alive (or
/// after 10 s).
void print_cluster(caf::actor_system& sys, const caf::actor& membership) {
  nsq::cluster_view view;
  for (int i = 0; i < 100; ++i) {
    view = ask<nsq::cluster_view>(sys, membership, nsq::cl_view_atom::value);
    bool all_alive = !view.members.empty();
    for (auto& m : view.members)
      all_alive = all_alive && m.state == nsq::member_state::alive;
    if (all_alive)
      break;
    std::this_thread::sleep_for(100ms);
  }
  std::cout << "cluster: I am " << nsq::member_id(view.self) << std::endl;
  for (auto& m : view.members)
    std::cout << "cluster: member " << nsq::member_id(m.info) << " "
              << nsq::state_name(m.state) << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  arguments args;
  if (!parse(argc, argv, args)) {
    std::cerr << "usage: " << argv[0]
              << " [--count=N] [--data-path=DIR] [--cluster-address=HOST:PORT"
                 " --cluster-peer=HOST:PORT --linger=SECONDS]\n";
    return 2;
  }
  // SIGINT/SIGTERM are taken by sigtimedwait below: blocked in every thread,
  // so block them before CAF starts its own.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  caf::actor_system_config cfg; // the program's own configuration
  cfg.set("logger.console", caf::atom("none"));
  nsq::configure_embedded(cfg, args.opts);
  caf::actor_system sys{cfg};
  {
    nsq::embedded_broker nsqd;
    if (auto err = nsqd.start(sys, args.opts); !err.empty()) {
      std::cerr << "cannot start the broker: " << err << "\n";
      return 1;
    }
    auto orders = ask<caf::actor>(sys, nsqd.broker(), nsq::get_topic_atom::value,
                                  std::string{"orders"});
    // The channel exists before publishing, so it gets every message.
    auto audit =
        ask<caf::actor>(sys, orders, nsq::get_channel_atom::value, std::string{"audit"});
    std::vector<std::string> bodies;
    for (int i = 1; i <= args.count; ++i)
      bodies.push_back("order #" + std::to_string(i));
    auto failed =
        ask<std::string>(sys, orders, nsq::publish_atom::value, bodies, caf::timespan{0});
    if (!failed.empty()) {
      std::cerr << "publish failed: " << failed << "\n";
      return 1;
    }
    std::cout << "published " << bodies.size() << " to orders" << std::endl;
    std::promise<void> done;
    auto consumer = sys.spawn(audit_consumer, audit, args.count, &done);
    if (done.get_future().wait_for(10s) != std::future_status::ready) {
      std::cerr << "timed out waiting for the messages\n";
      return 1;
    }
    std::cout << "audit finished " << args.count << std::endl;
    caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);
    if (nsqd.membership()) {
      print_cluster(sys, nsqd.membership());
      timespec linger{args.linger_s, 0};
      sigtimedwait(&stop_signals, nullptr, &linger);
    }
    nsqd.stop();
    sys.await_all_actors_done();
  }
  std::cout << "bye" << std::endl;
  return 0;
}
