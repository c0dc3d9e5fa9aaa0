// Affiliations prepared from the commercial register's creation events (issue 19, kind 5): a
// company OMPIC registers is proposed for affiliation — its facts, its managers with a CNIE as
// representatives, the head office's city as managing agency — and an agent confirms it in one
// call (docs/registration.md, "Pending affiliations").
#include "hub/identifiers/partner_ids.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/streams.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {

using json::Doc;
using json::Value;

namespace {

constexpr std::string_view kPending = "pending";
constexpr std::string_view kConfirmed = "confirmed";

std::string pending_stream(std::string_view ice) {
  return streams::of(streams::kPendingAffiliation, ice);
}

// The list's line for one prepared affiliation.
Value summary(const Value& state, json::Alloc& a) {
  Value item(rapidjson::kObjectType);
  auto copy = [&](const char* key, const std::string& pointer) {
    if (auto v = json::text(state, pointer)) {
      item.AddMember(Value(key, a), Value(v->c_str(), a), a);
    }
  };
  copy("ice", "/ice");
  copy("name", "/company/name");
  copy("agency", "/agency");
  copy("prepared_on", "/prepared_on");
  copy("status", "/status");
  copy("event_id", "/event_id");
  copy("affiliation_number", "/affiliation_number");
  return item;
}

// The proposal: the event's company facts, its managers with a CNIE, the head office's city;
// every field with the event's provenance.
Doc proposal(const Value& company, const Doc& prov, const std::string& ice,
             const PartnerEvent& read, const std::string& today) {
  Doc by_pointer = json::object();
  json::set(by_pointer, "/~1company", prov);
  Doc state = json::object();
  json::set_string(state, "/ice", ice);
  json::set_string(state, "/status", std::string(kPending));
  json::set_string(state, "/prepared_on", today);
  json::set_string(state, "/event_id", read.id);
  copy_with_provenance(company, "/company", by_pointer, state, "/company");
  if (auto city = json::text(company, "/head_office/city")) {
    json::set_string(state, "/agency", *city);
    json::set(state, "/provenance/~1agency", prov);
  }
  if (const Value* managers = json::find(company, "/managers"); managers && managers->IsArray()) {
    for (const auto& m : managers->GetArray()) {
      const auto cnie = json::text(m, "/cnie");
      if (!cnie) continue;  // a manager known by passport only is not proposed
      Doc rep = copy_of(m);
      json::set_string(rep, "/source", read.partner);
      json::set(state, "/representatives/" + json::escape(*cnie), rep);
    }
  }
  return state;
}

}  // namespace

Result<Outcome> prepare_affiliation(Registry& r, const PartnerEvent& read, const Caller& caller) {
  const Value& company = *json::find(read.event, "/company");
  const std::string ice = json::text(company, "/ice").value_or("");
  Doc out = json::object();
  json::set_string(out, "/outcome", "affiliation_prepared");
  json::set_string(out, "/company/ice", ice);
  if (auto name = json::text(company, "/name")) json::set_string(out, "/company/name", *name);
  Value applied(rapidjson::kArrayType);
  auto l = Registry::Impl::load(r, pending_stream(ice));
  if (!l) return l.error();
  if (!*l) {
    const Doc state =
        proposal(company, read.provenance, ice, read, format_date(Registry::Impl::today(r)));
    auto w = Registry::Impl::change(r, pending_stream(ice), 0, json::object(), state,
                                    "affiliation.prepared", caller,
                                    upper(read.partner) + " creation " + read.id, read.partner);
    if (w) {
      w->label = std::string(kPending);
      store::RecordCommit commit;
      commit.writes.push_back(std::move(*w));
      if (auto done = Registry::Impl::commit_quietly(r, commit, caller); !done) {
        return done.error();
      }
      applied.PushBack(Value(pending_stream(ice).c_str(), out.GetAllocator()), out.GetAllocator());
    }
  }
  // A creation delivered again finds its proposal made: nothing more is applied.
  out.AddMember("applied", applied, out.GetAllocator());
  return Outcome{Effect::applied, std::move(out), std::nullopt};
}

Result<Outcome> Registry::pending_affiliations(const std::string& status, const std::string& after,
                                               std::size_t limit) {
  if (status != kPending && status != kConfirmed && status != "all") {
    return invalid("/status", "must be pending, confirmed or all");
  }
  const std::string kind(streams::kPendingAffiliation);
  std::string cursor = after.empty() ? "" : pending_stream(after);
  auto page = status == "all" ? store_.list_records(kind, cursor, limit + 1)
                              : store_.list_labelled(kind, status, cursor, limit + 1);
  if (!page) return page.error();
  Doc out = json::object();
  auto& a = out.GetAllocator();
  Value items(rapidjson::kArrayType);
  for (std::size_t i = 0; i < page->size() && i < limit; ++i) {
    if (auto state = json::parse((*page)[i].state)) items.PushBack(summary(*state, a), a);
  }
  out.AddMember("pending", items, a);
  if (page->size() > limit) {
    json::set_string(out, "/next",
                     json::text(*json::parse((*page)[limit - 1].state), "/ice").value_or(""));
  }
  return Outcome{Effect::read, std::move(out), std::nullopt};
}

Result<Outcome> Registry::pending_affiliation(const std::string& ice) {
  if (auto p = identifiers::ice_problem(ice)) return invalid("/ice", *p);
  auto l = Impl::load_existing(*this, pending_stream(ice), "affiliation prepared for ICE " + ice);
  if (!l) return l.error();
  return Outcome{Effect::read, std::move(l->state), l->version};
}

boost::asio::awaitable<Result<Outcome>> Registry::confirm_affiliation(std::string ice,
                                                                      std::string body,
                                                                      Caller caller) {
  auto prepared = co_await blocking<Result<Outcome>>([&] { return pending_affiliation(ice); });
  if (!prepared) co_return prepared.error();
  auto input = parse_body(body.empty() ? "{}" : body, {"agency", "representatives"});
  if (!input) co_return input.error();
  json::set_string(*input, "/ice", ice);
  auto made = co_await register_employer(json::dump(*input), caller);
  if (!made && made.error().detail == "already_registered") {
    made = co_await blocking<Result<Outcome>>([&] { return employer_by_ice(ice); });
  }
  if (!made) co_return made.error();
  const std::string number = json::text(made->view, "/affiliation_number").value_or("");
  auto noted = co_await blocking<Result<void>>([&]() -> Result<void> {
    auto l = Impl::load_existing(*this, pending_stream(ice), "affiliation prepared");
    if (!l) return l.error();
    Doc after = copy_of(l->state);
    json::set_string(after, "/status", std::string(kConfirmed));
    json::set_string(after, "/affiliation_number", number);
    json::set_string(after, "/confirmed_by", caller.principal);
    json::set_string(after, "/confirmed_on", format_date(clock_.today()));
    auto w = Impl::change(*this, l->stream, l->version, l->state, after, "affiliation.confirmed",
                          caller, "affiliated as " + number);
    if (!w) return {};  // confirmed already: a retry
    w->label = std::string(kConfirmed);
    store::RecordCommit commit;
    commit.writes.push_back(std::move(*w));
    return Impl::commit_quietly(*this, commit, caller);
  });
  if (!noted) co_return noted.error();
  co_return made;
}

}  // namespace hub::registry
