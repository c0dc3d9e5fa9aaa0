// Golden cases: mappings/<partner>/cases/<mapping-stem>.<case>.<xml|json> beside
// <mapping-stem>.<case>.expected.json (or .expected.xml for an XML partner view). One runner
// serves the CLI, the unit tests and the administrators' page.
#pragma once

#include "hub/mapping/engine.hpp"

namespace hub::mapping {

// Runs every case of one mapping against the snapshot; failures are appended as diagnostics.
std::vector<CaseResult> run_cases(const Snapshot& snapshot, const Mapping& mapping,
                                  Diagnostics& diags);

}  // namespace hub::mapping
