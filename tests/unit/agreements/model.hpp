// The repository's canonical model (mappings/canonical/), loaded once for the agreements' tests.
#pragma once

#include <gtest/gtest.h>

#include "hub/mapping/canonical.hpp"

namespace agreements_test {

inline const hub::mapping::CanonicalModel& model() {
  static const hub::mapping::CanonicalModel m = [] {
    hub::mapping::Diagnostics diags;
    auto loaded = hub::mapping::CanonicalModel::load(CNSS_SOURCE_DIR "/mappings/canonical", diags);
    EXPECT_TRUE(diags.empty()) << diags.front().str();
    return loaded;
  }();
  return m;
}

}  // namespace agreements_test
