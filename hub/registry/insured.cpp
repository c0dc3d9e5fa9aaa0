// Insured persons: registration from a CNIE, reads, RIB, contact, status, cards, refresh, death.
#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

constexpr std::string_view kCategories[] = {"SALARIE", "TNS", "AMO_TADAMON", "AMO_ACHAMIL"};
constexpr std::string_view kPersonFields[] = {"last_name",     "first_name",  "last_name_ar",
                                              "first_name_ar", "birth_date",  "birth_place",
                                              "sex",           "father_name", "mother_name"};
constexpr std::string_view kPartnerNames[] = {"dgsn", "dgct", "dgi", "ompic"};

std::string person_stream(const std::string& cnie) {
  return "person/" + cnie;
}
std::string insured_stream(const std::string& n) {
  return "insured/" + n;
}
std::string family_stream(const std::string& n) {
  return "family/" + n;
}

Doc copy_of(const Value& v) {
  Doc d;
  d.CopyFrom(v, d.GetAllocator());
  return d;
}

std::string upper_partner(std::string_view p) {
  std::string s(p);
  for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return s;
}

Result<void> check_contact(const Value& input) {
  if (auto r = only_members(input, "/contact", {"phone", "email", "address"}); !r) return r;
  auto phone = string_at(input, "/contact/phone", false, 16);
  if (!phone) return phone.error();
  if (*phone) {
    const std::string& p = **phone;
    const std::size_t start = p[0] == '+' ? 1 : 0;
    const std::size_t n = p.size() - start;
    bool digits = n >= 9 && n <= 15;
    for (std::size_t i = start; i < p.size() && digits; ++i) digits = p[i] >= '0' && p[i] <= '9';
    if (!digits) return invalid("/contact/phone", "must be 9 to 15 digits, optionally after +");
  }
  auto email = string_at(input, "/contact/email", false, 254);
  if (!email) return email.error();
  if (*email) {
    const std::string& e = **email;
    const auto at = e.find('@');
    if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos ||
        e.find('.', at) == std::string::npos || e.back() == '.' ||
        e.find(' ') != std::string::npos) {
      return invalid("/contact/email", "must be an e-mail address");
    }
  }
  auto address = string_at(input, "/contact/address", false, 300);
  if (!address) return address.error();
  return {};
}

Result<std::optional<std::string>> check_rib(const Value& input) {
  auto rib = string_at(input, "/rib", false, 24);
  if (!rib) return rib.error();
  if (*rib) {
    if (auto p = identifiers::rib_problem(**rib)) return invalid("/rib", *p);
  }
  return rib;
}

// The client's identity fields, each checked against what the partners said.
Result<void> merge_client_person(Registry& r, const Value& input, Doc& person, const Caller& caller,
                                 Value (*provenance)(Registry&, const Caller&, json::Alloc&)) {
  if (auto m = only_members(input, "/person",
                            {"last_name", "first_name", "last_name_ar", "first_name_ar",
                             "birth_date", "birth_place", "sex", "father_name", "mother_name"});
      !m) {
    return m;
  }
  if (auto m = only_members(input, "/override", {"reason"}); !m) return m;
  auto reason = string_at(input, "/override/reason", false, 500);
  if (!reason) return reason.error();
  auto& a = person.GetAllocator();
  for (auto field : kPersonFields) {
    const std::string path = "/person/" + std::string(field);
    auto value = string_at(input, path, false, 120);
    if (!value) return value.error();
    if (!*value) continue;
    if (field == "birth_date" && !parse_date(**value, true)) {
      return invalid(path, "must be a date YYYY-MM-DD");
    }
    if (field == "sex" && **value != "M" && **value != "F") return invalid(path, "must be M or F");
    const auto known = json::text(person, path);
    if (known && *known == **value) continue;
    Value p = provenance(r, caller, a);
    const Value* source = json::find(person, "/provenance/" + json::escape(path));
    // A partner's value stands behind the field when a partner gave it, or when a client
    // override replaced it: then the partner's value is the one in "overrides".
    const Value* behind = source ? json::find(*source, "/overrides") : nullptr;
    const bool from_partner = source && json::find(*source, "/partner") != nullptr;
    if (known && (from_partner || behind)) {
      const Value* partner_prov = behind ? json::find(*behind, "/provenance") : source;
      const std::string partner =
          partner_prov ? json::text(*partner_prov, "/partner").value_or("a partner") : "a partner";
      const std::string partner_value =
          behind ? json::text(*behind, "/value").value_or(*known) : *known;
      if (!caller.may_override || !*reason) {
        return make_error(Errc::conflict,
                          path + ": " + upper_partner(partner) + " says \"" + partner_value +
                              "\"; only a principal with the override role may record another "
                              "value, with a reason in /override/reason",
                          "contradicts_source");
      }
      Value overridden(rapidjson::kObjectType);
      if (behind) {
        overridden.CopyFrom(*behind, a);
      } else {
        overridden.AddMember("value", Value(known->c_str(), a), a);
        overridden.AddMember("provenance", Value(*source, a), a);
      }
      p.AddMember("overrides", overridden, a);
      p.AddMember("reason", Value((*reason)->c_str(), a), a);
    }
    json::set_string(person, path, **value);
    json::set(person, "/provenance/" + json::escape(path), p);
  }
  return {};
}

