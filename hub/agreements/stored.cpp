#include "hub/agreements/stored.hpp"

#include "hub/agreements/mask.hpp"
#include "hub/agreements/roles.hpp"
#include "hub/config/agreements.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>

namespace hub::agreements {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_one(Writer& w, const Agreement& a) {
  w.StartObject();
  w.Key("principal");
  write_string(w, a.principal);
  w.Key("legal_basis");
  w.StartObject();
  w.Key("text");
  write_string(w, a.legal_basis.text);
  w.Key("reference");
  write_string(w, a.legal_basis.reference);
  w.EndObject();
  w.Key("purposes");
  w.StartArray();
  for (const auto& p : a.purposes) write_string(w, p);
  w.EndArray();
  if (!a.purpose_header.empty()) {
    w.Key("purpose_header");
    write_string(w, a.purpose_header);
  }
  w.Key("resources");
  w.StartObject();
  for (const auto& r : a.resources) {
    write_string(w, r.name);
    w.StartObject();
    w.Key("fields");
    w.StartArray();
    for (const auto& f : r.fields) write_string(w, f.path);
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  w.Key("quota");
  w.StartObject();
  w.Key("per_second");
  w.Double(a.quota.per_second);
  w.Key("per_day");
  w.Uint64(a.quota.per_day);
  w.EndObject();
  w.Key("valid_from");
  write_string(w, iso_day(a.valid_from));
  w.Key("valid_until");
  write_string(w, iso_day(a.valid_until));
  w.EndObject();
}

Error invalid(const std::vector<config::Problem>& problems) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("problems");
  w.StartArray();
  std::string first;
  for (const auto& p : problems) {
    if (first.empty()) first = p.to_string();
    w.StartObject();
    w.Key("line");
    w.Int(p.line);
    w.Key("column");
    w.Int(p.column);
    w.Key("path");
    write_string(w, p.path);
    w.Key("code");
    write_string(w, p.code);
    w.Key("message");
    write_string(w, p.message);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  Error e =
      make_error(Errc::invalid_input,
                 std::to_string(problems.size()) + " problem(s) in the agreements; first: " + first,
                 "invalid_agreements");
  e.details_json = std::string(buf.GetString(), buf.GetSize());
  return e;
}

}  // namespace

Result<AgreementSet> from_state(const store::RecordState& st,
                                const std::vector<config::Principal>& principals) {
  auto parsed = config::parse_agreements(st.state, "store:agreements", principals);
  if (!parsed.problems.empty()) {
    // A principal removed from the configuration since: refuse to serve a set that names it
    // rather than serve part of it.
    return make_error(
        Errc::internal,
        "the stored agreements do not read back: " + parsed.problems.front().to_string(),
        "invalid_stored_agreements");
  }
  return AgreementSet{st.version, std::move(parsed.agreements), st.state};
}

namespace {

Result<void> write(store::Store& store, std::int64_t expected_version, const std::string& type,
                   const std::string& json, const Change& change) {
  store::StreamWrite sw;
  sw.stream = kStream;
  sw.kind = kStream;
  sw.expected_version = expected_version;
  store::RecordEvent ev;
  ev.stream = kStream;
  ev.version = expected_version + 1;
  ev.type = type;
  ev.time_ms = change.time_ms;
  ev.principal = change.principal;
  ev.reason = change.reason;
  ev.source = type == "agreements.seeded" ? "configuration" : "client";
  ev.correlation_id = change.correlation_id;
  ev.data = json;
  sw.events.push_back(std::move(ev));
  sw.state = json;
  store::RecordCommit commit;
  commit.writes.push_back(std::move(sw));
  return store.commit_records(commit);
}

}  // namespace

std::string to_json(const std::vector<Agreement>& agreements) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  for (const auto& a : agreements) {
    write_string(w, a.name);
    write_one(w, a);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<AgreementSet> load_or_seed(store::Store& store, const std::vector<Agreement>& seed,
                                  const std::vector<config::Principal>& principals,
                                  const Change& change) {
  auto st = store.read_record(kStream);
  if (!st) return st.error();
  if (*st) return from_state(**st, principals);
  auto w = write(store, 0, "agreements.seeded", to_json(seed), change);
  if (!w && w.error().detail != "stale_version" && w.error().code != Errc::conflict) {
    return w.error();
  }
  st = store.read_record(kStream);
  if (!st) return st.error();
  if (!*st) return make_error(Errc::internal, "the agreements were not stored", "store_error");
  return from_state(**st, principals);
}

Result<AgreementSet> replace(store::Store& store, const std::string& body,
                             std::int64_t expected_version,
                             const std::vector<config::Principal>& principals,
                             const mapping::CanonicalModel& model, const Change& change) {
  auto parsed = config::parse_agreements(body, "body", principals);
  if (parsed.problems.empty()) parsed.problems = check(parsed.agreements, model);
  for (auto& p : check_roles(parsed.agreements, principals)) parsed.problems.push_back(p);
  if (!parsed.problems.empty()) return invalid(parsed.problems);
  const std::string json = to_json(parsed.agreements);
  if (auto w = write(store, expected_version, "agreements.replaced", json, change); !w) {
    return w.error();
  }
  return AgreementSet{expected_version + 1, std::move(parsed.agreements), json};
}

Result<std::vector<store::RecordEvent>> history(store::Store& store) {
  return store.record_events(kStream, std::numeric_limits<std::int64_t>::max());
}

}  // namespace hub::agreements
