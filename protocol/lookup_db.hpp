#pragma once

// nsqlookupd's registration database (reference §7, §8) as a plain data
// structure: (category, key, subkey) → producers keyed by peer id. Time is
// passed in (ns since the epoch), so liveness is a filter applied on read
// and tests control the clock.

#include "protocol/lookup_peer.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace nsq {

/// Go's zero time.Time in UnixNano (it overflows to this constant, §9.5).
inline constexpr int64_t go_zero_time_ns = -6795364578871345152LL;

/// `("client","","")`, `("topic",t,"")` or `("channel",t,c)`.
struct lookup_key {
  std::string category;
  std::string key;
  std::string subkey;
  bool operator<(const lookup_key& o) const {
    return std::tie(category, key, subkey) < std::tie(o.category, o.key, o.subkey);
  }
};

/// One producer of one registration: a shared peer plus its own tombstone.
struct lookup_producer {
  std::shared_ptr<lookup_peer> peer;
  bool tombstoned = false;
  int64_t tombstoned_at = go_zero_time_ns;
};

/// The liveness windows (§8), in ns.
struct lookup_liveness {
  int64_t inactive_timeout = 300'000'000'000LL;
  int64_t tombstone_lifetime = 45'000'000'000LL;
};

class lookup_db {
public:
  using producers = std::map<std::string, lookup_producer>; ///< by peer id
  using registrations = std::map<lookup_key, producers>;

  // -- TCP side ---------------------------------------------------------------
  /// Stores `peer` (stamped `now`) and adds it to `client::`.
  void identify(lookup_peer peer, int64_t now);
  /// PING: the peer's last_update := now.
  void ping(const std::string& id, int64_t now);
  /// REGISTER t [c]: channel first (when given), then the topic.
  void add(const std::string& id, const std::string& topic, const std::string& channel);
  /// UNREGISTER t [c] with the ephemeral deletion rules of §5.3.
  void remove(const std::string& id, const std::string& topic,
              const std::string& channel);
  /// Disconnect: drops the peer from every key; keys stay.
  void drop_peer(const std::string& id);

  // -- HTTP side --------------------------------------------------------------
  void create_topic(const std::string& topic);
  void create_channel(const std::string& topic, const std::string& channel);
  /// Deletes every channel key of `topic` and the topic key, with producers.
  void delete_topic(const std::string& topic);
  /// Returns false when `channel:topic:channel` does not exist.
  bool delete_channel(const std::string& topic, const std::string& channel);
  /// Tombstones each producer of `topic:t:` whose `<broadcast>:<http_port>` is `node`.
  void tombstone(const std::string& topic, const std::string& node, int64_t now);

  // -- reads (lists sorted) ---------------------------------------------------
  bool has_topic(const std::string& topic) const;
  std::vector<std::string> topics() const;
  std::vector<std::string> channels(const std::string& topic) const;
  /// Producers of `topic:t:` that are active and not tombstoned, by peer id.
  std::vector<const lookup_peer*> lookup(const std::string& topic, int64_t now,
                                         const lookup_liveness& l) const;
  /// One /nodes entry.
  struct node {
    const lookup_peer* peer;
    std::vector<std::string> topics;
    std::vector<bool> tombstones; ///< aligned with topics
  };
  /// Active identified peers with their topics and current tombstones.
  std::vector<node> nodes(int64_t now, const lookup_liveness& l) const;
  /// Everything, unfiltered (for /debug).
  const registrations& all() const { return regs_; }

private:
  void add_to(const lookup_key& k, const std::string& id);
  /// Removes `id` from `k`; returns whether `k` exists and is now empty.
  bool remove_from(const lookup_key& k, const std::string& id);

  registrations regs_;
  std::map<std::string, std::shared_ptr<lookup_peer>> peers_;
};

} // namespace nsq
