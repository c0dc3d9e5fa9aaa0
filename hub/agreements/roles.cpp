#include "hub/agreements/roles.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "hub/agreements/mask.hpp"

namespace hub::agreements {

std::vector<config::Problem> check_roles(const std::vector<Agreement>& agreements,
                                         const std::vector<config::Principal>& principals) {
  std::vector<config::Problem> out;
  for (const auto& a : agreements) {
    const auto p = std::find_if(principals.begin(), principals.end(),
                                [&](const auto& x) { return x.name == a.principal; });
    if (p == principals.end()) continue;
    std::set<std::string_view> missing;
    for (const auto& r : a.resources) {
      const ResourceKind* kind = find_resource_kind(r.name);
      if (kind == nullptr) continue;
      const std::string_view role = kind->feed ? kFeedRole : kPartnerRole;
      if (std::find(p->roles.begin(), p->roles.end(), role) == p->roles.end()) missing.insert(role);
    }
    for (const auto role : missing) {
      const Where& w = a.principal_where;
      out.push_back({w.file, w.line, w.column, w.path, "principal_without_role",
                     "agreement '" + a.name + "': principal '" + a.principal + "' has no role '" +
                         std::string(role) + "', which its resources are " +
                         "read with: give it the role under principals:, or name the partner's " +
                         "principal"});
    }
  }
  return out;
}

}  // namespace hub::agreements
