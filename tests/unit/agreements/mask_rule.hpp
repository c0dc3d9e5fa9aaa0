// The field-mask rule as the property tests state it, apart from the code under test: a leaf of
// a masked record passes when a listed path is it or its ancestor and no field below that listed
// path (down to the leaf) is personal (docs/agreements.md, "Field masks: deny by default").
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/mapping/canonical.hpp"

namespace agreements_test {

struct PathInfo {
  std::string path;
  bool personal = false;
};

// Every field path of an entity, depth-first (nested entities up to `depth` levels).
inline void paths_of(const hub::mapping::Entity& e, const std::string& prefix, int depth,
                     std::vector<PathInfo>& out) {
  for (const auto& f : e.fields) {
    out.push_back({prefix + f.name, f.personal});
    if (f.entity != nullptr && depth > 0)
      paths_of(*f.entity, prefix + f.name + "/", depth - 1, out);
  }
}

// Collects the leaf paths (without array indices) of a masked record.
inline void leaves(const rapidjson::Value& v, const std::string& prefix,
                   std::set<std::string>& out) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
      leaves(m->value, prefix + (prefix.empty() ? "" : "/") + m->name.GetString(), out);
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) leaves(item, prefix, out);
  } else {
    out.insert(prefix);
  }
}

inline bool allowed(const std::string& leaf, const std::set<std::string>& listed,
                    const std::map<std::string, bool>& personal) {
  std::string at = leaf;
  while (true) {
    if (listed.contains(at)) return true;
    auto p = personal.find(at);
    if (p == personal.end() || p->second) return false;  // unknown, or personal and not listed
    const auto slash = at.rfind('/');
    if (slash == std::string::npos) return false;
    at.resize(slash);
  }
}

}  // namespace agreements_test
