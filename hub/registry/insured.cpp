// Insured persons: registration from a CNIE, reads, RIB, contact, status, refresh, death.
#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/amo_tadamon.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"
#include "hub/text/compare.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

constexpr std::string_view kCategories[] = {"SALARIE", "TNS", "AMO_TADAMON", "AMO_ACHAMIL"};
constexpr std::string_view kPersonFields[] = {"last_name",     "first_name",  "last_name_ar",
                                              "first_name_ar", "birth_date",  "birth_place",
                                              "sex",           "father_name", "mother_name"};

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
    // The same name spelled with other spaces, marks, case or Unicode forms is the same name:
    // the partner's value and provenance stay (docs/text.md, hub/text/compare.hpp).
    if (known && text::equivalent(*known, **value)) continue;
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
                          path + ": " + upper(partner) + " says \"" + partner_value +
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

// The sections a registration uses, once its rules let it through: the identity, the family
// booklet when its partner gave one, and what the category needs.
struct PersonFacts {
  const Section* person = nullptr;
  const Section* family = nullptr;     // nullptr: registered without family members
  const Section* taxpayer = nullptr;   // TNS
  const Section* household = nullptr;  // AMO_TADAMON
};

// TNS: a self-employed taxpayer whose activity is active.
Result<void> check_taxpayer(const Section& taxpayer) {
  const std::string who = upper(taxpayer.partner);
  if (taxpayer.status == Section::Status::not_found) {
    return make_error(
        Errc::unprocessable,
        "/category: TNS needs a self-employed taxpayer, and " + who + " knows none for this CNIE",
        "not_self_employed");
  }
  const auto kind = json::text(*taxpayer.record, "/kind").value_or("");
  if (kind != "individual") {
    return make_error(
        Errc::unprocessable,
        "/category: TNS needs a self-employed taxpayer; " + who + " says this CNIE is a " +
            (kind.empty() ? std::string("taxpayer of unknown kind") : kind + " taxpayer"),
        "not_self_employed");
  }
  const auto status = json::text(*taxpayer.record, "/status").value_or("");
  if (status != "active") {
    return make_error(Errc::unprocessable,
                      "/category: TNS needs an active self-employed taxpayer; " + who +
                          " says the activity is " +
                          (status.empty() ? std::string("of unknown status") : status),
                      "not_self_employed");
  }
  return {};
}

// Why a person may not be registered in a category, from the partners' facts.
Result<PersonFacts> check_facts_for_person(const Facts& facts, const std::string& category) {
  PersonFacts out;
  auto person = required_section(facts, "person", "the identity");
  if (!person) return person.error();
  const std::string who = upper((*person)->partner);
  if ((*person)->status == Section::Status::not_found) {
    return make_error(Errc::unprocessable, "/cnie: " + who + " knows no person with this CNIE",
                      "unknown_person");
  }
  out.person = *person;
  if (auto death = json::text(*out.person->record, "/death_date")) {
    return make_error(Errc::unprocessable, "/cnie: " + who + " records a death on " + *death,
                      "deceased");
  }
  if (const Section* f = facts.section("family"); f && f->status == Section::Status::ok) {
    out.family = f;
  }
  if (category == "TNS") {
    auto taxpayer = required_section(facts, "taxpayer", "the tax status");
    if (!taxpayer) return taxpayer.error();
    if (auto t = check_taxpayer(**taxpayer); !t) return t.error();
    out.taxpayer = *taxpayer;
  }
  if (category == "AMO_TADAMON") {
    auto household = required_section(facts, "household", "the household's eligibility");
    if (!household) return household.error();
    if (auto h = check_household(**household); !h) return h.error();
    out.household = *household;
  }
  return out;
}

// The insured person as a client reads it: the registration, the person's identity, and every
// field's provenance under one JSON pointer space.
Doc compose_insured(const Value& insured, const Value* person, std::int64_t version) {
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
  return out;
}

std::string number_from(const std::string& stream) {
  return std::string(streams::id_of(stream));
}

}  // namespace

