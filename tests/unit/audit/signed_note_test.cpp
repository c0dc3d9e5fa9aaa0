// C2SP signed notes and their Ed25519 keys: Go's golang.org/x/mod/sumdb/note vectors (a note
// signed there verifies here, and the same key signs the same bytes here), key IDs, PEM keys,
// and every malformed note refused with its reason.
#include "hub/audit/signed_note.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "hub/audit/base64.hpp"
#include "hub/audit/note_signer.hpp"
#include "hub/audit/note_verifier.hpp"
#include "unit/audit/key_files.hpp"

namespace hub::audit {
namespace {

// golang.org/x/mod, sumdb/note/note.go (package documentation) and note_test.go (TestOpen).
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kPeterSkeyBase64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
    "\n";
const std::string kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
    "\n";

NoteVerifier verifier(std::string_view vkey) {
  auto v = NoteVerifier::from_vkey(vkey);
  EXPECT_TRUE(v) << v.error().message;
  return *v;
}

NoteSigner peter_signer() {
  // The Go private key is base64(0x01 || 32-byte seed).
  auto typed = base64_decode(kPeterSkeyBase64);
  EXPECT_TRUE(typed && typed->size() == 33 && (*typed)[0] == 1);
  auto s = NoteSigner::from_seed(typed->substr(1), "PeterNeumann");
  EXPECT_TRUE(s) << s.error().message;
  return *s;
}

TEST(NoteKeys, KeyIdsAreTheSignedNoteSpecsAndVkeysRoundTrip) {
  const auto peter = verifier(kPeterVkey);
  EXPECT_EQ(peter.name(), "PeterNeumann");
  EXPECT_EQ(peter.key_id(), 0xc74f20a3u);
  EXPECT_EQ(ed25519_key_id("PeterNeumann", peter.public_key()), 0xc74f20a3u);
  EXPECT_EQ(peter.vkey(), kPeterVkey);
  EXPECT_EQ(verifier(kEnochVkey).key_id(), 0xaf0cfe78u);
  // The name is part of the ID: the same key under another name is another key.
  EXPECT_NE(ed25519_key_id("PeterNeumann2", peter.public_key()), 0xc74f20a3u);
}

TEST(NoteKeys, MangledVkeysAreRefused) {
  for (std::string_view bad : {
           "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // wrong ID
           "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // upper case
           "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
           "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
           "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // type 0x65
           "PeterNeumann+c74f20a3",
           "PeterNeumann+c74f20a3+!!!!",
           "",
       }) {
    EXPECT_FALSE(NoteVerifier::from_vkey(bad)) << bad;
  }
}

TEST(SignedNote, TheSameKeySignsTheSameBytesAsGo) {
  const auto signer = peter_signer();
  EXPECT_EQ(signer.key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer.verifier().vkey(), kPeterVkey);
  auto note = sign_note(kText, signer);
  ASSERT_TRUE(note) << note.error().message;
  EXPECT_EQ(*note, kText + "\n" + kPeterSig);
}

TEST(SignedNote, ANoteSignedByGoOpensAndOtherKeysSignaturesAreIgnored) {
  const std::string note = kText + "\n" + kPeterSig + kEnochSig;
  auto by_peter = open_note(note, verifier(kPeterVkey));
  ASSERT_TRUE(by_peter) << by_peter.error().message;
  EXPECT_EQ(by_peter->text, kText);
  ASSERT_EQ(by_peter->signatures.size(), 2u);
  EXPECT_EQ(by_peter->signatures[1].name, "EnochRoot");
  auto by_enoch = open_note(note, verifier(kEnochVkey));
  EXPECT_TRUE(by_enoch) << by_enoch.error().message;
  EXPECT_EQ(format_note(*by_peter), note);
}

TEST(SignedNote, AChangedTextOrSignatureIsRefused) {
  auto changed = open_note("If you think cryptographY" + kText.substr(25) + "\n" + kPeterSig,
                           verifier(kPeterVkey));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().wire_code(), "signature_invalid");
  EXPECT_NE(changed.error().message.find("PeterNeumann+c74f20a3"), std::string::npos);
  std::string sig = kPeterSig;
  sig[60] = sig[60] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_note(kText + "\n" + sig, verifier(kPeterVkey)).error().wire_code(),
            "signature_invalid");
}

TEST(SignedNote, ANoteWithoutTheKeysSignatureIsRefusedNamingWhoSigned) {
  auto r = open_note(kText + "\n" + kEnochSig, verifier(kPeterVkey));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().wire_code(), "unsigned_note");
  EXPECT_NE(r.error().message.find("EnochRoot+af0cfe78"), std::string::npos) << r.error().message;
  // Same name, another key: not the key's signature either.
  const auto other = NoteSigner::from_seed(std::string(32, 'x'), "PeterNeumann");
  ASSERT_TRUE(other);
  auto forged = sign_note(kText, *other);
  ASSERT_TRUE(forged);
  EXPECT_EQ(open_note(*forged, verifier(kPeterVkey)).error().wire_code(), "unsigned_note");
}

