#pragma once

// The set nsqd re-registers after every (re)connection to a lookupd: each
// topic without channels as `REGISTER t`, each channel as `REGISTER t c`
// (nsqd's connectCallback walks its topic map the same way).

#include "protocol/lookup_client_codec.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace nsq {

class lookupd_registrations {
public:
  /// Follows one REGISTER/UNREGISTER (other ops change nothing).
  void apply(const lookup_command& cmd) {
    if (cmd.op == lookup_op::register_) {
      auto& chans = topics_[cmd.topic];
      if (!cmd.channel.empty())
        chans.insert(cmd.channel);
    } else if (cmd.op == lookup_op::unregister) {
      if (cmd.channel.empty())
        topics_.erase(cmd.topic);
      else if (auto it = topics_.find(cmd.topic); it != topics_.end())
        it->second.erase(cmd.channel);
    }
  }

  /// The REGISTER commands of a fresh connection, topics in name order.
  std::vector<lookup_command> commands() const {
    std::vector<lookup_command> out;
    for (auto& [topic, chans] : topics_) {
      if (chans.empty())
        out.push_back({lookup_op::register_, topic, {}});
      for (auto& c : chans)
        out.push_back({lookup_op::register_, topic, c});
    }
    return out;
  }

  bool empty() const { return topics_.empty(); }

private:
  std::map<std::string, std::set<std::string>> topics_;
};

} // namespace nsq