Result<std::optional<Doc>> insured_of_cnie(Registry& r, const std::string& cnie) {
  auto key = Registry::Impl::store(r).find_record_key(streams::keys::insured_of(cnie));
  if (!key) return key.error();
  if (!*key) return std::optional<Doc>();
  auto l = Registry::Impl::load(r, **key);
  if (!l) return l.error();
  if (!*l) return std::optional<Doc>();
  return std::optional<Doc>(std::move((*l)->state));
}

namespace {

// A registration's input, its form checked.
struct NewInsured {
  Doc input;
  std::string cnie;
  std::string category;
  std::optional<std::string> rib;
};

Result<NewInsured> read_new_insured(Registry& r, const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"cnie", "category", "rib", "contact", "person", "override"});
  if (!input) return input.error();
  read_as_typed(*input, "/cnie", Typed::cnie);
  read_as_typed(*input, "/rib", Typed::digits);
  auto cnie = string_at(*input, "/cnie", true, 8);
  if (!cnie) return cnie.error();
  if (auto p = identifiers::cnie_problem(**cnie)) return invalid("/cnie", *p);
  auto category = string_at(*input, "/category", true, 20);
  if (!category) return category.error();
  bool known = false;
  for (auto c : kCategories) known = known || c == **category;
  if (!known) return invalid("/category", "must be SALARIE, TNS, AMO_TADAMON or AMO_ACHAMIL");
  auto rib = check_rib(*input);
  if (!rib) return rib.error();
  if (auto c = check_contact(*input); !c) return c.error();
  // The client's identity fields are checked against nothing yet: only their form, so that bad
  // input never costs a partner call.
  Doc scratch = json::object();
  if (auto m = merge_client_person(r, *input, scratch, caller, client_prov); !m) return m.error();
  return NewInsured{std::move(*input), std::move(**cnie), std::move(**category), std::move(*rib)};
}

// The insured registration: the client's choices, and what its category takes from the facts.
Doc insured_state(Registry& r, const NewInsured& in, const std::string& number,
                  const PersonFacts& pf, const Facts& facts, const Caller& caller) {
  Doc insured = json::object();
  json::set_string(insured, "/immatriculation", number);
  json::set_string(insured, "/cnie", in.cnie);
  json::set_string(insured, "/category", in.category);
  json::set_string(insured, "/status", "ACTIVE");
  json::set_string(insured, "/registered_on", format_date(Registry::Impl::today(r)));
  const Value client = Registry::Impl::client_provenance(r, caller, insured.GetAllocator());
  json::set(insured, "/provenance/~1category", client);
  if (in.rib) {
    json::set_string(insured, "/rib", *in.rib);
    json::set(insured, "/provenance/~1rib", client);
  }
  if (const Value* contact = json::find(in.input, "/contact")) {
    json::set(insured, "/contact", *contact);
    json::set(insured, "/provenance/~1contact", client);
  }
  if (pf.taxpayer != nullptr) {
    copy_with_provenance(*pf.taxpayer->record, "", provenance_map(*pf.taxpayer), insured,
                         "/taxpayer");
  }
  if (pf.household != nullptr) record_household(insured, *pf.household);
  record_evidence(insured, facts);
  return insured;
}

