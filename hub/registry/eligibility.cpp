#include "hub/registry/eligibility.hpp"

namespace hub::registry {
namespace {

constexpr int kChildAge = 21;
constexpr int kStudentAge = 26;

Coverage not_covered(std::string reason) {
  return Coverage{false, std::move(reason), {}};
}

}  // namespace

Coverage child_coverage(const ChildFacts& c, const Date& on) {
  if (c.death_date && *c.death_date <= on) return not_covered("deceased");
  if (!c.birth_date) return not_covered("birth date unknown");
  if (on < *c.birth_date) return not_covered("not born on this date");
  if (c.disabled) return Coverage{true, "disabled child: no age limit", {}};
  const int age = age_on(*c.birth_date, on);
  if (age < kChildAge) {
    const Date last = date_from_days(days_from_epoch(birthday(*c.birth_date, kChildAge)) - 1);
    return Coverage{true, "child under 21", last};
  }
  if (age >= kStudentAge) return not_covered("26 or older");
  if (c.married && (!c.married_on || *c.married_on <= on)) {
    return not_covered("21 or older and married");
  }
  if (!c.studies_proof_until) return not_covered("21 or older without a proof of studies");
  if (*c.studies_proof_until < on) return not_covered("21 or older; the proof of studies expired");
  const Date last26 = date_from_days(days_from_epoch(birthday(*c.birth_date, kStudentAge)) - 1);
  return Coverage{true, "student under 26 with a valid proof",
                  *c.studies_proof_until < last26 ? *c.studies_proof_until : last26};
}

Coverage spouse_coverage(const SpouseFacts& s, const Date& on) {
  if (s.death_date && *s.death_date <= on) return not_covered("deceased");
  const bool dissolved =
      s.status != MaritalStatus::married && (!s.dissolution_date || *s.dissolution_date <= on);
  if (dissolved) {
    return not_covered(s.status == MaritalStatus::divorced ? "divorced" : "widowed");
  }
  if (s.insured_in_own_right) return not_covered("insured in their own right");
  return Coverage{true, "married", {}};
}

Attachment child_attachment(const ParentsFacts& p) {
  if (p.link != ChildLink::natural) return Attachment::declarant;
  if (!p.other_parent_insured) return Attachment::declarant;
  if (!p.declarant_active) return Attachment::other_parent;
  if (p.divorced && p.declarant_has_custody) {
    return *p.declarant_has_custody ? Attachment::declarant : Attachment::other_parent;
  }
  return p.declarant_is_father ? Attachment::declarant : Attachment::other_parent;
}

}  // namespace hub::registry
