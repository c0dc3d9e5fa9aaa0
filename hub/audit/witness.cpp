#include "hub/audit/witness.hpp"

#include "hub/audit/proof_verify.hpp"

namespace hub::audit {
namespace {

Error refuse(std::string detail, std::string why) {
  return make_error(Errc::conflict, std::move(why), std::move(detail));
}

}  // namespace

Result<Witness> Witness::create(NoteVerifier log_key, std::optional<std::string> kept_note) {
  Witness w(std::move(log_key));
  if (kept_note) {
    auto kept = open_checkpoint(*kept_note, w.key_);
    if (!kept) return kept.error();
    w.kept_ = std::move(*kept);
    w.kept_note_ = std::move(kept_note);
  }
  return w;
}

Result<Checkpoint> Witness::update(std::string_view note, std::span<const Hash> proof) {
  auto c = open_checkpoint(note, key_);
  if (!c) return c.error();
  if (kept_) {
    const auto old_size = std::to_string(kept_->size);
    if (c->size < kept_->size) {
      return refuse("stale", "tree size " + std::to_string(c->size) +
                                 " is smaller than the kept checkpoint's " + old_size);
    }
    if (c->size == kept_->size && c->root != kept_->root) {
      return refuse("fork", "fork: the kept checkpoint and this one both sign tree size " +
                                old_size + " with different root hashes (kept " +
                                to_hex(kept_->root) + ", now " + to_hex(c->root) + ")");
    }
    if (auto ok = verify_consistency(kept_->size, c->size, proof, kept_->root, c->root); !ok) {
      return refuse("fork", "fork: tree size " + std::to_string(c->size) +
                                " is not shown to extend the kept tree size " + old_size + " (" +
                                ok.error().message + ")");
    }
  }
  kept_ = *c;
  kept_note_ = std::string(note);
  return c;
}

}  // namespace hub::audit