// What a new registration writes: the person (created, or updated when the registry knew them),
// the insured registration, and the family prefilled from the booklet.
Result<store::RecordCommit> registration_writes(Registry& r, const NewInsured& in,
                                                const std::string& number, const Doc& person,
                                                const Doc& insured, const Doc& family,
                                                const Facts& facts, const Caller& caller) {
  const Doc empty = json::object();
  store::RecordCommit commit;
  const std::string why = "registration of " + number;
  auto existing = Registry::Impl::load(r, streams::person(in.cnie));
  if (!existing) return existing.error();
  auto pw = *existing
                ? Registry::Impl::change(r, streams::person(in.cnie), (*existing)->version,
                                         (*existing)->state, person, "person.updated", caller, why)
                : Registry::Impl::change(r, streams::person(in.cnie), 0, empty, person,
                                         "person.identified", caller, why);
  if (pw) {
    pw->keys.push_back(streams::keys::cnie(in.cnie));
    commit.writes.push_back(std::move(*pw));
  }
  auto iw = Registry::Impl::change(r, streams::insured(number), 0, empty, insured,
                                   "insured.registered", caller, "");
  iw->keys.push_back(streams::keys::insured_of(in.cnie));
  commit.writes.push_back(std::move(*iw));
  const Section* booklet = facts.section("family");
  if (auto fw = Registry::Impl::change(r, streams::family(number), 0, empty, family,
                                       "family.prefilled", caller,
                                       booklet ? upper(booklet->partner) + " family booklet" : why,
                                       booklet ? booklet->partner : std::string("client"))) {
    commit.writes.push_back(std::move(*fw));
  }
  return commit;
}

Result<Outcome> register_from_facts(Registry& r, const NewInsured& in, const Facts& facts,
                                    const Caller& caller) {
  auto pf = check_facts_for_person(facts, in.category);
  if (!pf) return pf.error();
  Doc person = json::object();
  json::set_string(person, "/id", in.cnie);
  copy_with_provenance(*pf->person->record, "", provenance_map(*pf->person), person, "/person");
  json::set_string(person, "/person/cnie", in.cnie);
  if (auto m = merge_client_person(r, in.input, person, caller, client_prov); !m) return m.error();

  auto number = Registry::Impl::new_number(r, streams::kInsured);
  if (!number) return number.error();
  Doc insured = insured_state(r, in, *number, *pf, facts, caller);

  Doc family = json::object();
  json::set_string(family, "/immatriculation", *number);
  json::set_string(family, "/holder_cnie", in.cnie);
  if (pf->family != nullptr) merge_booklet(family, *pf->family);
  auto covered = coverage(r, family, insured, person, Registry::Impl::today(r));
  if (!covered) return covered.error();
  json::set(family, "/eligibility", *covered);

  auto commit = registration_writes(r, in, *number, person, insured, family, facts, caller);
  if (!commit) return commit.error();
  auto done = Registry::Impl::commit(
      r, *commit, Outcome{Effect::created, compose_insured(insured, &person, 1), 1}, caller);
  if (!done && done.error().detail == "duplicate_key") {
    return make_error(Errc::conflict, "/cnie: already registered", "already_registered");
  }
  return done;
}

}  // namespace

boost::asio::awaitable<Result<Outcome>> Registry::register_insured(std::string body,
                                                                   Caller caller) {
  auto in = read_new_insured(*this, body, caller);
  if (!in) co_return in.error();
  auto earlier = co_await blocking<Result<std::optional<Outcome>>>([&] {
    return Impl::earlier(*this, streams::keys::insured_of(in->cnie), caller,
                         "/cnie: already registered as");
  });
  if (!earlier) co_return earlier.error();
  if (*earlier) co_return std::move(**earlier);
  auto facts =
      co_await facts_.person(in->cnie, "IMMATRICULATION", in->category, caller.correlation_id);
  co_return co_await blocking<Result<Outcome>>([&]() -> Result<Outcome> {
    if (!facts) return facts.error();
    return register_from_facts(*this, *in, *facts, caller);
  });
}

