// One partner's answer, mapped to the canonical model, as the broker keeps and merges it.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hub::exchange {

// How a prefill answer gives the provenance of its values (?provenance=,
// docs/openapi/prefill.yaml): full: one object per value, keyed by its JSON pointer (the default,
// as before); compact: one object per step with what its values share, and their source paths;
// none: no provenance member.
enum class ProvenanceForm { full, compact, none };

struct MappedAnswer {
  std::string partner;
  std::string operation;
  std::string mapping_id;
  int mapping_version = 0;
  std::string record_json;
  // JSON pointer in the record -> the source path that gave the value ("(set by the mapping)"
  // for a constant or a default), both as JSON string contents: escaped, without their quotes.
  std::vector<std::pair<std::string, std::string>> sources;
  std::string fetched_at;      // RFC 3339 UTC
  std::string correlation_id;  // of the call that fetched it
  std::string body_sha256;     // of the partner's answer: ties a cache hit's journal entry to it

  // Made once by seal_answer() (answer_json.hpp), because an answer is served many times from the
  // cache and each time costs only copies:
  // - the provenance members every field of the answer shares, as JSON text without braces
  //   ("partner":"dgsn","mapping":...,"correlation_id":"...");
  std::string provenance_head;
  // - the record's values at the pointers the recipes compare (conflicts) or pass on to another
  //   step ("{company:/ice}"): text as scalar_text() gives it, nullopt when absent or null.
  std::vector<std::pair<std::string, std::optional<std::string>>> picked;

  // What the answer holds in memory, roughly: the cache's budget is counted in these.
  std::size_t bytes() const {
    std::size_t n = sizeof(*this) + record_json.size() + mapping_id.size() + fetched_at.size() +
                    provenance_head.size();
    for (const auto& [p, s] : sources) n += sizeof(p) * 2 + p.size() + s.size();
    for (const auto& [p, v] : picked) n += sizeof(p) * 2 + p.size() + (v ? v->size() : 0);
    return n;
  }
};

// The record, parsed (for conflicts and for parameters another step needs when they were not
// picked). Not kept: a parsed document weighs far more than its text, and the cache holds many
// answers.
std::unique_ptr<rapidjson::Document> parse_record(const MappedAnswer& a);

}  // namespace hub::exchange
