// An access agreement: what one partner principal may read from CNSS, why, how often, and until
// when (issue 12; DGI's case: /work/shared/partners/dgi.md, "What DGI pulls from CNSS"). Plain
// data, read from the `agreements:` section of conf/hub.yaml (hub/config/agreements.cpp) or from
// an administrator's PUT /admin/v1/agreements, and kept in the store so every node serves the
// same ones. Deny by default: a resource the agreement does not list, or a field outside a
// resource's mask, is never served (hub/agreements/mask.hpp).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace hub::agreements {

// Where a value was written, so that a check against the canonical model can point at it.
struct Where {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string path;  // key path: /agreements/dgi_attestation/resources/affiliation_attestation
};

// One field of a resource's mask: a path over the canonical entity, segments joined by '/'
// ("affiliation_number", "address/line", "employees/cnie"). Listing an object or array field
// serves its sub-fields too, except those marked `personal`, which are served only when their own
// path is listed.
struct MaskField {
  std::string path;
  Where where;
};

// A resource a partner may read (its name is one of resource_kinds(), hub/agreements/mask.hpp).
struct Resource {
  std::string name;
  std::vector<MaskField> fields;
  Where where;
};

// Why the agreement exists: the law or convention that allows the disclosure.
struct LegalBasis {
  std::string text;       // e.g. "Code général des impôts, art. 169; convention CNSS–DGI"
  std::string reference;  // e.g. "CNV-DGI-2024-017"
};

struct Quota {
  double per_second = 0;      // requests in any one-second window (hub/partner/quota.hpp)
  std::uint64_t per_day = 0;  // identifiers in any 24 hours: each identifier of a batch counts
};

struct Agreement {
  std::string name;       // unique, the key under agreements:
  std::string principal;  // the partner's principal (principals: in conf/hub.yaml)
  LegalBasis legal_basis;
  std::vector<std::string> purposes;  // the purposes the partner may state
  // The partner's own header for the purpose, read as well as X-Purpose (empty: X-Purpose only).
  std::string purpose_header;
  std::vector<Resource> resources;
  Quota quota;
  std::chrono::sys_days valid_from{};   // first day in force (UTC), inclusive
  std::chrono::sys_days valid_until{};  // last day in force (UTC), inclusive
  Where where;
  Where principal_where;  // where `principal` is written (hub/agreements/roles.hpp)

  const Resource* resource(std::string_view r) const {
    for (const auto& x : resources) {
      if (x.name == r) return &x;
    }
    return nullptr;
  }
  bool allows_purpose(std::string_view p) const {
    return std::find(purposes.begin(), purposes.end(), p) != purposes.end();
  }
  bool in_force(std::chrono::sys_days today) const {
    return valid_from <= today && today <= valid_until;
  }
};

// The UTC day of a time (ms since the Unix epoch): what Agreement::in_force() is asked about.
inline std::chrono::sys_days day_of(std::int64_t time_ms) {
  return std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(time_ms)));
}

// "YYYY-MM-DD" of a day.
inline std::string iso_day(std::chrono::sys_days d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace hub::agreements