Result<Outcome> Registry::insured(const std::string& number, std::optional<Date> as_of) {
  if (auto ok = well_formed(*this, streams::kInsured, number, "/number"); !ok) return ok.error();
  if (!as_of) {
    auto l = Impl::load_existing(*this, streams::insured(number), "insured person " + number);
    if (!l) return l.error();
    const auto cnie = json::text(l->state, "/cnie").value_or("");
    auto p = Impl::load(*this, streams::person(cnie));
    if (!p) return p.error();
    const Value* person = *p ? &(*p)->state : nullptr;
    return Outcome{Effect::read, compose_insured(l->state, person, l->version), l->version};
  }
  auto state = Impl::fold_at(*this, streams::insured(number), as_of);
  if (!state) return state.error();
  if (!*state) {
    return make_error(Errc::not_found,
                      "no insured person " + number + " on " + format_date(*as_of));
  }
  auto person =
      Impl::fold_at(*this, streams::person(json::text(**state, "/cnie").value_or("")), as_of);
  if (!person) return person.error();
  auto events = store_.record_events(streams::insured(number), end_of_day_ms(*as_of));
  if (!events) return events.error();
  const std::int64_t version = events->empty() ? 0 : events->back().version;
  Doc out = compose_insured(**state, *person ? &**person : nullptr, version);
  json::set_string(out, "/as_of", format_date(*as_of));
  return Outcome{Effect::read, std::move(out), version};
}

Result<Outcome> Registry::person(const std::string& cnie) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto l = Impl::load_existing(*this, streams::person(cnie), "person " + cnie);
  if (!l) return l.error();
  Doc out = copy_of(l->state);
  out.AddMember("version", Value(static_cast<int64_t>(l->version)), out.GetAllocator());
  return Outcome{Effect::read, std::move(out), l->version};
}

Result<Outcome> Registry::correct_person(const std::string& cnie, const std::string& body,
                                         const Caller& caller) {
  auto input = parse_body(body, {"person", "override"});
  if (!input) return input.error();
  if (json::find(*input, "/person") == nullptr) return invalid("/person", "is required");
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto l = Impl::load_existing(*this, streams::person(cnie), "person " + cnie);
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
  if (!w) return unchanged(person(cnie));
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  Doc out = copy_of(after);
  out.AddMember("version", Value(static_cast<int64_t>(l->version + 1)), out.GetAllocator());
  return Impl::commit(*this, commit, Outcome{Effect::changed, std::move(out), l->version + 1},
                      caller);
}

Result<Outcome> Registry::insured_by_cnie(const std::string& cnie) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto key = store_.find_record_key(streams::keys::insured_of(cnie));
  if (!key) return key.error();
  if (!*key) return make_error(Errc::not_found, "no insured person with this CNIE");
  return insured(number_from(**key));
}

