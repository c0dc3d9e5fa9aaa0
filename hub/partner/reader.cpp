#include "hub/partner/reader.hpp"

#include "hub/agreements/mask.hpp"
#include "hub/audit/digest.hpp"
#include "hub/core/ids.hpp"
#include "hub/identifiers/partner_ids.hpp"
#include "hub/partner/records.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace hub::partner {
namespace {

std::string error_object(const Error& e) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("code");
  const auto code = e.wire_code();
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(e.message.data(), static_cast<rapidjson::SizeType>(e.message.size()));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Item error_item(const std::string& id, const Error& e) {
  return Item{id, http_status_of(e.code), error_object(e), e};
}

std::string joined(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

// The canonical record behind one identifier: nullopt when the registry knows none (404).
Result<std::optional<std::string>> canonical_record(registry::Registry& r,
                                                    const std::string& resource,
                                                    const std::string& id,
                                                    const registry::Clock& clock) {
  if (resource == "affiliation_attestation") {
    if (auto p = identifiers::ice_problem(id)) {
      return make_error(Errc::invalid_input, "/ice: " + *p);
    }
    auto employer = r.employer_by_ice(id);
    if (!employer && employer.error().code == Errc::not_found) {
      return std::optional<std::string>();
    }
    if (!employer) return employer.error();
    return std::optional<std::string>(
        affiliation_record(employer->view, month_before(clock.today())));
  }
  if (auto p = identifiers::cnie_problem(id))
    return make_error(Errc::invalid_input, "/cnie: " + *p);
  auto insured = r.insured_by_cnie(id);
  if (!insured && insured.error().code != Errc::not_found) return insured.error();
  return std::optional<std::string>(coverage_record(id, insured ? &insured->view : nullptr));
}

}  // namespace

// What the answers of one request disclosed, to record before they are served.
struct Reader::Built {
  std::vector<store::Disclosure> rows;
  std::vector<audit::ExchangeRecord> entries;
  std::vector<std::size_t> entry_item;  // the item each entry is about
};

std::string Reader::view_of(const mapping::Snapshot& mappings, const std::string& principal,
                            const std::string& resource) const {
  const std::string own = principal + "." + resource;
  return mappings.find(own) ? own : "cnss." + resource;
}

Item Reader::build(const Request& request, const std::string& id, const agreements::FieldMask& mask,
                   const mapping::Snapshot& mappings, const std::string& view, Built& built) {
  const auto started = std::chrono::steady_clock::now();
  auto record = canonical_record(*parts_.registry, request.resource, id, *parts_.clock);
  if (!record) return error_item(id, record.error());
  Item item{id, 404, {}, std::nullopt};
  std::vector<std::string> fields;
  if (!*record) {
    item.error = make_error(Errc::not_found, "no affiliated employer with this ICE");
    item.body = error_object(*item.error);
  } else {
    auto masked = mask.apply(**record);
    if (!masked) return error_item(id, masked.error());
    auto shown = mappings.reverse(view, masked->json);
    if (!shown) return error_item(id, shown.error());
    item.status = 200;
    item.body = std::move(shown->body);
    fields = std::move(masked->fields);
  }
  store::Disclosure d;
  d.time_ms = parts_.clock->now_ms();
  d.subject_hmac = parts_.journal->identifier_hash(id);
  d.identifier_masked = mask_identifier(id);
  d.principal = request.principal;
  d.resource = request.resource;
  d.fields = joined(fields);
  d.outcome = item.status == 200 ? "served" : "not_found";
  d.correlation_id = request.correlation_id;
  built.rows.push_back(std::move(d));
  audit::ExchangeRecord e;
  e.principal = request.principal;
  e.correlation_id = request.correlation_id;
  e.partner = request.principal;
  e.identifier = id;
  e.outcome = item.status == 200 ? "ok" : "not_found";
  e.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  e.response_body_sha256 = audit::sha256_hex(item.body);
  built.entries.push_back(std::move(e));
  return item;
}

Result<Answer> Reader::read(const Request& request) {
  if (auto refused = parts_.journal->refusal()) return *refused;
  auto set = parts_.agreements->get();
  if (!set) return set.error();
  const auto today = agreements::day_of(parts_.clock->now_ms());
  auto admitted =
      admit((*set)->agreements, request.principal, request.resource, request.header, today);
  if (!admitted) return admitted.error();
  const agreements::Agreement& agreement = *admitted->agreement;
  if (auto q = quotas_.take(agreement, static_cast<std::int64_t>(request.identifiers.size())); !q)
    return q.error();

  const auto mappings = parts_.mappings->current();
  const auto* kind = agreements::find_resource_kind(request.resource);
  const mapping::Entity* entity = kind ? mappings->model().find(kind->entity) : nullptr;
  const std::string view = view_of(*mappings, request.principal, request.resource);
  if (entity == nullptr || !mappings->find(view)) {
    return make_error(Errc::internal, "no canonical entity or reverse mapping " + view,
                      "no_partner_view");
  }
  const auto mask = agreements::FieldMask::compile(*agreement.resource(request.resource), *entity);

  Answer answer;
  Built built;
  for (const auto& id : request.identifiers) {
    const auto entries_before = built.entries.size();
    answer.items.push_back(build(request, id, mask, *mappings, view, built));
    if (built.entries.size() > entries_before) built.entry_item.push_back(answer.items.size() - 1);
  }
  for (auto& d : built.rows) {
    d.agreement = agreement.name;
    d.purpose = admitted->purpose;
  }
  // Recorded before anything is served: an answer that cannot be recorded is not given.
  if (!built.rows.empty()) {
    if (auto w = parts_.store->add_disclosures(built.rows); !w) return w.error();
  }
  for (std::size_t k = 0; k < built.entries.size(); ++k) {
    auto& e = built.entries[k];
    e.purpose = admitted->purpose;
    e.operation = "disclosure/" + agreement.name + "/" + request.resource;
    // Each answer carries its receipt (issue 18: every answer to a partner's pull), unless the
    // hub gives them on request and this one did not ask (journal.receipts).
    if (request.receipt) {
      answer.ticket = parts_.journal->append_with_receipt(std::move(e));
      answer.items[built.entry_item[k]].ticket = answer.ticket;
    } else {
      answer.ticket = parts_.journal->append(std::move(e));
    }
  }
  return answer;
}

}  // namespace hub::partner
