// certs/make-dev-pki.sh makes the journal's signing key: Ed25519, owner-only, loadable as the
// hub will load it; a PKI made before the key existed gains it, and an existing key is kept
// unless --force.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "hub/audit/note_signer.hpp"
#include "hub/audit/note_verifier.hpp"
#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

namespace fs = std::filesystem;

int make_pki(const fs::path& out, const std::string& options = "") {
  const std::string cmd = std::string(CNSS_SOURCE_DIR) + "/certs/make-dev-pki.sh '" + out.string() +
                          "' " + options + " > /dev/null";
  return std::system(cmd.c_str());
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DevPki, MakesTheJournalSigningKey) {
  const auto out = testing::fresh_dir("dev-pki");
  // Removed however the test ends: it holds private keys.
  const std::unique_ptr<const fs::path, void (*)(const fs::path*)> cleanup(
      &out, [](const fs::path* d) { fs::remove_all(*d); });
  ASSERT_EQ(make_pki(out), 0);
  const auto key = out / "journal" / "signing.key";
  const auto pub = out / "journal" / "signing.pub.pem";
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_EQ(mode_of(pub), 0644u);
  auto signer = NoteSigner::from_pem_file(key.string(), testing::kOrigin);
  ASSERT_TRUE(signer) << signer.error().message;
  auto verifier = NoteVerifier::from_pem_file(pub.string(), testing::kOrigin);
  ASSERT_TRUE(verifier) << verifier.error().message;
  EXPECT_EQ(verifier->public_key(), signer->verifier().public_key());

  // A PKI made before the journal key existed gains one; the rest is left as it was.
  const std::string ca = read(out / "ca" / "cnss.crt");
  fs::remove_all(out / "journal");
  ASSERT_EQ(make_pki(out), 0);
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_TRUE(NoteSigner::from_pem_file(key.string(), testing::kOrigin));
  EXPECT_EQ(read(out / "ca" / "cnss.crt"), ca);
  // An existing key is kept, even when the rest is made again for other partners: the
  // checkpoints it signed verify only with it. Only --force replaces it.
  const std::string before = read(key);
  ASSERT_EQ(make_pki(out), 0);
  EXPECT_EQ(read(key), before);
  std::ofstream(out / ".complete") << "partners that changed\n";
  ASSERT_EQ(make_pki(out), 0);
  EXPECT_NE(read(out / "ca" / "cnss.crt"), ca);
  EXPECT_EQ(read(key), before);
  EXPECT_EQ(mode_of(key), 0600u);
  ASSERT_EQ(make_pki(out, "--force"), 0);
  EXPECT_NE(read(key), before);
}

}  // namespace
}  // namespace hub::audit
