// Who may read what: the agreement that admits a partner's request for one resource, for the
// purpose it states, today (issue 12; docs/partner-api.md, "Refusals"). Deny by default: no
// agreement, no purpose, a purpose the agreement does not list, or an agreement out of its
// validity period, and nothing is read.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/agreements/agreement.hpp"
#include "hub/core/error.hpp"

namespace hub::partner {

// The header every partner may state its purpose in; an agreement may name the partner's own
// header as well (Agreement::purpose_header).
inline constexpr std::string_view kPurposeHeader = "X-Purpose";

struct Admission {
  const agreements::Agreement* agreement = nullptr;  // points into the set given to admit()
  std::string purpose;
};

// A request header's value by name (case-insensitive), or nullopt; a header sent on several
// lines is one value, the lines joined with ", " (RFC 9110 section 5.3).
using HeaderLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The agreement of `principal` that lists `resource`, allows the stated purpose and is in force
// on `today` (UTC). Errors (all 403):
// - forbidden/no_agreement: no agreement of this principal lists the resource;
// - forbidden_purpose/purpose_required: neither X-Purpose nor the agreement's own header is set;
// - forbidden_purpose/forbidden_purpose: no agreement for the resource lists that purpose (the
//   purpose read through the entry rule for text, docs/text.md), or two headers state different
//   purposes;
// - invalid_input (400) with the text rule's code (invalid_utf8, text_control_character...): a
//   purpose header that is not text;
// - forbidden/agreement_expired: the agreements that would allow it ended before today
//   (forbidden/agreement_not_in_force when they start after today).
Result<Admission> admit(const std::vector<agreements::Agreement>& set, std::string_view principal,
                        std::string_view resource, const HeaderLookup& header,
                        std::chrono::sys_days today);

}  // namespace hub::partner
