#include "hub/feed/mask.hpp"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace hub::feed {
namespace {

namespace json = registry::json;

// The top-level fields of each kind that carry no personal data (mappings/canonical/: the
// affiliation's own fields are not personal, its legal_representative and employees are; every
// field of an insured_person is). Anything not listed is withheld.
const std::map<std::string, std::vector<std::string>, std::less<>>& not_personal() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> fields = {
      {"insured",
       {"category", "status", "status_since", "status_cause", "registered_on", "agency"}},
      {"employer",
       {"affiliation_number", "ice", "company", "status", "status_since", "status_date",
        "status_reason", "affiliated_on", "agency"}},
      {"family", {"status"}},
      {"person", {}},
  };
  return fields;
}

}  // namespace

json::Doc mask_state(const config::FeedConsumer& consumer, std::string_view kind,
                     const json::Value& state) {
  json::Doc out = json::object();
  if (!state.IsObject()) return out;
  if (consumer.personal) {
    out.CopyFrom(state, out.GetAllocator());
    return out;
  }
  const auto it = not_personal().find(kind);
  if (it == not_personal().end()) return out;
  auto& a = out.GetAllocator();
  for (const auto& name : it->second) {
    const auto m = state.FindMember(name.c_str());
    if (m == state.MemberEnd()) continue;
    json::Value v;
    v.CopyFrom(m->value, a);
    out.AddMember(json::Value(name.c_str(), a), v, a);
  }
  return out;
}

}  // namespace hub::feed
