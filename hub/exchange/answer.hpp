// One partner's answer, mapped to the canonical model, as the broker keeps and merges it.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hub::exchange {

struct MappedAnswer {
  std::string partner;
  std::string operation;
  std::string mapping_id;
  int mapping_version = 0;
  std::string record_json;
  std::vector<std::pair<std::string, std::string>> sources;  // JSON pointer -> source path
  std::string fetched_at;                                    // RFC 3339 UTC
  std::string correlation_id;                                // of the call that fetched it
  std::string body_sha256;  // of the partner's answer: ties a cache hit's journal entry to it

  // What the answer holds in memory, roughly: the cache's budget is counted in these.
  std::size_t bytes() const {
    std::size_t n = sizeof(*this) + record_json.size() + mapping_id.size() + fetched_at.size();
    for (const auto& [p, s] : sources) n += sizeof(p) * 2 + p.size() + s.size();
    return n;
  }
};

// The record, parsed (for conflicts and for parameters another step needs). Not kept: a parsed
// document weighs far more than its text, and the cache holds many answers.
std::unique_ptr<rapidjson::Document> parse_record(const MappedAnswer& a);

}  // namespace hub::exchange
