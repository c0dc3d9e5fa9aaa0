// Families: the members of an insured person's family, prefilled from the family booklet (the
// "family" section of the partners' facts) and
// completed by the client (kafala, guardianship, proofs), and their coverage, computed from
// facts and rules (eligibility.hpp) on the date asked.
#include <algorithm>

#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/eligibility.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

std::string new_member_id(const Value& family, char prefix) {
  const Value* members = json::find(family, "/members");
  for (int n = 1;; ++n) {
    const std::string id = std::string(1, prefix) + std::to_string(n);
    if (members == nullptr || !members->IsObject() || !members->HasMember(id.c_str())) return id;
  }
}

std::optional<Date> date_of(const Value& v, std::string_view pointer, bool year_only = false) {
  auto s = json::text(v, pointer);
  return s ? parse_date(*s, year_only) : std::nullopt;
}

ChildLink link_of(const Value& member) {
  const auto r = json::text(member, "/relation").value_or("child");
  if (r == "kafala") return ChildLink::kafala;
  if (r == "guardianship") return ChildLink::guardianship;
  return ChildLink::natural;
}

struct OtherInsured {
  bool active = false;
  std::string number;
};

Result<OtherInsured> other_insured(Registry& r, const std::optional<std::string>& cnie) {
  if (!cnie) return OtherInsured{};
  auto s = insured_of_cnie(r, *cnie);
  if (!s) return s.error();
  if (!*s) return OtherInsured{};
  return OtherInsured{json::text(**s, "/status") == "ACTIVE",
                      json::text(**s, "/immatriculation").value_or("")};
}

Value coverage_value(const Coverage& c, const std::string& attached_to, json::Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("covered", c.covered, a);
  v.AddMember("reason", Value(c.reason.c_str(), a), a);
  if (c.until) v.AddMember("until", Value(format_date(*c.until).c_str(), a), a);
  if (!attached_to.empty()) v.AddMember("attached_to", Value(attached_to.c_str(), a), a);
  return v;
}

// The death date of a member: the family's record of it, else the person's own record (a death
// reported for this CNIE after the member was recorded).
Result<std::optional<Date>> death_of(Registry& r, const Value& member) {
  if (auto d = date_of(member, "/death_date")) return std::optional<Date>(d);
  const auto cnie = json::text(member, "/cnie");
  if (!cnie) return std::optional<Date>();
  auto p = Registry::Impl::load(r, streams::person(*cnie));
  if (!p) return p.error();
  if (!*p) return std::optional<Date>();
  return date_of((*p)->state, "/person/death_date");
}

Result<Coverage> member_coverage(Registry& r, const Value& family, const Value& member,
                                 const Value& insured, const Value& person, const Date& on,
                                 std::string& attached_to) {
  const bool declarant_active = json::text(insured, "/status") == "ACTIVE";
  const std::string declarant_status = json::text(insured, "/status").value_or("unknown");
  if (json::text(member, "/relation") == "spouse") {
    SpouseFacts s;
    const auto st = json::text(member, "/status").value_or("married");
    s.status = st == "divorced"  ? MaritalStatus::divorced
               : st == "widowed" ? MaritalStatus::widowed
                                 : MaritalStatus::married;
    s.dissolution_date = date_of(member, "/dissolution_date");
    auto death = death_of(r, member);
    if (!death) return death.error();
    s.death_date = *death;
    auto own = other_insured(r, json::text(member, "/cnie"));
    if (!own) return own.error();
    s.insured_in_own_right = own->active;
    Coverage c = spouse_coverage(s, on);
    if (c.covered && !declarant_active) {
      return Coverage{false, "the insured person's registration is " + declarant_status, {}};
    }
    return c;
  }
  ChildFacts c;
  c.link = link_of(member);
  c.birth_date = date_of(member, "/birth_date", true);
  auto death = death_of(r, member);
  if (!death) return death.error();
  c.death_date = *death;
  c.married = json::flag(member, "/married");
  c.married_on = date_of(member, "/married_on");
  c.disabled = json::find(member, "/disabled/proof_date") != nullptr;
  c.studies_proof_until = date_of(member, "/studies/valid_until");
  Coverage cov = child_coverage(c, on);
  if (!cov.covered) return cov;

  ParentsFacts p;
  p.link = c.link;
  p.declarant_is_father = json::text(person, "/person/sex") == "M";
  p.declarant_active = declarant_active;
  const auto other_cnie = json::text(member, "/other_parent_cnie");
  auto other = other_insured(r, other_cnie);
  if (!other) return other.error();
  p.other_parent_insured = other->active;
  if (other_cnie) {
    if (const Value* members = json::find(family, "/members"); members && members->IsObject()) {
      for (const auto& m : members->GetObject()) {
        if (json::text(m.value, "/relation") != "spouse" ||
            json::text(m.value, "/cnie") != other_cnie) {
          continue;
        }
        const auto d = date_of(m.value, "/dissolution_date");
        p.divorced = json::text(m.value, "/status") == "divorced" && (!d || *d <= on);
      }
    }
  }
  if (const auto custody = json::text(member, "/custody"))
    p.declarant_has_custody = *custody == "declarant";
  if (child_attachment(p) == Attachment::other_parent) {
    attached_to = other->number;
    const std::string why = p.divorced && p.declarant_has_custody ? "who has custody"
                            : !p.declarant_active ? "as this registration is " + declarant_status
                                                  : "the father";
    return Coverage{
        false,
        "attached to the coverage of the other parent (" + other->number + ", " + why + ")",
        {}};
  }
  if (!declarant_active) {
    return Coverage{false, "the insured person's registration is " + declarant_status, {}};
  }
  return cov;
}

}  // namespace

