// Commercial-register events (mappings/canonical/events.yaml, company_event), applied to the
// employer they concern, if CNSS affiliates it.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {

using json::Doc;
using json::Value;

namespace {

// An instant of the register (`dateExtrait`, ISO 8601: "2026-11-20T10:02:11Z", with or without
// a fraction of a second, `Z` or an offset "+01:00") in ms since the Unix epoch; nullopt when it
// reads otherwise.
std::optional<std::int64_t> register_instant_ms(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  std::string_view rest(end);
  if (rest.size() > 1 && rest.front() == '.' && std::isdigit(static_cast<unsigned char>(rest[1]))) {
    rest.remove_prefix(1);
    for (int scale = 100; !rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()));
         scale /= 10) {
      ms += (rest.front() - '0') * scale;
      rest.remove_prefix(1);
    }
  }
  if (rest == "Z") return ms;
  int h = 0, m = 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' ||
      std::sscanf(rest.data() + 1, "%2d:%2d", &h, &m) != 2) {
    return std::nullopt;
  }
  return ms - (rest[0] == '-' ? -1 : 1) * (h * 60 + m) * 60'000LL;
}

// Whether the employer holds the register's facts as of a later extract than the event's: OMPIC
// delivers its events unordered (shared/partners/ompic.md, "Company creations pushed to CNSS"),
// so an older extract delivered late must not bring back what a newer one replaced.
bool superseded(const Value& employer, const Value& company) {
  const auto held = json::text(employer, "/company/extracted_at");
  const auto given = json::text(company, "/extracted_at");
  if (!held || !given) return false;
  const auto h = register_instant_ms(*held);
  const auto g = register_instant_ms(*given);
  return h && g && *g < *h;
}

// {"applied": [], "outcome": why}: the event concerns no record, or changes nothing.
Outcome no_change(const char* why) {
  Doc out = json::object();
  out.AddMember("applied", Value(rapidjson::kArrayType), out.GetAllocator());
  json::set_string(out, "/outcome", why);
  return Outcome{Effect::applied, std::move(out), std::nullopt};
}

}  // namespace

Result<Outcome> Registry::apply_company_event(const std::string& event_json,
                                              const std::string& provenance_json,
                                              const Caller& caller) {
  auto read = read_partner_event(event_json, provenance_json);
  if (!read) return read.error();
  const json::Doc* event = &read->event;
  const json::Doc* prov = &read->provenance;
  const std::string& type = read->type;
  const std::string& id = read->id;
  if (type != "creation" && type != "modification" && type != "removal") {
    return invalid("/type", "must be creation, modification or removal");
  }
  const Value* company = json::find(*event, "/company");
  if (company == nullptr || !company->IsObject()) return invalid("/company", "is required");
  const auto ice = json::text(*company, "/ice");
  if (!ice) return invalid("/company/ice", "is required");
  if (auto p = identifiers::ice_problem(*ice)) return invalid("/company/ice", *p);

  auto key = store_.find_record_key(streams::keys::ice(*ice));
  if (!key) return key.error();
  if (!*key) {
    // Not affiliated (yet): a creation prepares an affiliation for an agent to confirm; any other
    // event concerns no record here.
    if (type == "creation") return prepare_affiliation(*this, *read, caller);
    return no_change("not_affiliated");
  }
  auto l = Impl::load_existing(*this, **key, "employer");
  if (!l) return l.error();
  if (superseded(l->state, *company)) return no_change("superseded");
  Doc after;
  after.CopyFrom(l->state, after.GetAllocator());
  // The register's facts replace the company facts, each with the event's provenance.
  erase_provenance_under(after, "/company");
  json::erase(after, "/company");
  Doc by_pointer = json::object();
  json::set(by_pointer, "/~1company", *prov);
  copy_with_provenance(*company, "/company", by_pointer, after, "/company");
  std::string event_type = "employer.company_updated";
  if (type == "removal") {
    // Striking a company off the register does not close its affiliation by itself: contributions
    // may still be due. The employer is flagged for an agent's review, with the event as source.
    event_type = "employer.removal_reported";
    Doc review = json::object();
    json::set_string(review, "/reason",
                     upper(read->partner) + " reports the company struck off the register");
    json::set_string(review, "/event_id", id);
    json::set(after, "/review", review);
    json::set(after, "/provenance/~1review", *prov);
  }
  auto w = Impl::change(*this, l->stream, l->version, l->state, after, event_type, caller,
                        upper(read->partner) + " " + type + " " + id, read->partner);
  if (!w) return no_change("unchanged");
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  if (auto done = Impl::commit_quietly(*this, commit, caller); !done) return done.error();
  Doc out = json::object();
  Value changed(rapidjson::kArrayType);
  changed.PushBack(Value(l->stream.c_str(), out.GetAllocator()), out.GetAllocator());
  out.AddMember("applied", changed, out.GetAllocator());
  json::set_string(out, "/outcome", "applied");
  return Outcome{Effect::applied, std::move(out), std::nullopt};
}

}  // namespace hub::registry