Value client_prov(Registry& r, const Caller& c, json::Alloc& a) {
  return Registry::Impl::client_provenance(r, c, a);
}

// Why a person may not be registered in a category, from the partners' facts.
Result<void> check_partners_for_person(const Value& record, const Value& partners,
                                       const std::string& category) {
  const std::string dgsn = partner_status(partners, "dgsn");
  if (json::find(record, "/person") == nullptr) {
    if (dgsn == "not_found") {
      return make_error(Errc::unprocessable, "/cnie: DGSN knows no person with this CNIE",
                        "unknown_person");
    }
    return make_error(
        Errc::partner_unavailable,
        "DGSN did not give the identity (" + partner_error(partners, "dgsn") + "); retry later",
        "partner_unavailable");
  }
  if (auto death = json::text(record, "/person/death_date")) {
    return make_error(Errc::unprocessable, "/cnie: DGSN records a death on " + *death, "deceased");
  }
  if (category != "TNS") return {};
  const std::string dgi = partner_status(partners, "dgi");
  if (json::find(record, "/taxpayer") == nullptr) {
    if (dgi == "not_found") {
      return make_error(Errc::unprocessable,
                        "/category: TNS needs a self-employed taxpayer, and DGI knows none for "
                        "this CNIE",
                        "not_self_employed");
    }
    return make_error(
        Errc::partner_unavailable,
        "DGI did not give the tax status (" + partner_error(partners, "dgi") + "); retry later",
        "partner_unavailable");
  }
  const auto kind = json::text(record, "/taxpayer/kind").value_or("");
  if (kind != "individual") {
    return make_error(
        Errc::unprocessable,
        "/category: TNS needs a self-employed taxpayer; DGI says this CNIE is a " +
            (kind.empty() ? std::string("taxpayer of unknown kind") : kind + " taxpayer"),
        "not_self_employed");
  }
  const auto status = json::text(record, "/taxpayer/status").value_or("");
  if (status != "active") {
    return make_error(Errc::unprocessable,
                      "/category: TNS needs an active self-employed taxpayer; DGI says the "
                      "activity is " +
                          (status.empty() ? std::string("of unknown status") : status),
                      "not_self_employed");
  }
  return {};
}

// The insured person as a client reads it: the registration, the person's identity, and every
// field's provenance under one JSON pointer space.
std::string compose_insured(const Value& insured, const Value* person, std::int64_t version) {
  Doc out;
  out.CopyFrom(insured, out.GetAllocator());
  auto& a = out.GetAllocator();
  if (person != nullptr) {
    if (const Value* p = json::find(*person, "/person")) json::set(out, "/person", *p);
    if (const Value* prov = json::find(*person, "/provenance"); prov && prov->IsObject()) {
      for (const auto& m : prov->GetObject()) {
        json::set(out,
                  "/provenance/" + json::escape({m.name.GetString(), m.name.GetStringLength()}),
                  m.value);
      }
    }
  }
  out.RemoveMember("version");
  out.AddMember("version", Value(static_cast<int64_t>(version)), a);
  return json::dump(out);
}

