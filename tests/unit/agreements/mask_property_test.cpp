// Property: random agreements (masks) over random records of every canonical entity never let
// through a field outside the mask, and never a personal field whose own path is not listed.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <random>
#include <set>

#include "hub/agreements/mask.hpp"
#include "hub/mapping/engine.hpp"
#include "mask_rule.hpp"
#include "model.hpp"

namespace {
using agreements_test::allowed;
using agreements_test::leaves;
using agreements_test::PathInfo;
using agreements_test::paths_of;
using hub::agreements::FieldMask;
using hub::agreements::MaskField;
using hub::mapping::CanonicalField;
using hub::mapping::Entity;
using hub::mapping::FieldType;
using rapidjson::Value;

class RecordMaker {
 public:
  RecordMaker(std::mt19937& rng, rapidjson::Document::AllocatorType& a) : rng_(rng), a_(a) {}

  Value object(const Entity& e, int depth) {
    Value v(rapidjson::kObjectType);
    for (const auto& f : e.fields) {
      if (coin(0.2)) continue;
      v.AddMember(Value(f.name.c_str(), a_), field(f, depth), a_);
    }
    if (coin(0.3)) v.AddMember("not_in_model", "BK123456", a_);
    return v;
  }

 private:
  bool coin(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }

  Value field(const CanonicalField& f, int depth) {
    if (coin(0.05)) return Value(rapidjson::kObjectType);  // the wrong shape, sometimes
    if (f.type == FieldType::object && f.entity && depth > 0) return object(*f.entity, depth - 1);
    if (f.type == FieldType::array && f.entity && depth > 0) {
      Value arr(rapidjson::kArrayType);
      const int n = std::uniform_int_distribution<>(0, 3)(rng_);
      for (int i = 0; i < n; ++i) arr.PushBack(object(*f.entity, depth - 1), a_);
      return arr;
    }
    if (f.type == FieldType::integer) return Value(std::uniform_int_distribution<>(0, 999)(rng_));
    if (f.type == FieldType::boolean) return Value(coin(0.5));
    return Value("BK123456", a_);
  }

  std::mt19937& rng_;
  rapidjson::Document::AllocatorType& a_;
};

TEST(FieldMaskProperty, RandomMasksOverRandomRecordsNeverLeak) {
  const auto& model = agreements_test::model();
  std::mt19937 rng(20261201);
  std::size_t served_total = 0, personal_served = 0;
  for (const auto& [name, entity] : model.entities()) {
    std::vector<PathInfo> paths;
    paths_of(*entity, "", 3, paths);
    std::map<std::string, bool> personal;
    for (const auto& p : paths) personal[p.path] = p.personal;
    for (int round = 0; round < 300; ++round) {
      std::set<std::string> listed;
      std::vector<MaskField> fields;
      for (const auto& p : paths) {
        if (std::uniform_int_distribution<>(0, 3)(rng) == 0) {
          listed.insert(p.path);
          fields.push_back({p.path, {}});
        }
      }
      const FieldMask mask = FieldMask::compile(fields, *entity);
      rapidjson::Document doc;
      RecordMaker maker(rng, doc.GetAllocator());
      const Value record = maker.object(*entity, 3);
      const auto masked = mask.apply(record);
      rapidjson::Document out;
      out.Parse(masked.json.c_str());
      ASSERT_TRUE(out.IsObject()) << masked.json;
      std::set<std::string> got;
      leaves(out, "", got);
      for (const auto& leaf : got) {
        ASSERT_TRUE(allowed(leaf, listed, personal))
            << name << ": " << leaf << " leaked through " << masked.json;
        personal_served += personal.at(leaf) ? 1 : 0;
      }
      EXPECT_EQ(std::set<std::string>(masked.fields.begin(), masked.fields.end()), got);
      served_total += got.size();
    }
  }
  // The property is not vacuous: fields, personal ones included, do get through.
  EXPECT_GT(served_total, 1000u);
  EXPECT_GT(personal_served, 50u);
}

// A partner view (a reverse mapping the partner API serves) and, for each key it writes, the
// canonical path it reads.
struct View {
  const char* mapping;
  const char* entity;
  std::map<std::string, std::string> source;
  const char* record;  // a complete, valid record of the entity
};

const char* const kAffiliation = R"({"affiliation_number": "1234567", "ice": "001561191000066",
    "company_name": "ATLAS", "status": "active", "affiliated_on": "2015-06-01",
    "declared_employees_last_month": 42, "last_declaration_period": "2026-10",
    "legal_representative": {"cnie": "BE789012", "last_name": "TAZI"},
    "employees": [{"cnie": "BK123456", "last_name": "EL AMRANI", "salary": 8000}]})";

