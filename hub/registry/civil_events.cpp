// Civil-status events (civil_event, pushed by the civil-status partner), applied to the families
// and registrations they concern.
#include <algorithm>
#include <map>

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

// The immatriculation number of the insured person with this CNIE, if any.
Result<std::optional<std::string>> insured_number(Registry& r, const std::string& cnie) {
  auto s = insured_of_cnie(r, cnie);
  if (!s) return s.error();
  if (!*s) return std::optional<std::string>();
  return json::text(**s, "/immatriculation");
}

// Sets `value` at `path` of a family with the event's provenance.
void set_sourced(Doc& family, const std::string& path, const Value& value, const Value& prov) {
  json::set(family, path, value);
  json::set(family, "/provenance/" + json::escape(path), prov);
}

// The member of a family with this CNIE (DGCT names the spouses of a marriage by CNIE:
// shared/partners/dgct.md).
std::optional<std::string> member_with_cnie(const Value& family,
                                            const std::optional<std::string>& cnie) {
  const Value* members = json::find(family, "/members");
  if (!cnie || members == nullptr || !members->IsObject()) return std::nullopt;
  for (const auto& m : members->GetObject()) {
    if (json::text(m.value, "/cnie") == cnie) return std::string(m.name.GetString());
  }
  return std::nullopt;
}

// An event that concerns a fact not recorded yet: conflict/"awaiting_facts", which the events
// inbox keeps and tries again (events.retry_every_ms) until the fact arrives.
Error awaiting_marriage(const std::string& event_id) {
  return make_error(Errc::conflict,
                    "/spouses: the marriage that divorce " + event_id +
                        " dissolves is not recorded yet; it is applied once it is",
                    "awaiting_facts");
}

// Whether the spouse at `base` was divorced on or after the marriage act of `event`: the
// marriage is older news than the divorce already recorded.
bool dissolved_after(const Value& family, const std::string& base, const Value& event) {
  if (json::text(family, base + "/status") != "divorced") return false;
  const auto dissolved = json::text(family, base + "/dissolution_date");
  const auto married = json::text(event, "/act_date");
  return dissolved && married && *married <= *dissolved;
}

std::string next_id(const Value& family, char prefix) {
  const Value* members = json::find(family, "/members");
  for (int n = 1;; ++n) {
    const std::string id = std::string(1, prefix) + std::to_string(n);
    if (members == nullptr || !members->IsObject() || !members->HasMember(id.c_str())) return id;
  }
}

// The families an event changes: each loaded once, edited in memory, and written together in the
// event's one commit (a child in both parents' families, a family that is both a spouse's and a
// child's).
struct FamilyEdits {
  Registry& registry;
  std::map<std::string, std::pair<Loaded, Doc>> by_stream;
  // The member an administrator chose in the review queue, when the event's match was ambiguous.
  std::optional<store::MemberRef> pick;

  Result<Doc*> of(const std::string& stream) {
    if (auto it = by_stream.find(stream); it != by_stream.end()) return &it->second.second;
    auto l = Registry::Impl::load_existing(registry, stream, stream);
    if (!l) return l.error();
    Doc after = copy_of(l->state);
    auto& slot = by_stream[stream];
    slot = {std::move(*l), std::move(after)};
    return &slot.second;
  }
  // The family stream of the insured person with this CNIE; nullopt when not registered.
  Result<std::optional<std::string>> stream_of_insured(const std::string& cnie) {
    auto number = insured_number(registry, cnie);
    if (!number) return number.error();
    if (!*number) return std::optional<std::string>();
    return std::optional<std::string>(streams::family(**number));
  }
  // The family of the insured person with this CNIE; nullptr when they are not registered.
  Result<Doc*> of_insured(const std::string& cnie) {
    auto stream = stream_of_insured(cnie);
    if (!stream) return stream.error();
    if (!*stream) return static_cast<Doc*>(nullptr);
    return of(**stream);
  }
};

// A date of the event: `pointer`, else the act's date.
std::optional<std::string> event_date(const Value& event, std::string_view pointer) {
  if (auto d = json::text(event, pointer)) return d;
  return json::text(event, "/act_date");
}

// The death date recorded for a CNIE (person/<cnie>), if any.
Result<std::optional<std::string>> recorded_death(Registry& r, const std::string& cnie) {
  auto p = Registry::Impl::load(r, streams::person(cnie));
  if (!p) return p.error();
  if (!*p) return std::optional<std::string>();
  return json::text((*p)->state, "/person/death_date");
}

