#include "hub/events/records.hpp"

#include "hub/audit/digest.hpp"

namespace hub::events {

bool is_status(std::string_view s) {
  return s == kRecorded || s == kApplied || s == kNotApplicable || s == kWaiting ||
         s == kNotConcerned;
}

std::optional<std::string> event_id_problem(const std::string& id) {
  if (id.empty()) return "is empty";
  if (id.size() > 128) return "is longer than 128 characters";
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%') {
      return "holds a character other than printable ASCII (no space, '/', '?', '#' or '%')";
    }
  }
  return std::nullopt;
}

store::RecordCommit commit_of(EventWrite o) {
  store::StreamWrite w;
  w.stream = std::move(o.stream);
  w.kind = std::string(o.kind);
  w.expected_version = o.expected_version;
  store::RecordEvent e;
  e.version = o.expected_version + 1;
  e.type = std::move(o.type);
  e.time_ms = o.time_ms;
  e.principal = std::move(o.principal);
  e.reason = std::move(o.reason);
  e.source = std::move(o.source);
  e.correlation_id = std::move(o.correlation_id);
  e.data = std::move(o.data);
  w.events.push_back(std::move(e));
  w.state = std::move(o.state);
  w.label = std::move(o.label);
  w.waits = std::move(o.waits);
  store::RecordCommit c;
  c.writes.push_back(std::move(w));
  return c;
}

audit::ExchangeRecord event_entry(const std::string& principal, const std::string& partner,
                                  const std::string& correlation_id, const std::string& event_id,
                                  const std::string& operation, const std::string& outcome,
                                  const std::string& body) {
  audit::ExchangeRecord r;
  r.principal = principal;
  r.purpose = "EVENT";
  r.correlation_id = correlation_id;
  r.partner = partner;
  r.operation = operation;
  r.identifier = event_id;
  r.outcome = outcome;
  r.response_body_sha256 = audit::sha256_hex(body);
  return r;
}

registry::json::Doc parsed(const std::string& text) {
  auto d = registry::json::parse(text);
  if (d) return std::move(*d);
  return registry::json::object();
}

}  // namespace hub::events
