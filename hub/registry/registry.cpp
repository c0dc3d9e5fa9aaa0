#include "hub/registry/registry.hpp"

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/identifiers/typed.hpp"
#include "hub/registry/support.hpp"
#include "hub/text/json.hpp"

#include <rapidjson/pointer.h>

namespace hub::registry {

using json::Doc;
using json::Value;

Registry::Registry(store::Store& store, FactSource& facts, const Clock& clock)
    : store_(store), facts_(facts), clock_(clock) {}

std::string_view name_of(Effect e) {
  switch (e) {
    case Effect::read:
      return "read";
    case Effect::created:
      return "created";
    case Effect::changed:
      return "changed";
    case Effect::unchanged:
      return "unchanged";
    case Effect::applied:
      return "applied";
  }
  return "read";
}

Doc copy_of(const Value& v) {
  Doc d;
  d.CopyFrom(v, d.GetAllocator());
  return d;
}

Error invalid(std::string_view path, std::string_view problem) {
  return make_error(Errc::invalid_input, std::string(path) + ": " + std::string(problem));
}

Result<void> well_formed(Registry& r, std::string_view kind, const std::string& id,
                         std::string_view path) {
  if (kind == streams::kInsured || kind == streams::kFamily || kind == streams::kEmployer) {
    auto until = Registry::Impl::luhn_until(r, kind);
    if (!until) return until.error();
    if (kind == streams::kEmployer) {
      if (identifiers::valid_affiliation(id, *until)) return {};
      return invalid(path, "must be a 7-digit affiliation number with its check digit");
    }
    if (identifiers::valid_immatriculation(id, *until)) return {};
    return invalid(path, "must be a 9-digit immatriculation number with its check digit");
  }
  if (kind == streams::kPerson) {
    if (auto problem = identifiers::cnie_problem(id)) return invalid(path, *problem);
  }
  return {};
}

std::int64_t end_of_day_ms(const Date& d) {
  return (days_from_epoch(d) + 1) * 86400000 - 1;
}

Result<json::Doc> parse_body(const std::string& body,
                             std::initializer_list<std::string_view> allowed) {
  // The hub's one reader of clients' JSON: I-JSON's refusals and the text rule (docs/text.md).
  auto doc = text::read_client_body(body.empty() ? std::string_view("{}") : std::string_view(body));
  if (!doc) return doc.error();
  if (!doc->IsObject()) return invalid("/", "the body must be a JSON object");
  if (auto r = only_members(*doc, "", allowed); !r) return r.error();
  return std::move(*doc);
}

Result<void> only_members(const Value& root, std::string_view path,
                          std::initializer_list<std::string_view> allowed) {
  const Value* v = json::find(root, path);
  if (v == nullptr) return {};
  if (!v->IsObject()) return invalid(path.empty() ? "/" : path, "must be a JSON object");
  for (const auto& m : v->GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) return invalid(std::string(path) + "/" + json::escape(name), "unknown field");
  }
  return {};
}

void read_as_typed(Doc& input, std::string_view path, Typed kind) {
  Value* v = rapidjson::Pointer(std::string(path).c_str()).Get(input);  // array indices too
  if (v == nullptr || !v->IsString()) return;
  const std::string_view typed(v->GetString(), v->GetStringLength());
  auto canonical = kind == Typed::cnie ? identifiers::typed_letters_and_digits(typed)
                                       : identifiers::typed_digits(typed);
  if (canonical) v->SetString(canonical->data(), canonical->size(), input.GetAllocator());
}