std::vector<store::MemberEntry> member_index(const Value& family) {
  std::vector<store::MemberEntry> out;
  const Value* members = json::find(family, "/members");
  if (members == nullptr || !members->IsObject()) return out;
  static constexpr std::pair<const char*, const char*> kKeys[] = {
      {"cnie/", "/cnie"}, {"act/", "/birth_act/number"}, {"born/", "/birth_date"}};
  for (const auto& m : members->GetObject()) {
    for (const auto& [prefix, pointer] : kKeys) {
      if (auto v = json::text(m.value, pointer)) out.push_back({prefix + *v, member_name(m)});
    }
  }
  return out;
}

void merge_booklet(Doc& family, const Section& section) {
  const Value& booklet = *section.record;
  const Doc provenance = provenance_map(section);
  auto merge = [&](const char* list, bool spouse) {
    const Value* items = json::find(booklet, std::string("/") + list);
    if (items == nullptr || !items->IsArray()) return;
    for (rapidjson::SizeType i = 0; i < items->Size(); ++i) {
      const Value& item = (*items)[i];
      if (!item.IsObject()) continue;
      const auto found = same_member(family, item, spouse);
      const std::string id = found ? *found : new_member_id(family, spouse ? 's' : 'k');
      const std::string to = "/members/" + id;
      copy_with_provenance(item, std::string("/") + list + "/" + std::to_string(i), provenance,
                           family, to);
      json::set_string(family, to + "/relation", spouse ? "spouse" : "child");
      json::set_string(family, to + "/source", section.partner);
    }
  };
  merge("spouses", true);
  merge("children", false);
  // The booklet does not say which spouse is each child's other parent; with a single spouse
  // there is no doubt, and the client names the parent otherwise.
  const Value* spouses = json::find(booklet, "/spouses");
  const Value* members = json::find(family, "/members");
  if (spouses && spouses->IsArray() && spouses->Size() == 1 && members && members->IsObject()) {
    const auto other = json::text((*spouses)[0], "/cnie");
    std::vector<std::string> children;
    for (const auto& m : members->GetObject()) {
      if (json::text(m.value, "/relation") == "child" &&
          json::find(m.value, "/other_parent_cnie") == nullptr) {
        children.push_back(member_name(m));
      }
    }
    for (const auto& id : children) {
      if (!other) break;
      json::set_string(family, "/members/" + id + "/other_parent_cnie", *other);
      Doc prov = json::object();
      json::set_string(prov, "/source", "derived");
      json::set_string(prov, "/rule",
                       "the " + upper(section.partner) + " family booklet names a single spouse");
      json::set(family, "/provenance/" + json::escape("/members/" + id + "/other_parent_cnie"),
                prov);
    }
  }
}

