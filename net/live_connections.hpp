#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace nsq {

/// A listener's live connections, so stopping can close them all. Each
/// connection's destructor removes its own entry (`Conn::on_destroyed`), so
/// accepting stays O(1) however many connections came and went. The registry
/// is shared with the connections, which may outlive the listener at
/// shutdown; its mutex guards only this bookkeeping (the accept strand and
/// the connections' strands), never broker state.
template <class Conn> class live_connections {
public:
  /// Registers `c`; false once stopped (the caller drops it, which closes it).
  bool add(const std::shared_ptr<Conn>& c) {
    std::lock_guard<std::mutex> guard{reg_->mtx};
    if (reg_->stopped)
      return false;
    auto id = reg_->next_id++;
    reg_->conns.emplace(id, c);
    c->on_destroyed([weak = std::weak_ptr<registry>(reg_), id] {
      if (auto r = weak.lock()) {
        std::lock_guard<std::mutex> g{r->mtx};
        r->conns.erase(id);
      }
    });
    return true;
  }

  /// Stops registering; returns the connections still alive.
  std::vector<std::shared_ptr<Conn>> stop() {
    std::vector<std::shared_ptr<Conn>> live;
    std::lock_guard<std::mutex> guard{reg_->mtx};
    reg_->stopped = true;
    for (auto& [id, weak] : reg_->conns)
      if (auto c = weak.lock())
        live.push_back(std::move(c));
    reg_->conns.clear();
    return live;
  }

private:
  struct registry {
    std::mutex mtx;
    std::unordered_map<uint64_t, std::weak_ptr<Conn>> conns;
    uint64_t next_id = 0;
    bool stopped = false;
  };
  std::shared_ptr<registry> reg_ = std::make_shared<registry>();
};

} // namespace nsq