Result<Loaded> insured_for_update(Registry& r, const std::string& number, const Caller& caller) {
  if (auto ok = well_formed(r, streams::kInsured, number, "/number"); !ok) return ok.error();
  auto l = Registry::Impl::load_existing(r, streams::insured(number), "insured person " + number);
  if (!l) return l.error();
  if (auto m = Registry::Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  return l;
}

Result<Outcome> commit_insured(Registry& r, Loaded& l, const Doc& after, std::string type,
                               const Caller& caller, std::string reason, Effect effect) {
  auto w = Registry::Impl::change(r, l.stream, l.version, l.state, after, std::move(type), caller,
                                  std::move(reason));
  if (!w) return unchanged(r.insured(json::text(l.state, "/immatriculation").value_or("")));
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  const std::string cnie = json::text(after, "/cnie").value_or("");
  auto p = Registry::Impl::load(r, streams::person(cnie));
  if (!p) return p.error();
  Outcome changed{effect, compose_insured(after, *p ? &(*p)->state : nullptr, l.version + 1),
                  l.version + 1};
  return Registry::Impl::commit(r, commit, std::move(changed), caller);
}

namespace {

bool transition_allowed(std::string_view from, std::string_view to) {
  if (from == "ACTIVE") return to == "SUSPENDED" || to == "CLOSED";
  if (from == "SUSPENDED") return to == "ACTIVE" || to == "CLOSED";
  return false;  // CLOSED is final
}

}  // namespace

Result<Outcome> Registry::change_rib(const std::string& number, const std::string& body,
                                     const Caller& caller) {
  auto input = parse_body(body, {"rib", "reason"});
  if (!input) return input.error();
  read_as_typed(*input, "/rib", Typed::digits);
  auto rib = string_at(*input, "/rib", true, 24);
  if (!rib) return rib.error();
  if (auto p = identifiers::rib_problem(**rib)) return invalid("/rib", *p);
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = insured_for_update(*this, number, caller);
  if (!l) return l.error();
  Doc after = copy_of(l->state);
  json::set_string(after, "/rib", **rib);
  json::set(after, "/provenance/~1rib",
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  // Only the RIB's value makes an event: the same RIB again changes nothing.
  if (json::text(l->state, "/rib") == *rib) return unchanged(insured(number));
  return commit_insured(*this, *l, after, "rib.changed", caller, *reason);
}

Result<Outcome> Registry::rib_history(const std::string& number) {
  if (auto ok = well_formed(*this, streams::kInsured, number, "/number"); !ok) return ok.error();
  auto events = store_.record_events(streams::insured(number), INT64_MAX);
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
  return Outcome{Effect::read, std::move(out), events->back().version};
}

Result<Outcome> Registry::change_contact(const std::string& number, const std::string& body,
                                         const Caller& caller) {
  auto input = parse_body(body, {"contact", "reason"});
  if (!input) return input.error();
  if (json::find(*input, "/contact") == nullptr) return invalid("/contact", "is required");
  if (auto c = check_contact(*input); !c) return c.error();
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = insured_for_update(*this, number, caller);
  if (!l) return l.error();
  Doc after = copy_of(l->state);
  json::set(after, "/contact", *json::find(*input, "/contact"));
  json::set(after, "/provenance/~1contact",
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  return commit_insured(*this, *l, after, "contact.changed", caller, *reason);
}

Result<Outcome> Registry::change_insured_status(const std::string& number, const std::string& body,
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
  auto l = insured_for_update(*this, number, caller);
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
  json::erase(after, "/status_cause");  // an agent's decision: no rule lifts it by itself
  return commit_insured(*this, *l, after, "insured.status_changed", caller, *reason);
}

Result<Outcome> Registry::record_death(const std::string& cnie, const std::string& date,
                                       const std::string& partner, const Caller& caller) {
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  if (!parse_date(date)) return invalid("/death_date", "must be a date YYYY-MM-DD");
  store::RecordCommit commit;
  std::string number;
  auto p = Impl::load(*this, streams::person(cnie));
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
    if (auto w = Impl::change(*this, streams::person(cnie), *p ? (*p)->version : 0, before, after,
                              "person.death_reported", caller, "death reported by " + partner,
                              partner)) {
      w->keys.push_back(streams::keys::cnie(cnie));
      commit.writes.push_back(std::move(*w));
    }
  }
  auto key = store_.find_record_key(streams::keys::insured_of(cnie));
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
  const Effect effect = commit.writes.empty() ? Effect::unchanged : Effect::changed;
  if (!commit.writes.empty()) {
    if (auto done = Impl::commit_quietly(*this, commit, caller); !done) return done.error();
  }
  if (number.empty()) {
    Doc recorded = json::object();
    recorded.AddMember("recorded", true, recorded.GetAllocator());
    return Outcome{effect, std::move(recorded), std::nullopt};
  }
  auto read = insured(number);
  if (read) read->effect = effect;
  return read;
}

namespace {

const Section* answered(const Facts& facts, std::string_view step) {
  const Section* s = facts.section(step);
  return s && s->status == Section::Status::ok && s->record ? s : nullptr;
}

// The person's identity again from the "person" section: a client override stays until the
// partner's value changes again; other fields follow the partner.
std::optional<store::StreamWrite> refreshed_person(Registry& r, const Loaded& p,
                                                   const Section& identity, const Caller& caller) {
  Doc after = copy_of(p.state);
  Doc fresh = json::object();
  copy_with_provenance(*identity.record, "", provenance_map(identity), fresh, "/person");
  if (const Value* fields = json::find(fresh, "/person"); fields && fields->IsObject()) {
    for (const auto& m : fields->GetObject()) {
      const std::string path =
          "/person/" + json::escape({m.name.GetString(), m.name.GetStringLength()});
      const Value* prov = json::find(after, "/provenance/" + json::escape(path));
      const Value* kept = prov ? json::find(*prov, "/overrides/value") : nullptr;
      if (kept != nullptr && *kept == m.value) continue;
      json::set(after, path, m.value);
      if (const Value* np = json::find(fresh, "/provenance/" + json::escape(path))) {
        json::set(after, "/provenance/" + json::escape(path), *np);
      }
    }
  }
  return Registry::Impl::change(r, p.stream, p.version, p.state, after, "person.refreshed", caller,
                                "refresh from the partners", identity.partner);
}

// A death the identity or the family booklet records closes the registration.
std::optional<store::StreamWrite> closed_by_death(Registry& r, const Loaded& l,
                                                  const Section* identity, const Section* booklet,
                                                  const Caller& caller) {
  const Section* source = identity;
  auto death = identity ? json::text(*identity->record, "/death_date") : std::nullopt;
  if (!death && booklet) {
    source = booklet;
    death = json::text(*booklet->record, "/holder/death_date");
  }
  if (!death || json::text(l.state, "/status") == "CLOSED") return std::nullopt;
  Doc after = copy_of(l.state);
  json::set_string(after, "/status", "CLOSED");
  json::set_string(after, "/status_reason", "death on " + *death + " reported by a partner");
  json::set_string(after, "/status_since", format_date(Registry::Impl::today(r)));
  return Registry::Impl::change(r, l.stream, l.version, l.state, after, "insured.status_changed",
                                caller, "death reported by a partner", source->partner);
}

// Whether anything changed.
Result<bool> refresh_from_facts(Registry& r, const Loaded& l, const Facts& facts,
                                const Caller& caller) {
  const std::string cnie = json::text(l.state, "/cnie").value_or("");
  const std::string number = json::text(l.state, "/immatriculation").value_or("");
  const Section* identity = answered(facts, "person");
  const Section* booklet = answered(facts, "family");
  store::RecordCommit commit;
  auto p = Registry::Impl::load_existing(r, streams::person(cnie), "person " + cnie);
  if (!p) return p.error();
  if (identity) {
    if (auto w = refreshed_person(r, *p, *identity, caller)) commit.writes.push_back(std::move(*w));
  }
  if (auto w = closed_by_death(r, l, identity, booklet, caller)) {
    commit.writes.push_back(std::move(*w));
  }
  if (booklet) {
    auto f = Registry::Impl::load_existing(r, streams::family(number), "family of " + number);
    if (!f) return f.error();
    Doc after = copy_of(f->state);
    merge_booklet(after, *booklet);
    if (auto w = Registry::Impl::change(
            r, f->stream, f->version, f->state, after, "family.refreshed", caller,
            upper(booklet->partner) + " family booklet", booklet->partner)) {
      commit.writes.push_back(std::move(*w));
    }
  }
  if (commit.writes.empty()) return false;
  if (auto done = Registry::Impl::commit_quietly(r, commit, caller); !done) return done.error();
  return true;
}

}  // namespace

boost::asio::awaitable<Result<Outcome>> Registry::refresh_insured(std::string number,
                                                                  Caller caller) {
  auto l =
      co_await blocking<Result<Loaded>>([&] { return insured_for_update(*this, number, caller); });
  if (!l) co_return l.error();
  const std::string cnie = json::text(l->state, "/cnie").value_or("");
  const std::string category = json::text(l->state, "/category").value_or("");
  auto facts = co_await facts_.person(cnie, "CONTROLE", category, caller.correlation_id);
  co_return co_await blocking<Result<Outcome>>([&]() -> Result<Outcome> {
    if (!facts) return facts.error();
    auto changed = refresh_from_facts(*this, *l, *facts, caller);
    if (!changed) return changed.error();
    auto read = insured(number);
    if (read) read->effect = *changed ? Effect::changed : Effect::unchanged;
    return read;
  });
}

}  // namespace hub::registry
