#include "hub/partner/disclosures.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"

namespace hub::partner {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void field(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// "2026-12-01T11:52:03.123Z"
std::string iso_time(std::int64_t ms) {
  return log::iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

void write_fields(Writer& w, std::string_view fields) {
  w.Key("fields");
  w.StartArray();
  while (!fields.empty()) {
    const auto comma = fields.find(',');
    const auto f = fields.substr(0, comma);
    w.String(f.data(), static_cast<rapidjson::SizeType>(f.size()));
    if (comma == std::string_view::npos) break;
    fields.remove_prefix(comma + 1);
  }
  w.EndArray();
}

void write_disclosure(Writer& w, const store::Disclosure& d) {
  w.StartObject();
  field(w, "time", iso_time(d.time_ms));
  field(w, "recipient", d.principal);
  field(w, "agreement", d.agreement);
  field(w, "purpose", d.purpose);
  field(w, "resource", d.resource);
  write_fields(w, d.fields);
  field(w, "outcome", d.outcome);
  field(w, "correlation_id", d.correlation_id);
  if (!d.job.empty()) field(w, "job", d.job);
  w.EndObject();
}

void write_exchange(Writer& w, const store::JournalEntry& e) {
  w.StartObject();
  field(w, "time", iso_time(e.time_ms));
  field(w, "partner", e.partner);
  field(w, "operation", e.operation);
  field(w, "purpose", e.purpose);
  field(w, "principal", e.principal);
  field(w, "outcome", e.outcome);
  field(w, "correlation_id", e.correlation_id);
  w.Key("seq");
  w.Int64(e.seq);
  w.EndObject();
}

}  // namespace

Result<std::string> disclosures_json(store::Store& store, const audit::Journal& journal,
                                     const Subject& subject, std::size_t limit) {
  const std::string hash = journal.identifier_hash(subject.identifier);
  auto rows = store.list_disclosures(hash, limit);
  if (!rows) return rows.error();
  // The hub's own exchanges: the store leaves the partners' pulls out (they are journaled too, and
  // listed above), so that however many pulls there were, the exchanges are still shown.
  auto entries = store.journal_about(hash, limit);
  if (!entries) return entries.error();
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("subject");
  w.StartObject();
  field(w, "kind", subject.kind);
  field(w, "id", subject.id);
  field(w, "identifier_masked", mask_identifier(subject.identifier));
  w.EndObject();
  w.Key("disclosures");
  w.StartArray();
  for (const auto& d : *rows) write_disclosure(w, d);
  w.EndArray();
  w.Key("exchanges");
  w.StartArray();
  for (const auto& e : *entries) write_exchange(w, e);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::int64_t> prune_disclosures(store::Store& store,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::milliseconds retention) {
  if (retention.count() <= 0) return std::int64_t{0};
  const auto before =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) - retention;
  return store.prune_disclosures(before.count());
}

}  // namespace hub::partner
