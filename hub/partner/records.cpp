#include "hub/partner/records.hpp"

#include <cstdio>

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

}  // namespace

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
  copy_text(employer, "/affiliated_on", out, "/affiliated_on");
  const auto period = json::text(employer, "/last_declaration_period");
  const auto* n = json::find(employer, "/declared_employees_last_month");
  if (period == last_month && n != nullptr && n->IsInt64()) {
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