Result<Doc> coverage(Registry& r, const Value& family, const Value& insured, const Value& person,
                     const Date& on) {
  Doc out = json::object();
  const Value* members = json::find(family, "/members");
  if (members == nullptr || !members->IsObject()) return out;
  for (const auto& m : members->GetObject()) {
    std::string attached_to;
    auto c = member_coverage(r, family, m.value, insured, person, on, attached_to);
    if (!c) return c.error();
    json::set(out, "/" + json::escape(member_name(m)),
              coverage_value(*c, attached_to, out.GetAllocator()));
  }
  return out;
}

namespace {

struct FamilyView {
  Doc family;
  std::int64_t version = 0;
  Doc coverage;
  Date on;
};

Result<FamilyView> view(Registry& r, const std::string& number, std::optional<Date> as_of) {
  if (auto ok = well_formed(r, streams::kFamily, number, "/number"); !ok) return ok.error();
  FamilyView v;
  v.on = as_of ? *as_of : Registry::Impl::today(r);
  if (!as_of) {
    auto l = Registry::Impl::load_existing(r, streams::family(number), "family for " + number);
    if (!l) return l.error();
    v.version = l->version;
    v.family = std::move(l->state);
  } else {
    auto events =
        Registry::Impl::store(r).record_events(streams::family(number), end_of_day_ms(*as_of));
    if (!events) return events.error();
    auto folded = Registry::Impl::fold_at(r, streams::family(number), as_of);
    if (!folded) return folded.error();
    if (events->empty() || !*folded) {
      return make_error(Errc::not_found, "no family for " + number + " on " + format_date(*as_of));
    }
    v.version = events->back().version;
    v.family = std::move(**folded);
  }
  auto insured = Registry::Impl::load_existing(r, streams::insured(number), "insured " + number);
  if (!insured) return insured.error();
  auto person =
      Registry::Impl::load(r, streams::person(json::text(insured->state, "/cnie").value_or("")));
  if (!person) return person.error();
  const Doc none = json::object();
  auto c = coverage(r, v.family, insured->state, *person ? (*person)->state : none, v.on);
  if (!c) return c.error();
  v.coverage = std::move(*c);
  return v;
}

Doc family_view(FamilyView& v) {
  Doc out = json::object();
  auto& a = out.GetAllocator();
  out.AddMember("immatriculation",
                Value(json::text(v.family, "/immatriculation").value_or("").c_str(), a), a);
  out.AddMember("on", Value(format_date(v.on).c_str(), a), a);
  Value members(rapidjson::kObjectType);
  if (const Value* ms = json::find(v.family, "/members"); ms && ms->IsObject()) {
    for (const auto& m : ms->GetObject()) {
      Value copy(m.value, a);
      if (const Value* c = json::find(v.coverage, "/" + json::escape(member_name(m)))) {
        copy.AddMember("coverage", Value(*c, a), a);
      }
      members.AddMember(Value(m.name, a), copy, a);
    }
  }
  out.AddMember("members", members, a);
  if (const Value* p = json::find(v.family, "/provenance"))
    out.AddMember("provenance", Value(*p, a), a);
  out.AddMember("version", Value(static_cast<int64_t>(v.version)), a);
  return out;
}

Result<void> check_act(const Value& input, const std::string& path, bool required,
                       std::initializer_list<std::string_view> fields) {
  if (json::find(input, path) == nullptr) {
    if (required) return invalid(path, "is required");
    return {};
  }
  if (auto r = only_members(input, path, fields); !r) return r;
  for (auto f : fields) {
    const std::string p = path + "/" + std::string(f);
    if (f == "date" || f == "proof_date" || f == "valid_until") {
      auto d = date_at(input, p, true);
      if (!d) return d.error();
    } else if (f == "cnie") {
      auto s = string_at(input, p, true, 8);
      if (!s) return s.error();
      if (auto problem = identifiers::cnie_problem(**s)) return invalid(p, *problem);
    } else if (f == "reference" || f == "establishment") {
      auto s = string_at(input, p, false, 200);
      if (!s) return s.error();
    } else {
      auto s = string_at(input, p, true, 120);
      if (!s) return s.error();
    }
  }
  return {};
}

Result<Loaded> family_for_update(Registry& r, const std::string& number, const Caller& caller) {
  if (auto ok = well_formed(r, streams::kFamily, number, "/number"); !ok) return ok.error();
  auto l = Registry::Impl::load_existing(r, streams::family(number), "family of " + number);
  if (!l) return l.error();
  if (auto m = Registry::Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  return l;
}

// A fact about a child is one fact wherever the child is an ayant droit (issue 19, kind 4: a
// child of divorced parents may be in both parents' families). `facts` (member fields, null to
// erase) given in the family `stream`, whose declarant is `declarant`, are written to the same
// child in every other family that names them, as one change each, sourced to the client with
// `type` and `reason`. Custody is the one fact seen from the other side: the declarant's custody
// is the other parent's there, and it is carried only where that family's declarant is the
// child's other parent, as recorded on either side.
Result<std::vector<store::StreamWrite>> shared_fact(Registry& r, const std::string& stream,
                                                    const std::string& member,
                                                    const std::string& declarant,
                                                    const Value& child, const Value& facts,
                                                    const std::string& type, const Caller& caller,
                                                    const std::string& reason) {
  std::vector<store::StreamWrite> out;
  // The agent named the member: the same person elsewhere, never another who fits as well.
  auto naming = families_naming(r, child, store::MemberRef{stream, member});
  if (!naming) return naming.error();
  for (const auto& ref : *naming) {
    if (ref.stream == stream) continue;
    auto l = Registry::Impl::load_existing(r, ref.stream, ref.stream);
    if (!l) return l.error();
    const std::string base = "/members/" + json::escape(ref.member);
    auto theirs = declarant_cnie(r, l->state);
    if (!theirs) return theirs.error();
    const bool other_parent =
        (!declarant.empty() && json::text(l->state, base + "/other_parent_cnie") == declarant) ||
        (!theirs->empty() && json::text(child, "/other_parent_cnie") == *theirs);
    Doc after = copy_of(l->state);
    for (const auto& f : facts.GetObject()) {
      const std::string name = member_name(f);
      if (name == "reason" || name == "other_parent_cnie") continue;
      Value v(f.value, after.GetAllocator());
      if (name == "custody") {
        if (!other_parent) continue;
        if (v.IsString()) {
          v.SetString(std::string_view(v.GetString()) == "declarant" ? "other_parent" : "declarant",
                      after.GetAllocator());
        }
      }
      const std::string path = base + "/" + json::escape(name);
      json::set(after, path, v);
      json::set(after, "/provenance/" + json::escape(path),
                Registry::Impl::client_provenance(r, caller, after.GetAllocator()));
    }
    if (auto w = Registry::Impl::change(r, l->stream, l->version, l->state, after, type, caller,
                                        reason)) {
      out.push_back(std::move(*w));
    }
  }
  return out;
}

// A family loaded for an update of one of its members (not_found when it has none so named),
// and the member's JSON pointer.
struct MemberUpdate : Loaded {
  std::string base;
  const Value& member() const { return *json::find(state, base); }
};
Result<MemberUpdate> member_for_update(Registry& r, const std::string& number,
                                       const std::string& member, const Caller& caller) {
  auto l = family_for_update(r, number, caller);
  if (!l) return l.error();
  MemberUpdate out{std::move(*l), "/members/" + json::escape(member)};
  if (json::find(out.state, out.base) == nullptr) {
    return make_error(Errc::not_found, "no member " + member + " in this family");
  }
  return out;
}

// `also`: the same fact's changes to the child's other families (shared_fact), in the commit.
Result<Outcome> commit_family(Registry& r, Loaded& l, const std::string& number, const Doc& after,
                              std::string type, const Caller& caller, std::string reason,
                              Effect effect, std::vector<store::StreamWrite> also = {}) {
  auto w = Registry::Impl::change(r, l.stream, l.version, l.state, after, std::move(type), caller,
                                  std::move(reason));
  if (!w) return unchanged(r.family(number));
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  for (auto& other : also) commit.writes.push_back(std::move(other));
  // The answer is the family as it will read once committed.
  auto insured = Registry::Impl::load_existing(r, streams::insured(number), "insured " + number);
  if (!insured) return insured.error();
  auto person =
      Registry::Impl::load(r, streams::person(json::text(insured->state, "/cnie").value_or("")));
  if (!person) return person.error();
  const Doc none = json::object();
  FamilyView v;
  v.family = copy_of(after);
  v.version = l.version + 1;
  v.on = Registry::Impl::today(r);
  auto c = coverage(r, v.family, insured->state, *person ? (*person)->state : none, v.on);
  if (!c) return c.error();
  v.coverage = std::move(*c);
  Outcome done{effect, family_view(v), v.version};
  return Registry::Impl::commit(r, commit, std::move(done), caller);
}

}  // namespace

Result<Outcome> Registry::family(const std::string& number, std::optional<Date> as_of) {
  auto v = view(*this, number, as_of);
  if (!v) return v.error();
  return Outcome{Effect::read, family_view(*v), v->version};
}

Result<Outcome> Registry::beneficiaries(const std::string& number, std::optional<Date> as_of) {
  auto v = view(*this, number, as_of);
  if (!v) return v.error();
  Doc out = json::object();
  auto& a = out.GetAllocator();
  out.AddMember("immatriculation", Value(number.c_str(), a), a);
  out.AddMember("on", Value(format_date(v->on).c_str(), a), a);
  Value list(rapidjson::kArrayType);
  if (const Value* ms = json::find(v->family, "/members"); ms && ms->IsObject()) {
    for (const auto& m : ms->GetObject()) {
      const Value* c = json::find(v->coverage, "/" + json::escape(member_name(m)));
      if (c == nullptr || !json::flag(*c, "/covered")) continue;
      Value item(m.value, a);
      item.AddMember("id", Value(m.name, a), a);
      item.AddMember("coverage", Value(*c, a), a);
      list.PushBack(item, a);
    }
  }
  out.AddMember("beneficiaries", list, a);
  return Outcome{Effect::read, std::move(out), v->version};
}

Result<Outcome> Registry::add_beneficiary(const std::string& number, const std::string& body,
                                          const Caller& caller) {
  auto input = parse_body(body, {"relation", "cnie", "last_name", "first_name", "sex", "birth_date",
                                 "birth_act", "marriage_act", "act", "guardian",
                                 "other_parent_cnie", "studies", "disabled", "married", "reason"});
  if (!input) return input.error();
  for (const char* p : {"/cnie", "/other_parent_cnie", "/guardian/cnie"}) {
    read_as_typed(*input, p, Typed::cnie);
  }
  auto relation = string_at(*input, "/relation", true, 20);
  if (!relation) return relation.error();
  const std::string& rel = **relation;
  if (rel != "spouse" && rel != "child" && rel != "kafala" && rel != "guardianship") {
    return invalid("/relation", "must be spouse, child, kafala or guardianship");
  }
  const bool spouse = rel == "spouse";
  auto cnie = string_at(*input, "/cnie", spouse, 8);
  if (!cnie) return cnie.error();
  if (*cnie) {
    if (auto p = identifiers::cnie_problem(**cnie)) return invalid("/cnie", *p);
  }
  for (const char* f : {"/last_name", "/first_name"}) {
    auto s = string_at(*input, f, true, 120);
    if (!s) return s.error();
  }
  auto sex = string_at(*input, "/sex", false, 1);
  if (!sex) return sex.error();
  if (*sex && **sex != "M" && **sex != "F") return invalid("/sex", "must be M or F");
  auto birth = date_at(*input, "/birth_date", !spouse);
  if (!birth) return birth.error();
  if (*birth && clock_.today() < **birth) return invalid("/birth_date", "is in the future");
  if (auto c = check_act(*input, "/birth_act", !spouse && !*cnie, {"number", "date", "commune"});
      !c) {
    return c.error();
  }
  if (auto c = check_act(*input, "/marriage_act", false, {"number", "date", "commune"}); !c) {
    return c.error();
  }
  if (rel == "kafala" || rel == "guardianship") {
    if (auto c = check_act(*input, "/act", true, {"number", "date", "court"}); !c) return c.error();
  }
  if (rel == "guardianship") {
    if (auto c = check_act(*input, "/guardian", true, {"cnie", "last_name", "first_name"}); !c) {
      return c.error();
    }
  }
  if (auto c = check_act(*input, "/studies", false, {"proof_date", "valid_until", "establishment"});
      !c) {
    return c.error();
  }
  if (auto c = check_act(*input, "/disabled", false, {"proof_date", "reference"}); !c)
    return c.error();
  auto other = string_at(*input, "/other_parent_cnie", false, 8);
  if (!other) return other.error();
  if (*other) {
    if (auto p = identifiers::cnie_problem(**other)) return invalid("/other_parent_cnie", *p);
  }
  if (const Value* m = json::find(*input, "/married"); m && !m->IsBool()) {
    return invalid("/married", "must be true or false");
  }
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();

  auto l = family_for_update(*this, number, caller);
  if (!l) return l.error();
  if (auto same = same_member(l->state, *input, spouse)) {
    return make_error(Errc::conflict, "this person is already member " + *same + " of the family",
                      "duplicate_member");
  }
  Doc after = copy_of(l->state);
  const std::string id = new_member_id(after, spouse ? 's' : 'k');
  Doc member = copy_of(*input);
  member.RemoveMember("reason");
  json::set_string(member, "/source", "client");
  if (spouse && !member.HasMember("status")) json::set_string(member, "/status", "married");
  json::set(after, "/members/" + id, member);
  json::set(after, "/provenance/" + json::escape("/members/" + id),
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  return commit_family(*this, *l, number, after, "beneficiary.added", caller, *reason,
                       Effect::created);
}

Result<Outcome> Registry::update_beneficiary(const std::string& number, const std::string& member,
                                             const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"studies", "disabled", "married", "custody", "other_parent_cnie",
                                 "status", "dissolution_date", "reason"});
  if (!input) return input.error();
  read_as_typed(*input, "/other_parent_cnie", Typed::cnie);
  const auto is_null = [&](const char* p) {
    const Value* v = json::find(*input, p);
    return v != nullptr && v->IsNull();
  };
  if (!is_null("/studies")) {
    if (auto c =
            check_act(*input, "/studies", false, {"proof_date", "valid_until", "establishment"});
        !c) {
      return c.error();
    }
  }
  if (!is_null("/disabled")) {
    if (auto c = check_act(*input, "/disabled", false, {"proof_date", "reference"}); !c)
      return c.error();
  }
  if (const Value* m = json::find(*input, "/married"); m && !m->IsBool()) {
    return invalid("/married", "must be true or false");
  }
  if (!is_null("/custody")) {
    auto c = string_at(*input, "/custody", false, 20);
    if (!c) return c.error();
    if (*c && **c != "declarant" && **c != "other_parent") {
      return invalid("/custody", "must be declarant or other_parent");
    }
  }
  if (!is_null("/other_parent_cnie")) {
    auto o = string_at(*input, "/other_parent_cnie", false, 8);
    if (!o) return o.error();
    if (*o) {
      if (auto p = identifiers::cnie_problem(**o)) return invalid("/other_parent_cnie", *p);
    }
  }
  auto st = string_at(*input, "/status", false, 10);
  if (!st) return st.error();
  if (*st && **st != "married" && **st != "divorced" && **st != "widowed") {
    return invalid("/status", "must be married, divorced or widowed");
  }
  auto dissolution = date_at(*input, "/dissolution_date", false);
  if (!dissolution) return dissolution.error();
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();

