// C2SP tlog-checkpoint: the text's exact bytes, signing and opening, and every malformed
// checkpoint refused with its line and rule.
#include "hub/audit/checkpoint.hpp"

#include <gtest/gtest.h>

#include "hub/audit/signed_note.hpp"

namespace hub::audit {
namespace {

constexpr const char* kOrigin = "cnss.ma/exchange-hub/journal";

NoteSigner signer(const std::string& name = kOrigin, char seed = 'k') {
  auto s = NoteSigner::from_seed(std::string(32, seed), name);
  EXPECT_TRUE(s) << s.error().message;
  return *s;
}

Checkpoint sample() {
  Checkpoint c;
  c.origin = kOrigin;
  c.size = 130;
  c.root = leaf_hash("root");
  return c;
}

TEST(Checkpoint, TextIsOriginSizeAndBase64Root) {
  auto c = sample();
  c.root = *hash_from_hex("0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
  EXPECT_EQ(checkpoint_text(c),
            "cnss.ma/exchange-hub/journal\n130\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  c.extensions = {"time 2026-12-01T10:00:00Z"};
  EXPECT_EQ(checkpoint_text(c).substr(checkpoint_text(c).size() - 26),
            "time 2026-12-01T10:00:00Z\n");
}

TEST(Checkpoint, TheSpecsExampleParses) {
  // c2sp.org/tlog-checkpoint's example (its signature is not Ed25519 and its key unknown here).
  const std::string note =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
      "\xE2\x80\x94 example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
      "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
  auto n = parse_note(note);
  ASSERT_TRUE(n) << n.error().message;
  auto c = parse_checkpoint_text(n->text);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c->size, 20852163u);
  EXPECT_EQ(to_hex(c->root), "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62");
}

TEST(Checkpoint, SignedAndOpenedWithTheLogsKey) {
  const auto s = signer();
  auto c = sample();
  c.extensions = {"time 2026-12-01T10:00:00Z"};
  auto note = sign_checkpoint(c, s);
  ASSERT_TRUE(note) << note.error().message;
  auto opened = open_checkpoint(*note, s.verifier());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->origin, c.origin);
  EXPECT_EQ(opened->size, c.size);
  EXPECT_EQ(opened->root, c.root);
  EXPECT_EQ(opened->extensions, c.extensions);
  EXPECT_EQ(checkpoint_origin(*note).value(), kOrigin);
}

TEST(Checkpoint, ABrokenSignatureAnotherKeyOrAnotherOriginIsRefused) {
  const auto s = signer();
  auto note = sign_checkpoint(sample(), s);
  ASSERT_TRUE(note);
  // One changed digit of the size.
  std::string bent = *note;
  bent.replace(bent.find("\n130\n"), 5, "\n131\n");
  EXPECT_EQ(open_checkpoint(bent, s.verifier()).error().wire_code(), "signature_invalid");
  // The same origin signed by another key.
  EXPECT_EQ(open_checkpoint(*note, signer(kOrigin, 'z').verifier()).error().wire_code(),
            "unsigned_note");
  // A key may sign only its own origin.
  EXPECT_EQ(sign_checkpoint(sample(), signer("other.example/log")).error().wire_code(),
            "origin_mismatch");
  // A note signed by the key whose text names another log is not the key's checkpoint.
  auto c = sample();
  c.origin = "other.example/log";
  auto other = sign_note(checkpoint_text(c), s);
  ASSERT_TRUE(other);
  auto foreign = open_checkpoint(*other, s.verifier());
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().wire_code(), "origin_mismatch");
}

TEST(Checkpoint, MalformedTextsAreRefusedWithTheirLineAndRule) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const struct {
    std::string text;
    std::string reason;
  } cases[] = {
      {"o\n1\n" + root, "must end with a newline"},
      {"o\n1\n", "it has 2 lines"},
      {"\n1\n" + root + "\n", "line 1: the origin is empty"},
      {"o\n\n" + root + "\n", "line 2: the tree size is empty"},
      {"o\n012\n" + root + "\n", "line 2: the tree size '012' has a leading zero"},
      {"o\n+12\n" + root + "\n", "'+12' is not a decimal number"},
      {"o\n-1\n" + root + "\n", "'-1' is not a decimal number"},
      {"o\n1 \n" + root + "\n", "'1 ' is not a decimal number"},
      {"o\n18446744073709551616\n" + root + "\n", "is beyond 2^64 - 1"},
      {"o\n1\nnot base64!\n", "line 3: the root hash is not the base64 of 32 bytes"},
      {"o\n1\nQUJD\n", "line 3: the root hash is not the base64 of 32 bytes"},
      {"o\n1\n" + root + "\n\nx\n", "line 4: an extension line is empty"},
  };
  for (const auto& c : cases) {
    auto r = parse_checkpoint_text(c.text);
    ASSERT_FALSE(r) << c.reason;
    EXPECT_EQ(r.error().wire_code(), "malformed_checkpoint");
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << "expected '" << c.reason << "' in: " << r.error().message;
  }
  auto zero = parse_checkpoint_text("o\n0\n" + root + "\n");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->size, 0u);
  auto largest = parse_checkpoint_text("o\n18446744073709551615\n" + root + "\n");
  ASSERT_TRUE(largest);
  EXPECT_EQ(largest->size, 18446744073709551615u);
}

TEST(Checkpoint, AnExtensionHoldingANewlineIsNotSigned) {
  auto c = sample();
  c.extensions = {"a\nb"};
  EXPECT_FALSE(sign_checkpoint(c, signer()));
  c.extensions = {""};
  EXPECT_FALSE(sign_checkpoint(c, signer()));
}

}  // namespace
}  // namespace hub::audit
