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

std::string employer_stream(const std::string& n) {
  return "employer/" + n;
}

Doc copy_of(const Value& v) {
  Doc d;
  d.CopyFrom(v, d.GetAllocator());
  return d;
}

bool known_role(std::string_view r) {
  for (auto k : kRoles) {
    if (k == r) return true;
  }
  return false;
}

std::string compose(const Value& state, std::int64_t version) {
  Doc out = copy_of(state);
  out.RemoveMember("version");
  out.AddMember("version", Value(static_cast<int64_t>(version)), out.GetAllocator());
  return json::dump(out);
}

Result<void> check_company(const Value& record, const Value& partners) {
  if (json::find(record, "/company") == nullptr) {
    if (partner_status(partners, "ompic") == "not_found") {
      return make_error(Errc::unprocessable, "/ice: OMPIC knows no company with this ICE",
                        "unknown_company");
    }
    return make_error(
        Errc::partner_unavailable,
        "OMPIC did not give the company (" + partner_error(partners, "ompic") + "); retry later",
        "partner_unavailable");
  }
  if (json::text(record, "/company/status") == "struck_off") {
    return make_error(Errc::unprocessable,
                      "/ice: OMPIC says the company is struck off the register (RADIEE)",
                      "company_struck_off");
  }
  const auto tax = json::text(record, "/taxpayer/status");
  if (tax == "ceased" || tax == "struck_off") {
    return make_error(
        Errc::unprocessable,
        "/ice: DGI says the company's activity has " +
            std::string(*tax == "ceased" ? "ceased (CESSE)" : "been struck off (RADIE)") +
            (json::text(record, "/taxpayer/status_date")
                 ? " on " + *json::text(record, "/taxpayer/status_date")
                 : std::string()),
        "taxpayer_ceased");
  }
  if (json::find(record, "/taxpayer") == nullptr &&
      partner_status(partners, "dgi") != "not_found") {
    return make_error(
        Errc::partner_unavailable,
        "DGI did not give the tax status (" + partner_error(partners, "dgi") + "); retry later",
        "partner_unavailable");
  }
  return {};
}

Result<Loaded> for_update(Registry& r, const std::string& affiliation, const Caller& caller) {
  if (!identifiers::valid_affiliation(affiliation, identifiers::kLuhnForAll)) {
    return invalid("/affiliation", "must be a 7-digit affiliation number with its check digit");
  }
  auto l =
      Registry::Impl::load_existing(r, employer_stream(affiliation), "employer " + affiliation);
  if (!l) return l.error();
  if (auto m = Registry::Impl::check_if_match(caller, l->version, l->stream); !m) return m.error();
  return l;
}

Result<Answer> commit_employer(Registry& r, Loaded& l, const Doc& after, std::string type,
                               const Caller& caller, std::string reason, unsigned status = 200) {
  auto w = Registry::Impl::change(r, l.stream, l.version, l.state, after, std::move(type), caller,
                                  std::move(reason));
  if (!w) return Answer{200, compose(l.state, l.version), etag_of(l.version)};
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  return Registry::Impl::commit(
      r, commit, Answer{status, compose(after, l.version + 1), etag_of(l.version + 1)}, caller);
}

}  // namespace

