// What the registry's operations share (internal to hub/registry): loading and folding records,
// building the events of a change, committing with the idempotent outcome, checking bodies, and
// reading the partners' facts by section.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/registry/json.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/streams.hpp"

namespace hub::registry {

// A record read for an update: its state and the version it was read at.
struct Loaded {
  std::string stream;
  std::int64_t version = 0;
  json::Doc state;
};

struct Registry::Impl {
  static Result<std::optional<Loaded>> load(Registry& r, const std::string& stream);
  // not_found naming `what` when the record does not exist.
  static Result<Loaded> load_existing(Registry& r, const std::string& stream,
                                      const std::string& what);
  // The state the stream's events fold to at the end of the day `as_of` (now when nullopt);
  // nullopt when no event existed yet.
  static Result<std::optional<json::Doc>> fold_at(Registry& r, const std::string& stream,
                                                  std::optional<Date> as_of);
  // One event that takes the record from `before` to `after`; nullopt when nothing changed.
  static std::optional<store::StreamWrite> change(Registry& r, const std::string& stream,
                                                  std::int64_t expected_version,
                                                  const json::Value& before, const json::Doc& after,
                                                  std::string type, const Caller& caller,
                                                  std::string reason,
                                                  std::string source = "client");
  // Commits, storing `outcome` under the caller's idempotency key in the same transaction. A
  // concurrent twin that committed first makes this one answer what the twin answered.
  static Result<Outcome> commit(Registry& r, store::RecordCommit& commit, Outcome outcome,
                                const Caller& caller);
  // Commits changes that answer no client: applied with no idempotency key.
  static Result<void> commit_quietly(Registry& r, store::RecordCommit& commit,
                                     const Caller& caller);
  // Before a registration asks a partner: nullopt when no record holds `key` yet. When one does,
  // a twin of this request may have made it since the caller looked: its outcome is given again;
  // otherwise conflict/"already_registered", with `what` and the record's number ("/cnie: already
  // registered as").
  static Result<std::optional<Outcome>> earlier(Registry& r, const std::string& key,
                                                const Caller& caller, const std::string& what);
  // precondition_failed when the caller's If-Match names another version.
  static Result<void> check_if_match(const Caller& caller, std::int64_t version,
                                     const std::string& stream);
  // Provenance of a value the client gave.
  static json::Value client_provenance(Registry& r, const Caller& caller, json::Alloc& a);
  static std::int64_t now_ms(Registry& r) { return r.clock_.now_ms(); }
  static store::Store& store(Registry& r) { return r.store_; }
  static FactSource& facts(Registry& r) { return r.facts_; }
  static Date today(Registry& r) { return r.clock_.today(); }

  // CNSS's numbers (check_digits.cpp, docs/identifiers.md): the serial at or below which a
  // number of `kind` (streams::kInsured/kFamily: immatriculation, kEmployer: affiliation) has a
  // Luhn check digit; later ones have Damm's. Read from settings/check_digits, which the first
  // call records when the store has none (the counters' last serials then): store errors pass.
  static Result<std::int64_t> luhn_until(Registry& r, std::string_view kind);
  // A new number of `kind` from its store counter, with Damm's check digit.
  static Result<std::string> new_number(Registry& r, std::string_view kind);
};

json::Doc copy_of(const json::Value& v);
// A read given as the answer to a change that changed nothing.
inline Result<Outcome> unchanged(Result<Outcome> read) {
  if (read) read->effect = Effect::unchanged;
  return read;
}
// An insured registration loaded for an update (its number well formed, the caller's If-Match
// checked): not_found, invalid_input or precondition errors otherwise.
Result<Loaded> insured_for_update(Registry& r, const std::string& number, const Caller& caller);
// Commits one change of an insured registration (event `type`, the caller's reason) and answers
// the new state; a change that changes nothing answers the current state, unchanged.
Result<Outcome> commit_insured(Registry& r, Loaded& l, const json::Doc& after, std::string type,
                               const Caller& caller, std::string reason,
                               Effect effect = Effect::changed);
// invalid_input with the field's JSON pointer: "/rib: key does not match".
Error invalid(std::string_view path, std::string_view problem);
// Whether `id` is well formed for a record of `kind` (streams.hpp): an immatriculation number
// (insured, family: 9 digits, its check digit), an affiliation number (employer: 7 digits) or a
// CNIE (person). Otherwise 400 invalid_input at `/<path>` — a malformed number is the client's
// error, never "no such record" (docs/registration.md).
Result<void> well_formed(Registry& r, std::string_view kind, const std::string& id,
                         std::string_view path);
// A request body that must be a JSON object holding only the `allowed` members.
Result<json::Doc> parse_body(const std::string& body,
                             std::initializer_list<std::string_view> allowed);
// Only the `allowed` members in the object at `path` (which must be an object when present).
Result<void> only_members(const json::Value& root, std::string_view path,
                          std::initializer_list<std::string_view> allowed);
// Identifiers as people type them (docs/identifiers.md, hub/identifiers/typed.hpp): the string at
// `path` of a client's body, when there is one, replaced by its canonical form before it is
// checked and kept ("bk 123-456" -> "BK123456", a RIB in groups of four -> its 24 digits). A value
// that does not read as typed is left as sent, for its check to refuse it with its path.
enum class Typed { cnie, digits };
void read_as_typed(json::Doc& input, std::string_view path, Typed kind);
// The string at `path`: nullopt when absent; invalid_input when not a string, empty, or longer
// than max_chars, or when absent and required.
Result<std::optional<std::string>> string_at(const json::Value& root, std::string_view path,
                                             bool required, std::size_t max_chars = 200);
// A date at `path` ("YYYY-MM-DD").
Result<std::optional<Date>> date_at(const json::Value& root, std::string_view path, bool required);
// The reason a client gave ("/reason"), required or not.
Result<std::string> reason_at(const json::Value& root, bool required);

// Copies the leaves of `from` (found at `from_path` in the facts) into `to` at `to_path`, each
// with its provenance: the entry in `provenance` for the same pointer, or for its nearest
// ancestor ("" last: a section's own entry, provenance_map).
void copy_with_provenance(const json::Value& from, const std::string& from_path,
                          const json::Value& provenance, json::Doc& to, const std::string& to_path);
// The provenance entry for `pointer` or its nearest ancestor, or null.
const json::Value* provenance_for(const json::Value& provenance, std::string pointer);
// Erases the provenance entries of `pointer` and of every field below it.
void erase_provenance_under(json::Doc& state, const std::string& pointer);

// A section's provenance by JSON pointer into its record: "" holds the section's own entry
// {"partner", "mapping", "version", "fetched_at", "correlation_id"}, and each field read from the
// payload has the same plus its "source" path.
json::Doc provenance_map(const Section& section);
// The section `step` that a rule cannot do without, when it is ok or not_found (the partner's own
// "unknown": the rule says what that means). When the partner failed, partner_unavailable:
// "<PARTNER> did not give <what> (<why>); retry later"; when the hub failed the step, its error
// unchanged; when the recipe has no such step, internal/"recipe_incomplete".
Result<const Section*> required_section(const Facts& facts, std::string_view step,
                                        std::string_view what);
// A partner's name as people write it ("dgsn" -> "DGSN").
std::string upper(std::string_view partner);
// The partners consulted, as a registration's evidence: /prefill/<partner> for every section,
// with how the broker answered.
void record_evidence(json::Doc& state, const Facts& facts);

// A partner event as the events inbox hands it over: the canonical record (civil_event,
// company_event, eligibility change), its one provenance entry, its type and id, and the partner
// it came from (the provenance's).
struct PartnerEvent {
  json::Doc event;
  json::Doc provenance;
  std::string type;
  std::string id;
  std::string partner;
};
Result<PartnerEvent> read_partner_event(const std::string& event_json,
                                        const std::string& provenance_json);
// A creation event for a company CNSS does not affiliate: the affiliation it prepares
// (pending_affiliations.cpp), once whatever the number of deliveries.
Result<Outcome> prepare_affiliation(Registry& r, const PartnerEvent& read, const Caller& caller);
// The end of a day in ms since the epoch (the last millisecond of it).
std::int64_t end_of_day_ms(const Date& d);

}  // namespace hub::registry

