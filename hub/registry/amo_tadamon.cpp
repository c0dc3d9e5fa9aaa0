// AMO Tadamon registrations: the household's eligibility at registration, and the eligibility
// changes ANRC pushes afterwards.
#include "hub/registry/amo_tadamon.hpp"

#include <vector>

#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

// A scalar as text (a decimal such as the index as it reads: 9.1532417); "" when absent.
std::string scalar(const Value& root, std::string_view pointer) {
  const Value* v = json::find(root, pointer);
  if (v == nullptr || v->IsNull()) return "";
  if (v->IsString()) return {v->GetString(), v->GetStringLength()};
  return json::dump(*v);
}

// The partner's answer, as a refusal carries it.
std::string answer_details(const Section& household) {
  Doc d = json::object();
  json::set_string(d, "/programme", kAmoTadamon);
  json::set_string(d, "/partner", household.partner);
  if (household.record) {
    const Value& r = *household.record;
    const std::pair<const char*, const char*> fields[] = {{"/household_id", "/household_id"},
                                                          {"/eligible", "/amo_tadamon/eligible"},
                                                          {"/index", "/index"},
                                                          {"/index_date", "/index_date"},
                                                          {"/threshold", "/amo_tadamon/threshold"},
                                                          {"/since", "/amo_tadamon/since"}};
    for (const auto& [to, from] : fields) {
      if (const Value* v = json::find(r, from); v && !v->IsNull()) json::set(d, to, *v);
    }
  }
  return json::dump(d);
}

Error not_eligible(const Section& household, std::string why) {
  Error e =
      make_error(Errc::unprocessable, "/category: AMO Tadamon " + std::move(why), "not_eligible");
  e.details_json = answer_details(household);
  return e;
}

}  // namespace

Result<void> check_household(const Section& household) {
  const std::string who = upper(household.partner);
  if (household.status == Section::Status::not_found) {
    return not_eligible(household,
                        "needs a household registered in the unified social register, "
                        "and " +
                            who + " knows none for this CNIE");
  }
  const Value& r = *household.record;
  const Value* eligible = json::find(r, "/amo_tadamon/eligible");
  if (eligible == nullptr || !eligible->IsBool()) {
    return not_eligible(household, "needs an eligible household; " + who +
                                       " states no AMO Tadamon eligibility for household " +
                                       scalar(r, "/household_id"));
  }
  if (eligible->GetBool()) return {};
  return not_eligible(household, "needs an eligible household; " + who + " says household " +
                                     scalar(r, "/household_id") + " (index " + scalar(r, "/index") +
                                     " on " + scalar(r, "/index_date") +
                                     ") is not eligible: threshold " +
                                     scalar(r, "/amo_tadamon/threshold") + ", since " +
                                     scalar(r, "/amo_tadamon/since"));
}

void record_household(Doc& insured, const Section& household) {
  const Value& r = *household.record;
  Doc kept = json::object();
  for (const char* f : {"/household_id", "/index", "/index_date", "/amo_tadamon/eligible",
                        "/amo_tadamon/threshold", "/amo_tadamon/since"}) {
    if (const Value* v = json::find(r, f)) json::set(kept, f, *v);
  }
  copy_with_provenance(kept, "", provenance_map(household), insured, "/household");
}

