#include "hub/jobs/outcome.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hub::jobs {
namespace {

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, const rapidjson::Value& v) {
  v.Accept(w);
}

// {"dgsn": "ok", "dgct": "error:timeout"}: each partner's status in one word.
void put_partners(rapidjson::Writer<rapidjson::StringBuffer>& w, const rapidjson::Value& partners) {
  w.StartObject();
  for (auto it = partners.MemberBegin(); it != partners.MemberEnd(); ++it) {
    w.Key(it->name.GetString(), it->name.GetStringLength());
    std::string status = it->value.HasMember("status") && it->value["status"].IsString()
                             ? it->value["status"].GetString()
                             : "";
    if (it->value.HasMember("error") && it->value["error"].IsObject() &&
        it->value["error"].HasMember("code") && it->value["error"]["code"].IsString()) {
      status += std::string(":") + it->value["error"]["code"].GetString();
    }
    w.String(status.c_str(), static_cast<rapidjson::SizeType>(status.size()));
  }
  w.EndObject();
}

}  // namespace

std::string compact_result(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("record")) return "";
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (const char* member : {"record", "provenance"}) {
    if (!doc.HasMember(member)) continue;
    w.Key(member);
    put(w, doc[member]);
  }
  if (doc.HasMember("conflicts") && doc["conflicts"].IsArray() && !doc["conflicts"].Empty()) {
    w.Key("conflicts");
    put(w, doc["conflicts"]);
  }
  if (doc.HasMember("partners") && doc["partners"].IsObject()) {
    w.Key("partners");
    put_partners(w, doc["partners"]);
  }
  if (doc.HasMember("correlation_id")) {
    w.Key("correlation_id");
    put(w, doc["correlation_id"]);
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::optional<store::PrefillJobItem> outcome_of(const store::PrefillJobItem& asked,
                                                const exchange::PrefillResult& r) {
  if (r.error || r.status == 429 || r.status == 503) return std::nullopt;
  store::PrefillJobItem item;
  item.line = asked.line;
  item.identifier = asked.identifier;
  item.status = static_cast<int>(r.status);
  if (r.status == 200) {
    item.result = compact_result(r.body);
    item.state = item.result.empty() ? "error" : "done";
    if (item.result.empty()) item.error = "internal";
    return item;
  }
  item.state = "error";
  item.error = r.status == 404 ? "not_found" : r.status == 403 ? "forbidden_purpose" : "internal";
  return item;
}

std::string result_line(const store::PrefillJobItem& item, const std::string& kind) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("line");
  w.Int64(item.line);
  w.Key(kind == "employer" ? "ice" : "cnie");
  w.String(item.identifier.c_str(), static_cast<rapidjson::SizeType>(item.identifier.size()));
  w.Key("status");
  w.Int(item.status);
  if (!item.error.empty()) {
    w.Key("error");
    w.String(item.error.c_str(), static_cast<rapidjson::SizeType>(item.error.size()));
  }
  w.EndObject();
  std::string out(sb.GetString(), sb.GetSize());
  if (!item.result.empty() && item.result.size() > 2) {
    out.pop_back();  // the closing brace: the result's members follow
    out += ',';
    out.append(item.result, 1, std::string::npos);
  }
  return out;
}

}  // namespace hub::jobs
