#include "hub/app/registry_events.hpp"

#include <array>
#include <utility>

#include "hub/registry/streams.hpp"

namespace hub::app {
namespace {

using Operation = Result<registry::Outcome> (registry::Registry::*)(const std::string&,
                                                                    const std::string&,
                                                                    const registry::Caller&);

// Each kind of canonical event record (the target of an events source's mapping) and the
// registry operation that applies it (registry.hpp).
constexpr std::array<std::pair<std::string_view, Operation>, 3> kOperations = {{
    {"civil_event", &registry::Registry::apply_civil_event},
    {"company_event", &registry::Registry::apply_company_event},
    {"eligibility_change", &registry::Registry::apply_eligibility_change},
}};

}  // namespace

std::vector<std::string> RegistryEvents::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, op] : kOperations) out.emplace_back(kind);
  return out;
}

std::vector<std::string> RegistryEvents::waits_for(std::string_view kind,
                                                   const std::string& record_json) const {
  if (kind != "civil_event") return {};
  return registry::Registry::civil_event_keys(record_json);
}

Result<rapidjson::Document> RegistryEvents::apply(std::string_view kind,
                                                  const std::string& record_json,
                                                  const std::string& provenance_json,
                                                  const events::Delivery& delivery) {
  for (const auto& [k, op] : kOperations) {
    if (k != kind) continue;
    registry::Caller caller;
    caller.principal = delivery.principal;
    caller.correlation_id = delivery.correlation_id;
    if (!delivery.chosen_member.empty()) {
      caller.chosen_member = store::MemberRef{registry::streams::family(delivery.chosen_family),
                                              delivery.chosen_member};
    }
    auto r = (registry_.*op)(record_json, provenance_json, caller);
    if (!r) return r.error();
    return std::move(r->view);
  }
  return make_error(Errc::invalid_input,
                    "no registry operation applies " + std::string(kind) + " records",
                    "unknown_event_kind");
}

}  // namespace hub::app
