// The coverage rules, table-driven: ages at the boundaries, students, disability, kafala,
// guardianship, several spouses, divorce and custody, both parents insured, death.
#include <gtest/gtest.h>

#include "hub/registry/eligibility.hpp"

namespace hub::registry {
namespace {

Date d(const char* s) {
  return *parse_date(s);
}

struct ChildCase {
  const char* name;
  ChildFacts facts;
  const char* on;
  bool covered;
  const char* until;  // "" when no end date is expected
};

ChildFacts child(const char* birth) {
  ChildFacts c;
  c.birth_date = d(birth);
  return c;
}
ChildFacts with(ChildFacts c, void (*f)(ChildFacts&)) {
  f(c);
  return c;
}

class ChildRules : public ::testing::TestWithParam<ChildCase> {};

TEST_P(ChildRules, Coverage) {
  const auto& c = GetParam();
  const Coverage got = child_coverage(c.facts, d(c.on));
  EXPECT_EQ(got.covered, c.covered) << got.reason;
  if (*c.until) {
    ASSERT_TRUE(got.until) << got.reason;
    EXPECT_EQ(format_date(*got.until), c.until);
  }
  EXPECT_FALSE(got.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ChildRules,
    ::testing::Values(
        ChildCase{"newborn", child("2026-11-20"), "2026-11-27", true, "2047-11-19"},
        ChildCase{"not_yet_born_on_the_date", child("2026-11-20"), "2026-11-19", false, ""},
        ChildCase{"day_before_21st_birthday", child("2005-11-27"), "2026-11-26", true,
                  "2026-11-26"},
        ChildCase{"on_21st_birthday", child("2005-11-27"), "2026-11-27", false, ""},
        ChildCase{"turned_21_yesterday", child("2005-11-26"), "2026-11-27", false, ""},
        ChildCase{"born_29_february_day_before_21", child("2004-02-29"), "2025-02-28", true,
                  "2025-02-28"},
        ChildCase{"born_29_february_on_1_march", child("2004-02-29"), "2025-03-01", false, ""},
        ChildCase{"student_22_with_valid_proof",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) { c.studies_proof_until = *parse_date("2027-07-31"); }),
                  "2026-11-27", true, "2027-07-31"},
        ChildCase{"student_proof_expired",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) { c.studies_proof_until = *parse_date("2026-07-31"); }),
                  "2026-11-27", false, ""},
        ChildCase{"student_on_last_day_of_proof",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) { c.studies_proof_until = *parse_date("2026-11-27"); }),
                  "2026-11-27", true, "2026-11-27"},
        ChildCase{"student_day_before_26",
                  with(child("2000-11-28"),
                       [](ChildFacts& c) { c.studies_proof_until = *parse_date("2027-07-31"); }),
                  "2026-11-27", true, "2026-11-27"},
        ChildCase{"student_on_26th_birthday",
                  with(child("2000-11-27"),
                       [](ChildFacts& c) { c.studies_proof_until = *parse_date("2027-07-31"); }),
                  "2026-11-27", false, ""},
        ChildCase{"student_married",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) {
                         c.studies_proof_until = *parse_date("2027-07-31");
                         c.married = true;
                       }),
                  "2026-11-27", false, ""},
        ChildCase{"student_married_after_the_date",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) {
                         c.studies_proof_until = *parse_date("2027-07-31");
                         c.married = true;
                         c.married_on = *parse_date("2026-12-05");
                       }),
                  "2026-11-27", true, "2027-07-31"},
        ChildCase{"student_married_on_the_date",
                  with(child("2004-05-01"),
                       [](ChildFacts& c) {
                         c.studies_proof_until = *parse_date("2027-07-31");
                         c.married = true;
                         c.married_on = *parse_date("2026-11-27");
                       }),
                  "2026-11-27", false, ""},
        ChildCase{"married_under_21_still_covered",
                  with(child("2008-05-01"), [](ChildFacts& c) { c.married = true; }),
                  "2026-11-27", true, ""},
        ChildCase{"22_without_proof", child("2004-05-01"), "2026-11-27", false, ""},
        ChildCase{"disabled_at_40",
                  with(child("1986-01-01"), [](ChildFacts& c) { c.disabled = true; }),
                  "2026-11-27", true, ""},
        ChildCase{"disabled_but_deceased",
                  with(child("1986-01-01"),
                       [](ChildFacts& c) {
                         c.disabled = true;
                         c.death_date = *parse_date("2026-01-01");
                       }),
                  "2026-11-27", false, ""},
        ChildCase{"deceased_child",
                  with(child("2015-01-01"),
                       [](ChildFacts& c) { c.death_date = *parse_date("2026-11-27"); }),
                  "2026-11-27", false, ""},
        ChildCase{"covered_before_death_as_of",
                  with(child("2015-01-01"),
                       [](ChildFacts& c) { c.death_date = *parse_date("2026-11-27"); }),
                  "2026-11-26", true, ""},
        ChildCase{"kafala_under_21",
                  with(child("2012-03-03"), [](ChildFacts& c) { c.link = ChildLink::kafala; }),
                  "2026-11-27", true, "2033-03-02"},
        ChildCase{"kafala_at_21",
                  with(child("2005-03-03"), [](ChildFacts& c) { c.link = ChildLink::kafala; }),
                  "2026-11-27", false, ""},
        ChildCase{"guardianship_under_21",
                  with(child("2010-03-03"),
                       [](ChildFacts& c) { c.link = ChildLink::guardianship; }),
                  "2026-11-27", true, ""},
        ChildCase{"guardianship_disabled_adult",
                  with(child("1990-03-03"),
                       [](ChildFacts& c) {
                         c.link = ChildLink::guardianship;
                         c.disabled = true;
                       }),
                  "2026-11-27", true, ""},
        ChildCase{"birth_year_only", [] {
                    ChildFacts c;
                    c.birth_date = parse_date("2010", true);
                    return c;
                  }(),
                  "2026-11-27", true, "2030-12-31"},
        ChildCase{"birth_date_unknown", ChildFacts{}, "2026-11-27", false, ""}),
    [](const auto& info) { return std::string(info.param.name); });

