// A journal receipt: which entry of the exchange journal records what the hub did for a partner,
// given with the answer so that the partner can later prove it (docs/audit.md, "Receipts"). It
// names the entry by its leaf index in the journal's Merkle tree (RFC 9162 2.1; entry seq =
// index + 1) and its leaf hash; GET .../journal/proof?index=N returns the inclusion proof of
// that leaf against a signed checkpoint.
//
// Sent as the header X-Journal-Receipt, an RFC 8941 dictionary:
//   X-Journal-Receipt: index=41, leaf_hash="5f0c...e1" (64 lower-case hex digits)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hub/audit/tree_hash.hpp"
#include "hub/core/error.hpp"

namespace hub::audit {

inline constexpr std::string_view kReceiptHeader = "X-Journal-Receipt";

struct Receipt {
  std::uint64_t leaf_index = 0;  // the entry's seq - 1
  Hash leaf_hash{};              // RFC 9162 2.1.1 leaf hash of the entry (journal_leaf.hpp)
};

// How a client asks for a receipt when the hub gives them on request only (journal.receipts:
// on_request): the RFC 7240 preference `Prefer: receipt`; an answer that honours it says
// `Preference-Applied: receipt` (RFC 7240 section 3).
inline constexpr std::string_view kReceiptPreference = "receipt";
// Whether a Prefer header's value (RFC 7240 section 2: comma-separated preferences, each
// `token [= value] *(; parameter)`, tokens case-insensitive) holds the preference `receipt`.
bool prefers_receipt(std::string_view prefer);

std::string format_receipt(const Receipt& r);
// The header's value, as format_receipt writes it (the two members in either order, spaces
// optional). Errc::invalid_input naming what is wrong.
Result<Receipt> parse_receipt(std::string_view value);

}  // namespace hub::audit