Result<std::optional<std::string>> string_at(const Value& root, std::string_view path,
                                             bool required, std::size_t max_chars) {
  const Value* v = json::find(root, path);
  if (v == nullptr || v->IsNull()) {
    if (required) return invalid(path, "is required");
    return std::optional<std::string>();
  }
  if (!v->IsString()) return invalid(path, "must be a string");
  std::string s(v->GetString(), v->GetStringLength());
  if (s.empty()) return invalid(path, "must not be empty");
  if (s.size() > max_chars) return invalid(path, "is longer than " + std::to_string(max_chars));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<Date>> date_at(const Value& root, std::string_view path, bool required) {
  auto s = string_at(root, path, required, 10);
  if (!s) return s.error();
  if (!*s) return std::optional<Date>();
  auto d = parse_date(**s);
  if (!d) return invalid(path, "must be a date YYYY-MM-DD");
  return std::optional<Date>(*d);
}

Result<std::string> reason_at(const Value& root, bool required) {
  auto r = string_at(root, "/reason", required, 500);
  if (!r) return r.error();
  return r->value_or("");
}

const Value* provenance_for(const Value& provenance, std::string pointer) {
  if (!provenance.IsObject()) return nullptr;
  for (;;) {
    auto it = provenance.FindMember(Value(rapidjson::StringRef(pointer.data(), pointer.size())));
    if (it != provenance.MemberEnd()) return &it->value;
    const auto slash = pointer.rfind('/');
    if (slash == std::string::npos) return nullptr;
    pointer.resize(slash);  // "" last: a section's own entry, when the map has one
  }
}

void copy_with_provenance(const Value& from, const std::string& from_path, const Value& provenance,
                          Doc& to, const std::string& to_path) {
  if (from.IsNull()) return;
  if (from.IsObject()) {
    for (const auto& m : from.GetObject()) {
      const std::string name = json::escape({m.name.GetString(), m.name.GetStringLength()});
      copy_with_provenance(m.value, from_path + "/" + name, provenance, to, to_path + "/" + name);
    }
    return;
  }
  Value copy;
  copy.CopyFrom(from, to.GetAllocator());
  json::strip_nulls(copy);
  json::set(to, to_path, copy);
  if (const Value* p = provenance_for(provenance, from_path)) {
    json::set(to, "/provenance/" + json::escape(to_path), *p);
  }
}

void erase_provenance_under(Doc& state, const std::string& pointer) {
  auto it = state.FindMember("provenance");
  if (it == state.MemberEnd() || !it->value.IsObject()) return;
  const std::string exact = pointer;
  const std::string below = pointer + "/";
  for (auto m = it->value.MemberBegin(); m != it->value.MemberEnd();) {
    // Provenance keys are pointers stored as member names (not escaped inside the map).
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    if (key == exact || key.compare(0, below.size(), below) == 0) {
      m = it->value.EraseMember(m);
    } else {
      ++m;
    }
  }
}

namespace {

Value provenance_entry(const Provenance& p, json::Alloc& a) {
  Value e(rapidjson::kObjectType);
  e.AddMember("partner", Value(p.partner.c_str(), a), a);
  e.AddMember("mapping", Value(p.mapping.c_str(), a), a);
  e.AddMember("version", Value(p.mapping_version), a);
  e.AddMember("fetched_at", Value(p.fetched_at.c_str(), a), a);
  e.AddMember("correlation_id", Value(p.correlation_id.c_str(), a), a);
  return e;
}

Value error_value(const Error& e, json::Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("code", Value(std::string(code_of(e.code)).c_str(), a), a);
  if (!e.detail.empty()) v.AddMember("detail", Value(e.detail.c_str(), a), a);
  v.AddMember("message", Value(e.message.c_str(), a), a);
  return v;
}

}  // namespace

Doc provenance_map(const Section& section) {
  Doc map = json::object();
  auto& a = map.GetAllocator();
  map.AddMember("", provenance_entry(section.provenance, a), a);
  for (const auto& [pointer, source] : section.sources) {
    Value e = provenance_entry(section.provenance, a);
    e.AddMember("source", Value(source.c_str(), a), a);
    map.AddMember(Value(pointer.c_str(), a), e, a);
  }
  return map;
}

std::string upper(std::string_view partner) {
  std::string s(partner);
  for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return s;
}

Result<const Section*> required_section(const Facts& facts, std::string_view step,
                                        std::string_view what) {
  const Section* s = facts.section(step);
  if (s == nullptr) {
    return make_error(Errc::internal,
                      "the exchange recipe has no step '" + std::string(step) + "' to give " +
                          std::string(what) + ": the hub's configuration (conf/hub.yaml)",
                      "recipe_incomplete");
  }
  switch (s->status) {
    case Section::Status::ok:
      if (s->record && s->record->IsObject()) return s;
      return make_error(Errc::internal, "the '" + std::string(step) + "' facts are not an object");
    case Section::Status::not_found:
      return s;
    case Section::Status::misconfigured:
      if (s->error) return *s->error;
      return make_error(Errc::internal, "the '" + std::string(step) + "' step failed");
    case Section::Status::unavailable:
      break;
  }
  const bool rationed = s->error && s->error->code == Errc::rate_limited;
  Error e =
      make_error(rationed ? Errc::rate_limited : Errc::partner_unavailable,
                 upper(s->partner) + " did not give " + std::string(what) + " (" +
                     (s->error ? s->error->message : std::string("no answer")) + "); retry later",
                 rationed ? "" : "partner_unavailable");
  // A rationed partner says when it may be asked again (its Retry-After): so does the answer.
  if (s->error) e.retry_after = s->error->retry_after;
  if (rationed && e.retry_after.count() == 0) e.retry_after = std::chrono::seconds(1);
  return e;
}

void record_evidence(Doc& state, const Facts& facts) {
  auto& a = state.GetAllocator();
  for (const auto& [step, s] : facts.sections) {
    Value e(rapidjson::kObjectType);
    if (step != s.partner) e.AddMember("step", Value(step.c_str(), a), a);
    e.AddMember("status", Value(s.answered.c_str(), a), a);
    if (s.record && (s.answered == "cached" || s.answered == "stale")) {
      e.AddMember("as_of", Value(s.provenance.fetched_at.c_str(), a), a);
    }
    if (s.error) e.AddMember("error", error_value(*s.error, a), a);
    e.AddMember("latency_ms", Value(s.latency_ms), a);
    e.AddMember("attempts", Value(s.attempts), a);
    json::set(state, "/prefill/" + json::escape(s.partner), e);
  }
}

Result<std::optional<Loaded>> Registry::Impl::load(Registry& r, const std::string& stream) {
  auto rec = r.store_.read_record(stream);
  if (!rec) return rec.error();
  if (!*rec) return std::optional<Loaded>();
  auto doc = json::parse((*rec)->state);
  if (!doc) {
    return make_error(Errc::internal, "the stored state of " + stream + " is not JSON",
                      "store_error");
  }
  return std::optional<Loaded>(Loaded{stream, (*rec)->version, std::move(*doc)});
}

Result<Loaded> Registry::Impl::load_existing(Registry& r, const std::string& stream,
                                             const std::string& what) {
  auto l = load(r, stream);
  if (!l) return l.error();
  if (!*l) return make_error(Errc::not_found, "no " + what);
  return std::move(**l);
}

Result<std::optional<Doc>> Registry::Impl::fold_at(Registry& r, const std::string& stream,
                                                   std::optional<Date> as_of) {
  const std::int64_t until = as_of ? end_of_day_ms(*as_of) : r.clock_.now_ms();
  auto events = r.store_.record_events(stream, until);
  if (!events) return events.error();
  if (events->empty()) return std::optional<Doc>();
  Doc state = json::object();
  for (const auto& e : *events) {
    auto data = json::parse(e.data);
    if (!data) continue;
    if (const Value* changes = json::find(*data, "/changes")) json::apply(state, *changes);
  }
  return std::optional<Doc>(std::move(state));
}

std::optional<store::StreamWrite> Registry::Impl::change(Registry& r, const std::string& stream,
                                                         std::int64_t expected_version,
                                                         const Value& before, const Doc& after,
                                                         std::string type, const Caller& caller,
                                                         std::string reason, std::string source) {
  Doc data = json::object();
  auto& a = data.GetAllocator();
  Value changes(rapidjson::kArrayType);
  json::diff(before, after, "", changes, a);
  if (changes.Empty()) return std::nullopt;
  data.AddMember("changes", changes, a);
  store::RecordEvent e;
  e.stream = stream;
  e.type = std::move(type);
  e.time_ms = r.clock_.now_ms();
  e.principal = caller.principal;
  e.reason = std::move(reason);
  e.source = std::move(source);
  e.correlation_id = caller.correlation_id;
  e.data = json::dump(data);
  store::StreamWrite w;
  w.stream = stream;
  w.kind = std::string(streams::kind_of(stream));
  w.expected_version = expected_version;
  w.events.push_back(std::move(e));
  w.state = json::dump(after);
  // Every registration record (person, insured, family, employer) is carried by the change feed:
  // the kinds an agreement can name (docs/feed.md). The registry's settings and the pending
  // affiliations are not registrations, and no consumer could be served them.
  w.feed = w.kind == streams::kPerson || w.kind == streams::kInsured ||
           w.kind == streams::kFamily || w.kind == streams::kEmployer;
  // A family keeps the index of its members up to date, in the same transaction.
  if (w.kind == streams::kFamily) w.members = member_index(after);
  return w;
}

namespace {

// An idempotent outcome as the store keeps it (store::IdempotentAnswer): the effect's number in
// `status`, the view in `body`, the version in decimal in `etag` (empty: none). Answers stored
// before outcomes were typed hold an HTTP status (200, 201) and an ETag ("\"3\""): read the
// same way, so no stored answer needs migrating.
store::IdempotentAnswer stored(const Outcome& o, const Caller& caller, std::int64_t now_ms) {
  return store::IdempotentAnswer{caller.principal,
                                 caller.idempotency_key,
                                 caller.request_hash,
                                 static_cast<int>(o.effect),
                                 json::dump(o.view),
                                 o.version ? std::to_string(*o.version) : std::string(),
                                 now_ms};
}

Result<Outcome> outcome_of(const store::IdempotentAnswer& a) {
  Outcome o;
  if (a.status >= 100) {
    o.effect = a.status == 201 ? Effect::created : Effect::changed;  // an HTTP status, before
  } else if (a.status >= static_cast<int>(Effect::read) &&
             a.status <= static_cast<int>(Effect::applied)) {
    o.effect = static_cast<Effect>(a.status);
  } else {
    return make_error(Errc::internal, "a stored answer has an unknown effect", "store_error");
  }
  auto view = json::parse(a.body);
  if (!view) return make_error(Errc::internal, "a stored answer is not JSON", "store_error");
  o.view = std::move(*view);
  std::string_view v = a.etag;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (!v.empty()) {
    std::int64_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') {
        return make_error(Errc::internal, "a stored answer has no version", "store_error");
      }
      n = n * 10 + (c - '0');
    }
    o.version = n;
  }
  return o;
}

}  // namespace