struct SpouseCase {
  const char* name;
  SpouseFacts facts;
  const char* on;
  bool covered;
};

SpouseFacts spouse(MaritalStatus s, const char* dissolution = nullptr, bool insured = false,
                   const char* death = nullptr) {
  SpouseFacts f;
  f.status = s;
  if (dissolution) f.dissolution_date = d(dissolution);
  f.insured_in_own_right = insured;
  if (death) f.death_date = d(death);
  return f;
}

class SpouseRules : public ::testing::TestWithParam<SpouseCase> {};

TEST_P(SpouseRules, Coverage) {
  const auto& c = GetParam();
  const Coverage got = spouse_coverage(c.facts, d(c.on));
  EXPECT_EQ(got.covered, c.covered) << got.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SpouseRules,
    ::testing::Values(
        SpouseCase{"married", spouse(MaritalStatus::married), "2026-11-27", true},
        SpouseCase{"married_but_insured_in_own_right",
                   spouse(MaritalStatus::married, nullptr, true), "2026-11-27", false},
        SpouseCase{"divorced", spouse(MaritalStatus::divorced, "2025-01-10"), "2026-11-27", false},
        SpouseCase{"divorce_day_not_covered", spouse(MaritalStatus::divorced, "2026-11-27"),
                   "2026-11-27", false},
        SpouseCase{"covered_before_the_divorce_as_of",
                   spouse(MaritalStatus::divorced, "2025-01-10"), "2025-01-09", true},
        SpouseCase{"widowed", spouse(MaritalStatus::widowed, "2024-06-01"), "2026-11-27", false},
        SpouseCase{"deceased_spouse", spouse(MaritalStatus::married, nullptr, false, "2026-10-01"),
                   "2026-11-27", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SpouseRules, SeveralSpousesAreEachCoveredOnTheirOwnFacts) {
  const SpouseFacts first = spouse(MaritalStatus::married);
  const SpouseFacts second = spouse(MaritalStatus::married);
  const SpouseFacts third = spouse(MaritalStatus::divorced, "2020-01-01");
  const Date on = d("2026-11-27");
  EXPECT_TRUE(spouse_coverage(first, on).covered);
  EXPECT_TRUE(spouse_coverage(second, on).covered);
  EXPECT_FALSE(spouse_coverage(third, on).covered);
}

struct AttachCase {
  const char* name;
  ParentsFacts facts;
  Attachment expected;
};

ParentsFacts parents(bool father, bool other_insured, bool divorced = false,
                     std::optional<bool> custody = {}, ChildLink link = ChildLink::natural,
                     bool declarant_active = true) {
  ParentsFacts p;
  p.declarant_is_father = father;
  p.other_parent_insured = other_insured;
  p.divorced = divorced;
  p.declarant_has_custody = custody;
  p.link = link;
  p.declarant_active = declarant_active;
  return p;
}

class AttachmentRules : public ::testing::TestWithParam<AttachCase> {};

TEST_P(AttachmentRules, Attachment) {
  EXPECT_EQ(child_attachment(GetParam().facts), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AttachmentRules,
    ::testing::Values(
        AttachCase{"only_the_mother_insured", parents(false, false), Attachment::declarant},
        AttachCase{"both_insured_father_declares", parents(true, true), Attachment::declarant},
        AttachCase{"both_insured_mother_declares", parents(false, true), Attachment::other_parent},
        AttachCase{"divorced_mother_has_custody", parents(false, true, true, true),
                   Attachment::declarant},
        AttachCase{"divorced_father_without_custody", parents(true, true, true, false),
                   Attachment::other_parent},
        AttachCase{"divorced_custody_unknown_goes_to_father", parents(false, true, true, {}),
                   Attachment::other_parent},
        AttachCase{"kafala_stays_with_the_kafil",
                   parents(false, true, false, {}, ChildLink::kafala), Attachment::declarant},
        AttachCase{"guardianship_stays_with_the_guardian",
                   parents(false, true, false, {}, ChildLink::guardianship), Attachment::declarant},
        AttachCase{"father_deceased_mother_insured",
                   parents(true, true, false, {}, ChildLink::natural, false),
                   Attachment::other_parent}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Dates, AgesAndCalendar) {
  EXPECT_EQ(age_on(d("2005-11-27"), d("2026-11-26")), 20);
  EXPECT_EQ(age_on(d("2005-11-27"), d("2026-11-27")), 21);
  EXPECT_EQ(format_date(date_from_days(days_from_epoch(d("2024-02-29")))), "2024-02-29");
  EXPECT_EQ(days_from_epoch(d("1970-01-01")), 0);
  EXPECT_FALSE(parse_date("2025-02-29"));
  EXPECT_FALSE(parse_date("2025-13-01"));
  EXPECT_FALSE(parse_date("2025-1-01"));
  EXPECT_FALSE(parse_date("1985"));
  EXPECT_TRUE(parse_date("1985", true));
  FixedClock clock(d("2026-11-27"));
  EXPECT_EQ(clock.today(), d("2026-11-27"));
}

}  // namespace
}  // namespace hub::registry
