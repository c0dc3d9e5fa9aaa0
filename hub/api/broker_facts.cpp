#include "hub/api/broker_facts.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "hub/core/ids.hpp"

namespace hub::api {
namespace {

std::string member_json(const rapidjson::Document& doc, const char* name) {
  if (!doc.IsObject() || !doc.HasMember(name)) return "{}";
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  doc[name].Accept(w);
  return {sb.GetString(), sb.GetSize()};
}

}  // namespace

boost::asio::awaitable<Result<registry::Facts>> BrokerFacts::ask(exchange::PrefillRequest request,
                                                                 std::string correlation_id) {
  exchange::Caller caller;
  caller.principal = "registry";
  caller.correlation_id = is_uuid(correlation_id) ? correlation_id : new_uuid();
  auto r = co_await broker_.prefill(std::move(request), caller);
  // journal_unavailable: the partners' answers may not be used, so nothing is registered.
  if (r.error) co_return *r.error;
  if (r.status == 404) {
    co_return make_error(Errc::not_found, "no partner knows this identifier");
  }
  if (r.status == 429) {
    co_return make_error(Errc::rate_limited, "every partner asked is rate-limited");
  }
  if (r.status != 200) {
    co_return make_error(Errc::partner_unavailable, "no partner could answer",
                         "partner_unavailable");
  }
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  registry::Facts f;
  f.record_json = member_json(doc, "record");
  f.provenance_json = member_json(doc, "provenance");
  f.partners_json = member_json(doc, "partners");
  co_return f;
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
