// Family members matched across the family booklet, partners' events and agents' entries (issue
// 19, kind 4; docs/registration.md, "Matching family members"): by CNIE, then by birth act, then
// by name and birth date. A match decided by name and birth date alone that finds different
// people is ambiguous: it is not applied, and an administrator picks the person in the review
// queue (/admin/v1/review). The same child named in both parents' families is one person.
#include <algorithm>
#include <map>
#include <numeric>

#include "hub/core/ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"
#include "hub/text/compare.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

// Whether two values of a member's identifier contradict: both given and different.
bool contradict(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  return a && b && *a != *b;
}

// A name as two sources may write it: the text rule's comparison key (case, spaces, invisible
// marks and Unicode forms aside: hub/text/compare.hpp, docs/text.md).
std::string name_key(const Value& v, const char* pointer) {
  return text::comparison_key(json::text(v, pointer).value_or(""));
}

// A member that may be the person, with what tells people apart.
struct Found {
  store::MemberRef ref;
  MatchedBy by = MatchedBy::identifier;
  std::string family;  // the family's immatriculation number
  std::string cnie;
  std::string act;
  std::string other_parent;  // the CNIE of the child's other parent, as the family records it
  std::size_t person = 0;    // which of the different people it is (people())
};

Found found_in(const Value& family, const std::string& stream, const Fit& fit) {
  const std::string base = "/members/" + json::escape(fit.member);
  Found f;
  f.ref = {stream, fit.member};
  f.by = fit.by;
  f.family = json::text(family, "/immatriculation").value_or("");
  f.cnie = json::text(family, base + "/cnie").value_or("");
  f.act = json::text(family, base + "/birth_act/number").value_or("");
  f.other_parent = json::text(family, base + "/other_parent_cnie").value_or("");
  return f;
}

// Numbers the different people among `found` (Found::person) and answers how many. Members found
// by an identifier are the person the identifier names; two members with the same CNIE or birth
// act are one person; and so are two members of different families when one family records the
// other's declarant as the child's other parent (a child of two insured parents, whom the birth
// and the booklets write into both families). Two members of one family are two people.
Result<std::size_t> people(Registry& r, std::vector<Found>& found) {
  std::vector<std::size_t> root(found.size());
  std::iota(root.begin(), root.end(), 0);
  auto top = [&](std::size_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  auto join = [&](std::size_t i, std::size_t j) { root[top(i)] = top(j); };
  std::map<std::string, std::string> declarant;  // by family stream
  for (const auto& f : found) {
    if (declarant.count(f.ref.stream) != 0) continue;
    auto l = Registry::Impl::load(r, f.ref.stream);
    if (!l) return l.error();
    auto cnie = *l ? declarant_cnie(r, (*l)->state) : Result<std::string>(std::string());
    if (!cnie) return cnie.error();
    declarant[f.ref.stream] = *cnie;
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (std::size_t j = i + 1; j < found.size(); ++j) {
      const Found& a = found[i];
      const Found& b = found[j];
      const bool identified = a.by == MatchedBy::identifier && b.by == MatchedBy::identifier;
      const bool same_id =
          (!a.cnie.empty() && a.cnie == b.cnie) || (!a.act.empty() && a.act == b.act);
      const bool mirrored =
          a.ref.stream != b.ref.stream &&
          ((!a.other_parent.empty() && a.other_parent == declarant[b.ref.stream]) ||
           (!b.other_parent.empty() && b.other_parent == declarant[a.ref.stream]));
      if (identified || (a.ref.stream != b.ref.stream && same_id) || mirrored) join(i, j);
    }
  }
  std::map<std::size_t, std::size_t> number;
  for (std::size_t i = 0; i < found.size(); ++i) {
    found[i].person = number.emplace(top(i), number.size()).first->second;
  }
  return number.size();
}

// unprocessable/"ambiguous_member": the different people that fit, in Error::details_json as
// {"candidates": [{"members": [{"family", "member"}], "cnie"? (masked), "birth_act": bool}]}.
Error ambiguous(const std::vector<Found>& found, std::size_t count, std::string_view where) {
  Doc details = json::object();
  auto& a = details.GetAllocator();
  Value candidates(rapidjson::kArrayType);
  for (std::size_t p = 0; p < count; ++p) {
    Value candidate(rapidjson::kObjectType);
    Value members(rapidjson::kArrayType);
    bool act = false;
    std::string cnie;
    for (const auto& f : found) {
      if (f.person != p) continue;
      Value m(rapidjson::kObjectType);
      m.AddMember("family", Value(f.family.c_str(), a), a);
      m.AddMember("member", Value(f.ref.member.c_str(), a), a);
      members.PushBack(m, a);
      act = act || !f.act.empty();
      if (cnie.empty()) cnie = f.cnie;
    }
    candidate.AddMember("members", members, a);
    if (!cnie.empty()) candidate.AddMember("cnie", Value(mask_identifier(cnie).c_str(), a), a);
    candidate.AddMember("birth_act", act, a);
    candidates.PushBack(candidate, a);
  }
  details.AddMember("candidates", candidates, a);
  Error e = make_error(Errc::unprocessable,
                       std::string(where) + ": " + std::to_string(count) +
                           " different people fit by name and birth date alone; an "
                           "administrator picks one in the review queue",
                       "ambiguous_member");
  e.details_json = json::dump(details);
  return e;
}

// The members `found` names once its people are told apart: those of the person `pick` names,
// when given; else those of the person an identifier found, when one did; else all of them when
// they are one person; ambiguous otherwise. not_found when `pick` names none of several.
Result<std::vector<store::MemberRef>> decide(Registry& r, std::vector<Found>& found,
                                             const std::optional<store::MemberRef>& pick,
                                             std::string_view where) {
  std::vector<store::MemberRef> out;
  if (found.size() == 1) out.push_back(found.front().ref);
  if (found.size() <= 1) return out;  // no one to tell apart
  auto count = people(r, found);
  if (!count) return count.error();
  std::optional<std::size_t> chosen;
  for (const auto& f : found) {
    if (pick && f.ref.stream == pick->stream && f.ref.member == pick->member) chosen = f.person;
  }
  if (pick && !chosen && *count > 1) {
    return make_error(
        Errc::not_found,
        std::string(where) + ": the member chosen in review (" + pick->member + ") no longer fits",
        "chosen_member_gone");
  }
  // A match by CNIE or birth act is never ambiguous: the person it names, and the members
  // that are the same person (people()); a namesake found by name alone is someone else.
  for (const auto& f : found) {
    if (!chosen && f.by == MatchedBy::identifier) chosen = f.person;
  }
  if (!chosen && *count > 1) return ambiguous(found, *count, where);
  for (const auto& f : found) {
    if (!chosen || f.person == *chosen) out.push_back(f.ref);
  }
  return out;
}

// The family streams the member index holds under any key of `person`.
Result<std::vector<std::string>> indexed_streams(Registry& r, const Value& person) {
  std::vector<std::string> streams;
  for (const auto& [prefix, pointer] :
       {std::pair{"cnie/", "/cnie"}, std::pair{"act/", "/birth_act/number"},
        std::pair{"born/", "/birth_date"}}) {
    const auto v = json::text(person, pointer);
    if (!v) continue;
    auto found = Registry::Impl::store(r).find_members(std::string(prefix) + *v);
    if (!found) return found.error();
    for (const auto& c : *found) streams.push_back(c.stream);
  }
  std::sort(streams.begin(), streams.end());
  streams.erase(std::unique(streams.begin(), streams.end()), streams.end());
  return streams;
}

}  // namespace