std::string number_from(const std::string& s) {
  return s.substr(s.find('/') + 1);
}

}  // namespace

Result<std::optional<Doc>> insured_of_cnie(Registry& r, const std::string& cnie) {
  auto key = Registry::Impl::store(r).find_record_key("insured-of/" + cnie);
  if (!key) return key.error();
  if (!*key) return std::optional<Doc>();
  auto l = Registry::Impl::load(r, **key);
  if (!l) return l.error();
  if (!*l) return std::optional<Doc>();
  return std::optional<Doc>(std::move((*l)->state));
}

boost::asio::awaitable<Result<Answer>> Registry::register_insured(std::string body, Caller caller) {
  auto input = parse_body(body, {"cnie", "category", "rib", "contact", "person", "override"});
  if (!input) co_return input.error();
  auto cnie = string_at(*input, "/cnie", true, 8);
  if (!cnie) co_return cnie.error();
  if (auto p = identifiers::cnie_problem(**cnie)) co_return invalid("/cnie", *p);
  auto category = string_at(*input, "/category", true, 20);
  if (!category) co_return category.error();
  bool known = false;
  for (auto c : kCategories) known = known || c == **category;
  if (!known) co_return invalid("/category", "must be SALARIE, TNS, AMO_TADAMON or AMO_ACHAMIL");
  auto rib = check_rib(*input);
  if (!rib) co_return rib.error();
  if (auto c = check_contact(*input); !c) co_return c.error();

  {
    // The client's identity fields are checked against nothing yet: only their form, so that
    // bad input never costs a partner call.
    Doc scratch = json::object();
    if (auto m = merge_client_person(*this, *input, scratch, caller, client_prov); !m) {
      co_return m.error();
    }
  }
  auto earlier = co_await blocking<Result<std::optional<Answer>>>([&] {
    return Impl::earlier(*this, "insured-of/" + **cnie, caller, "/cnie: already registered as");
  });
  if (!earlier) co_return earlier.error();
  if (*earlier) co_return std::move(**earlier);
  auto facts = co_await facts_.person(**cnie, "IMMATRICULATION", **category, caller.correlation_id);
  co_return co_await blocking<Result<Answer>>([&]() -> Result<Answer> {
    if (!facts) return facts.error();
    auto record = json::parse(facts->record_json.empty() ? "{}" : facts->record_json);
    auto provenance = json::parse(facts->provenance_json.empty() ? "{}" : facts->provenance_json);
    auto partners = json::parse(facts->partners_json.empty() ? "{}" : facts->partners_json);
    if (!record || !provenance || !partners || !record->IsObject()) {
      return make_error(Errc::internal, "the exchange broker gave facts that are not JSON");
    }
    if (auto c = check_partners_for_person(*record, *partners, **category); !c) return c.error();

    Doc person = json::object();
    json::set_string(person, "/id", **cnie);
    copy_with_provenance(*json::find(*record, "/person"), "/person", *provenance, person,
                         "/person");
    json::set_string(person, "/person/cnie", **cnie);
    if (auto m = merge_client_person(*this, *input, person, caller, client_prov); !m)
      return m.error();

    auto serial = store_.next_number("immatriculation");
    if (!serial) return serial.error();
    auto number = identifiers::immatriculation_number(*serial, identifiers::CheckDigit::luhn);
    if (!number) return make_error(Errc::internal, "the immatriculation numbers are exhausted");

    Doc insured = json::object();
    auto& a = insured.GetAllocator();
    json::set_string(insured, "/immatriculation", *number);
    json::set_string(insured, "/cnie", **cnie);
    json::set_string(insured, "/category", **category);
    json::set_string(insured, "/status", "ACTIVE");
    json::set_string(insured, "/registered_on", format_date(clock_.today()));
    const Value client = Impl::client_provenance(*this, caller, a);
    json::set(insured, "/provenance/~1category", client);
    if (*rib) {
      json::set_string(insured, "/rib", **rib);
      json::set(insured, "/provenance/~1rib", client);
    }
    if (const Value* contact = json::find(*input, "/contact")) {
      json::set(insured, "/contact", *contact);
      json::set(insured, "/provenance/~1contact", client);
    }
    if (**category == "TNS") {
      copy_with_provenance(*json::find(*record, "/taxpayer"), "/taxpayer", *provenance, insured,
                           "/taxpayer");
    }
    // The partners consulted, as the registration's evidence.
    for (auto p : kPartnerNames) {
      if (const Value* s = json::find(*partners, "/" + std::string(p))) {
        json::set(insured, "/prefill/" + std::string(p), *s);
      }
    }

    Doc family = json::object();
    json::set_string(family, "/immatriculation", *number);
    json::set_string(family, "/holder_cnie", **cnie);
    if (const Value* booklet = json::find(*record, "/family")) {
      merge_booklet(family, *booklet, "/family", *provenance);
    }
    auto covered = coverage(*this, family, insured, person, clock_.today());
    if (!covered) return covered.error();
    json::set(family, "/eligibility", *covered);

    const Doc empty = json::object();
    store::RecordCommit commit;
    auto pw = Impl::change(*this, person_stream(**cnie), 0, empty, person, "person.identified",
                           caller, "registration of " + *number);
    auto existing_person = Impl::load(*this, person_stream(**cnie));
    if (!existing_person) return existing_person.error();
    if (*existing_person) {
      pw = Impl::change(*this, person_stream(**cnie), (*existing_person)->version,
                        (*existing_person)->state, person, "person.updated", caller,
                        "registration of " + *number);
    }
    if (pw) {
      pw->keys.push_back("cnie/" + **cnie);
      commit.writes.push_back(std::move(*pw));
    }
    auto iw = Impl::change(*this, insured_stream(*number), 0, empty, insured, "insured.registered",
                           caller, "");
    iw->keys.push_back("insured-of/" + **cnie);
    commit.writes.push_back(std::move(*iw));
    if (auto fw = Impl::change(*this, family_stream(*number), 0, empty, family, "family.prefilled",
                               caller, "DGCT family booklet", "dgct")) {
      commit.writes.push_back(std::move(*fw));
    }
    Answer answer{201, compose_insured(insured, &person, 1), etag_of(1)};
    auto done = Impl::commit(*this, commit, std::move(answer), caller);
    if (!done && done.error().detail == "duplicate_key") {
      return make_error(Errc::conflict, "/cnie: already registered", "already_registered");
    }
    return done;
  });
}

