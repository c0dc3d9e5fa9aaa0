#include "hub/api/broker_facts.hpp"

#include "hub/core/ids.hpp"

namespace hub::api {
namespace {

using registry::Section;

// How a step's failure reads to the registry: the partner's own "unknown", the hub's fault (a
// mapping missing: internal), or the partner failing.
Section::Status failure_of(const Error& e) {
  if (e.code == Errc::not_found) return Section::Status::not_found;
  if (e.code == Errc::internal) return Section::Status::misconfigured;
  return Section::Status::unavailable;
}

// One step of the broker's result as a section: its mapped answer, typed; its error otherwise.
Section section_of(const exchange::StepOutcome& o) {
  Section s;
  s.partner = o.partner;
  s.answered = o.status;
  s.attempts = o.attempts;
  s.latency_ms = o.latency_ms;
  s.error = o.error;
  if (!o.answer) {
    if (!s.error) s.error = make_error(Errc::partner_unavailable, o.partner + ": no answer");
    // When the partner may be asked again (its Retry-After, its breaker), for the client's.
    if (s.error->retry_after.count() == 0 && o.retry_after.count() > 0) {
      s.error->retry_after = std::chrono::ceil<std::chrono::seconds>(o.retry_after);
    }
    s.status = failure_of(*s.error);
    return s;
  }
  std::shared_ptr<const registry::json::Doc> record = exchange::parse_record(*o.answer);
  if (!record || !record->IsObject()) {
    s.status = Section::Status::misconfigured;
    s.error = make_error(Errc::internal, "the " + o.answer->mapping_id +
                                             " mapping gave a record that is not a JSON object");
    return s;
  }
  s.status = Section::Status::ok;
  s.record = std::move(record);
  s.provenance = {o.answer->partner, o.answer->mapping_id, o.answer->mapping_version,
                  o.answer->fetched_at, o.answer->correlation_id};
  s.sources = o.answer->sources;
  return s;
}

}  // namespace

Result<registry::Facts> facts_of(const exchange::PrefillResult& r) {
  // journal_unavailable: the partners' answers may not be used, so nothing is registered.
  if (r.error) return *r.error;
  if (r.status == 500) return make_error(Errc::internal, "the exchange recipe is not configured");
  // Every step, answered or not: when none answered (every partner said "unknown", rationed or
  // failed), the registry's rules still say what that means for the record asked for
  // (unknown_person, unknown_company, rate_limited with the partner's Retry-After...).
  registry::Facts facts;
  for (const auto& o : r.steps) facts.sections.emplace(o.step, section_of(o));
  return facts;
}

boost::asio::awaitable<Result<registry::Facts>> BrokerFacts::ask(exchange::PrefillRequest request,
                                                                 std::string correlation_id) {
  exchange::Caller caller;
  caller.principal = "registry";
  caller.correlation_id = is_uuid(correlation_id) ? correlation_id : new_uuid();
  co_return facts_of(co_await broker_.prefill(std::move(request), caller));
}

boost::asio::awaitable<Result<registry::Facts>> BrokerFacts::person(std::string cnie,
                                                                    std::string purpose,
                                                                    std::string category,
                                                                    std::string correlation_id) {
  exchange::PrefillRequest r;
  r.recipe = "person";
  r.params = {{"cnie", std::move(cnie)}};
  r.purpose = std::move(purpose);
  r.category = std::move(category);
  co_return co_await ask(std::move(r), std::move(correlation_id));
}

boost::asio::awaitable<Result<registry::Facts>> BrokerFacts::employer(std::string ice,
                                                                      std::string correlation_id) {
  exchange::PrefillRequest r;
  r.recipe = "employer_by_ice";
  r.params = {{"ice", std::move(ice)}};
  r.purpose = "AFFILIATION";
  co_return co_await ask(std::move(r), std::move(correlation_id));
}

}  // namespace hub::api
