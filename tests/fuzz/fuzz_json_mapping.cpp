// Any bytes as a partner's JSON body (and as a canonical record for the reverse mapping).
#include "fuzz_support.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const auto set = hub::mapping::fuzz::shipped_set();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  for (const std::string& id : hub::mapping::fuzz::forward_mappings().json) {
    auto r = set->map(id, payload, {});
    if (r) {
      (void)r->provenance_json();
    } else if (r.error().code == hub::Errc::internal) {
      __builtin_trap();
    }
  }
  auto v = set->reverse("dgi.affiliation_attestation", payload);
  if (!v && v.error().code == hub::Errc::internal) __builtin_trap();
  return 0;
}