Result<std::optional<Outcome>> Registry::replayed(const Caller& caller) {
  if (caller.idempotency_key.empty()) return std::optional<Outcome>();
  auto a = store_.idempotent_answer(caller.principal, caller.idempotency_key);
  if (!a) return a.error();
  if (!*a) return std::optional<Outcome>();
  if ((*a)->request_hash != caller.request_hash) {
    return make_error(Errc::unprocessable,
                      "this Idempotency-Key was used for another request; use a new key",
                      "idempotency_key_reused");
  }
  auto o = outcome_of(**a);
  if (!o) return o.error();
  return std::optional<Outcome>(std::move(*o));
}

Result<std::optional<Outcome>> Registry::Impl::earlier(Registry& r, const std::string& key,
                                                       const Caller& caller,
                                                       const std::string& what) {
  auto existing = r.store_.find_record_key(key);
  if (!existing) return existing.error();
  if (!*existing) return std::optional<Outcome>();
  if (auto first = r.replayed(caller); !first || *first) return first;
  return make_error(Errc::conflict, what + " " + std::string(streams::id_of(**existing)),
                    "already_registered");
}

Result<Outcome> Registry::Impl::commit(Registry& r, store::RecordCommit& commit, Outcome outcome,
                                       const Caller& caller) {
  if (!caller.idempotency_key.empty()) {
    commit.answer = stored(outcome, caller, r.clock_.now_ms());
  }
  auto c = r.store_.commit_records(commit);
  if (c) return outcome;
  // A twin of this request (the same key, sent again before the first answer arrived) may have
  // committed meanwhile: whatever conflict that caused here, the client gets the twin's answer.
  if (c.error().code == Errc::conflict && !caller.idempotency_key.empty()) {
    auto first = r.replayed(caller);
    if (!first) return first.error();
    if (*first) return std::move(**first);
  }
  if (c.error().detail == "stale_version") {
    return make_error(Errc::conflict,
                      "the record changed while this request was handled; read it again and retry",
                      "concurrent_update");
  }
  return c.error();
}

