#pragma once

// A topic actor on the test scheduler, with helpers to publish to it and to
// reach its channels.

#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <string>
#include <vector>

namespace nsq::test {

struct topic_fixture : delivery_fixture {
  caf::actor topic;

  void make_topic(const std::string& name) {
    topic = spawn_topic(sys, name, config);
    to_stop.push_back(topic);
    sched.run();
  }

  topic_state& state() { return state_of<topic_state>(topic); }

  caf::actor channel(const std::string& name) {
    auto ch = ask_actor(topic, get_channel_atom::value, name);
    if (ch)
      to_stop.push_back(ch);
    return ch;
  }

  std::string publish(std::vector<std::string> bodies,
                      caf::timespan defer = caf::timespan{0}) {
    return ask_string(topic, publish_atom::value, std::move(bodies), defer);
  }

  void ready(const caf::actor& c, int64_t n) {
    caf::anon_send(c, ready_atom::value, n);
    sched.run();
  }
};

} // namespace nsq::test