  auto l = member_for_update(*this, number, member, caller);
  if (!l) return l.error();
  const std::string& base = l->base;
  const bool spouse = json::text(l->member(), "/relation") == "spouse";
  if (!spouse && (*st || *dissolution)) {
    return invalid(*st ? "/status" : "/dissolution_date", "applies to a spouse only");
  }
  if (spouse && (json::find(*input, "/custody") || json::find(*input, "/studies"))) {
    return invalid(json::find(*input, "/custody") ? "/custody" : "/studies",
                   "applies to a child only");
  }
  Doc after = copy_of(l->state);
  for (const auto& m : input->GetObject()) {
    const std::string name = member_name(m);
    if (name == "reason") continue;
    const std::string path = base + "/" + json::escape(name);
    json::set(after, path, m.value);  // null erases: a proof withdrawn
    json::set(after, "/provenance/" + json::escape(path),
              Impl::client_provenance(*this, caller, after.GetAllocator()));
  }
  std::vector<store::StreamWrite> also;
  if (!spouse) {
    auto declarant = declarant_cnie(*this, l->state);
    if (!declarant) return declarant.error();
    auto shared = shared_fact(*this, l->stream, member, *declarant, *json::find(after, base),
                              *input, "beneficiary.updated", caller, *reason);
    if (!shared) return shared.error();
    also = std::move(*shared);
  }
  return commit_family(*this, *l, number, after, "beneficiary.updated", caller, *reason,
                       Effect::changed, std::move(also));
}