// A marriage whose act is dated after the recorded death of one of its spouses contradicts the
// facts: refused (unprocessable/"contradicts_recorded_death"), so the inbox marks it
// not_applicable and the review queue shows it for an agent to check with DGCT.
Result<void> check_spouses_alive(Registry& r, const Value& spouses, const Value& event) {
  const auto married = json::text(event, "/act_date");
  if (!married) return {};
  for (const auto& s : spouses.GetArray()) {
    const auto cnie = json::text(s, "/cnie");
    if (!cnie) continue;
    auto died = recorded_death(r, *cnie);
    if (!died) return died.error();
    if (*died && **died < *married) {
      return make_error(Errc::unprocessable,
                        "/spouses: the marriage act of " + *married +
                            " names a spouse whose death on " + **died + " is recorded",
                        "contradicts_recorded_death");
    }
  }
  return {};
}

// A birth: the child joins the family of each parent who is an insured person, as a new member
// or as the member already there (matched by member_in: CNIE, the act as birth act, then name
// and birth date; several children fitting by name and birth date go to the review queue).
Result<void> apply_birth(FamilyEdits& edits, const Value& event, const Value& prov,
                         const std::string& partner) {
  const Value* child = json::find(event, "/person");
  const Value* parents = json::find(event, "/parents");
  if (child == nullptr || !child->IsObject()) return invalid("/person", "is required");
  if (parents == nullptr || !parents->IsArray()) return invalid("/parents", "is required");
  Doc candidate = copy_of(*child);
  if (const Value* a = json::find(event, "/act")) json::set(candidate, "/birth_act", *a);
  for (const auto& p : parents->GetArray()) {
    const auto cnie = json::text(p, "/cnie");
    if (!cnie || identifiers::cnie_problem(*cnie)) continue;
    std::optional<std::string> other;
    for (const auto& q : parents->GetArray()) {
      if (json::text(q, "/cnie") != cnie) other = json::text(q, "/cnie");
    }
    auto stream = edits.stream_of_insured(*cnie);
    if (!stream) return stream.error();
    if (!*stream) continue;
    auto family = edits.of(**stream);
    if (!family) return family.error();
    Doc& f = **family;
    auto found = member_in(edits.registry, f, **stream, candidate, edits.pick, "/person");
    if (!found) return found.error();
    const std::string base = "/members/" + (*found ? **found : next_id(f, 'k'));
    for (const auto& field : child->GetObject()) {
      if (field.value.IsNull()) continue;
      set_sourced(f, base + "/" + json::escape(field.name.GetString()), field.value, prov);
    }
    if (const Value* a = json::find(event, "/act")) set_sourced(f, base + "/birth_act", *a, prov);
    json::set_string(f, base + "/relation", "child");
    json::set_string(f, base + "/source", partner);
    if (other)
      set_sourced(f, base + "/other_parent_cnie", Value(other->c_str(), f.GetAllocator()), prov);
  }
  return {};
}

// One spouse of a marriage or divorce in the insured other spouse's family.
Result<void> apply_spouse(Doc& family, const Value& event, const Value& spouse, const Value& prov,
                          const std::string& type, const std::string& id,
                          const std::string& partner) {
  const auto found = member_with_cnie(family, json::text(spouse, "/cnie"));
  auto& a = family.GetAllocator();
  if (type == "divorce") {
    // DGCT does not keep its events in order: a divorce may come before the marriage it
    // dissolves. It is kept (the inbox tries it again) until the marriage is recorded.
    if (!found) return awaiting_marriage(id);
    const std::string base = "/members/" + *found;
    set_sourced(family, base + "/status", Value("divorced", a), prov);
    const auto date = event_date(event, "/dissolution_date").value_or("");
    if (!date.empty())
      set_sourced(family, base + "/dissolution_date", Value(date.c_str(), a), prov);
    return {};
  }
  const std::string base = "/members/" + (found ? *found : next_id(family, 's'));
  // A marriage that arrives after the divorce that dissolved it (its act dated before the
  // dissolution) adds what is missing and leaves the later fact, the divorce, standing.
  if (found && dissolved_after(family, base, event)) return {};
  for (const auto& f : spouse.GetObject()) {
    if (f.value.IsNull()) continue;
    set_sourced(family, base + "/" + json::escape(f.name.GetString()), f.value, prov);
  }
  set_sourced(family, base + "/status", Value("married", a), prov);
  if (const Value* act = json::find(event, "/act"))
    set_sourced(family, base + "/marriage_act", *act, prov);
  json::set_string(family, base + "/relation", "spouse");
  json::set_string(family, base + "/source", partner);
  return {};
}

