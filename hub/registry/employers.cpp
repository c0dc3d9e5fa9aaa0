// Employers and their affiliations: registration from an ICE, representatives, the managing
// agency, transfer, suspension, reopening and closure.
#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

constexpr std::string_view kRoles[] = {"manager",   "ceo",      "director", "general_manager",
                                       "president", "operator", "agent"};

bool known_role(std::string_view r) {
  for (auto k : kRoles) {
    if (k == r) return true;
  }
  return false;
}

Doc compose(const Value& state, std::int64_t version) {
  Doc out = copy_of(state);
  out.RemoveMember("version");
  out.AddMember("version", Value(static_cast<int64_t>(version)), out.GetAllocator());
  return out;
}

// The sections an affiliation uses, once its rules let it through.
struct CompanyFacts {
  const Section* company = nullptr;
  const Section* taxpayer = nullptr;  // nullptr: its partner knows no taxpayer for this ICE
};

// Why a company may not be affiliated, from the partners' facts.
Result<CompanyFacts> check_company(const Facts& facts) {
  auto company = required_section(facts, "company", "the company");
  if (!company) return company.error();
  const std::string register_name = upper((*company)->partner);
  if ((*company)->status == Section::Status::not_found) {
    return make_error(Errc::unprocessable,
                      "/ice: " + register_name + " knows no company with this ICE",
                      "unknown_company");
  }
  if (json::text(*(*company)->record, "/status") == "struck_off") {
    return make_error(
        Errc::unprocessable,
        "/ice: " + register_name + " says the company is struck off the register (RADIEE)",
        "company_struck_off");
  }
  // A ceased activity refuses the affiliation; a tax status that could not be read makes it wait.
  const Section* tax = facts.section("taxpayer");
  const Value* tax_record = tax && tax->status == Section::Status::ok ? tax->record.get() : nullptr;
  const auto status = tax_record ? json::text(*tax_record, "/status") : std::nullopt;
  if (status == "ceased" || status == "struck_off") {
    const auto since = json::text(*tax_record, "/status_date");
    return make_error(
        Errc::unprocessable,
        "/ice: " + upper(tax->partner) + " says the company's activity has " +
            std::string(*status == "ceased" ? "ceased (CESSE)" : "been struck off (RADIE)") +
            (since ? " on " + *since : std::string()),
        "taxpayer_ceased");
  }
  auto taxpayer = required_section(facts, "taxpayer", "the tax status");
  if (!taxpayer) return taxpayer.error();
  const bool known = (*taxpayer)->status == Section::Status::ok;
  return CompanyFacts{*company, known ? *taxpayer : nullptr};
}

Result<Loaded> for_update(Registry& r, const std::string& affiliation, const Caller& caller) {
  if (auto ok = well_formed(r, streams::kEmployer, affiliation, "/affiliation"); !ok)
    return ok.error();
  auto l =
      Registry::Impl::load_existing(r, streams::employer(affiliation), "employer " + affiliation);
  if (!l) return l.error();
  if (auto m = Registry::Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  return l;
}

Result<Outcome> commit_employer(Registry& r, Loaded& l, const Doc& after, std::string type,
                                const Caller& caller, std::string reason,
                                Effect effect = Effect::changed) {
  auto w = Registry::Impl::change(r, l.stream, l.version, l.state, after, std::move(type), caller,
                                  std::move(reason));
  if (!w) return Outcome{Effect::unchanged, compose(l.state, l.version), l.version};
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  return Registry::Impl::commit(
      r, commit, Outcome{effect, compose(after, l.version + 1), l.version + 1}, caller);
}

}  // namespace

