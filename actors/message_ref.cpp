#include "actors/message_ref.hpp"

#include <cstring>
#include <new>

namespace nsq {

const message_block message_ref::empty_block{};

message_ref::message_ref(const message_id& id, int64_t timestamp, std::string_view body) {
  void* memory = ::operator new(sizeof(node) + body.size());
  auto* bytes = static_cast<char*>(memory) + sizeof(node);
  if (!body.empty())
    std::memcpy(bytes, body.data(), body.size());
  node_ = new (memory) node{};
  node_->block = message_block{id, timestamp, std::string_view{bytes, body.size()}};
}

message_ref::message_ref(const message_ref& other) noexcept : node_(other.node_) {
  if (node_ != nullptr)
    node_->refs.fetch_add(1, std::memory_order_relaxed);
}

message_ref& message_ref::operator=(const message_ref& other) noexcept {
  // Read before release(): `other` may be this very ref.
  node* incoming = other.node_;
  if (incoming != nullptr)
    incoming->refs.fetch_add(1, std::memory_order_relaxed);
  release();
  node_ = incoming;
  return *this;
}

message_ref& message_ref::operator=(message_ref&& other) noexcept {
  if (this != &other) {
    release();
    node_ = other.node_;
    other.node_ = nullptr;
  }
  return *this;
}

void message_ref::release() noexcept {
  if (node_ == nullptr)
    return;
  // The last holder frees: acq_rel orders every holder's reads before it.
  if (node_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    node_->~node();
    ::operator delete(node_);
  }
  node_ = nullptr;
}

bool operator==(const message_ref& a, const message_ref& b) noexcept {
  const auto& x = a.data();
  const auto& y = b.data();
  return x.id == y.id && x.timestamp == y.timestamp && x.body == y.body;
}

} // namespace nsq
