// The JSON forms of the journal's proofs (docs/openapi/journal.yaml): what GET .../journal/proof
// and .../journal/consistency answer, what `cnss-hub audit prove` prints (with the entry itself)
// and what a witness or `cnss-hub audit verify --proof` reads back. Hashes are lower-case hex, as
// in the journal; the checkpoint is the signed note, as served.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hub/audit/journal_proofs.hpp"
#include "hub/core/error.hpp"
#include "hub/store/store.hpp"

namespace hub::audit {

// {"leaf_index", "tree_size", "leaf_hash", "inclusion_path": [...], "checkpoint": note | null}
// and, for a third party, "entry": the entry as exported (export_format.hpp).
std::string inclusion_to_json(const InclusionAnswer& a, const store::JournalEntry* entry = nullptr);
// {"from", "to", "consistency_path": [...], "checkpoint": note | null}
std::string consistency_to_json(const ConsistencyAnswer& a);

struct ReadInclusion {
  InclusionAnswer answer;
  std::optional<store::JournalEntry> entry;
};
// Errc::malformed_response naming the member that is missing or of the wrong type.
Result<ReadInclusion> inclusion_from_json(std::string_view text);
Result<ConsistencyAnswer> consistency_from_json(std::string_view text);

}  // namespace hub::audit
