#include "hub/events/claim.hpp"

#include "hub/cluster/lease.hpp"

namespace hub::events {

Claimed apply_claimed(store::Store& store, const std::string& owner, const std::string& stream,
                      std::int64_t version, const std::function<void()>& apply,
                      std::string_view label) {
  auto claim = cluster::Lease::take(store, "event:" + stream, owner, kClaimTtl);
  if (!claim) return Claimed::failed;
  if (!*claim) return Claimed::elsewhere;
  // Read again under the claim: another node may have applied it since this one listed it.
  auto now = store.read_record(stream);
  Claimed out = Claimed::failed;
  if (now && *now) {
    out =
        (*now)->version == version && (*now)->label == label ? Claimed::applied : Claimed::settled;
  }
  if (out == Claimed::applied) apply();
  (void)(*claim)->forget();
  return out;
}

}  // namespace hub::events
