// Differences between two versions of a mapping: a unified diff of the YAML (dtl, libdtl-dev:
// the diff of Wu, Manber, Myers and Miller's O(NP) algorithm), and the golden cases that differ.
#pragma once

#include <string>
#include <vector>

#include "hub/workbench/files.hpp"

namespace hub::workbench {

// The unified diff of two texts, line by line, 3 lines of context, with ---/+++ headers naming
// a and b; "" when the texts are equal.
std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_name,
                         const std::string& b_name);

// The names of the cases (the <case> of <mapping>.<case>.<ext>) added, removed or changed.
std::vector<std::string> cases_changed(const MappingFiles& a, const MappingFiles& b);

}  // namespace hub::workbench
