// A journal entry's leaf in the Merkle tree: SHA-256 of 0x00 and the bytes its chain hash hashes.
#include "hub/audit/journal_leaf.hpp"

#include <gtest/gtest.h>

#include "hub/audit/chain.hpp"
#include "hub/audit/digest.hpp"
#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

TEST(JournalLeaf, IsTheRfc9162LeafHashOfTheDocumentedSerialisation) {
  store::JournalEntry e;
  e.seq = 3;
  e.time_ms = 1'795'000'000'123;
  e.principal = "agency";
  e.purpose = "affiliation";
  e.correlation_id = "c-1";
  e.partner = "dgsn";
  e.operation = "identity.get";
  e.identifier_hmac = "ab";
  e.identifier_masked = "BK****56";
  e.outcome = "ok";
  e.latency_us = 1500;
  e.response_sha256 = "cd";
  e.prev_hash = std::string(64, '0');
  // docs/audit.md, "The chain" and "The Merkle tree".
  const std::string bytes = "64:" + std::string(64, '0') +
                            ",15:cnss-journal-v1,1:3,13:1795000000123,6:agency,11:affiliation,"
                            "3:c-1,4:dgsn,12:identity.get,2:ab,8:BK****56,2:ok,4:1500,2:cd,";
  EXPECT_EQ(to_hex(journal_leaf_hash(e)), sha256_hex(std::string(1, '\0') + bytes));
  EXPECT_EQ(entry_hash(e), sha256_hex(bytes));
}

TEST(JournalLeaf, AChangedFieldOrChainLinkChangesTheLeaf) {
  const auto entries = testing::make_journal(2);
  const Hash leaf = journal_leaf_hash(entries[1]);
  auto field = entries[1];
  field.outcome = "ok!";
  EXPECT_NE(journal_leaf_hash(field), leaf);
  auto link = entries[1];
  link.prev_hash = std::string(64, 'f');
  EXPECT_NE(journal_leaf_hash(link), leaf);
  // The stored hash is not an input: it is a function of the bytes already hashed.
  auto stored = entries[1];
  stored.entry_hash = std::string(64, 'f');
  EXPECT_EQ(journal_leaf_hash(stored), leaf);
}

}  // namespace
}  // namespace hub::audit