Result<void> Registry::Impl::commit_quietly(Registry& r, store::RecordCommit& commit,
                                            const Caller& caller) {
  Caller plain = caller;
  plain.idempotency_key.clear();
  auto done = Impl::commit(r, commit, Outcome{}, plain);
  if (!done) return done.error();
  return {};
}

Result<void> Registry::Impl::check_if_match(const Caller& caller, std::int64_t version,
                                            const std::string& stream) {
  if (caller.if_match && *caller.if_match != version) {
    return make_error(Errc::precondition_failed,
                      stream + " is at version " + std::to_string(version) + ", not " +
                          std::to_string(*caller.if_match) + ": read it again",
                      "stale_etag");
  }
  return {};
}

Value Registry::Impl::client_provenance(Registry& r, const Caller& caller, json::Alloc& a) {
  Value p(rapidjson::kObjectType);
  p.AddMember("source", "client", a);
  p.AddMember("principal", Value(caller.principal.c_str(), a), a);
  p.AddMember("correlation_id", Value(caller.correlation_id.c_str(), a), a);
  p.AddMember("recorded_at_ms", Value(static_cast<int64_t>(r.clock_.now_ms())), a);
  return p;
}

Result<Outcome> Registry::history(std::string_view kind, const std::string& id) {
  if (auto ok = well_formed(*this, kind, id,
                            kind == streams::kEmployer ? "/affiliation"
                            : kind == streams::kPerson ? "/cnie"
                                                       : "/number");
      !ok) {
    return ok.error();
  }
  const std::string stream = streams::of(kind, id);
  auto events = store_.record_events(stream, INT64_MAX);
  if (!events) return events.error();
  if (events->empty()) return make_error(Errc::not_found, "no " + std::string(kind) + " " + id);
  Doc out = json::object();
  auto& a = out.GetAllocator();
  out.AddMember("record", Value(stream.c_str(), a), a);
  Value list(rapidjson::kArrayType);
  for (const auto& e : *events) {
    Value item(rapidjson::kObjectType);
    item.AddMember("version", Value(static_cast<int64_t>(e.version)), a);
    item.AddMember("type", Value(e.type.c_str(), a), a);
    item.AddMember("at_ms", Value(static_cast<int64_t>(e.time_ms)), a);
    item.AddMember("principal", Value(e.principal.c_str(), a), a);
    item.AddMember("reason", Value(e.reason.c_str(), a), a);
    item.AddMember("source", Value(e.source.c_str(), a), a);
    item.AddMember("correlation_id", Value(e.correlation_id.c_str(), a), a);
    if (auto data = json::parse(e.data)) {
      Value copy;
      copy.CopyFrom(*data, a);
      for (auto& m : copy.GetObject()) item.AddMember(m.name, m.value, a);
    }
    list.PushBack(item, a);
  }
  out.AddMember("events", list, a);
  return Outcome{Effect::read, std::move(out), events->back().version};
}

}  // namespace hub::registry
