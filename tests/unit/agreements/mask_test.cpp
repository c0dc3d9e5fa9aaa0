// Field masks: deny by default, personal fields only when named.
#include <gtest/gtest.h>

#include "hub/agreements/mask.hpp"
#include "model.hpp"

namespace {
using hub::agreements::FieldMask;
using hub::agreements::MaskField;

FieldMask mask_of(std::vector<std::string> paths, const char* entity = "affiliation") {
  std::vector<MaskField> fields;
  for (auto& p : paths) fields.push_back({std::move(p), {}});
  return FieldMask::compile(fields, *agreements_test::model().find(entity));
}

const char* kAffiliation = R"({
  "affiliation_number": "1234567", "ice": "001561191000066", "company_name": "ATLAS",
  "status": "active", "affiliated_on": "2015-06-01", "declared_employees_last_month": 42,
  "last_declaration_period": "2026-10",
  "legal_representative": {"cnie": "BK123456", "last_name": "ALAOUI", "first_name": "Sara"},
  "employees": [{"cnie": "BK123456", "salary": "9000.00"}, {"cnie": "AB98765", "salary": "1.00"}],
  "internal_note": "never in the model"
})";

TEST(FieldMask, DgiSeesExactlyItsFourFields) {
  auto m =
      mask_of({"affiliation_number", "status", "affiliated_on", "declared_employees_last_month"})
          .apply(kAffiliation);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json,
            R"({"affiliation_number":"1234567","status":"active","affiliated_on":"2015-06-01",)"
            R"("declared_employees_last_month":42})");
  EXPECT_EQ(m->fields, (std::vector<std::string>{"affiliated_on", "affiliation_number",
                                                 "declared_employees_last_month", "status"}));
}

TEST(FieldMask, NothingListedNothingServed) {
  auto m = mask_of({}).apply(kAffiliation);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, "{}");
  EXPECT_TRUE(m->fields.empty());
}

TEST(FieldMask, UnknownPathsGrantNothing) {
  auto m = mask_of({"internal_note", "employees/nope", "status/x"}).apply(kAffiliation);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, "{}");
}

TEST(FieldMask, AListedObjectKeepsItsPersonalFieldsBack) {
  // legal_representative is named, but each of its fields is personal and none is named.
  auto m = mask_of({"legal_representative", "employees"}).apply(kAffiliation);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, "{}");
  m = mask_of({"legal_representative/last_name", "employees/cnie"}).apply(kAffiliation);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, R"({"legal_representative":{"last_name":"ALAOUI"},)"
                     R"("employees":[{"cnie":"BK123456"},{"cnie":"AB98765"}]})");
  EXPECT_EQ(m->fields,
            (std::vector<std::string>{"employees/cnie", "legal_representative/last_name"}));
}

TEST(FieldMask, AListedObjectServesItsOtherFields) {
  auto m = mask_of({"address"}, "person")
               .apply(R"({"cnie":"BK1","address":{"line":"12 rue X","commune":"Anfa","zip":"1"}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, R"({"address":{"line":"12 rue X","commune":"Anfa"}})");
}

TEST(FieldMask, ValuesOfTheWrongShapeAreDropped) {
  auto m = mask_of({"status", "legal_representative/cnie", "employees/cnie"})
               .apply(R"({"status": {"sneaky": "BK123456"}, "legal_representative": "BK123456",
                          "employees": {"cnie": "BK123456"}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->json, "{}");
}

TEST(FieldMask, ARecordThatIsNotAnObjectIsRefused) {
  EXPECT_FALSE(mask_of({"status"}).apply("[1,2]"));
  EXPECT_FALSE(mask_of({"status"}).apply("{"));
}

}  // namespace