namespace {

// An affiliation's input, its form checked.
struct NewEmployer {
  Doc input;
  std::string ice;
  std::optional<std::string> agency;
};

Result<void> check_representatives(const Value& input) {
  const Value* reps = json::find(input, "/representatives");
  if (reps == nullptr) return {};
  if (!reps->IsArray()) return invalid("/representatives", "must be an array");
  for (rapidjson::SizeType i = 0; i < reps->Size(); ++i) {
    const std::string p = "/representatives/" + std::to_string(i);
    if (auto m = only_members(input, p, {"cnie", "role", "last_name", "first_name"}); !m) return m;
    auto cnie = string_at(input, p + "/cnie", true, 8);
    if (!cnie) return cnie.error();
    if (auto problem = identifiers::cnie_problem(**cnie)) return invalid(p + "/cnie", *problem);
    auto role = string_at(input, p + "/role", true, 20);
    if (!role) return role.error();
    if (!known_role(**role)) return invalid(p + "/role", "is not a known role");
  }
  return {};
}

Result<NewEmployer> read_new_employer(const std::string& body) {
  auto input = parse_body(body, {"ice", "agency", "representatives"});
  if (!input) return input.error();
  read_as_typed(*input, "/ice", Typed::digits);
  if (const Value* reps = json::find(*input, "/representatives"); reps && reps->IsArray()) {
    for (rapidjson::SizeType i = 0; i < reps->Size(); ++i) {
      read_as_typed(*input, "/representatives/" + std::to_string(i) + "/cnie", Typed::cnie);
    }
  }
  auto ice = string_at(*input, "/ice", true, 15);
  if (!ice) return ice.error();
  if (auto p = identifiers::ice_problem(**ice)) return invalid("/ice", *p);
  auto agency = string_at(*input, "/agency", false, 60);
  if (!agency) return agency.error();
  if (auto r = check_representatives(*input); !r) return r.error();
  return NewEmployer{std::move(*input), std::move(**ice), std::move(*agency)};
}

// The managing agency: the client's choice, else the city of the head office, with the
// register's provenance.
void set_agency(Doc& employer, const NewEmployer& in, const Section& company, const Value& client) {
  if (in.agency) {
    json::set_string(employer, "/agency", *in.agency);
    json::set(employer, "/provenance/~1agency", client);
  } else if (auto city = json::text(*company.record, "/head_office/city")) {
    json::set_string(employer, "/agency", *city);
    const Doc provenance = provenance_map(company);
    if (const Value* p = provenance_for(provenance, "/head_office/city")) {
      json::set(employer, "/provenance/~1agency", *p);
    }
  }
}

// Representatives: those the client named, else the managers the register lists with a CNIE.
void set_representatives(Doc& employer, const NewEmployer& in, const Section& company,
                         const Value& client) {
  const Value* reps = json::find(in.input, "/representatives");
  if (reps != nullptr && !reps->Empty()) {
    for (const auto& rep : reps->GetArray()) {
      const std::string base = "/representatives/" + json::text(rep, "/cnie").value_or("");
      Doc r = copy_of(rep);
      json::set_string(r, "/source", "client");
      json::set(employer, base, r);
      json::set(employer, "/provenance/" + json::escape(base), client);
    }
    return;
  }
  const Value* managers = json::find(*company.record, "/managers");
  if (managers == nullptr || !managers->IsArray()) return;
  const Doc provenance = provenance_map(company);
  for (rapidjson::SizeType i = 0; i < managers->Size(); ++i) {
    const auto cnie = json::text((*managers)[i], "/cnie");
    if (!cnie) continue;  // a manager known by passport only is not proposed
    const std::string base = "/representatives/" + *cnie;
    copy_with_provenance((*managers)[i], "/managers/" + std::to_string(i), provenance, employer,
                         base);
    json::set_string(employer, base + "/source", company.partner);
  }
}

Result<Outcome> affiliate_from_facts(Registry& r, const NewEmployer& in, const Facts& facts,
                                     const Caller& caller) {
  auto cf = check_company(facts);
  if (!cf) return cf.error();
  auto number = Registry::Impl::new_number(r, streams::kEmployer);
  if (!number) return number.error();

  Doc employer = json::object();
  json::set_string(employer, "/affiliation_number", *number);
  json::set_string(employer, "/ice", in.ice);
  json::set_string(employer, "/status", "ACTIVE");
  json::set_string(employer, "/affiliated_on", format_date(Registry::Impl::today(r)));
  copy_with_provenance(*cf->company->record, "", provenance_map(*cf->company), employer,
                       "/company");
  if (cf->taxpayer) {
    copy_with_provenance(*cf->taxpayer->record, "", provenance_map(*cf->taxpayer), employer,
                         "/taxpayer");
  }
  const Value client = Registry::Impl::client_provenance(r, caller, employer.GetAllocator());
  set_agency(employer, in, *cf->company, client);
  set_representatives(employer, in, *cf->company, client);
  record_evidence(employer, facts);

  const Doc empty = json::object();
  auto w = Registry::Impl::change(r, streams::employer(*number), 0, empty, employer,
                                  "employer.affiliated", caller, "");
  w->keys.push_back(streams::keys::ice(in.ice));
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  auto done =
      Registry::Impl::commit(r, commit, Outcome{Effect::created, compose(employer, 1), 1}, caller);
  if (!done && done.error().detail == "duplicate_key") {
    return make_error(Errc::conflict, "/ice: already affiliated", "already_registered");
  }
  return done;
}

}  // namespace

