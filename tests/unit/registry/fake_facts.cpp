#include "unit/registry/fake_facts.hpp"

#include "hub/registry/json.hpp"

namespace hub::registry::testing {
namespace {

using json::Doc;
using json::Value;

// Who gives each section in conf/hub.yaml, and with which mapping.
std::pair<std::string, std::string> partner_of(const std::string& section) {
  if (section == "person") return {"dgsn", "dgsn.identity"};
  if (section == "family") return {"dgct", "dgct.family"};
  if (section == "taxpayer") return {"dgi", "dgi.taxpayer"};
  if (section == "household") return {"anrc", "anrc.household"};
  return {"ompic", "ompic.company"};
}

Section ok_section(const std::string& name, const Value& record) {
  Section s;
  s.status = Section::Status::ok;
  s.answered = "ok";
  s.attempts = 1;
  auto [partner, mapping] = partner_of(name);
  s.partner = partner;
  auto doc = std::make_shared<Doc>();
  doc->CopyFrom(record, doc->GetAllocator());
  s.record = std::move(doc);
  s.provenance = {partner, mapping, 1, "2026-11-27T08:00:00Z", "corr-" + partner};
  return s;
}

Section failed_section(const std::string& name, const Value& how) {
  Section s;
  s.partner = partner_of(name).first;
  const std::string status = json::text(how, "/status").value_or("not_found");
  const std::string why = json::text(how, "/error").value_or("no answer");
  s.answered = status == "ok" ? "ok" : "error";
  if (status == "ok" || status == "not_found") {
    s.status = Section::Status::not_found;
    s.error = make_error(Errc::not_found, s.partner + ": not found");
  } else if (status == "misconfigured") {
    s.status = Section::Status::misconfigured;
    s.error = make_error(Errc::internal, why, "unknown_mapping");
  } else {
    s.status = Section::Status::unavailable;
    s.error = make_error(Errc::partner_unavailable, why);
  }
  return s;
}

}  // namespace

Facts facts_with_provenance(const std::string& record_json, const std::string& statuses_json) {
  Facts f;
  auto record = json::parse(record_json);
  if (record && record->IsObject()) {
    for (const auto& m : record->GetObject()) {
      f.sections.emplace(m.name.GetString(), ok_section(m.name.GetString(), m.value));
    }
  }
  auto statuses = json::parse(statuses_json);
  if (statuses && statuses->IsObject()) {
    for (const auto& m : statuses->GetObject()) {
      if (!f.section(m.name.GetString())) {
        f.sections.emplace(m.name.GetString(), failed_section(m.name.GetString(), m.value));
      }
    }
  }
  return f;
}

std::string person_record(const std::string& cnie, const std::string& last_name,
                          const std::string& first_name, const std::string& sex,
                          const std::string& birth_date, const std::string& family_json,
                          const std::string& taxpayer_json) {
  std::string r =
      R"({"person":{"cnie":")" + cnie + R"(","last_name":")" + last_name + R"(","first_name":")" +
      first_name + R"(","sex":")" + sex + R"(","birth_date":")" + birth_date +
      R"(","birth_place":"Rabat","last_name_ar":null,"address":{"line":"12 rue Fès","commune":"Agdal","province":"Rabat"}})";
  if (!family_json.empty()) r += R"(,"family":)" + family_json;
  if (!taxpayer_json.empty()) r += R"(,"taxpayer":)" + taxpayer_json;
  return r + "}";
}

std::string with_section(std::string record_json, const std::string& name,
                         const std::string& section_json) {
  const auto end = record_json.rfind('}');
  const bool empty = record_json.find_first_not_of(" {", 0) == end;
  record_json.insert(end, (empty ? "\"" : ",\"") + name + "\":" + section_json);
  return record_json;
}

std::string household_record(bool eligible, const std::string& household_id) {
  return R"({"household_id":")" + household_id + R"(","registered_on":"2022-03-14","index":)" +
         (eligible ? "9.1532417" : "9.4012") +
         R"(,"index_date":"2026-06-30","members":[{"cnie":"BK123456","relationship":"head",)"
         R"("last_name":"EL AMRANI","first_name":"Fatima Zahra","birth_date":"1985-03-14"}],)"
         R"("amo_tadamon":{"eligible":)" +
         (eligible ? "true" : "false") +
         R"(,"threshold":9.3264284,"since":"2026-06-30"},"updated_at":"2026-11-02T08:00:00Z"})";
}

boost::asio::awaitable<Result<Facts>> FakeFacts::person(std::string cnie, std::string purpose,
                                                        std::string, std::string) {
  ++calls;
  {
    std::lock_guard lock(mutex_);
    last_purpose_ = purpose;
  }
  auto it = people.find(cnie);
  if (it == people.end()) {
    co_return facts_with_provenance(
        "{}", R"({"person":{"status":"not_found"},"family":{"status":"not_found"}})");
  }
  co_return it->second;
}

boost::asio::awaitable<Result<Facts>> FakeFacts::employer(std::string ice, std::string) {
  ++calls;
  auto it = companies.find(ice);
  if (it == companies.end()) {
    co_return facts_with_provenance(
        "{}", R"({"company":{"status":"not_found"},"taxpayer":{"status":"not_found"}})");
  }
  co_return it->second;
}

}  // namespace hub::registry::testing