TEST(SignedNote, MalformedNotesAreRefusedWithTheirReason) {
  const std::string many = [] {
    std::string s;
    for (int i = 0; i < 101; ++i) s += kPeterSig;
    return s;
  }();
  const struct {
    std::string note;
    std::string reason;
  } cases[] = {
      {kText, "no blank line"},
      {kText + "\n", "no signature line"},
      {kText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1), "no final newline"},
      {"\x01" + kText + "\n" + kPeterSig, "byte 0: control character 1"},
      {"\xff" + kText + "\n" + kPeterSig, "byte 0: not valid UTF-8"},
      {"a\tb\n\n" + kPeterSig, "control character 9"},
      {kText + "\n\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
               "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
       "line 4: a signature line is"},
      {kText + "\n" + kPeterSig + "Unexpected line.\n", "line 5: a signature line starts"},
      {kText + "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pA==\n",
       "starts with an em dash"},
      {kText + "\n\xE2\x80\x94 a+b AAAAAAA=\n", "'a+b' is not a key name"},
      {kText + "\n\xE2\x80\x94 PeterNeumann AAAAAA==\n", "shorter than its key ID"},
      {kText + "\n\xE2\x80\x94 PeterNeumann AAAAAAB=\n", "not canonical base64"},
      {kText + "\n" + many, "more than 100 signatures"},
      {std::string(kMaxNoteBytes + 1, 'a'), "larger than"},
  };
  for (const auto& c : cases) {
    auto r = parse_note(c.note);
    ASSERT_FALSE(r) << c.reason;
    EXPECT_EQ(r.error().wire_code(), "malformed_note");
    EXPECT_NE(r.error().message.find(c.reason), std::string::npos)
        << "expected '" << c.reason << "' in: " << r.error().message;
  }
}

TEST(SignedNote, TheTextMayHoldBlankLinesTheLastOneSeparates) {
  const auto signer = peter_signer();
  const std::string text = "first\n\nthird\n";
  auto note = sign_note(text, signer);
  ASSERT_TRUE(note);
  auto opened = open_note(*note, signer.verifier());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->text, text);
  EXPECT_FALSE(sign_note("no final newline", signer));
  EXPECT_FALSE(sign_note("", signer));
}

TEST(NoteKeyFiles, PemKeysLoadAndASecretReadableByOthersIsRefused) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cnss-note-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // Removed however the test ends: it holds private keys.
  const std::unique_ptr<const std::filesystem::path, void (*)(const std::filesystem::path*)>
      cleanup(&dir, [](const std::filesystem::path* d) { std::filesystem::remove_all(*d); });
  const auto pair = testing::new_key();
  testing::write_file(dir / "signing.key", pair.private_pem, 0600);
  testing::write_file(dir / "signing.pub", pair.public_pem, 0644);
  auto signer = NoteSigner::from_pem_file((dir / "signing.key").string(), "cnss.ma/journal");
  ASSERT_TRUE(signer) << signer.error().message;
  auto pub = NoteVerifier::from_pem_file((dir / "signing.pub").string(), "cnss.ma/journal");
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(pub->key_id(), signer->key_id());
  auto note = sign_note("hello\n", *signer);
  ASSERT_TRUE(note);
  EXPECT_TRUE(open_note(*note, *pub));

  testing::write_file(dir / "open.key", pair.private_pem, 0640);
  auto open = NoteSigner::from_pem_file((dir / "open.key").string(), "cnss.ma/journal");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, Errc::forbidden);
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);

  const auto ec = testing::new_key("EC");
  testing::write_file(dir / "ec.key", ec.private_pem, 0600);
  auto wrong = NoteSigner::from_pem_file((dir / "ec.key").string(), "cnss.ma/journal");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("not Ed25519"), std::string::npos) << wrong.error().message;
  EXPECT_FALSE(NoteVerifier::from_pem(ec.public_pem, "cnss.ma/journal"));
  EXPECT_FALSE(NoteVerifier::from_pem(pair.private_pem, "cnss.ma/journal"));
  EXPECT_EQ(NoteSigner::from_pem_file((dir / "none.key").string(), "x").error().code,
            Errc::not_found);
  EXPECT_FALSE(NoteSigner::from_pem(pair.private_pem, "bad name"));
}

TEST(Base64, OnlyTheCanonicalEncodingIsAccepted) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("A"), "QQ==");
  EXPECT_EQ(base64_decode("QQ=="), "A");
  EXPECT_EQ(base64_decode("QUI="), "AB");
  EXPECT_EQ(base64_decode("QUJD"), "ABC");
  EXPECT_EQ(base64_decode(""), "");
  for (std::string_view bad : {"QR==", "QQ=", "QQ", " QQ==", "QQ==\n", "Q===", "QQ==QQ==", "QU-D",
                               "QU_D", "====", "QUJ D"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace hub::audit
