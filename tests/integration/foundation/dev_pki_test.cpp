// certs/make-dev-pki.sh: every private key it writes, the cross-CA negatives' included, is
// readable by its owner alone.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/pki.hpp"

namespace ts = testing_support;
namespace fs = std::filesystem;

namespace {

TEST(DevPki, EveryPrivateKeyIsOwnerOnly) {
  std::size_t keys = 0;
  for (const auto& e : fs::recursive_directory_iterator(ts::pki_dir())) {
    if (e.path().extension() != ".key") continue;
    ++keys;
    const auto perms = fs::status(e.path()).permissions();
    EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write) << e.path();
  }
  // For P partners: P + 3 CAs (CNSS, rogue, twin), the hub's server key and its P client keys,
  // P simulators, P + 7 clients (agency, two administrators, unknown, two feed consumers, the
  // insured's portal), 8 negatives, and the journal's signing key.
  const std::size_t p = ts::certificates_in(ts::pki("ca/partners.crt"));
  EXPECT_EQ(keys, 4 * p + 20);
}

}  // namespace