Result<Answer> Registry::insured(const std::string& number, std::optional<Date> as_of) {
  if (!identifiers::valid_immatriculation(number, identifiers::kLuhnForAll)) {
    return invalid("/number", "must be a 9-digit immatriculation number with its check digit");
  }
  if (!as_of) {
    auto l = Impl::load_existing(*this, insured_stream(number), "insured person " + number);
    if (!l) return l.error();
    const auto cnie = json::text(l->state, "/cnie").value_or("");
    auto p = Impl::load(*this, person_stream(cnie));
    if (!p) return p.error();
    const Value* person = *p ? &(*p)->state : nullptr;
    return Answer{200, compose_insured(l->state, person, l->version), etag_of(l->version)};
  }
  auto state = Impl::fold_at(*this, insured_stream(number), as_of);
  if (!state) return state.error();
  if (!*state) {
    return make_error(Errc::not_found,
                      "no insured person " + number + " on " + format_date(*as_of));
  }
  auto person =
      Impl::fold_at(*this, person_stream(json::text(**state, "/cnie").value_or("")), as_of);
  if (!person) return person.error();
  auto events = store_.record_events(insured_stream(number), end_of_day_ms(*as_of));
  if (!events) return events.error();
  const std::int64_t version = events->empty() ? 0 : events->back().version;
  Doc out = json::parse(compose_insured(**state, *person ? &**person : nullptr, version)).value();
  json::set_string(out, "/as_of", format_date(*as_of));
  return Answer{200, json::dump(out), etag_of(version)};
}

