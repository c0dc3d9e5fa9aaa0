// Who a registered insured person's coverage reaches: plain functions over facts and a date, so
// that the rules read as the regulation does and a table-driven test calls them directly.
// Eligibility is always computed, never typed in.
#pragma once

#include <optional>
#include <string>

#include "hub/registry/clock.hpp"

namespace hub::registry {

// How a child is linked to the insured person who declares it.
enum class ChildLink {
  natural,       // a child of the insured person (birth act)
  kafala,        // taken in charge under a kafala act
  guardianship,  // under the insured person's tutelle (the guardian is recorded)
};

struct ChildFacts {
  ChildLink link = ChildLink::natural;
  std::optional<Date> birth_date;
  std::optional<Date> death_date;
  // Married (the client's fact, or DGCT's marriage act about the child): from married_on when
  // the act's date is known, else on any date.
  bool married = false;
  std::optional<Date> married_on;
  // Disabled, with a proof on record: covered with no age limit.
  bool disabled = false;
  // The last day covered by a dated proof of higher education (a school year's certificate).
  std::optional<Date> studies_proof_until;
};

enum class MaritalStatus { married, divorced, widowed };

struct SpouseFacts {
  MaritalStatus status = MaritalStatus::married;
  std::optional<Date> dissolution_date;  // divorce or widowhood
  std::optional<Date> death_date;
  // An active insured person in their own right is covered by their own registration.
  bool insured_in_own_right = false;
};

struct Coverage {
  bool covered = false;
  std::string reason;         // why, in words an agent can repeat to the family
  std::optional<Date> until;  // the last day covered when it is known (a birthday, a proof)
};

// A child (natural, kafala or guardianship): until 21; until 26 when unmarried and in higher
// education with a proof valid on the date; with no age limit when disabled; never after death
// (loi 65-00 on basic medical coverage, article 5, which lists the insured person's ayants
// droit: the extension to 26 is for unmarried children in higher education). A child married
// on the date therefore loses the student extension; under 21 the law names no condition of
// marriage, and the child stays covered (the table in tests/unit/registry/eligibility_test.cpp).
Coverage child_coverage(const ChildFacts& child, const Date& on);
// A spouse: while married (several spouses allowed), alive, and not insured in their own right.
Coverage spouse_coverage(const SpouseFacts& spouse, const Date& on);

// Whose coverage a child is attached to when its parents may both be insured.
struct ParentsFacts {
  ChildLink link = ChildLink::natural;
  bool declarant_is_father = false;
  bool declarant_active = true;       // the declaring insured person is alive and ACTIVE
  bool other_parent_insured = false;  // the other parent is an ACTIVE insured person
  bool divorced = false;              // the parents' marriage was dissolved by divorce
  // After a divorce: true when the declarant has custody, false when the other parent has it,
  // nullopt when no custody decision is on record.
  std::optional<bool> declarant_has_custody;
};

enum class Attachment { declarant, other_parent };

// Kafala and guardianship children go to the insured person who holds the act; a natural child
// of two insured parents goes to the father's coverage, after a divorce to the parent with
// custody (the father's until custody is recorded); a parent who is no longer active hands the
// child over to the other.
Attachment child_attachment(const ParentsFacts& parents);

}  // namespace hub::registry
