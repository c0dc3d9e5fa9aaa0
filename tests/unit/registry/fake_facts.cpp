#include "unit/registry/fake_facts.hpp"

#include "hub/registry/json.hpp"

namespace hub::registry::testing {
namespace {

using json::Doc;
using json::Value;

void leaves(const Value& v, const std::string& path, Doc& prov) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      leaves(m.value, path + "/" + json::escape({m.name.GetString(), m.name.GetStringLength()}),
             prov);
    }
    return;
  }
  if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      leaves(v[i], path + "/" + std::to_string(i), prov);
    }
    return;
  }
  const std::string section = path.substr(1, path.find('/', 1) - 1);
  const std::string partner = section == "person"     ? "dgsn"
                              : section == "family"   ? "dgct"
                              : section == "taxpayer" ? "dgi"
                                                      : "ompic";
  const std::string mapping = section == "person"     ? "dgsn.identity"
                              : section == "family"   ? "dgct.family"
                              : section == "taxpayer" ? "dgi.taxpayer"
                                                      : "ompic.company";
  Doc p = json::object();
  json::set_string(p, "/partner", partner);
  json::set_string(p, "/mapping", mapping);
  json::set(p, "/version", Value(1));
  json::set_string(p, "/fetched_at", "2026-11-27T08:00:00Z");
  json::set_string(p, "/correlation_id", "corr-" + partner);
  // The provenance map's keys are pointers, not pointer tokens: the key is one member name.
  prov.AddMember(Value(path.c_str(), prov.GetAllocator()), Value(p, prov.GetAllocator()),
                 prov.GetAllocator());
}

}  // namespace

Facts facts_with_provenance(const std::string& record_json, const std::string& partners_json) {
  auto record = json::parse(record_json);
  Doc prov = json::object();
  if (record) leaves(*record, "", prov);
  return Facts{record_json, json::dump(prov), partners_json};
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

boost::asio::awaitable<Result<Facts>> FakeFacts::person(std::string cnie, std::string purpose,
                                                        std::string, std::string) {
  ++calls;
  {
    std::lock_guard lock(mutex_);
    last_purpose_ = purpose;
  }
  auto it = people.find(cnie);
  if (it == people.end()) {
    co_return Facts{"{}", "{}", R"({"dgsn":{"status":"not_found"},"dgct":{"status":"not_found"}})"};
  }
  co_return it->second;
}

boost::asio::awaitable<Result<Facts>> FakeFacts::employer(std::string ice, std::string) {
  ++calls;
  auto it = companies.find(ice);
  if (it == companies.end()) {
    co_return Facts{"{}", "{}", R"({"ompic":{"status":"not_found"},"dgi":{"status":"not_found"}})"};
  }
  co_return it->second;
}

}  // namespace hub::registry::testing