boost::asio::awaitable<Result<Outcome>> Registry::register_employer(std::string body,
                                                                    Caller caller) {
  auto in = read_new_employer(body);
  if (!in) co_return in.error();
  auto earlier = co_await blocking<Result<std::optional<Outcome>>>([&] {
    return Impl::earlier(*this, streams::keys::ice(in->ice), caller, "/ice: already affiliated as");
  });
  if (!earlier) co_return earlier.error();
  if (*earlier) co_return std::move(**earlier);
  auto facts = co_await facts_.employer(in->ice, caller.correlation_id);
  co_return co_await blocking<Result<Outcome>>([&]() -> Result<Outcome> {
    if (!facts) return facts.error();
    return affiliate_from_facts(*this, *in, *facts, caller);
  });
}

Result<Outcome> Registry::employer(const std::string& affiliation, std::optional<Date> as_of) {
  if (auto ok = well_formed(*this, streams::kEmployer, affiliation, "/affiliation"); !ok)
    return ok.error();
  if (!as_of) {
    auto l = Impl::load_existing(*this, streams::employer(affiliation), "employer " + affiliation);
    if (!l) return l.error();
    return Outcome{Effect::read, compose(l->state, l->version), l->version};
  }
  auto state = Impl::fold_at(*this, streams::employer(affiliation), as_of);
  if (!state) return state.error();
  if (!*state) {
    return make_error(Errc::not_found, "no employer " + affiliation + " on " + format_date(*as_of));
  }
  auto events = store_.record_events(streams::employer(affiliation), end_of_day_ms(*as_of));
  if (!events) return events.error();
  const std::int64_t version = events->empty() ? 0 : events->back().version;
  json::set_string(**state, "/as_of", format_date(*as_of));
  return Outcome{Effect::read, compose(**state, version), version};
}

Result<Outcome> Registry::employer_by_ice(const std::string& ice) {
  if (auto p = identifiers::ice_problem(ice)) return invalid("/ice", *p);
  auto key = store_.find_record_key(streams::keys::ice(ice));
  if (!key) return key.error();
  if (!*key) return make_error(Errc::not_found, "no employer with this ICE");
  return employer(std::string(streams::id_of(**key)));
}

Result<Outcome> Registry::employer_action(const std::string& affiliation, const std::string& action,
                                          const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"reason", "agency"});
  if (!input) return input.error();
  const bool transfer = action == "transfer";
  if (!transfer && json::find(*input, "/agency")) return invalid("/agency", "unknown field");
  auto reason = reason_at(*input, action == "suspend" || action == "close");
  if (!reason) return reason.error();
  auto agency = string_at(*input, "/agency", transfer, 60);
  if (!agency) return agency.error();
  auto l = for_update(*this, affiliation, caller);
  if (!l) return l.error();
  const auto status = json::text(l->state, "/status").value_or("");
  Doc after = copy_of(l->state);
  std::string to;
  if (action == "suspend") {
    to = status == "ACTIVE" ? "SUSPENDED" : "";
  } else if (action == "reopen") {
    to = status == "SUSPENDED" ? "ACTIVE" : "";
  } else if (action == "close") {
    to = status != "CLOSED" ? "CLOSED" : "";
  } else if (transfer) {
    if (status == "CLOSED") {
      return make_error(Errc::conflict, "/status: a CLOSED affiliation is not transferred",
                        "invalid_transition");
    }
    if (json::text(l->state, "/agency") == **agency) {
      return make_error(Errc::conflict, "/agency: the affiliation is already managed there",
                        "invalid_transition");
    }
    json::set_string(after, "/agency", **agency);
    json::set(after, "/provenance/~1agency",
              Impl::client_provenance(*this, caller, after.GetAllocator()));
    return commit_employer(*this, *l, after, "employer.transferred", caller, *reason);
  } else {
    return make_error(Errc::not_found, "no action " + action);
  }
  if (to.empty()) {
    return make_error(Errc::conflict, "/status: cannot " + action + " a " + status + " affiliation",
                      "invalid_transition");
  }
  json::set_string(after, "/status", to);
  json::set_string(after, "/status_since", format_date(clock_.today()));
  if (reason->empty()) {
    json::erase(after, "/status_reason");
  } else {
    json::set_string(after, "/status_reason", *reason);
  }
  const std::string type = action == "suspend"  ? "employer.suspended"
                           : action == "reopen" ? "employer.reopened"
                                                : "employer.closed";
  return commit_employer(*this, *l, after, type, caller, *reason);
}

