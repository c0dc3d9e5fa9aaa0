// The journal entry docs/audit.md ("The chain") serialises as an example, and its bytes:
// journals already written depend on them.
#pragma once

#include <string>

#include "hub/store/store.hpp"

namespace hub::audit::testing {

inline store::JournalEntry documented_entry() {
  store::JournalEntry e;
  e.seq = 3;
  e.time_ms = 1'795'000'000'123;
  e.principal = "agency";
  e.purpose = "affiliation";
  e.correlation_id = "c-1";
  e.partner = "dgsn";
  e.operation = "identity.get";
  e.identifier_hmac = "ab";
  e.identifier_masked = "BK****56";
  e.outcome = "ok";
  e.latency_us = 1500;
  e.response_sha256 = "cd";
  e.prev_hash = std::string(64, '0');
  return e;
}

inline std::string documented_bytes() {
  return "64:" + std::string(64, '0') +
         ",15:cnss-journal-v1,1:3,13:1795000000123,6:agency,11:affiliation,"
         "3:c-1,4:dgsn,12:identity.get,2:ab,8:BK****56,2:ok,4:1500,2:cd,";
}

}  // namespace hub::audit::testing
