#include "hub/partner/records.hpp"

#include "hub/registry/streams.hpp"

#include <array>
#include <cstdio>
#include <span>

namespace hub::partner {
namespace json = registry::json;

namespace {

void copy_text(const json::Value& from, std::string_view from_path, json::Doc& to,
               std::string_view to_path) {
  if (auto v = json::text(from, from_path)) json::set_string(to, to_path, *v);
}

std::string_view canonical_status(std::string_view s) {
  if (s == "ACTIVE") return "active";
  if (s == "SUSPENDED") return "suspended";
  if (s == "CLOSED") return "struck_off";
  return "";
}

void copy_members(const json::Value& from, json::Doc& to, std::span<const std::string_view> names) {
  auto& a = to.GetAllocator();
  for (const auto name : names) {
    const auto m = from.FindMember(json::Value(rapidjson::StringRef(name.data(), name.size())));
    if (m == from.MemberEnd()) continue;
    to.AddMember(json::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                 json::Value(m->value, a), a);
  }
}

std::string insured_record(const json::Value& insured) {
  static constexpr std::array<std::string_view, 10> kFields{
      "immatriculation", "cnie",         "category",      "status", "status_since",
      "status_reason",   "status_cause", "registered_on", "rib",    "contact"};
  json::Doc out = json::object();
  copy_members(insured, out, kFields);
  return json::dump(out);
}

// members{s1: {...}, k1: {...}} -> members: [{"member_id": "s1", ...}, ...]
std::string family_record(const json::Value& family) {
  static constexpr std::array<std::string_view, 2> kFields{"immatriculation", "holder_cnie"};
  json::Doc out = json::object();
  copy_members(family, out, kFields);
  const json::Value* members = json::find(family, "/members");
  if (members == nullptr || !members->IsObject()) return json::dump(out);
  auto& a = out.GetAllocator();
  json::Value list(rapidjson::kArrayType);
  for (auto m = members->MemberBegin(); m != members->MemberEnd(); ++m) {
    if (!m->value.IsObject()) continue;
    json::Value member(m->value, a);
    member.RemoveMember("member_id");
    member.AddMember("member_id", json::Value(m->name, a), a);
    list.PushBack(member, a);
  }
  out.AddMember("members", list, a);
  return json::dump(out);
}

}  // namespace

std::optional<std::string> feed_record(std::string_view kind, std::string_view state_json) {
  const auto state = json::parse(state_json);
  if (!state || !state->IsObject()) return std::nullopt;
  if (kind == registry::streams::kPerson) {
    const json::Value* person = json::find(*state, "/person");
    return person != nullptr && person->IsObject() ? json::dump(*person) : std::string("{}");
  }
  if (kind == registry::streams::kInsured) return insured_record(*state);
  if (kind == registry::streams::kFamily) return family_record(*state);
  if (kind == registry::streams::kEmployer) return affiliation_record(*state, "");
  return std::nullopt;
}

std::string month_before(const registry::Date& today) {
  const int year = today.month == 1 ? today.year - 1 : today.year;
  const int month = today.month == 1 ? 12 : today.month - 1;
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d", year, month);
  return out;
}

std::string affiliation_record(const json::Value& employer, std::string_view last_month) {
  json::Doc out = json::object();
  copy_text(employer, "/affiliation_number", out, "/affiliation_number");
  copy_text(employer, "/ice", out, "/ice");
  copy_text(employer, "/company/name", out, "/company_name");
  const auto status = canonical_status(json::text(employer, "/status").value_or(""));
  if (!status.empty()) json::set_string(out, "/status", status);
  copy_text(employer, "/status_since", out, "/status_since");
  copy_text(employer, "/status_reason", out, "/status_reason");
  copy_text(employer, "/affiliated_on", out, "/affiliated_on");
  copy_text(employer, "/agency", out, "/agency");
  const auto period = json::text(employer, "/last_declaration_period");
  const auto* n = json::find(employer, "/declared_employees_last_month");
  if (period && (last_month.empty() || *period == last_month) && n != nullptr && n->IsInt64()) {
    json::set(out, "/declared_employees_last_month", json::Value(n->GetInt64()));
    json::set_string(out, "/last_declaration_period", *period);
  }
  return json::dump(out);
}

std::string coverage_record(const std::string& cnie, const json::Value* insured) {
  json::Doc out = json::object();
  json::set_string(out, "/cnie", cnie);
  json::set(out, "/insured", json::Value(insured != nullptr));
  if (insured != nullptr) {
    copy_text(*insured, "/immatriculation", out, "/immatriculation");
    copy_text(*insured, "/category", out, "/category");
    copy_text(*insured, "/status", out, "/status");
  }
  const bool open = insured != nullptr && json::text(*insured, "/status") == "ACTIVE";
  json::set(out, "/amo_rights_open", json::Value(open));
  return json::dump(out);
}

}  // namespace hub::partner