std::string member_name(const Value::Member& m) {
  return std::string(m.name.GetString(), m.name.GetStringLength());
}

std::vector<Fit> members_fitting(const Value& family, const Value& candidate, bool spouse) {
  std::vector<Fit> out;
  const Value* members = json::find(family, "/members");
  if (members == nullptr || !members->IsObject()) return out;
  const auto cnie = json::text(candidate, "/cnie");
  const auto act = json::text(candidate, "/birth_act/number");
  const auto commune = json::text(candidate, "/birth_act/commune").value_or("");
  auto of_kind = [&](const Value& m) { return (json::text(m, "/relation") == "spouse") == spouse; };
  for (const auto& m : members->GetObject()) {
    if (of_kind(m.value) && cnie && json::text(m.value, "/cnie") == cnie)
      out.push_back({member_name(m), MatchedBy::identifier});
  }
  for (const auto& m : members->GetObject()) {
    if (out.empty() && of_kind(m.value) && !spouse && act &&
        json::text(m.value, "/birth_act/number") == act &&
        json::text(m.value, "/birth_act/commune").value_or("") == commune) {
      out.push_back({member_name(m), MatchedBy::identifier});
    }
  }
  const auto born = json::text(candidate, "/birth_date");
  const std::string last = name_key(candidate, "/last_name");
  const std::string first = name_key(candidate, "/first_name");
  if (!out.empty() || !born || last.empty() || first.empty()) return out;
  for (const auto& m : members->GetObject()) {
    if (!of_kind(m.value) || contradict(cnie, json::text(m.value, "/cnie")) ||
        contradict(act, json::text(m.value, "/birth_act/number"))) {
      continue;
    }
    if (json::text(m.value, "/birth_date") == born && name_key(m.value, "/last_name") == last &&
        name_key(m.value, "/first_name") == first) {
      out.push_back({member_name(m), MatchedBy::name_and_birth_date});
    }
  }
  return out;
}

std::optional<std::string> same_member(const Value& family, const Value& candidate, bool spouse) {
  auto fits = members_fitting(family, candidate, spouse);
  if (fits.empty()) return std::nullopt;
  return fits.front().member;
}

Result<std::optional<std::string>> member_in(Registry& r, const Value& family,
                                             const std::string& stream, const Value& candidate,
                                             const std::optional<store::MemberRef>& pick,
                                             std::string_view where) {
  std::vector<Found> found;
  for (const auto& fit : members_fitting(family, candidate, false)) {
    found.push_back(found_in(family, stream, fit));
  }
  auto refs = decide(r, found, pick && pick->stream == stream ? pick : std::nullopt, where);
  if (!refs) return refs.error();
  if (refs->empty()) return std::optional<std::string>();
  return std::optional<std::string>(refs->front().member);
}

Result<std::vector<store::MemberRef>> families_naming(Registry& r, const Value& person,
                                                      const std::optional<store::MemberRef>& pick,
                                                      std::string_view where) {
  // The index gives the families under every key the person has; members_fitting, which also
  // matches a refresh's booklet, decides in each, and decide() across them.
  auto streams = indexed_streams(r, person);
  if (!streams) return streams.error();
  std::vector<Found> found;
  for (const auto& stream : *streams) {
    auto family = Registry::Impl::load(r, stream);
    if (!family) return family.error();
    if (!*family) continue;
    for (const auto& fit : members_fitting((*family)->state, person, false)) {
      found.push_back(found_in((*family)->state, stream, fit));
    }
  }
  return decide(r, found, pick, where);
}

Result<std::string> declarant_cnie(Registry& r, const Value& family) {
  const auto number = json::text(family, "/immatriculation").value_or("");
  auto insured = Registry::Impl::load(r, streams::insured(number));
  if (!insured) return insured.error();
  if (!*insured) return std::string();
  return json::text((*insured)->state, "/cnie").value_or("");
}

}  // namespace hub::registry
