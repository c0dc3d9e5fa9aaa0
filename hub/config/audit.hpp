// The audit: section of the hub's configuration: the journal's signed checkpoints (signing key,
// the log's origin, interval, optional RFC 3161 TSA) and its retention; and the journal: section,
// its local spool (docs/audit.md).
#pragma once

#include "hub/config/config.hpp"
#include "hub/config/yaml_reader.hpp"

namespace hub::config {

// Reads audit: when present. Refused, each at its position: no signing_key or origin, an origin
// that is not a C2SP key name (empty, a space or a '+'), an interval out of 1 s to 1 h, a TSA
// URL that is not http://, a TSA without its CA.
void read_audit(ReadContext& ctx, MapReader& root, AuditSettings& a);

// Reads journal: when present: spool (a boolean) and spool_after_ms (10 ms to 10 s).
void read_journal(ReadContext& ctx, MapReader& root, JournalSettings& j);

}  // namespace hub::config
