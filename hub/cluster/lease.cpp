#include "hub/cluster/lease.hpp"

#include <unistd.h>

#include <array>

#include "hub/core/ids.hpp"

namespace hub::cluster {

const std::string& node_id() {
  static const std::string id = [] {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    return std::string(host.data()) + ":" + std::to_string(::getpid()) + ":" +
           new_uuid().substr(0, 8);
  }();
  return id;
}

Lease::Lease(store::Store& store, std::string name, std::string owner,
             std::chrono::milliseconds ttl, const store::LeaseGrant& grant)
    : store_(&store),
      name_(std::move(name)),
      owner_(std::move(owner)),
      ttl_(ttl),
      fence_(grant.fence),
      progress_(grant.progress) {}

Result<std::optional<Lease>> Lease::take(store::Store& store, std::string name, std::string owner,
                                         std::chrono::milliseconds ttl) {
  auto grant = store.acquire_lease(name, owner, ttl.count());
  if (!grant) return grant.error();
  if (!grant->held) return std::optional<Lease>();
  return std::optional<Lease>(Lease(store, std::move(name), std::move(owner), ttl, *grant));
}

Result<void> Lease::checkpoint(std::string progress) {
  auto r = store_->renew_lease(name_, owner_, fence_, ttl_.count(), progress);
  if (r) progress_ = std::move(progress);
  return r;
}

Result<void> Lease::release(std::string progress) {
  auto r = store_->release_lease(name_, owner_, fence_, progress, false);
  if (r) progress_ = std::move(progress);
  return r;
}

Result<void> Lease::forget() {
  return store_->release_lease(name_, owner_, fence_, "", true);
}

bool Lease::turn(store::Store& store, const std::string& name, std::chrono::milliseconds ttl) {
  auto lease = take(store, name, node_id(), ttl);
  return lease && *lease;
}

}  // namespace hub::cluster
