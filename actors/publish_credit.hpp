#pragma once

// Publish credit: a topic grants each publishing session a window of
// messages in advance; the session sends that many fire-and-forget and
// answers each PUB `OK` at once, without a round trip to the topic. The
// topic reserves memory for every message it granted, so it can never refuse
// one (docs/architecture.md, "Publish credit").
//
//   session ── (publish_atom, bodies, defer, pub_grant_atom) → reason ──▶ topic
//   session ◀── (pub_grant_atom, n) ── topic       (before the reply, and again
//                                                   when half the window is used)
//   session ── (pub_credited_atom, bodies, defer) ──▶ topic   (no reply)
//   session ◀── (pub_revoke_atom) ── topic         (the topic is shutting down)
//   session ── (pub_return_atom) ──▶ topic         (holds none of its credit now;
//                                                   everything sent on credit
//                                                   is ahead of this message)

#include <caf/actor_addr.hpp>
#include <caf/atom.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace nsq {

/// (publish_atom, bodies, defer, pub_grant_atom) → std::string: a publish
/// from a session that takes credit. As a message on its own,
/// (pub_grant_atom, uint64_t n): topic → session, n more messages may be sent
/// on credit.
using pub_grant_atom = caf::atom_constant<caf::atom("pub_grant")>;
/// (pub_credited_atom, body_batch bodies, caf::timespan defer):
/// session → topic, within credit; never refused, never answered.
using pub_credited_atom = caf::atom_constant<caf::atom("pub_cred")>;
/// (pub_revoke_atom): topic → session, give back all credit (the topic stops).
using pub_revoke_atom = caf::atom_constant<caf::atom("pub_revoke")>;
/// (pub_return_atom): session → topic, the session holds no credit of the
/// topic any more (answers a revoke; also sent when it forgets the topic).
using pub_return_atom = caf::atom_constant<caf::atom("pub_return")>;

/// The topic's ledger of credit granted and not yet used, per publisher.
/// Plain bookkeeping: the topic decides the room, sends grants and monitors.
class publish_credit {
public:
  /// Messages granted and not yet received, over every publisher.
  uint64_t reserved() const { return reserved_; }
  /// Credit `who` holds (0 if none).
  uint64_t held_by(const caf::actor_addr& who) const;
  bool knows(const caf::actor_addr& who) const { return held_.count(who) > 0; }
  bool empty() const { return held_.empty(); }

  /// Returns how much to grant `who` now (0: nothing): a top-up to `window`
  /// once it holds half of it or less, within `room` (messages the topic can
  /// still promise to hold). Records the grant.
  uint64_t top_up(const caf::actor_addr& who, uint64_t window, uint64_t room);
  /// `who` sent `n` messages on credit.
  void consume(const caf::actor_addr& who, uint64_t n);
  /// Forgets `who` (returned its credit, or died); returns whether it was known.
  bool drop(const caf::actor_addr& who);
  /// Every publisher holding credit.
  std::vector<caf::actor_addr> publishers() const;

private:
  std::unordered_map<caf::actor_addr, uint64_t> held_;
  uint64_t reserved_ = 0;
};

/// Returns the credit window per publisher for a memory queue of `capacity`
/// messages: an eighth of it, at most 256 (a producer holds little of the
/// queue; a grant message every 128 PUBs at most).
inline uint64_t credit_window(uint64_t capacity) {
  auto w = capacity / 8;
  return w < 256 ? w : 256;
}

} // namespace nsq
