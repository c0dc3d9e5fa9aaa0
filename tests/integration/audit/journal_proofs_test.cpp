// Receipts, proofs and witnesses through the real hub, the real simulators and a real store
// (SQLite and PostgreSQL), over mutual TLS: a partner's event gets a receipt whose inclusion proof
// verifies against a checkpoint the hub serves; `cnss-hub audit witness` accepts the hub's log as
// it grows, and refuses it once the hub serves a forked one; `audit prove` gives a third party
// what `audit verify --proof` checks.
#include <fstream>

#include "hub/audit/proof_json.hpp"
#include "hub/audit/proof_verify.hpp"
#include "hub/audit/receipt.hpp"
#include "integration/audit/evidence.hpp"

namespace {

using namespace evidence;
namespace audit = hub::audit;

class JournalProofs : public JournalEvidence {};

TEST_P(JournalProofs, AReceiptProvesItsEntryAndWitnessesFollowTheLogUntilItForks) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(prefill(), 200u);
  auto pushed = push_event();
  ASSERT_TRUE(pushed.response) << pushed.error;
  ASSERT_EQ(pushed.response->result_int(), 202u) << pushed.response->body();
  ASSERT_TRUE(pushed.response->count(audit::kReceiptHeader)) << "a 202 without its receipt";
  auto receipt = audit::parse_receipt(pushed.response->at(audit::kReceiptHeader));
  ASSERT_TRUE(receipt) << receipt.error().message;
  // The receipt names the event's own entry: the entry whose seq is index + 1 records it.
  auto s = hub::store::open(db_->options());
  ASSERT_TRUE(s);
  std::optional<hub::store::JournalEntry> entry;
  ASSERT_TRUE((*s)->scan_journal(static_cast<std::int64_t>(receipt->leaf_index + 1),
                                 [&](const hub::store::JournalEntry& e) {
                                   entry = e;
                                   return false;
                                 }));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->operation, "event_received");
  EXPECT_EQ(entry->outcome, "recorded");

  // The inclusion proof, against the checkpoint the hub signed once the entry was in the tree.
  auto signed_cp = checkpoint_of_at_least(static_cast<std::int64_t>(receipt->leaf_index + 1));
  ASSERT_TRUE(signed_cp);
  auto proof = call("dgct", "partners", "GET",
                    "/partner/v1/journal/proof?index=" + std::to_string(receipt->leaf_index));
  ASSERT_TRUE(proof.response && proof.response->result_int() == 200)
      << (proof.response ? proof.response->body() : proof.error);
  auto p = audit::inclusion_from_json(proof.response->body());
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(p->answer.checkpoint);
  auto c = audit::open_checkpoint(*p->answer.checkpoint, journal_key());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->size, p->answer.tree_size);
  EXPECT_EQ(p->answer.leaf_hash, receipt->leaf_hash) << "the proof is for the receipt's leaf";
  EXPECT_TRUE(audit::verify_inclusion(receipt->leaf_hash, receipt->leaf_index, c->size,
                                      p->answer.path, c->root));
  auto wrong_leaf = receipt->leaf_hash;
  wrong_leaf[0] ^= 1;
  EXPECT_FALSE(
      audit::verify_inclusion(wrong_leaf, receipt->leaf_index, c->size, p->answer.path, c->root));
  // The internal listener serves the same log to CNSS's own principals.
  auto internal = call("agency", "internal", "GET", "/v1/journal/checkpoint");
  ASSERT_TRUE(internal.response);
  EXPECT_EQ(internal.response->result_int(), 200u);
  EXPECT_TRUE(audit::open_checkpoint(internal.response->body(), journal_key()));
  auto bad = call("dgct", "partners", "GET", "/partner/v1/journal/proof?index=-1");
  ASSERT_TRUE(bad.response);
  EXPECT_EQ(bad.response->result_int(), 400u);
  auto beyond = call("dgct", "partners", "GET", "/partner/v1/journal/consistency?from=1&to=999999");
  ASSERT_TRUE(beyond.response);
  EXPECT_EQ(beyond.response->result_int(), 404u);
  EXPECT_NE(beyond.response->body().find("not_checkpointed"), std::string::npos);
  EXPECT_TRUE(beyond.response->count("Retry-After"));

  // A third party's proof: what `audit prove` prints, `audit verify --proof` checks.
  const std::string dir = ts::temp_dir("cnss-proof");
  const std::string proof_file = dir + "/entry.json";
  auto proved = cli({"audit", "prove", "--entry", std::to_string(receipt->leaf_index + 1),
                     "--config", hub_->config_file()});
  ASSERT_EQ(proved.exit_code, 0) << proved.output;
  std::ofstream(proof_file) << proved.output;
  auto checked =
      cli({"audit", "verify", "--proof", proof_file, "--pubkey", ts::journal_public_key()});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("proof verified: entry " + std::to_string(receipt->leaf_index + 1) +
                                " is in the journal"),
            std::string::npos)
      << checked.output;
  std::string forged = proved.output;
  forged.replace(forged.find("\"outcome\":\"recorded\""), 20, "\"outcome\":\"refusedX\"");
  std::ofstream(proof_file, std::ios::trunc) << forged;
  checked = cli({"audit", "verify", "--proof", proof_file, "--pubkey", ts::journal_public_key()});
  EXPECT_EQ(checked.exit_code, 1) << checked.output;
  EXPECT_NE(checked.output.find("proof broken: entry " + std::to_string(receipt->leaf_index + 1)),
            std::string::npos)
      << checked.output;

  // A witness keeps the log's checkpoint, then accepts it again once it has grown.
  const std::string state = dir + "/witness.checkpoint";
  auto first = witness(state);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string kept_first = read_text(state);
  auto kept = audit::open_checkpoint(kept_first, journal_key());
  ASSERT_TRUE(kept) << kept.error().message;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(prefill(), 200u);
  ASSERT_TRUE(checkpoint_of_at_least(static_cast<std::int64_t>(kept->size) + 1));
  auto second = witness(state);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("consistent with the tree size " + std::to_string(kept->size)),
            std::string::npos)
      << second.output;
  const std::string kept_second = read_text(state);
  EXPECT_NE(kept_second, kept_first);

  // The consistency proof between the two checkpoints the witness kept, as a partner checks it:
  // the later signed tree extends the earlier one; a proof against another root does not.
  auto later = audit::open_checkpoint(kept_second, journal_key());
  ASSERT_TRUE(later) << later.error().message;
  auto consistency = call("dgi", "partners", "GET",
                          "/partner/v1/journal/consistency?from=" + std::to_string(kept->size) +
                              "&to=" + std::to_string(later->size));
  ASSERT_TRUE(consistency.response && consistency.response->result_int() == 200)
      << (consistency.response ? consistency.response->body() : consistency.error);
  auto cp = audit::consistency_from_json(consistency.response->body());
  ASSERT_TRUE(cp) << cp.error().message;
  EXPECT_EQ(cp->from, kept->size);
  EXPECT_EQ(cp->to, later->size);
  ASSERT_TRUE(cp->checkpoint) << "the checkpoint of the later size is given with its proof";
  EXPECT_EQ(*cp->checkpoint, kept_second);
  EXPECT_FALSE(cp->path.empty());
  auto extends =
      audit::verify_consistency(kept->size, later->size, cp->path, kept->root, later->root);
  EXPECT_TRUE(extends) << extends.error().message;
  auto other_root = kept->root;
  other_root[31] ^= 1;
  EXPECT_FALSE(
      audit::verify_consistency(kept->size, later->size, cp->path, other_root, later->root));
  auto reversed = call("dgi", "partners", "GET",
                       "/partner/v1/journal/consistency?from=" + std::to_string(later->size) +
                           "&to=" + std::to_string(kept->size));
  ASSERT_TRUE(reversed.response);
  EXPECT_EQ(reversed.response->result_int(), 400u) << reversed.response->body();

  // The hub's database is rewritten from entry 2 on, chain, head and tree recomputed: the hub
  // started on it signs the other log, and the witness refuses it as a fork, keeping its own.
  hub_->process().stop(SIGTERM);
  rewrite_from(*db_, 2, [](hub::store::JournalEntry& e) { e.outcome = "not_found"; });
  start();
  auto forked = checkpoint_of_at_least(1);
  ASSERT_TRUE(forked);
  auto refused = witness(state);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("fork"), std::string::npos) << refused.output;
  EXPECT_EQ(read_text(state), kept_second) << "the witness keeps what it saw before";
  EXPECT_TRUE(std::filesystem::exists(state + ".fork")) << "the forked checkpoint is kept";
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Engines, JournalProofs, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
