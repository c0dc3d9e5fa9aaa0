// The partners' contracts as pure functions: a request in, the partner's answer out. No I/O:
// the cnss-sim executable puts these behind its TLS listeners and honours Reply::delay.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sim {

struct Options {
  std::uint64_t seed = 20261127;
  // Strict: exactly the contracts' example shapes (canonical prefixes, every optional element,
  // example key order, nothing extra). Otherwise answers vary, deterministically per identifier,
  // within what the contracts allow.
  bool strict = false;
  // The share of people (0..1, by hundredths) on whom DGCT's booklet disagrees with DGSN about
  // the holder's family name or birth date; which ones is a rule on the CNIE
  // (sim::disagreement_of, docs/simulators.md). 0: DGSN and DGCT always agree.
  double conflict_share = 0;
};

struct Reply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After
  std::chrono::milliseconds delay{0};  // the ...997 stall: the server waits this long first
  // Counter label. Answers: "cnie", "ice", "rc", "if"; otherwise "not_found",
  // "invalid", "forbidden", "error", "malformed", "rate_limited", "unknown_path", "method".
  // A stalled answer keeps its lookup's label (delay tells it apart).
  std::string kind;
};

struct Request {
  std::string_view method;
  std::string_view target;  // path and query
  std::string_view body;
  std::string_view motif;             // X-Motif header (DGCT)
  std::string_view content_type;      // Content-Type header
  std::string_view finalite{};        // X-Finalite header (ANRC)
  std::string_view correlation_id{};  // X-Correlation-ID header
};

Reply handle_dgsn(const Request& request, const Options& options);  // POST /ws/cnie/v2
Reply handle_dgct(const Request& request,
                  const Options& options);  // GET .../personnes/{cnie}/famille
Reply handle_ompic(const Request& request,
                   const Options& options);  // GET /rc/api/v1/entreprises...
Reply handle_dgi(const Request& request,
                 const Options& options);  // GET /dgi/api/v2/contribuables...
Reply handle_anrc(const Request& request,
                  const Options& options);  // GET /rsu/api/v1/menages?cnie=

}  // namespace sim