const View kViews[] = {
    {"dgi.affiliation_attestation",
     "affiliation",
     {{"numeroAffiliation", "affiliation_number"},
      {"statut", "status"},
      {"dateAffiliation", "affiliated_on"},
      {"effectifDeclareMoisPrecedent", "declared_employees_last_month"}},
     kAffiliation},
    {"cnss.affiliation_attestation",
     "affiliation",
     {{"affiliation_number", "affiliation_number"},
      {"ice", "ice"},
      {"company_name", "company_name"},
      {"status", "status"},
      {"affiliated_on", "affiliated_on"},
      {"declared_employees_last_month", "declared_employees_last_month"},
      {"last_declaration_period", "last_declaration_period"}},
     kAffiliation},
    {"cnss.coverage",
     "coverage",
     {{"insured", "insured"},
      {"category", "category"},
      {"status", "status"},
      {"amo_rights_open", "amo_rights_open"}},
     R"({"cnie": "BK123456", "immatriculation": "100000018", "insured": true,
         "category": "SALARIE", "status": "ACTIVE", "amo_rights_open": true})"},
};

// The same property one step further, as the partner API answers (hub/partner/reader.cpp): the
// mask applied to the canonical record, then the partner's reverse mapping. Random agreements
// over random records (fields left out at random) never let a key through whose canonical field
// the mask did not serve.
TEST(FieldMaskProperty, PartnerViewsServeOnlyWhatTheMaskLetsThrough) {
  auto set = hub::mapping::load_mapping_set(CNSS_SOURCE_DIR "/mappings");
  ASSERT_TRUE(set.ok()) << (set.diagnostics.empty() ? "" : set.diagnostics.front().str());
  std::mt19937 rng(20261202);
  std::size_t keys_served = 0, refused = 0;
  for (const auto& view : kViews) {
    const Entity* entity = set.snapshot->model().find(view.entity);
    ASSERT_NE(entity, nullptr) << view.entity;
    std::vector<PathInfo> paths;
    paths_of(*entity, "", 2, paths);
    for (int round = 0; round < 400; ++round) {
      std::vector<MaskField> fields;
      for (const auto& p : paths) {
        if (std::uniform_int_distribution<>(0, 2)(rng) == 0) fields.push_back({p.path, {}});
      }
      rapidjson::Document record;
      record.Parse(view.record);
      std::vector<std::string> names;
      for (auto m = record.MemberBegin(); m != record.MemberEnd(); ++m)
        names.emplace_back(m->name.GetString());
      for (const auto& n : names) {
        if (std::uniform_int_distribution<>(0, 4)(rng) == 0) record.RemoveMember(n.c_str());
      }
      const auto masked = FieldMask::compile(fields, *entity).apply(record);
      const std::set<std::string> served(masked.fields.begin(), masked.fields.end());
      auto shown = set.snapshot->reverse(view.mapping, masked.json);
      if (!shown) {
        ++refused;  // a required field the mask or the record left out: nothing is served
        continue;
      }
      rapidjson::Document out;
      out.Parse(shown->body.c_str());
      ASSERT_TRUE(out.IsObject()) << shown->body;
      for (auto m = out.MemberBegin(); m != out.MemberEnd(); ++m) {
        const auto src = view.source.find(m->name.GetString());
        ASSERT_NE(src, view.source.end())
            << view.mapping << " wrote " << m->name.GetString() << ", which it should not";
        ASSERT_TRUE(served.contains(src->second))
            << view.mapping << ": " << m->name.GetString() << " (" << src->second
            << ") is outside the mask: " << shown->body;
        ++keys_served;
      }
    }
  }
  // Not vacuous: answers are built, and some are refused.
  EXPECT_GT(keys_served, 300u);
  EXPECT_GT(refused, 10u);
}

}  // namespace
