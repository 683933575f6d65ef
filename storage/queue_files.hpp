#pragma once

#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nsq::storage {

/// Returns `<dir>/<name>.diskqueue.<NNNNNN>.dat`, go-diskqueue's naming
/// (`<name>` is a topic or `<topic>:<channel>`; NNNNNN zero-padded to 6).
std::string segment_path(const std::string& dir, const std::string& name,
                         uint64_t number);

/// Returns `<dir>/<name>.diskqueue.meta.dat`.
std::string meta_path(const std::string& dir, const std::string& name);

/// Returns `<dir>/<name>.diskqueue.confirmed.dat`: the queue's confirm journal.
std::string journal_path(const std::string& dir, const std::string& name);

/// Returns the channel queues (`<topic>:<channel>`) of `topic` with a meta
/// file in `dir` (a closed queue's, kept for its hand-off mark).
std::vector<std::string> list_channel_queues(const std::string& dir,
                                             const std::string& topic);

/// Returns in `numbers` (ascending) the segment files of queue `name` in `dir`.
/// Names are matched exactly, so queue "a" never claims "a.diskqueue.000001"'s files.
status list_segments(const std::string& dir, const std::string& name,
                     std::vector<uint64_t>& numbers);

} // namespace nsq::storage