boost::asio::awaitable<Result<Answer>> Registry::register_employer(std::string body,
                                                                   Caller caller) {
  auto input = parse_body(body, {"ice", "agency", "representatives"});
  if (!input) co_return input.error();
  auto ice = string_at(*input, "/ice", true, 15);
  if (!ice) co_return ice.error();
  if (auto p = identifiers::ice_problem(**ice)) co_return invalid("/ice", *p);
  auto agency = string_at(*input, "/agency", false, 60);
  if (!agency) co_return agency.error();
  const Value* reps = json::find(*input, "/representatives");
  if (reps != nullptr) {
    if (!reps->IsArray()) co_return invalid("/representatives", "must be an array");
    for (rapidjson::SizeType i = 0; i < reps->Size(); ++i) {
      const std::string p = "/representatives/" + std::to_string(i);
      if (auto m = only_members(*input, p, {"cnie", "role", "last_name", "first_name"}); !m) {
        co_return m.error();
      }
      auto cnie = string_at(*input, p + "/cnie", true, 8);
      if (!cnie) co_return cnie.error();
      if (auto problem = identifiers::cnie_problem(**cnie))
        co_return invalid(p + "/cnie", *problem);
      auto role = string_at(*input, p + "/role", true, 20);
      if (!role) co_return role.error();
      if (!known_role(**role)) co_return invalid(p + "/role", "is not a known role");
    }
  }
  auto earlier = co_await blocking<Result<std::optional<Answer>>>(
      [&] { return Impl::earlier(*this, "ice/" + **ice, caller, "/ice: already affiliated as"); });
  if (!earlier) co_return earlier.error();
  if (*earlier) co_return std::move(**earlier);
  auto facts = co_await facts_.employer(**ice, caller.correlation_id);
  co_return co_await blocking<Result<Answer>>([&]() -> Result<Answer> {
    if (!facts) return facts.error();
    auto record = json::parse(facts->record_json.empty() ? "{}" : facts->record_json);
    auto provenance = json::parse(facts->provenance_json.empty() ? "{}" : facts->provenance_json);
    auto partners = json::parse(facts->partners_json.empty() ? "{}" : facts->partners_json);
    if (!record || !provenance || !partners || !record->IsObject()) {
      return make_error(Errc::internal, "the exchange broker gave facts that are not JSON");
    }
    if (auto c = check_company(*record, *partners); !c) return c.error();

    auto serial = store_.next_number("affiliation");
    if (!serial) return serial.error();
    auto number = identifiers::affiliation_number(*serial, identifiers::CheckDigit::luhn);
    if (!number) return make_error(Errc::internal, "the affiliation numbers are exhausted");

    Doc employer = json::object();
    json::set_string(employer, "/affiliation_number", *number);
    json::set_string(employer, "/ice", **ice);
    json::set_string(employer, "/status", "ACTIVE");
    json::set_string(employer, "/affiliated_on", format_date(clock_.today()));
    copy_with_provenance(*json::find(*record, "/company"), "/company", *provenance, employer,
                         "/company");
    if (const Value* tax = json::find(*record, "/taxpayer")) {
      copy_with_provenance(*tax, "/taxpayer", *provenance, employer, "/taxpayer");
    }
    const Value client = Impl::client_provenance(*this, caller, employer.GetAllocator());
    // The managing agency: the client's choice, else the city of the head office (OMPIC).
    if (*agency) {
      json::set_string(employer, "/agency", **agency);
      json::set(employer, "/provenance/~1agency", client);
    } else if (auto city = json::text(*record, "/company/head_office/city")) {
      json::set_string(employer, "/agency", *city);
      if (const Value* p = provenance_for(*provenance, "/company/head_office/city")) {
        json::set(employer, "/provenance/~1agency", *p);
      }
    }
    // Representatives: those the client named, else the managers OMPIC lists with a CNIE.
    if (reps != nullptr && !reps->Empty()) {
      for (const auto& rep : reps->GetArray()) {
        const std::string cnie = json::text(rep, "/cnie").value_or("");
        const std::string base = "/representatives/" + cnie;
        Doc r = copy_of(rep);
        json::set_string(r, "/source", "client");
        json::set(employer, base, r);
        json::set(employer, "/provenance/" + json::escape(base), client);
      }
    } else if (const Value* managers = json::find(*record, "/company/managers");
               managers && managers->IsArray()) {
      for (rapidjson::SizeType i = 0; i < managers->Size(); ++i) {
        const auto cnie = json::text((*managers)[i], "/cnie");
        if (!cnie) continue;  // a manager known by passport only is not proposed
        const std::string base = "/representatives/" + *cnie;
        copy_with_provenance((*managers)[i], "/company/managers/" + std::to_string(i), *provenance,
                             employer, base);
        json::set_string(employer, base + "/source", "ompic");
      }
    }
    for (auto p : {"ompic", "dgi"}) {
      if (const Value* s = json::find(*partners, "/" + std::string(p))) {
        json::set(employer, "/prefill/" + std::string(p), *s);
      }
    }
    const Doc empty = json::object();
    auto w = Impl::change(*this, employer_stream(*number), 0, empty, employer,
                          "employer.affiliated", caller, "");
    w->keys.push_back("ice/" + **ice);
    store::RecordCommit commit;
    commit.writes.push_back(std::move(*w));
    auto done = Impl::commit(*this, commit, Answer{201, compose(employer, 1), etag_of(1)}, caller);
    if (!done && done.error().detail == "duplicate_key") {
      return make_error(Errc::conflict, "/ice: already affiliated", "already_registered");
    }
    return done;
  });
}

Result<Answer> Registry::employer(const std::string& affiliation, std::optional<Date> as_of) {
  if (!identifiers::valid_affiliation(affiliation, identifiers::kLuhnForAll)) {
    return invalid("/affiliation", "must be a 7-digit affiliation number with its check digit");
  }
  if (!as_of) {
    auto l = Impl::load_existing(*this, employer_stream(affiliation), "employer " + affiliation);
    if (!l) return l.error();
    return Answer{200, compose(l->state, l->version), etag_of(l->version)};
  }
  auto state = Impl::fold_at(*this, employer_stream(affiliation), as_of);
  if (!state) return state.error();
  if (!*state) {
    return make_error(Errc::not_found, "no employer " + affiliation + " on " + format_date(*as_of));
  }
  auto events = store_.record_events(employer_stream(affiliation), end_of_day_ms(*as_of));
  if (!events) return events.error();
  const std::int64_t version = events->empty() ? 0 : events->back().version;
  json::set_string(**state, "/as_of", format_date(*as_of));
  return Answer{200, compose(**state, version), etag_of(version)};
}

Result<Answer> Registry::employer_by_ice(const std::string& ice) {
  if (auto p = identifiers::ice_problem(ice)) return invalid("/ice", *p);
  auto key = store_.find_record_key("ice/" + ice);
  if (!key) return key.error();
  if (!*key) return make_error(Errc::not_found, "no employer with this ICE");
  return employer((*key)->substr((*key)->find('/') + 1));
}

Result<Answer> Registry::employer_action(const std::string& affiliation, const std::string& action,
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

Result<Answer> Registry::add_representative(const std::string& affiliation, const std::string& body,
                                            const Caller& caller) {
  auto input = parse_body(body, {"cnie", "role", "last_name", "first_name", "reason"});
  if (!input) return input.error();
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
  return commit_employer(*this, *l, after, "representative.added", caller, *reason, 201);
}

Result<Answer> Registry::remove_representative(const std::string& affiliation,
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
