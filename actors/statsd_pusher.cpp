#include "actors/statsd_pusher.hpp"

#include "actors/admin_messages.hpp"
#include "actors/log.hpp"
#include "actors/stats_gathering.hpp"
#include "protocol/statsd.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>

namespace nsq {

namespace {

/// Starts a push (periodic, one interval apart).
using statsd_tick_atom = caf::atom_constant<caf::atom("sd_tick")>;
/// Sends the next waiting datagram of push `push` (one per spread slot).
using statsd_send_atom = caf::atom_constant<caf::atom("sd_send")>;

struct pusher_state {
  statsd_config cfg;
  statsd_format fmt;
  uint64_t push = 0;                       ///< number of the latest push
  std::unique_ptr<datagram_socket> socket; ///< of the latest push, until sent
  std::deque<std::string> waiting;         ///< its datagrams not yet sent
  statsd_snapshot last;                    ///< what the previous push reported
  static inline const char* name = "statsd_pusher";
};

using pusher = caf::stateful_actor<pusher_state>;

void send_next(pusher_state& st) {
  st.socket->send(st.waiting.front());
  st.waiting.pop_front();
  if (st.waiting.empty())
    st.socket.reset();
}

/// Sends whatever the previous push has not sent yet (nsqd's spread writer
/// skips its sleeps on exit; we also do so when a push overruns the next).
void flush_waiting(pusher_state& st) {
  while (!st.waiting.empty())
    send_next(st);
  st.socket.reset();
}

/// Spreads the datagrams evenly over interval − 1 s: the first now, then one
/// per slot. With an interval of 1 s or less everything leaves at once
/// (nsqd v1.3.0 panics there: a non-positive ticker).
void spread(pusher* self, std::vector<std::string> grams) {
  auto& st = self->state;
  if (grams.empty()) {
    st.socket.reset();
    return;
  }
  auto window = std::max(st.cfg.interval - caf::timespan{std::chrono::seconds(1)},
                         caf::timespan{0});
  auto n = static_cast<int64_t>(grams.size());
  auto step = window / n;
  for (auto& g : grams)
    st.waiting.push_back(std::move(g));
  send_next(st);
  if (step.count() == 0) {
    flush_waiting(st);
    return;
  }
  for (int64_t i = 1; i < n; ++i)
    self->delayed_send(self, step * i, statsd_send_atom::value, st.push);
}

/// The interval is up: dial, then ask for the snapshot (nsqd skips the push,
/// and keeps its previous figures for the deltas, when dialing fails).
void start_push(pusher* self) {
  auto& st = self->state;
  self->delayed_send(self, st.cfg.interval, statsd_tick_atom::value);
  flush_waiting(st);
  ++st.push;
  std::string err;
  st.socket = st.cfg.dial(st.cfg.address, err);
  if (!st.socket) {
    log_error("failed to create UDP socket to statsd(" + st.cfg.address + ")");
    return;
  }
  log_info("STATSD: pushing stats to " + st.cfg.address);
  st.cfg.source(caf::actor_cast<caf::actor>(self), st.push);
}

void on_snapshot(pusher* self, uint64_t push, std::vector<topic_stats>& topics) {
  auto& st = self->state;
  if (push != st.push || !st.socket)
    return; // a late answer to a push that was given up
  statsd_snapshot now;
  now.topics = std::move(topics);
  if (st.cfg.mem_stats)
    now.memory = st.cfg.memory();
  auto lines = statsd_lines(now, st.last, st.fmt);
  st.last = std::move(now);
  spread(self, pack_datagrams(lines, st.cfg.packet_size));
}

caf::behavior statsd_pusher(pusher* self, statsd_config cfg) {
  auto& st = self->state;
  st.fmt = {cfg.prefix, cfg.exclude_ephemeral};
  st.cfg = std::move(cfg);
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    flush_waiting(self->state);
    log_info("STATSD: closing");
    self->quit(msg.reason);
  });
  self->delayed_send(self, st.cfg.interval, statsd_tick_atom::value);
  return {
      [self](statsd_tick_atom) { start_push(self); },
      [self](statsd_stats_atom, uint64_t push, std::vector<topic_stats>& topics) {
        on_snapshot(self, push, topics);
      },
      [self](statsd_send_atom, uint64_t push) {
        auto& st = self->state;
        if (push == st.push && !st.waiting.empty())
          send_next(st);
      },
  };
}

} // namespace

stats_source gathered_stats_source(caf::actor_system& sys,
                                   std::shared_ptr<const http_context> ctx) {
  return [&sys, ctx](caf::actor to, uint64_t push) {
    stats_query q;
    q.include_clients = false;
    q.include_mem = false; // the pusher reads memory itself, only when asked to
    gather_stats(sys, ctx, q, [to, push](stats_report r) {
      caf::anon_send(to, statsd_stats_atom::value, push, std::move(r.topics));
    });
  };
}

caf::actor spawn_statsd_pusher(caf::actor_system& sys, statsd_config cfg, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(statsd_pusher, std::move(cfg));
  return sys.spawn(statsd_pusher, std::move(cfg));
}

} // namespace nsq