Result<Answer> Registry::person(const std::string& cnie) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto l = Impl::load_existing(*this, person_stream(cnie), "person " + cnie);
  if (!l) return l.error();
  Doc out = copy_of(l->state);
  out.AddMember("version", Value(static_cast<int64_t>(l->version)), out.GetAllocator());
  return Answer{200, json::dump(out), etag_of(l->version)};
}

Result<Answer> Registry::correct_person(const std::string& cnie, const std::string& body,
                                        const Caller& caller) {
  auto input = parse_body(body, {"person", "override"});
  if (!input) return input.error();
  if (json::find(*input, "/person") == nullptr) return invalid("/person", "is required");
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto l = Impl::load_existing(*this, person_stream(cnie), "person " + cnie);
  if (!l) return l.error();
  if (auto m = Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  Doc after = copy_of(l->state);
  if (auto m = merge_client_person(*this, *input, after, caller, client_prov); !m) {
    return m.error();
  }
  auto reason = string_at(*input, "/override/reason", false, 500);
  if (!reason) return reason.error();
  auto w = Impl::change(*this, l->stream, l->version, l->state, after, "person.corrected", caller,
                        reason->value_or(""));
  if (!w) return person(cnie);
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  Doc out = copy_of(after);
  out.AddMember("version", Value(static_cast<int64_t>(l->version + 1)), out.GetAllocator());
  return Impl::commit(*this, commit, Answer{200, json::dump(out), etag_of(l->version + 1)}, caller);
}

Result<Answer> Registry::insured_by_cnie(const std::string& cnie) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto key = store_.find_record_key("insured-of/" + cnie);
  if (!key) return key.error();
  if (!*key) return make_error(Errc::not_found, "no insured person with this CNIE");
  return insured(number_from(**key));
}

