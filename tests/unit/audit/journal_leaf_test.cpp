// A journal entry's leaf in the Merkle tree: SHA-256 of 0x00 and the bytes its chain hash hashes.
#include "hub/audit/journal_leaf.hpp"

#include <gtest/gtest.h>

#include "hub/audit/chain.hpp"
#include "hub/audit/digest.hpp"
#include "unit/audit/documented_entry.hpp"
#include "unit/audit/journal_fixture.hpp"

namespace hub::audit {
namespace {

TEST(JournalLeaf, IsTheRfc9162LeafHashOfTheDocumentedSerialisation) {
  // docs/audit.md, "The chain" and "The Merkle tree".
  const auto e = testing::documented_entry();
  const std::string bytes = testing::documented_bytes();
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
