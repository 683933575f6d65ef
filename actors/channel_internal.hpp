#pragma once

// Private to the channel actor: the functions its files share. channel.cpp
// wires the behaviour; channel_delivery.cpp moves messages from the memory
// queue to consumers; channel_consumers.cpp answers their commands;
// channel_disk.cpp spills to and refills from the disk queue;
// channel_lifecycle.cpp empties, persists at shutdown and purges.

#include "actors/channel_state.hpp"

#include <caf/exit_reason.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace nsq {

using time_point = channel_state::time_point;

// channel_delivery.cpp
time_point now_of(channel_actor* self);
caf::actor_addr sender_of(channel_actor* self);
consumer* find_consumer(channel_state& st, const caf::actor_addr& who);
caf::timespan msg_timeout_of(const channel_state& st, const consumer& c);
void release_record(channel_state& st, const message_id& id);
void report_drained(channel_actor* self);
void accept(channel_state& st, delivery d);
void arm_wake(channel_actor* self);
void after_change(channel_actor* self);
void enqueue(channel_actor* self, const std::vector<message_ref>& batch,
             caf::timespan defer, const std::vector<uint64_t>& origins);
void wake(channel_actor* self, uint64_t gen);

// channel_consumers.cpp
int64_t wall_ns();
void remove_consumer(channel_actor* self, const caf::actor_addr& who);
std::string subscribe(channel_actor* self, consumer_info& info);
void finish(channel_actor* self, const std::vector<message_id>& ids);
void requeue(channel_actor* self, const message_id& id, caf::timespan delay);
void touch(channel_actor* self, const message_id& id);
void ready(channel_actor* self, int64_t count);
void add_credit(channel_actor* self, int64_t bytes);

// channel_disk.cpp
size_t mem_cap_of(const channel_state& st);
bool flush_spill(channel_actor* self);
void spill_from_topic(channel_state& st, delivery d, const uint64_t* origin);
void refill(channel_actor* self);
void report_wants(channel_actor* self);

// channel_lifecycle.cpp
bool empty_channel(channel_actor* self);
void on_exit(channel_actor* self, const caf::exit_msg& em);
void purge(channel_actor* self);

} // namespace nsq
