#include "hub/config/audit.hpp"

#include <algorithm>

namespace hub::config {
namespace {

// c2sp.org/signed-note: a key name is non-empty, with no space and no '+'. The hub's key name is
// its log's origin, so the origin follows the same rule (the note library checks the Unicode
// spaces as well; this catches what a YAML file can hold by mistake).
bool plausible_key_name(const std::string& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '+';
  });
}

void read_tsa(ReadContext& ctx, MapReader& audit, AuditSettings& a) {
  auto t = audit.map("tsa");
  if (!t) return;
  TsaSettings tsa;
  t->string("url", tsa.url, true);
  t->file("ca", tsa.ca, true);
  t->millis("timeout_ms", tsa.timeout, 100, 60'000);
  t->size("max_response_bytes", tsa.max_response_bytes, 1024, 1024 * 1024);
  if (!tsa.url.empty() && tsa.url.rfind("http://", 0) != 0) {
    ctx.problem(t->node()["url"], t->path() + "/url", "invalid_value",
                "an RFC 3161 TSA is reached over http:// (its tokens are signed; RFC 3161 3.4)");
  }
  a.tsa = std::move(tsa);
}

}  // namespace

void read_audit(ReadContext& ctx, MapReader& root, AuditSettings& a) {
  auto m = root.map("audit");
  if (!m) return;
  a.checkpoints = true;
  m->file("signing_key", a.signing_key, true);
  m->string("origin", a.origin, true);
  m->millis("checkpoint_interval_ms", a.checkpoint_interval, 1'000, 3'600'000);
  m->size("retention_days", a.retention_days, 0, 36'500);
  if (m->has("origin") && !a.origin.empty() && !plausible_key_name(a.origin)) {
    ctx.problem(m->node()["origin"], m->path() + "/origin", "invalid_value",
                "the origin is the checkpoints' key name: no space, no control character and "
                "no '+' (c2sp.org/signed-note)");
  }
  read_tsa(ctx, *m, a);
}

void read_journal(ReadContext& ctx, MapReader& root, JournalSettings& j) {
  auto m = root.map("journal");
  if (!m) return;
  m->boolean("spool", j.spool);
  // Below the 2 s a request waits for its entries (JournalOptions::wait_limit): a store that hangs
  // longer is spooled before the requests waiting on it are refused.
  m->millis("spool_after_ms", j.spool_after, 10, 1'000);
  std::string receipts = "always";
  m->string("receipts", receipts);
  if (receipts != "always" && receipts != "on_request") {
    ctx.problem(m->node()["receipts"], m->path() + "/receipts", "invalid_value",
                "receipts is always or on_request (a partner then asks with Prefer: receipt)");
  }
  j.receipts_always = receipts != "on_request";
}

}  // namespace hub::config