namespace hub::registry {

// The current state of the insured registration of the person with this CNIE, if any.
Result<std::optional<json::Doc>> insured_of_cnie(Registry& r, const std::string& cnie);
// Adds to a family state the members of a family booklet (a "family" section) it does not hold
// yet (matched by CNIE or birth act), each field with its provenance.
void merge_booklet(json::Doc& family, const Section& booklet);
// The member index of a family (store::MemberEntry): each member under "cnie/<CNIE>",
// "act/<birth act number>" and "born/<birth date>", for those it has. The migration that made
// the index (store, migration 9) fills it with the same keys.
std::vector<store::MemberEntry> member_index(const json::Value& family);
// The name of a JSON object's member: a family member's id ("k1"), a field's name.
std::string member_name(const json::Value::Member& m);
// How a member was found (member_match.cpp): by an identifier (CNIE, birth act) or by name and
// birth date alone.
enum class MatchedBy { identifier, name_and_birth_date };
struct Fit {
  std::string member;
  MatchedBy by;
};
// The members of a family that may be `candidate` (issue 19, kind 4): those with its CNIE; else
// those with its birth act (number and commune; children only); else, for a person known by
// neither, as the booklet lists young children, those with its family name, first name and birth
// date (text::comparison_key) whose CNIE and birth act do not contradict. Spouses or children.
std::vector<Fit> members_fitting(const json::Value& family, const json::Value& candidate,
                                 bool spouse);
// The first of members_fitting: the booklet's merge and an agent's duplicate check.
std::optional<std::string> same_member(const json::Value& family, const json::Value& candidate,
                                       bool spouse);
// The member of one family (its state and stream) that is `candidate`, nullopt when none; several
// fitting by name and birth date alone are unprocessable/"ambiguous_member" (the candidates in
// Error::details_json, CNIEs masked; the message starts with `where`), unless `pick` names one.
Result<std::optional<std::string>> member_in(Registry& r, const json::Value& family,
                                             const std::string& stream,
                                             const json::Value& candidate,
                                             const std::optional<store::MemberRef>& pick,
                                             std::string_view where);
// The families that name a person (a child), with the member each names them as, through the
// member index. The same child in several families (same CNIE or birth act, or each family
// recording the other's declarant as the other parent) is one person; when the members found by
// name and birth date alone are different people: unprocessable/"ambiguous_member", as member_in,
// unless `pick` names one of them (then only that person's members); not_found/
// "chosen_member_gone" when `pick` names none of several.
Result<std::vector<store::MemberRef>> families_naming(
    Registry& r, const json::Value& person, const std::optional<store::MemberRef>& pick = {},
    std::string_view where = "/person");
// The CNIE of the insured person whose family this is ("" when unknown).
Result<std::string> declarant_cnie(Registry& r, const json::Value& family);
// Every member's coverage on `on`, as {"<member>": {"covered", "reason", "until"?,
// "attached_to"?}}, given the declarant's insured and person states.
Result<json::Doc> coverage(Registry& r, const json::Value& family, const json::Value& insured,
                           const json::Value& person, const Date& on);

}  // namespace hub::registry