// A spouse who is a child in families (their parents'): married from the act's date in each,
// which ends the student extension of their coverage (eligibility.hpp: loi 65-00, article 5).
// An earlier marriage already recorded stands. `named`: set when a family names the spouse.
Result<void> record_child_marriage(FamilyEdits& edits, const Value& spouse, const Value& event,
                                   const Value& prov, const std::string& where, bool& named) {
  auto naming = families_naming(edits.registry, spouse, edits.pick, where);
  if (!naming) return naming.error();
  named = named || !naming->empty();
  const auto date = json::text(event, "/act_date");
  for (const auto& ref : *naming) {
    auto family = edits.of(ref.stream);
    if (!family) return family.error();
    Doc& f = **family;
    const std::string base = "/members/" + json::escape(ref.member);
    const auto since = json::text(f, base + "/married_on");
    if (json::flag(f, base + "/married") && (!since || (date && *since <= *date))) continue;
    set_sourced(f, base + "/married", Value(true), prov);
    if (date) set_sourced(f, base + "/married_on", Value(date->c_str(), f.GetAllocator()), prov);
  }
  return {};
}

// A marriage that concerns no family yet: neither spouse is insured, and no family names either
// as a child. Kept (the inbox tries it again) until a family names one: a child's marriage may
// come before the booklet or the agent that names the child.
Error awaiting_spouse(const std::string& event_id) {
  return make_error(Errc::conflict,
                    "/spouses: no family names either spouse yet; marriage " + event_id +
                        " is applied once one does",
                    "awaiting_facts");
}

Result<void> apply_spouses(FamilyEdits& edits, const Value& event, const Value& prov,
                           const std::string& type, const std::string& id,
                           const std::string& partner) {
  const Value* spouses = json::find(event, "/spouses");
  if (spouses == nullptr || !spouses->IsArray() || spouses->Size() != 2) {
    return invalid("/spouses", "must name the two spouses");
  }
  if (type == "marriage") {
    if (auto alive = check_spouses_alive(edits.registry, *spouses, event); !alive) return alive;
  }
  bool named = false;
  for (rapidjson::SizeType i = 0; i < 2; ++i) {
    const auto cnie = json::text((*spouses)[i], "/cnie");
    const Value& spouse = (*spouses)[1 - i];
    if (!cnie || !json::text(spouse, "/cnie")) continue;
    auto family = edits.of_insured(*cnie);
    if (!family) return family.error();
    if (*family != nullptr) {
      named = true;
      if (auto r = apply_spouse(**family, event, spouse, prov, type, id, partner); !r) return r;
    }
    if (type == "marriage") {
      const std::string where = "/spouses/" + std::to_string(i);
      if (auto r = record_child_marriage(edits, (*spouses)[i], event, prov, where, named); !r)
        return r;
    }
  }
  if (type == "marriage" && !named) return awaiting_spouse(id);
  return {};
}

// An event about a person known by a birth act alone that no family names yet: kept (the inbox
// tries it again) until the birth that names the child is recorded.
Error awaiting_birth(const std::string& event_id, const std::string& act) {
  return make_error(Errc::conflict,
                    "/person/birth_act: no family names the child of birth act " + act +
                        " yet; death " + event_id + " is applied once one does",
                    "awaiting_facts");
}

// A death: the date on the member in every family that names the person as a child (by CNIE,
// birth act, or name and birth date), which ends their coverage there. The person's own
// record, and registration, are record_death's.
Result<void> record_member_death(FamilyEdits& edits, const Value& person, const std::string& date,
                                 const Value& prov, const std::string& id) {
  auto naming = families_naming(edits.registry, person, edits.pick, "/person");
  if (!naming) return naming.error();
  if (naming->empty() && !json::text(person, "/cnie")) {
    if (auto act = json::text(person, "/birth_act/number")) return awaiting_birth(id, *act);
  }
  for (const auto& ref : *naming) {
    auto family = edits.of(ref.stream);
    if (!family) return family.error();
    Doc& f = **family;
    const std::string base = "/members/" + json::escape(ref.member);
    const auto known = json::text(f, base + "/death_date");
    if (known && *known <= date) continue;
    set_sourced(f, base + "/death_date", Value(date.c_str(), f.GetAllocator()), prov);
  }
  return {};
}

}  // namespace