namespace {

// Loads an insured registration for an update, after the If-Match check.
Result<Loaded> for_update(Registry& r, const std::string& number, const Caller& caller) {
  if (!identifiers::valid_immatriculation(number, identifiers::kLuhnForAll)) {
    return invalid("/number", "must be a 9-digit immatriculation number with its check digit");
  }
  auto l = Registry::Impl::load_existing(r, insured_stream(number), "insured person " + number);
  if (!l) return l.error();
  if (auto m = Registry::Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  return l;
}

// Commits one change of an insured registration and answers the new state.
Result<Answer> commit_insured(Registry& r, Loaded& l, const Doc& after, std::string type,
                              const Caller& caller, std::string reason,
                              std::string source = "client") {
  auto w = Registry::Impl::change(r, l.stream, l.version, l.state, after, std::move(type), caller,
                                  std::move(reason), std::move(source));
  if (!w) return r.insured(json::text(l.state, "/immatriculation").value_or(""));
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  const std::string cnie = json::text(after, "/cnie").value_or("");
  auto p = Registry::Impl::load(r, person_stream(cnie));
  if (!p) return p.error();
  Answer answer{200, compose_insured(after, *p ? &(*p)->state : nullptr, l.version + 1),
                etag_of(l.version + 1)};
  return Registry::Impl::commit(r, commit, std::move(answer), caller);
}

bool transition_allowed(std::string_view from, std::string_view to) {
  if (from == "ACTIVE") return to == "SUSPENDED" || to == "CLOSED";
  if (from == "SUSPENDED") return to == "ACTIVE" || to == "CLOSED";
  return false;  // CLOSED is final
}

}  // namespace

Result<Answer> Registry::change_rib(const std::string& number, const std::string& body,
                                    const Caller& caller) {
  auto input = parse_body(body, {"rib", "reason"});
  if (!input) return input.error();
  auto rib = string_at(*input, "/rib", true, 24);
  if (!rib) return rib.error();
  if (auto p = identifiers::rib_problem(**rib)) return invalid("/rib", *p);
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = for_update(*this, number, caller);
  if (!l) return l.error();
  Doc after = copy_of(l->state);
  json::set_string(after, "/rib", **rib);
  json::set(after, "/provenance/~1rib",
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  // Only the RIB's value makes an event: the same RIB again changes nothing.
  if (json::text(l->state, "/rib") == *rib) return insured(number);
  return commit_insured(*this, *l, after, "rib.changed", caller, *reason);
}

Result<Answer> Registry::rib_history(const std::string& number) {
  if (!identifiers::valid_immatriculation(number, identifiers::kLuhnForAll)) {
    return invalid("/number", "must be a 9-digit immatriculation number with its check digit");
  }
  auto events = store_.record_events(insured_stream(number), INT64_MAX);
  if (!events) return events.error();
  if (events->empty()) return make_error(Errc::not_found, "no insured person " + number);
  Doc out = json::object();
  auto& a = out.GetAllocator();
  Value ribs(rapidjson::kArrayType);
  for (const auto& e : *events) {
    auto data = json::parse(e.data);
    const Value* changes = data ? json::find(*data, "/changes") : nullptr;
    if (changes == nullptr || !changes->IsArray()) continue;
    for (const auto& c : changes->GetArray()) {
      if (json::text(c, "/path") != "/rib") continue;
      if (!ribs.Empty()) {
        ribs[ribs.Size() - 1].AddMember("until_ms", Value(static_cast<int64_t>(e.time_ms)), a);
      }
      const auto rib = json::text(c, "/new");
      if (!rib) continue;
      Value item(rapidjson::kObjectType);
      item.AddMember("rib", Value(rib->c_str(), a), a);
      item.AddMember("from_ms", Value(static_cast<int64_t>(e.time_ms)), a);
      item.AddMember("principal", Value(e.principal.c_str(), a), a);
      item.AddMember("reason", Value(e.reason.c_str(), a), a);
      item.AddMember("correlation_id", Value(e.correlation_id.c_str(), a), a);
      item.AddMember("version", Value(static_cast<int64_t>(e.version)), a);
      ribs.PushBack(item, a);
    }
  }
  out.AddMember("immatriculation", Value(number.c_str(), a), a);
  if (!ribs.Empty() && !ribs[ribs.Size() - 1].HasMember("until_ms")) {
    out.AddMember("active", Value(ribs[ribs.Size() - 1]["rib"], a), a);
  }
  out.AddMember("ribs", ribs, a);
  return Answer{200, json::dump(out), etag_of(events->back().version)};
}

Result<Answer> Registry::change_contact(const std::string& number, const std::string& body,
                                        const Caller& caller) {
  auto input = parse_body(body, {"contact", "reason"});
  if (!input) return input.error();
  if (json::find(*input, "/contact") == nullptr) return invalid("/contact", "is required");
  if (auto c = check_contact(*input); !c) return c.error();
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = for_update(*this, number, caller);
  if (!l) return l.error();
  Doc after = copy_of(l->state);
  json::set(after, "/contact", *json::find(*input, "/contact"));
  json::set(after, "/provenance/~1contact",
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  return commit_insured(*this, *l, after, "contact.changed", caller, *reason);
}

Result<Answer> Registry::change_insured_status(const std::string& number, const std::string& body,
                                               const Caller& caller) {
  auto input = parse_body(body, {"status", "reason"});
  if (!input) return input.error();
  auto status = string_at(*input, "/status", true, 10);
  if (!status) return status.error();
  if (**status != "ACTIVE" && **status != "SUSPENDED" && **status != "CLOSED") {
    return invalid("/status", "must be ACTIVE, SUSPENDED or CLOSED");
  }
  auto reason = reason_at(*input, true);
  if (!reason) return reason.error();
  auto l = for_update(*this, number, caller);
  if (!l) return l.error();
  const auto from = json::text(l->state, "/status").value_or("");
  if (!transition_allowed(from, **status)) {
    return make_error(Errc::conflict,
                      "/status: a " + from + " registration cannot become " + **status,
                      "invalid_transition");
  }
  Doc after = copy_of(l->state);
  json::set_string(after, "/status", **status);
  json::set_string(after, "/status_reason", *reason);
  json::set_string(after, "/status_since", format_date(clock_.today()));
  return commit_insured(*this, *l, after, "insured.status_changed", caller, *reason);
}

Result<Answer> Registry::request_card(const std::string& number, const std::string& body,
                                      const Caller& caller) {
  auto input = parse_body(body, {"reason"});
  if (!input) return input.error();
  auto reason = reason_at(*input, true);
  if (!reason) return reason.error();
  if (*reason != "first" && *reason != "lost" && *reason != "stolen" && *reason != "damaged" &&
      *reason != "renewal") {
    return invalid("/reason", "must be first, lost, stolen, damaged or renewal");
  }
  auto l = for_update(*this, number, caller);
  if (!l) return l.error();
  if (json::text(l->state, "/status") != "ACTIVE") {
    return make_error(Errc::conflict, "/status: cards are edited for ACTIVE registrations only",
                      "invalid_transition");
  }
  Doc after = copy_of(l->state);
  std::size_t n = 1;
  if (const Value* cards = json::find(after, "/cards"); cards && cards->IsObject()) {
    n = cards->MemberCount() + 1;
  }
  const std::string id = "card-" + std::to_string(n);
  json::set_string(after, "/cards/" + id + "/reason", *reason);
  json::set_string(after, "/cards/" + id + "/requested_on", format_date(clock_.today()));
  json::set_string(after, "/cards/" + id + "/status", "requested");
  json::set_string(after, "/cards/" + id + "/requested_by", caller.principal);
  auto done = commit_insured(*this, *l, after, "card.requested", caller, *reason);
  if (done) done->status = 201;
  return done;
}

Result<Answer> Registry::record_death(const std::string& cnie, const std::string& date,
                                      const std::string& partner, const Caller& caller) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  if (!parse_date(date)) return invalid("/death_date", "must be a date YYYY-MM-DD");
  store::RecordCommit commit;
  std::string number;
  auto p = Impl::load(*this, person_stream(cnie));
  if (!p) return p.error();
  {
    // A person the registry did not know yet gets a record too: the families where they are a
    // spouse or a child read their death from it.
    const Doc none = json::object();
    const Value& before = *p ? static_cast<const Value&>((*p)->state) : none;
    Doc after = copy_of(before);
    json::set_string(after, "/id", cnie);
    json::set_string(after, "/person/cnie", cnie);
    json::set_string(after, "/person/death_date", date);
    Doc prov = json::object();
    json::set_string(prov, "/partner", partner);
    json::set_string(prov, "/correlation_id", caller.correlation_id);
    json::set(after, "/provenance/~1person~1death_date", prov);
    if (auto w = Impl::change(*this, person_stream(cnie), *p ? (*p)->version : 0, before, after,
                              "person.death_reported", caller, "death reported by " + partner,
                              partner)) {
      w->keys.push_back("cnie/" + cnie);
      commit.writes.push_back(std::move(*w));
    }
  }
  auto key = store_.find_record_key("insured-of/" + cnie);
  if (!key) return key.error();
  if (*key) {
    auto l = Impl::load_existing(*this, **key, "insured person");
    if (!l) return l.error();
    number = number_from(**key);
    if (json::text(l->state, "/status") != "CLOSED") {
      Doc after = copy_of(l->state);
      json::set_string(after, "/status", "CLOSED");
      json::set_string(after, "/status_reason", "death on " + date + " reported by " + partner);
      json::set_string(after, "/status_since", format_date(clock_.today()));
      if (auto w =
              Impl::change(*this, l->stream, l->version, l->state, after, "insured.status_changed",
                           caller, "death reported by " + partner, partner)) {
        commit.writes.push_back(std::move(*w));
      }
    }
  }
  if (commit.writes.empty()) {
    if (number.empty()) return Answer{200, R"({"recorded":true})", ""};
    return insured(number);
  }
  auto done = Impl::commit(*this, commit, Answer{200, "{}", ""},
                           Caller{caller.principal, false, caller.correlation_id, "", "", {}});
  if (!done) return done;
  if (number.empty()) return Answer{200, R"({"recorded":true})", ""};
  return insured(number);
}

boost::asio::awaitable<Result<Answer>> Registry::refresh_insured(std::string number,
                                                                 Caller caller) {
  auto l = co_await blocking<Result<Loaded>>([&] { return for_update(*this, number, caller); });
  if (!l) co_return l.error();
  const std::string cnie = json::text(l->state, "/cnie").value_or("");
  const std::string category = json::text(l->state, "/category").value_or("");
  auto facts = co_await facts_.person(cnie, "CONTROLE", category, caller.correlation_id);
  co_return co_await blocking<Result<Answer>>([&]() -> Result<Answer> {
    if (!facts) return facts.error();
    auto record = json::parse(facts->record_json.empty() ? "{}" : facts->record_json);
    auto provenance = json::parse(facts->provenance_json.empty() ? "{}" : facts->provenance_json);
    if (!record || !provenance) {
      return make_error(Errc::internal, "the exchange broker gave facts that are not JSON");
    }
    store::RecordCommit commit;
    auto p = Impl::load_existing(*this, person_stream(cnie), "person " + cnie);
    if (!p) return p.error();
    if (const Value* identity = json::find(*record, "/person")) {
      Doc after = copy_of(p->state);
      // A client override stays until the partner's value changes again; other fields follow
      // the partner.
      Doc fresh = json::object();
      copy_with_provenance(*identity, "/person", *provenance, fresh, "/person");
      if (const Value* fields = json::find(fresh, "/person"); fields && fields->IsObject()) {
        for (const auto& m : fields->GetObject()) {
          const std::string path =
              "/person/" + json::escape({m.name.GetString(), m.name.GetStringLength()});
          const Value* prov = json::find(after, "/provenance/" + json::escape(path));
          const bool overridden = prov && json::find(*prov, "/overrides") != nullptr &&
                                  json::find(*prov, "/overrides/value") != nullptr &&
                                  *json::find(*prov, "/overrides/value") == m.value;
          if (overridden) continue;
          json::set(after, path, m.value);
          if (const Value* np = json::find(fresh, "/provenance/" + json::escape(path))) {
            json::set(after, "/provenance/" + json::escape(path), *np);
          }
        }
      }
      if (auto w = Impl::change(*this, p->stream, p->version, p->state, after, "person.refreshed",
                                caller, "refresh from the partners", "dgsn")) {
        commit.writes.push_back(std::move(*w));
      }
    }
    std::string death = json::text(*record, "/person/death_date").value_or("");
    if (death.empty()) death = json::text(*record, "/family/holder/death_date").value_or("");
    Doc insured_after = copy_of(l->state);
    if (!death.empty() && json::text(l->state, "/status") != "CLOSED") {
      json::set_string(insured_after, "/status", "CLOSED");
      json::set_string(insured_after, "/status_reason",
                       "death on " + death + " reported by a partner");
      json::set_string(insured_after, "/status_since", format_date(clock_.today()));
      if (auto w = Impl::change(*this, l->stream, l->version, l->state, insured_after,
                                "insured.status_changed", caller, "death reported by a partner",
                                json::find(*record, "/person/death_date") ? "dgsn" : "dgct")) {
        commit.writes.push_back(std::move(*w));
      }
    }
    if (const Value* booklet = json::find(*record, "/family")) {
      auto f = Impl::load_existing(*this, family_stream(number), "family of " + number);
      if (!f) return f.error();
      Doc after = copy_of(f->state);
      merge_booklet(after, *booklet, "/family", *provenance);
      if (auto w = Impl::change(*this, f->stream, f->version, f->state, after, "family.refreshed",
                                caller, "DGCT family booklet", "dgct")) {
        commit.writes.push_back(std::move(*w));
      }
    }
    if (!commit.writes.empty()) {
      Caller plain = caller;
      plain.idempotency_key.clear();
      auto done = Impl::commit(*this, commit, Answer{}, plain);
      if (!done) return done.error();
    }
    return insured(number);
  });
}

}  // namespace hub::registry
