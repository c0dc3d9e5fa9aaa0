// Runs a compiled mapping: payload -> canonical record (forward), record -> partner view (reverse).
#pragma once

#include "hub/mapping/engine.hpp"

namespace hub::mapping {

class Evaluator {
 public:
  static Result<MappedRecord> forward(std::shared_ptr<const Mapping> m, std::string_view payload,
                                      const Context& ctx);
  static Result<PartnerView> reverse(const Mapping& m, std::string_view canonical_json);
};

}  // namespace hub::mapping
