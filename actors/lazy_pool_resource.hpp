#pragma once

#include <memory_resource>
#include <optional>

namespace nsq {

/// A `std::pmr::unsynchronized_pool_resource` created on the first
/// allocation. libstdc++'s pool resource allocates its pool table (~0.5 KB)
/// when constructed; a session that never maps an ID (a producer, an idle
/// connection) should not pay for it.
class lazy_pool_resource final : public std::pmr::memory_resource {
public:
  explicit lazy_pool_resource(
      std::pmr::memory_resource* upstream = std::pmr::get_default_resource())
      : upstream_(upstream) {}

private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    if (!pool_)
      pool_.emplace(upstream_);
    return pool_->allocate(bytes, alignment);
  }

  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    pool_->deallocate(p, bytes, alignment);
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::pmr::memory_resource* upstream_;
  std::optional<std::pmr::unsynchronized_pool_resource> pool_;
};

} // namespace nsq
