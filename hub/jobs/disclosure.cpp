#include "hub/jobs/disclosure.hpp"

#include <rapidjson/document.h>

#include <set>

#include "hub/core/ids.hpp"

namespace hub::jobs {
namespace {

void leaf_paths(const rapidjson::Value& v, const std::string& prefix, std::set<std::string>& out) {
  if (!v.IsObject() || v.MemberCount() == 0) {
    if (!prefix.empty()) out.insert(prefix);
    return;
  }
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    leaf_paths(it->value, prefix.empty() ? name : prefix + "." + name, out);
  }
}

}  // namespace

std::string record_fields(const std::string& result) {
  rapidjson::Document doc;
  doc.Parse(result.data(), result.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("record")) return "";
  std::set<std::string> paths;
  leaf_paths(doc["record"], "", paths);
  std::string out;
  for (const auto& p : paths) out += (out.empty() ? "" : ",") + p;
  return out;
}

store::Disclosure disclosure_of(const JobOfItem& job, const store::PrefillJobItem& item,
                                const std::string& correlation_id, const audit::Journal& journal,
                                std::int64_t time_ms) {
  store::Disclosure d;
  if (item.status != 200 && item.status != 404) return d;
  if (item.status == 200 && item.state != "done") return d;
  d.time_ms = time_ms;
  d.subject_hmac = journal.identifier_hash(item.identifier);
  d.identifier_masked = mask_identifier(item.identifier);
  d.principal = job.owner;
  d.purpose = job.purpose;
  d.resource = "prefill_job";
  d.fields = item.status == 200 ? record_fields(item.result) : "";
  d.outcome = item.status == 200 ? "served" : "not_found";
  d.correlation_id = correlation_id;
  d.job = job.id;
  return d;
}

}  // namespace hub::jobs
