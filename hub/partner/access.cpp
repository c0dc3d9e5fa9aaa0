#include "hub/partner/access.hpp"

#include "hub/text/clean.hpp"

namespace hub::partner {
namespace {

// The purpose as stated, through the entry rule for text (docs/text.md: NFC, invisible marks
// dropped), from X-Purpose and each candidate agreement's own header; nullopt when none is set.
// Refused: a value that is not text (400, the rule's code), or two headers stating different
// purposes (403 forbidden_purpose: the disclosure would be recorded under one of them).
Result<std::optional<std::string>> purpose_of(
    const std::vector<const agreements::Agreement*>& candidates, const HeaderLookup& header) {
  std::vector<std::string> names{std::string(kPurposeHeader)};
  for (const auto* a : candidates) {
    if (!a->purpose_header.empty()) names.push_back(a->purpose_header);
  }
  std::optional<std::string> purpose;
  std::string stated_in;
  for (const auto& name : names) {
    auto raw = header(name);
    if (!raw || raw->empty()) continue;
    std::string clean;
    if (auto refused = text::clean(*raw, clean)) {
      return make_error(Errc::invalid_input, name + ": " + refused->describe(),
                        std::string(refused->code));
    }
    if (purpose && *purpose != clean) {
      return make_error(Errc::forbidden_purpose,
                        "the purpose is stated twice, differently, in " + stated_in + " and " +
                            name + ": state one",
                        "forbidden_purpose");
    }
    purpose = std::move(clean);
    stated_in = name;
  }
  return purpose;
}

std::string purpose_headers(const std::vector<const agreements::Agreement*>& candidates) {
  std::string out(kPurposeHeader);
  for (const auto* a : candidates) {
    if (!a->purpose_header.empty()) out += " or " + a->purpose_header;
  }
  return out;
}

}  // namespace

Result<Admission> admit(const std::vector<agreements::Agreement>& set, std::string_view principal,
                        std::string_view resource, const HeaderLookup& header,
                        std::chrono::sys_days today) {
  std::vector<const agreements::Agreement*> candidates;
  for (const auto& a : set) {
    if (a.principal == principal && a.resource(resource) != nullptr) candidates.push_back(&a);
  }
  if (candidates.empty()) {
    return make_error(
        Errc::forbidden,
        "no agreement lets " + std::string(principal) + " read " + std::string(resource),
        "no_agreement");
  }
  auto stated = purpose_of(candidates, header);
  if (!stated) return stated.error();
  const auto& purpose = *stated;
  if (!purpose) {
    return make_error(Errc::forbidden_purpose,
                      "the purpose is required: state it in " + purpose_headers(candidates),
                      "purpose_required");
  }
  const agreements::Agreement* lapsed = nullptr;
  for (const auto* a : candidates) {
    if (!a->allows_purpose(*purpose)) continue;
    if (a->in_force(today)) return Admission{a, *purpose};
    lapsed = a;
  }
  if (lapsed == nullptr) {
    return make_error(Errc::forbidden_purpose,
                      "the purpose '" + *purpose + "' is not one the agreement allows for " +
                          std::string(resource),
                      "forbidden_purpose");
  }
  const bool ended = lapsed->valid_until < today;
  return make_error(Errc::forbidden,
                    "agreement '" + lapsed->name + "' is in force from " +
                        agreements::iso_day(lapsed->valid_from) + " to " +
                        agreements::iso_day(lapsed->valid_until) + " (UTC)",
                    ended ? "agreement_expired" : "agreement_not_in_force");
}

}  // namespace hub::partner