Result<Outcome> Registry::record_beneficiary_death(const std::string& number,
                                                   const std::string& member,
                                                   const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"death_date", "act", "reason"});
  if (!input) return input.error();
  auto date = date_at(*input, "/death_date", true);
  if (!date) return date.error();
  if (clock_.today() < **date) return invalid("/death_date", "is in the future");
  if (auto c = check_act(*input, "/act", false, {"number", "date", "commune"}); !c) {
    return c.error();
  }
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = member_for_update(*this, number, member, caller);
  if (!l) return l.error();
  const std::string& base = l->base;
  if (json::text(l->member(), "/relation") == "spouse") {
    return invalid("/death_date",
                   "applies to a child only: a spouse's death is recorded on the person, by CNIE");
  }
  if (const auto born = date_of(l->member(), "/birth_date", true); born && **date < *born) {
    return invalid("/death_date", "is before the child's birth date");
  }
  Doc facts = json::object();
  json::set(facts, "/death_date", *json::find(*input, "/death_date"));
  if (const Value* act = json::find(*input, "/act")) json::set(facts, "/death_act", *act);
  Doc after = copy_of(l->state);
  for (const auto& f : facts.GetObject()) {
    const std::string path = base + "/" + json::escape(member_name(f));
    json::set(after, path, f.value);
    json::set(after, "/provenance/" + json::escape(path),
              Impl::client_provenance(*this, caller, after.GetAllocator()));
  }
  auto declarant = declarant_cnie(*this, l->state);
  if (!declarant) return declarant.error();
  auto also = shared_fact(*this, l->stream, member, *declarant, *json::find(after, base), facts,
                          "beneficiary.death_recorded", caller, *reason);
  if (!also) return also.error();
  return commit_family(*this, *l, number, after, "beneficiary.death_recorded", caller, *reason,
                       Effect::changed, std::move(*also));
}

