#include "actors/http_handlers.hpp"

#include "actors/messages.hpp"
#include "actors/process_memory.hpp"
#include "protocol/metrics.hpp"
#include "protocol/quantiles.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

// /stats: the broker lists topics and producers, each topic its channels,
// each channel its consumers; every actor answers for itself, so gathering
// never blocks delivery. One request-scoped actor collects the answers.

namespace nsq {

namespace {

/// The collection in progress (owned by the gathering actor's lambdas).
struct gathering {
  stats_query q;
  std::shared_ptr<const http_context> ctx;
  stats_report report;
  std::vector<std::vector<std::vector<latency_samples>>> samples; ///< [topic][channel]
  std::vector<std::vector<bool>> wanted;                          ///< [topic][channel]
  size_t pending = 0;
  std::function<void(stats_report)> done;
  /// Remote consumers asked (a session on another member) → "answered" flags.
  std::multimap<caf::actor_addr, std::shared_ptr<bool>> remote_asks;
};

using gathering_ptr = std::shared_ptr<gathering>;

/// Fills the percentiles, drops filtered-out parts, and hands the report over.
void complete(caf::event_based_actor* self, const gathering_ptr& g) {
  auto& r = g->report;
  auto& pct = g->ctx->cfg->e2e_processing_latency_percentiles;
  std::vector<topic_stats> kept;
  for (size_t i = 0; i < r.topics.size(); ++i) {
    auto& t = r.topics[i];
    if (t.topic_name.empty())
      continue; // the topic quit before it answered
    std::vector<channel_stats> chans;
    std::vector<latency_samples> all;
    for (size_t j = 0; j < t.channels.size(); ++j) {
      auto& parts = g->samples[i][j];
      all.insert(all.end(), parts.begin(), parts.end());
      if (!g->wanted[i][j])
        continue;
      t.channels[j].e2e = summarize_latency(parts, pct);
      chans.push_back(std::move(t.channels[j]));
    }
    t.e2e = summarize_latency(all, pct);
    if (!g->q.channel.empty() && chans.empty())
      continue; // topics lacking the filtered channel are omitted
    t.channels = std::move(chans);
    kept.push_back(std::move(t));
  }
  r.topics = std::move(kept);
  r.now_ns = unix_now_ns();
  g->done(std::move(r));
  self->quit();
}

void finish_one(caf::event_based_actor* self, const gathering_ptr& g) {
  if (--g->pending == 0)
    complete(self, g);
}

/// Asks a consumer for its stats. A remote one (a session on another member)
/// may be on a node that froze or died with the request on the wire: CAF 0.17
/// then answers only by the timeout (10 s), so its proxy is monitored and its
/// down (after --cluster-timeout) ends the wait; whichever comes first counts.
void ask_client(caf::event_based_actor* self, const gathering_ptr& g,
                const caf::actor& who, std::vector<client_stats>* into) {
  ++g->pending;
  auto answered = std::make_shared<bool>(false);
  if (who.node() != self->node()) {
    g->remote_asks.emplace(who.address(), answered);
    self->monitor(who);
  }
  self->request(who, http_ask_timeout, stats_atom::value)
      .then(
          [=](client_stats& cs) {
            if (std::exchange(*answered, true))
              return;
            into->push_back(std::move(cs));
            finish_one(self, g);
          },
          [=](caf::error&) { // gone meanwhile
            if (!std::exchange(*answered, true))
              finish_one(self, g);
          });
}

/// A remote consumer's node is gone: its unanswered asks count as done.
void on_client_down(caf::event_based_actor* self, const gathering_ptr& g,
                    const caf::down_msg& dm) {
  auto [first, last] = g->remote_asks.equal_range(dm.source);
  std::vector<std::shared_ptr<bool>> flags;
  for (auto it = first; it != last; ++it)
    flags.push_back(it->second);
  g->remote_asks.erase(first, last);
  for (auto& answered : flags)
    if (!std::exchange(*answered, true))
      finish_one(self, g);
}

void ask_channel(caf::event_based_actor* self, const gathering_ptr& g, size_t i, size_t j,
                 const caf::actor& ch) {
  ++g->pending;
  self->request(ch, http_ask_timeout, stats_atom::value)
      .then(
          [=](channel_stats& cs, std::vector<caf::actor>& consumers,
              std::vector<latency_samples>& parts) {
            auto& slot = g->report.topics[i].channels[j];
            cs.clients_included = g->q.include_clients;
            slot = std::move(cs);
            g->samples[i][j] = std::move(parts);
            g->wanted[i][j] = g->q.channel.empty() || slot.channel_name == g->q.channel;
            if (g->q.include_clients && g->wanted[i][j])
              for (auto& c : consumers)
                ask_client(self, g, c, &slot.clients);
            finish_one(self, g);
          },
          [=](caf::error&) { finish_one(self, g); });
}

void ask_topic(caf::event_based_actor* self, const gathering_ptr& g, size_t i,
               const caf::actor& t) {
  ++g->pending;
  self->request(t, http_ask_timeout, stats_atom::value)
      .then(
          [=](topic_stats& ts, std::vector<caf::actor>& channels) {
            auto& slot = g->report.topics[i];
            ts.channels.resize(channels.size());
            slot = std::move(ts);
            g->samples[i].resize(channels.size());
            g->wanted[i].assign(channels.size(), false);
            for (size_t j = 0; j < channels.size(); ++j)
              ask_channel(self, g, i, j, channels[j]);
            finish_one(self, g);
          },
          [=](caf::error&) { finish_one(self, g); });
}

void on_broker_answer(caf::event_based_actor* self, const gathering_ptr& g,
                      std::string& health, std::vector<std::string>& names,
                      std::vector<caf::actor>& topics,
                      std::vector<caf::actor>& producers) {
  g->report.health = std::move(health);
  std::vector<caf::actor> chosen;
  for (size_t i = 0; i < names.size(); ++i)
    if (g->q.topic.empty() || names[i] == g->q.topic)
      chosen.push_back(topics[i]);
  g->report.topics_null = !g->q.topic.empty() && chosen.empty();
  g->report.topics.resize(chosen.size());
  g->samples.resize(chosen.size());
  g->wanted.resize(chosen.size());
  for (size_t i = 0; i < chosen.size(); ++i)
    ask_topic(self, g, i, chosen[i]);
  if (g->q.include_clients)
    for (auto& p : producers)
      ask_client(self, g, p, &g->report.producers);
  finish_one(self, g);
}

/// Keeps only the filtered topic's pub count (nsqd reports at most one).
void narrow_pub_counts(stats_report& r, const std::string& topic) {
  std::vector<client_stats> kept;
  for (auto& p : r.producers) {
    if (!topic.empty()) {
      auto it = std::find_if(p.pub_counts.begin(), p.pub_counts.end(),
                             [&](const pub_count& pc) { return pc.topic == topic; });
      std::vector<pub_count> one;
      if (it != p.pub_counts.end())
        one.push_back(*it);
      p.pub_counts = std::move(one);
    } else if (p.pub_counts.size() > 1) {
      p.pub_counts.resize(1);
    }
    kept.push_back(std::move(p));
  }
  r.producers = std::move(kept);
}

} // namespace

int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void gather_stats(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                  stats_query q, std::function<void(stats_report)> done) {
  auto g = std::make_shared<gathering>();
  g->q = std::move(q);
  g->ctx = ctx;
  g->done = std::move(done);
  auto& r = g->report;
  r.banner = ctx->banner;
  r.version = "1.3.0";
  r.health = "OK";
  r.start_time_ns = ctx->start_time_ns;
  r.include_clients = g->q.include_clients;
  if (g->q.include_mem)
    r.memory = read_process_memory();
  // The broker is a spawn argument: CAF 0.17.6 dereferences a null argument
  // tuple when a function actor is spawned without any (UBSan finds it).
  sys.spawn(
      [g](caf::event_based_actor* self, caf::actor broker) -> caf::behavior {
        g->pending = 1;
        self->set_down_handler([=](caf::down_msg& dm) { on_client_down(self, g, dm); });
        self->request(broker, http_ask_timeout, stats_atom::value)
            .then(
                [=](std::string& health, std::vector<std::string>& names,
                    std::vector<caf::actor>& topics, std::vector<caf::actor>& producers) {
                  on_broker_answer(self, g, health, names, topics, producers);
                },
                [=](caf::error&) { complete(self, g); });
        return {}; // lives until complete() quits
      },
      ctx->broker);
}

void serve_stats(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 const query_params& params, http_reply reply) {
  stats_query q;
  auto get = [&](const char* k) {
    auto* v = find_param(params, k);
    return v == nullptr ? std::string() : *v;
  };
  q.topic = get("topic");
  q.channel = get("channel");
  q.include_clients = query_bool(find_param(params, "include_clients"), true);
  q.include_mem = query_bool(find_param(params, "include_mem"), true);
  bool json = get("format") == "json";
  auto topic = q.topic;
  gather_stats(sys, ctx, std::move(q), [=, &sys](stats_report r) {
    narrow_pub_counts(r, topic);
    if (json && ctx->cluster)
      return add_cluster_field(sys, ctx, render_stats_json(r), reply);
    reply(json ? nsq_json(render_stats_json(r)) : nsq_text(render_stats_text(r)));
  });
}

void serve_metrics(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                   http_reply reply) {
  gather_stats(sys, ctx, stats_query{}, [=](stats_report r) {
    auto resp = plain_text(200, render_metrics(r));
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply(std::move(resp));
  });
}

} // namespace nsq
