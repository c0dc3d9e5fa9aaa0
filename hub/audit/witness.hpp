// A witness of the journal: a partner or an auditor that keeps the last checkpoint it accepted
// from the hub, and accepts a new one only with a consistency proof from the kept one (RFC 9162
// 2.1.4.2). A log that shows one history to the witness and another later cannot prove both:
// the witness refuses, and what it kept is the evidence.
//
// The state is the kept signed note, as received; `cnss-hub audit witness` (store integration)
// keeps it in a file, fetches the hub's checkpoint and proof, and calls update().
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hub/audit/checkpoint.hpp"
#include "hub/audit/note_verifier.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

class Witness {
 public:
  // A witness of the log whose checkpoints `log_key` signs (its name is the log's origin), that
  // kept `kept_note` before, or nothing yet. The kept note is verified again (errors as
  // open_checkpoint).
  static Result<Witness> create(NoteVerifier log_key, std::optional<std::string> kept_note);

  // Accepts `note` when its signature verifies and `proof` shows the kept checkpoint's tree is a
  // prefix of its tree; then keeps it. Refusals, Errc::conflict:
  //   detail "fork": the same tree size as the kept checkpoint with another root, or a
  //     consistency proof that does not verify: the log showed two different journals;
  //   detail "stale": a smaller tree than the kept one (kept unchanged).
  // A note that is malformed or not signed by the key is refused as open_checkpoint says.
  Result<Checkpoint> update(std::string_view note, std::span<const Hash> proof);

  const std::optional<std::string>& kept_note() const { return kept_note_; }
  const std::optional<Checkpoint>& kept() const { return kept_; }

 private:
  explicit Witness(NoteVerifier key) : key_(std::move(key)) {}

  NoteVerifier key_;
  std::optional<std::string> kept_note_;
  std::optional<Checkpoint> kept_;
};

}  // namespace hub::audit