Result<PartnerEvent> read_partner_event(const std::string& event_json,
                                        const std::string& provenance_json) {
  auto event = json::parse(event_json);
  if (!event || !event->IsObject()) return invalid("/", "the event is not a JSON object");
  auto prov = json::parse(provenance_json.empty() ? "{}" : provenance_json);
  if (!prov || !prov->IsObject()) return invalid("/provenance", "must be a JSON object");
  PartnerEvent out;
  out.type = json::text(*event, "/type").value_or("");
  out.id = json::text(*event, "/event_id").value_or("");
  out.partner = json::text(*prov, "/partner").value_or("");
  out.event = std::move(*event);
  out.provenance = std::move(*prov);
  return out;
}

std::vector<std::string> Registry::civil_event_keys(const std::string& event_json) {
  std::vector<std::string> out;
  auto event = json::parse(event_json);
  if (!event || !event->IsObject()) return out;
  auto add = [&](const std::string& key) {
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  };
  auto people = [&](const char* pointer, bool as_member) {
    const Value* list = json::find(*event, pointer);
    if (list == nullptr || !list->IsArray()) return;
    for (const auto& p : list->GetArray()) {
      const auto cnie = json::text(p, "/cnie");
      if (!cnie) continue;
      if (as_member) add(streams::keys::cnie(*cnie));
      add(streams::keys::insured_of(*cnie));
    }
  };
  people("/spouses", true);   // a family naming a spouse as a child; a spouse registering
  people("/parents", false);  // a parent registering: the child joins their family
  if (const Value* person = json::find(*event, "/person");
      person && json::text(*event, "/type") == "death") {
    for (const auto& [prefix, pointer] :
         {std::pair{"cnie/", "/cnie"}, std::pair{"act/", "/birth_act/number"},
          std::pair{"born/", "/birth_date"}}) {
      if (auto v = json::text(*person, pointer)) add(prefix + *v);
    }
  }
  return out;
}

Result<Outcome> Registry::apply_civil_event(const std::string& event_json,
                                            const std::string& provenance_json,
                                            const Caller& caller) {
  auto read = read_partner_event(event_json, provenance_json);
  if (!read) return read.error();
  const Value& event = read->event;
  const Value& prov = read->provenance;
  const std::string& type = read->type;
  const std::string& partner = read->partner;  // who reported the event
  Doc applied = json::object();
  Value changed(rapidjson::kArrayType);
  FamilyEdits edits{*this, {}, caller.chosen_member};
  Result<void> done;
  if (type == "birth") {
    done = apply_birth(edits, event, prov, partner);
  } else if (type == "marriage" || type == "divorce") {
    done = apply_spouses(edits, event, prov, type, read->id, partner);
  } else if (type == "death") {
    const Value* person = json::find(event, "/person");
    if (person == nullptr || !person->IsObject()) return invalid("/person", "is required");
    const auto date = event_date(event, "/person/death_date").value_or("");
    if (!parse_date(date)) return invalid("/person/death_date", "must be a date YYYY-MM-DD");
    done = record_member_death(edits, *person, date, prov, read->id);
    // A person known by a birth act only has no registration of their own to close.
    const auto cnie = json::text(*person, "/cnie");
    if (done && cnie && !identifiers::cnie_problem(*cnie)) {
      auto r = record_death(*cnie, date, partner, caller);
      if (!r && r.error().code != Errc::not_found) return r.error();
      if (r && r->effect != Effect::unchanged) {
        changed.PushBack(Value(streams::person(*cnie).c_str(), applied.GetAllocator()),
                         applied.GetAllocator());
      }
    }
  } else {
    return invalid("/type", "must be birth, marriage, divorce or death");
  }
  if (!done) return done.error();
  const std::string why = upper(partner) + " " + type + " " + read->id;
  store::RecordCommit commit;
  for (auto& [stream, edit] : edits.by_stream) {
    auto& [l, after] = edit;
    if (auto w = Impl::change(*this, l.stream, l.version, l.state, after,
                              "family." + type + "_recorded", caller, why, partner)) {
      changed.PushBack(Value(stream.c_str(), applied.GetAllocator()), applied.GetAllocator());
      commit.writes.push_back(std::move(*w));
    }
  }
  if (!commit.writes.empty()) {
    if (auto ok = Impl::commit_quietly(*this, commit, caller); !ok) return ok.error();
  }
  applied.AddMember("applied", changed, applied.GetAllocator());
  return Outcome{Effect::applied, std::move(applied), std::nullopt};
}

}  // namespace hub::registry
