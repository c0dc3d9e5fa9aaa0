// Civil-status events (civil_event, pushed by the civil-status partner), applied to the families
// and registrations they concern.
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

// The member of a family with this CNIE, or with this birth act.
std::optional<std::string> find_member(const Value& family, const std::optional<std::string>& cnie,
                                       const std::optional<std::string>& act) {
  const Value* members = json::find(family, "/members");
  if (members == nullptr || !members->IsObject()) return std::nullopt;
  for (const auto& m : members->GetObject()) {
    if (cnie && json::text(m.value, "/cnie") == cnie) return std::string(m.name.GetString());
    if (act && json::text(m.value, "/birth_act/number") == act) {
      return std::string(m.name.GetString());
    }
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

Result<Outcome> Registry::apply_civil_event(const std::string& event_json,
                                            const std::string& provenance_json,
                                            const Caller& caller) {
  auto read = read_partner_event(event_json, provenance_json);
  if (!read) return read.error();
  const json::Doc* event = &read->event;
  const json::Doc* prov = &read->provenance;
  const std::string& type = read->type;
  const std::string& id = read->id;
  const std::string& partner = read->partner;  // who reported the event
  const std::string why = upper(partner) + " " + type + " " + id;
  Doc applied = json::object();
  Value changed(rapidjson::kArrayType);
  store::RecordCommit commit;

  // Applies `edit` to the family of the insured person with this CNIE, if registered.
  auto edit_family = [&](const std::string& cnie, auto&& edit) -> Result<void> {
    auto number = insured_number(*this, cnie);
    if (!number) return number.error();
    if (!*number) return {};
    auto l = Impl::load_existing(*this, streams::family(**number), "family of " + **number);
    if (!l) return l.error();
    Doc after;
    after.CopyFrom(l->state, after.GetAllocator());
    if (auto e = edit(after); !e) return e;
    if (auto w = Impl::change(*this, l->stream, l->version, l->state, after,
                              "family." + type + "_recorded", caller, why, partner)) {
      changed.PushBack(Value(l->stream.c_str(), applied.GetAllocator()), applied.GetAllocator());
      commit.writes.push_back(std::move(*w));
    }
    return {};
  };

  if (type == "birth") {
    const Value* child = json::find(*event, "/person");
    const Value* parents = json::find(*event, "/parents");
    if (child == nullptr || !child->IsObject()) return invalid("/person", "is required");
    if (parents == nullptr || !parents->IsArray()) return invalid("/parents", "is required");
    const auto act = json::text(*event, "/act/number");
    for (const auto& p : parents->GetArray()) {
      const auto cnie = json::text(p, "/cnie");
      if (!cnie || identifiers::cnie_problem(*cnie)) continue;
      std::optional<std::string> other;
      for (const auto& q : parents->GetArray()) {
        if (json::text(q, "/cnie") != cnie) other = json::text(q, "/cnie");
      }
      auto r = edit_family(*cnie, [&](Doc& family) -> Result<void> {
        const auto found = find_member(family, json::text(*child, "/cnie"), act);
        const std::string base = "/members/" + (found ? *found : next_id(family, 'k'));
        for (const auto& f : child->GetObject()) {
          if (f.value.IsNull()) continue;
          set_sourced(family, base + "/" + json::escape(f.name.GetString()), f.value, *prov);
        }
        if (const Value* a = json::find(*event, "/act"))
          set_sourced(family, base + "/birth_act", *a, *prov);
        json::set_string(family, base + "/relation", "child");
        json::set_string(family, base + "/source", partner);
        if (other)
          set_sourced(family, base + "/other_parent_cnie",
                      Value(other->c_str(), family.GetAllocator()), *prov);
        return {};
      });
      if (!r) return r.error();
    }
  } else if (type == "marriage" || type == "divorce") {
    const Value* spouses = json::find(*event, "/spouses");
    if (spouses == nullptr || !spouses->IsArray() || spouses->Size() != 2) {
      return invalid("/spouses", "must name the two spouses");
    }
    for (rapidjson::SizeType i = 0; i < 2; ++i) {
      const auto cnie = json::text((*spouses)[i], "/cnie");
      const Value& spouse = (*spouses)[1 - i];
      const auto partner_cnie = json::text(spouse, "/cnie");
      if (!cnie || !partner_cnie) continue;
      auto r = edit_family(*cnie, [&](Doc& family) -> Result<void> {
        const auto found = find_member(family, partner_cnie, std::nullopt);
        if (type == "divorce") {
          // DGCT does not keep its events in order: a divorce may come before the marriage it
          // dissolves. It is kept (the inbox tries it again) until the marriage is recorded.
          if (!found) return awaiting_marriage(id);
          const std::string base = "/members/" + *found;
          auto& a = family.GetAllocator();
          set_sourced(family, base + "/status", Value("divorced", a), *prov);
          const auto date = json::text(*event, "/dissolution_date")
                                .value_or(json::text(*event, "/act_date").value_or(""));
          if (!date.empty())
            set_sourced(family, base + "/dissolution_date", Value(date.c_str(), a), *prov);
          return {};
        }
        const std::string base = "/members/" + (found ? *found : next_id(family, 's'));
        // A marriage that arrives after the divorce that dissolved it (its act dated before the
        // dissolution) adds what is missing and leaves the later fact, the divorce, standing.
        if (found && dissolved_after(family, base, *event)) return {};
        for (const auto& f : spouse.GetObject()) {
          if (f.value.IsNull()) continue;
          set_sourced(family, base + "/" + json::escape(f.name.GetString()), f.value, *prov);
        }
        auto& a = family.GetAllocator();
        set_sourced(family, base + "/status", Value("married", a), *prov);
        if (const Value* act = json::find(*event, "/act"))
          set_sourced(family, base + "/marriage_act", *act, *prov);
        json::set_string(family, base + "/relation", "spouse");
        json::set_string(family, base + "/source", partner);
        return {};
      });
      if (!r) return r.error();
    }
  } else if (type == "death") {
    // A person known by a birth act only has no registration of their own to close.
    const auto cnie = json::text(*event, "/person/cnie");
    const auto date = json::text(*event, "/person/death_date")
                          .value_or(json::text(*event, "/act_date").value_or(""));
    if (cnie && !identifiers::cnie_problem(*cnie)) {
      auto r = record_death(*cnie, date, partner, caller);
      if (!r && r.error().code != Errc::not_found) return r.error();
      if (r) {
        changed.PushBack(Value(streams::person(*cnie).c_str(), applied.GetAllocator()),
                         applied.GetAllocator());
      }
    }
  } else {
    return invalid("/type", "must be birth, marriage, divorce or death");
  }
  if (!commit.writes.empty()) {
    if (auto done = Impl::commit_quietly(*this, commit, caller); !done) return done.error();
  }
  applied.AddMember("applied", changed, applied.GetAllocator());
  return Outcome{Effect::applied, std::move(applied), std::nullopt};
}

}  // namespace hub::registry
