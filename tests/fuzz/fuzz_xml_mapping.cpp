// Any bytes as a partner's XML body: every XML mapping must answer a record or a typed error.
#include "fuzz_support.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const auto set = hub::mapping::fuzz::shipped_set();
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  for (const std::string& id : hub::mapping::fuzz::forward_mappings().xml) {
    auto r = set->map(id, payload, {});
    if (r) {
      // The record must be usable: its provenance is written from the compiled mapping.
      (void)r->provenance_json();
    } else if (r.error().code == hub::Errc::internal) {
      __builtin_trap();  // a payload may be refused, never break the engine
    }
  }
  return 0;
}
