#pragma once

// Private to the topic actor: the functions its files share. topic.cpp wires
// the behaviour; topic_delivery.cpp forwards messages to the channels within
// their room; topic_disk.cpp spills to and refills from the disk queue;
// topic_channels.cpp keeps the channel registry; topic_lifecycle.cpp persists
// at shutdown and purges.

#include "actors/topic_state.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace nsq {

// topic_delivery.cpp
uint64_t room_of(const topic_state& st);
void fan_out(topic_actor* self, std::vector<message_ref> batch, caf::timespan defer,
             std::vector<uint64_t> origins = {});
void pump(topic_actor* self);
int64_t now_ns();
/// Accepts a batch all-or-nothing; returns the refusal reason or "". A
/// `credited` batch is never refused (its room was reserved by a grant).
std::string publish(topic_actor* self, body_batch& bodies, caf::timespan defer,
                    bool credited = false);
/// publish() or publish_durable(), whichever the topic's queue needs.
caf::result<std::string> publish_any(topic_actor* self, body_batch& bodies,
                                     caf::timespan defer, bool credited = false);
void drained(topic_actor* self, uint64_t n);
void channel_wants(topic_actor* self, bool wants);

// topic_disk.cpp
std::string record_of(const message_view& message, caf::timespan defer);
void release_taken(topic_actor* self);
void refill(topic_actor* self);
caf::result<std::string> publish_durable(topic_actor* self, body_batch& bodies,
                                         caf::timespan defer, bool credited = false);

// topic_credit.cpp (publish credit, actors/publish_credit.hpp)
/// Messages the memory queue can still promise (0: no credit at all).
uint64_t credit_room(const topic_state& st);
/// A session's publish that takes credit: publishes, then grants.
caf::result<std::string> publish_for_session(topic_actor* self, body_batch& bodies,
                                             caf::timespan defer);
/// A batch sent on credit: accepted whatever the queue's state.
void publish_credited(topic_actor* self, body_batch& bodies, caf::timespan defer);
/// The sender holds no credit any more.
void publisher_returned(topic_actor* self);
/// Forgets a publisher that ended; false if `dm` is not about one.
bool on_publisher_down(topic_actor* self, const caf::down_msg& dm);
/// Holds an exit until every publisher returned its credit; false if none holds any.
bool hold_exit(topic_actor* self, const caf::exit_msg& em);

// topic_channels.cpp
caf::actor add_channel(topic_actor* self, const std::string& name, bool paused);
caf::result<caf::actor> get_channel(topic_actor* self, const std::string& name);
void on_channel_down(topic_actor* self, const caf::down_msg& dm);
caf::result<caf::actor> find_channel(topic_actor* self, const std::string& name);
bool delete_channel(topic_actor* self, const std::string& name);
void discover_channels(topic_actor* self, const caf::actor& coordinator);

// topic_lifecycle.cpp
void on_exit(topic_actor* self, const caf::exit_msg& em);
/// Whether channel `ch`, ended with `reason` while the topic shuts down,
/// stored what it held (the batches forwarded to it included).
bool stored_at_exit(const topic_state& st, const channel_slot& ch,
                    const caf::error& reason);
/// Shutting down: once every channel ended, persists and quits.
void persist_when_channels_ended(topic_actor* self);
void purge(topic_actor* self);

} // namespace nsq