namespace {

// ANRC's eligibility change, read from its canonical record (mappings/canonical/household.yaml,
// eligibility_change).
struct EligibilityChange {
  std::string event_id;
  std::string programme;
  std::string household_id;
  std::vector<std::string> members;
  bool eligible = false;
  Date effective;
};

Result<EligibilityChange> read_change(const PartnerEvent& e) {
  if (e.type != "eligibility_change") return invalid("/type", "must be eligibility_change");
  EligibilityChange c;
  c.event_id = e.id;
  auto programme = string_at(e.event, "/programme", true, 40);
  if (!programme) return programme.error();
  c.programme = **programme;
  auto household = string_at(e.event, "/household_id", true, 60);
  if (!household) return household.error();
  c.household_id = **household;
  const Value* eligible = json::find(e.event, "/eligible");
  if (eligible == nullptr || !eligible->IsBool())
    return invalid("/eligible", "must be true or false");
  c.eligible = eligible->GetBool();
  auto effective = date_at(e.event, "/effective_date", true);
  if (!effective) return effective.error();
  c.effective = **effective;
  const Value* members = json::find(e.event, "/members");
  if (members == nullptr || !members->IsArray()) return invalid("/members", "must be an array");
  for (const auto& m : members->GetArray()) {
    // A member known without a CNIE (a child) has no registration of their own.
    const auto cnie = json::text(m, "/cnie");
    if (cnie && !identifiers::cnie_problem(*cnie)) c.members.push_back(*cnie);
  }
  return c;
}

// Why a registration does not take the change; nullopt when it does.
std::optional<std::string> not_taken(const Value& insured, const EligibilityChange& c) {
  if (json::text(insured, "/category") != kAmoTadamon) return "not_amo_tadamon";
  const auto held = json::text(insured, "/household/household_id");
  if (held && *held != c.household_id) return "other_household";
  if (json::text(insured, "/household/amo_tadamon/event_id") == c.event_id) {
    return "already_applied";
  }
  const auto since = json::text(insured, "/household/amo_tadamon/since");
  const auto held_date = since ? parse_date(*since) : std::nullopt;
  if (held_date && !(*held_date < c.effective)) return "superseded";
  return std::nullopt;
}

// The registration after the change: the eligibility recorded with the event's provenance, and
// the status that follows from it (registry.hpp, apply_eligibility_change).
Doc changed_registration(const Value& insured, const EligibilityChange& c, const Value& prov,
                         const std::string& partner) {
  Doc after = copy_of(insured);
  auto& a = after.GetAllocator();
  auto sourced = [&](const std::string& path, Value v) {
    json::set(after, path, v);
    json::set(after, "/provenance/" + json::escape(path), prov);
  };
  if (!json::find(after, "/household/household_id")) {
    sourced("/household/household_id", Value(c.household_id.c_str(), a));
  }
  sourced("/household/amo_tadamon/eligible", Value(c.eligible));
  sourced("/household/amo_tadamon/since", Value(format_date(c.effective).c_str(), a));
  sourced("/household/amo_tadamon/event_id", Value(c.event_id.c_str(), a));
  const auto status = json::text(insured, "/status").value_or("");
  const std::string said = upper(partner) + " says household " + c.household_id + " is ";
  const std::string when = " from " + format_date(c.effective) + " (event " + c.event_id + ")";
  if (!c.eligible && status == "ACTIVE") {
    json::set_string(after, "/status", "SUSPENDED");
    json::set_string(after, "/status_reason", "AMO Tadamon: " + said + "no longer eligible" + when);
    json::set_string(after, "/status_since", format_date(c.effective));
    json::set_string(after, "/status_cause", kNotEligibleCause);
  } else if (c.eligible && status == "SUSPENDED" &&
             json::text(insured, "/status_cause") == kNotEligibleCause) {
    json::set_string(after, "/status", "ACTIVE");
    json::set_string(after, "/status_reason", "AMO Tadamon: " + said + "eligible again" + when);
    json::set_string(after, "/status_since", format_date(c.effective));
    json::erase(after, "/status_cause");
  }
  return after;
}

void add_skipped(Doc& view, const std::string& stream, std::string_view why) {
  auto& a = view.GetAllocator();
  Value item(rapidjson::kObjectType);
  item.AddMember("stream", Value(stream.c_str(), a), a);
  item.AddMember("why", Value(why.data(), static_cast<rapidjson::SizeType>(why.size()), a), a);
  view["skipped"].PushBack(item, a);
}

}  // namespace

Result<Outcome> Registry::apply_eligibility_change(const std::string& event_json,
                                                   const std::string& provenance_json,
                                                   const Caller& caller) {
  auto read = read_partner_event(event_json, provenance_json);
  if (!read) return read.error();
  auto change = read_change(*read);
  if (!change) return change.error();
  Doc view = json::object();
  auto& a = view.GetAllocator();
  view.AddMember("applied", Value(rapidjson::kArrayType), a);
  view.AddMember("skipped", Value(rapidjson::kArrayType), a);
  if (change->programme != kAmoTadamon) {
    json::set_string(view, "/outcome", "other_programme");  // a programme CNSS does not serve
    return Outcome{Effect::applied, std::move(view), std::nullopt};
  }
  store::RecordCommit commit;
  for (const auto& cnie : change->members) {
    auto key = store_.find_record_key(streams::keys::insured_of(cnie));
    if (!key) return key.error();
    if (!*key) continue;  // not insured at CNSS
    auto l = Impl::load_existing(*this, **key, "insured person");
    if (!l) return l.error();
    if (auto why = not_taken(l->state, *change)) {
      add_skipped(view, l->stream, *why);
      continue;
    }
    Doc after = changed_registration(l->state, *change, read->provenance, read->partner);
    if (auto w = Impl::change(*this, l->stream, l->version, l->state, after,
                              "amo_tadamon.eligibility_changed", caller,
                              upper(read->partner) + " eligibility change " + change->event_id,
                              read->partner)) {
      view["applied"].PushBack(Value(l->stream.c_str(), a), a);
      commit.writes.push_back(std::move(*w));
    }
  }
  if (!commit.writes.empty()) {
    if (auto done = Impl::commit_quietly(*this, commit, caller); !done) return done.error();
  }
  return Outcome{Effect::applied, std::move(view), std::nullopt};
}

}  // namespace hub::registry
