// Property: random agreements (masks) over random records of every canonical entity never let
// through a field outside the mask, and never a personal field whose own path is not listed.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <random>
#include <set>

#include "hub/agreements/mask.hpp"
#include "model.hpp"

namespace {
using hub::agreements::FieldMask;
using hub::agreements::MaskField;
using hub::mapping::CanonicalField;
using hub::mapping::Entity;
using hub::mapping::FieldType;
using rapidjson::Value;

struct PathInfo {
  std::string path;
  bool personal = false;
};

// Every field path of an entity, depth-first (nested entities up to `depth` levels).
void paths_of(const Entity& e, const std::string& prefix, int depth, std::vector<PathInfo>& out) {
  for (const auto& f : e.fields) {
    out.push_back({prefix + f.name, f.personal});
    if (f.entity != nullptr && depth > 0)
      paths_of(*f.entity, prefix + f.name + "/", depth - 1, out);
  }
}

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

// Collects the leaf paths (without array indices) of a masked record.
void leaves(const Value& v, const std::string& prefix, std::set<std::string>& out) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
      leaves(m->value, prefix + (prefix.empty() ? "" : "/") + m->name.GetString(), out);
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) leaves(item, prefix, out);
  } else {
    out.insert(prefix);
  }
}

// The rule: a leaf passes when some listed path is it or its ancestor, and no field below that
// listed path (down to the leaf) is personal.
bool allowed(const std::string& leaf, const std::set<std::string>& listed,
             const std::map<std::string, bool>& personal) {
  std::string at = leaf;
  while (true) {
    if (listed.contains(at)) return true;
    auto p = personal.find(at);
    if (p == personal.end() || p->second) return false;  // unknown, or personal and not listed
    const auto slash = at.rfind('/');
    if (slash == std::string::npos) return false;
    at.resize(slash);
  }
}

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

}  // namespace