Result<int> Registry::record_eligibility_changes(
    std::string after_stream, const std::function<bool(const std::string&)>& page_done) {
  int appended = 0;
  const Date today = clock_.today();
  Caller job{"system:eligibility-job", false, "eligibility-" + format_date(today), "", "", {}, {}};
  for (;;) {
    auto page = store_.list_records(std::string(streams::kFamily), after_stream, 200);
    if (!page) return page.error();
    for (const auto& rec : *page) {
      after_stream = rec.stream;
      auto family = json::parse(rec.state);
      if (!family) continue;
      const std::string number = json::text(*family, "/immatriculation").value_or("");
      auto insured = Impl::load(*this, streams::insured(number));
      if (!insured) return insured.error();
      if (!*insured) continue;
      auto person =
          Impl::load(*this, streams::person(json::text((*insured)->state, "/cnie").value_or("")));
      if (!person) return person.error();
      const Doc none = json::object();
      auto c =
          coverage(*this, *family, (*insured)->state, *person ? (*person)->state : none, today);
      if (!c) return c.error();
      Doc next = copy_of(*family);
      json::set(next, "/eligibility", *c);
      auto w =
          Impl::change(*this, rec.stream, rec.version, *family, next, "eligibility.changed", job,
                       "daily coverage computation on " + format_date(today), "job:eligibility");
      if (!w) continue;
      store::RecordCommit commit;
      commit.writes.push_back(std::move(*w));
      auto done = store_.commit_records(commit);
      // A family changed meanwhile is computed again by tomorrow's run, from its new state.
      if (!done && done.error().detail != "stale_version") return done.error();
      if (done) ++appended;
    }
    if (page_done && !page->empty() && !page_done(after_stream)) break;
    if (page->size() < 200) break;
  }
  return appended;
}

}  // namespace hub::registry
