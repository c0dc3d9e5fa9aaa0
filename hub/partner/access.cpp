#include "hub/partner/access.hpp"

namespace hub::partner {
namespace {

std::optional<std::string> purpose_of(const std::vector<const agreements::Agreement*>& candidates,
                                      const HeaderLookup& header) {
  if (auto p = header(kPurposeHeader); p && !p->empty()) return p;
  for (const auto* a : candidates) {
    if (a->purpose_header.empty()) continue;
    if (auto p = header(a->purpose_header); p && !p->empty()) return p;
  }
  return std::nullopt;
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
  const auto purpose = purpose_of(candidates, header);
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