namespace {

// "yyyy-MM", a month from 1900-01 on.
bool is_month(std::string_view s) {
  if (s.size() != 7 || s[4] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  return month >= 1 && month <= 12 && s.substr(0, 4) >= "1900";
}

}  // namespace

Result<Outcome> Registry::record_declared_employees(const std::string& affiliation,
                                                    const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"declared_employees", "period", "reason"});
  if (!input) return input.error();
  const Value* count = json::find(*input, "/declared_employees");
  if (count == nullptr) return invalid("/declared_employees", "is required");
  if (!count->IsInt64() || count->GetInt64() < 0 || count->GetInt64() > 10'000'000) {
    return invalid("/declared_employees", "must be a whole number from 0 to 10000000");
  }
  auto period = string_at(*input, "/period", true, 7);
  if (!period) return period.error();
  if (!is_month(**period)) return invalid("/period", "must be a month yyyy-MM");
  // A month to come is a mistake, and recorded it would refuse every real declaration until then
  // (older_period below).
  const auto today = format_date(clock_.today());
  if (**period > today.substr(0, 7)) {
    return invalid("/period", "is a month to come (this month is " + today.substr(0, 7) + ")");
  }
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = for_update(*this, affiliation, caller);
  if (!l) return l.error();
  // A declaration for a month before the one recorded does not replace it (a late correction of
  // an older month is the declarations system's business, not the attestation's).
  const auto recorded = json::text(l->state, "/last_declaration_period");
  if (recorded && **period < *recorded) {
    return make_error(Errc::conflict,
                      "/period: the declaration of " + *recorded + " is recorded already",
                      "older_period");
  }
  Doc after = copy_of(l->state);
  json::set(after, "/declared_employees_last_month", Value(count->GetInt64()));
  json::set_string(after, "/last_declaration_period", **period);
  json::set(after, "/provenance/~1declared_employees_last_month",
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  return commit_employer(*this, *l, after, "employer.employees_declared", caller, *reason);
}

Result<Outcome> Registry::add_representative(const std::string& affiliation,
                                             const std::string& body, const Caller& caller) {
  auto input = parse_body(body, {"cnie", "role", "last_name", "first_name", "reason"});
  if (!input) return input.error();
  read_as_typed(*input, "/cnie", Typed::cnie);
  auto cnie = string_at(*input, "/cnie", true, 8);
  if (!cnie) return cnie.error();
  if (auto p = identifiers::cnie_problem(**cnie)) return invalid("/cnie", *p);
  auto role = string_at(*input, "/role", true, 20);
  if (!role) return role.error();
  if (!known_role(**role)) return invalid("/role", "is not a known role");
  for (const char* f : {"/last_name", "/first_name"}) {
    auto s = string_at(*input, f, false, 120);
    if (!s) return s.error();
  }
  auto reason = reason_at(*input, false);
  if (!reason) return reason.error();
  auto l = for_update(*this, affiliation, caller);
  if (!l) return l.error();
  Doc after = copy_of(l->state);
  const std::string base = "/representatives/" + **cnie;
  Doc rep = copy_of(*input);
  rep.RemoveMember("reason");
  json::set_string(rep, "/source", "client");
  json::set(after, base, rep);
  json::set(after, "/provenance/" + json::escape(base),
            Impl::client_provenance(*this, caller, after.GetAllocator()));
  return commit_employer(*this, *l, after, "representative.added", caller, *reason,
                         Effect::created);
}

Result<Outcome> Registry::remove_representative(const std::string& affiliation,
                                                const std::string& cnie, const std::string& body,
                                                const Caller& caller) {
  auto input = parse_body(body, {"reason"});
  if (!input) return input.error();
  auto reason = reason_at(*input, true);
  if (!reason) return reason.error();
  if (auto p = identifiers::cnie_problem(cnie)) return invalid("/cnie", *p);
  auto l = for_update(*this, affiliation, caller);
  if (!l) return l.error();
  const std::string base = "/representatives/" + cnie;
  if (json::find(l->state, base) == nullptr) {
    return make_error(Errc::not_found, "no representative " + cnie + " for this employer");
  }
  Doc after = copy_of(l->state);
  json::erase(after, base);
  erase_provenance_under(after, base);
  return commit_employer(*this, *l, after, "representative.removed", caller, *reason);
}

}  // namespace hub::registry
