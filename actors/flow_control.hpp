#pragma once

// Write backpressure between connection, session and channel: a byte credit.
//
// The channel hands a consumer messages only while that consumer's credit
// (bytes) is positive, and charges each message's frame size; one message
// may overshoot, so a message larger than the window still goes. The session
// grants more credit when its connection reports bytes written, keeping
// (credit at the channel) + (deliveries on their way) + (bytes not yet
// written to the socket) under `write_window`. A consumer that does not read
// therefore costs O(write_window) instead of its whole RDY window of copies.

#include "actors/messages.hpp"

#include <caf/atom.hpp>

#include <cstddef>
#include <cstdint>

namespace nsq {

/// (written_atom, uint64_t total): connection → session, every byte of the
/// first `total` the session wrote has left for the socket.
using written_atom = caf::atom_constant<caf::atom("written")>;

/// (credit_atom, int64_t bytes): session → channel, the consumer may take
/// `bytes` more of message frames.
using credit_atom = caf::atom_constant<caf::atom("credit")>;

/// Most bytes a session keeps unwritten or promised to its channel. Of the
/// order of a few output buffers: enough to keep a fast reader's socket busy
/// between two grants, small enough that stalled consumers cost little.
constexpr int64_t write_window = 256 * 1024;

/// A session grants credit in steps of at least this (fewer messages).
constexpr int64_t credit_step = write_window / 4;

/// The connection reports progress when everything queued has been written
/// and at least this many bytes since its last report: often enough for a
/// session waiting for room (it waits only with more than this unwritten),
/// rare for a producer that gets short responses.
constexpr uint64_t report_step = credit_step;

/// Returns the bytes a delivery of `msg` takes in the socket: the frame header
/// (size, type), the message header (timestamp, attempts, ID) and the body.
inline int64_t delivery_cost(const message_block& msg) {
  return static_cast<int64_t>(8 + message_header_size + msg.body.size());
}

} // namespace nsq
