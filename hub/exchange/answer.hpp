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
  std::shared_ptr<const rapidjson::Document> record;         // record_json, parsed once
};

}  // namespace hub::exchange
