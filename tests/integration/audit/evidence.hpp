// What the journal's evidence tests share: a real hub with the simulators and signed checkpoints
// (HubOnEngine with an audit: section), real exchanges through it, the cnss-hub audit commands
// run as processes, a witness, and the tamperer's tools: copies of the real journal's database
// and a rewrite that recomputes every later hash as someone with write access would.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "hub/audit/chain.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/note_verifier.hpp"
#include "hub/core/ids.hpp"
#include "hub/store/store.hpp"
#include "support/hub_on_engine.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/tls_client.hpp"

namespace evidence {

namespace ts = testing_support;
using namespace std::chrono_literals;

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline hub::audit::NoteVerifier journal_key() {
  return *hub::audit::NoteVerifier::from_pem_file(ts::journal_public_key(), ts::kJournalOrigin);
}

class JournalEvidence : public ts::HubOnEngine {
 protected:
  void tune(ts::HubOptions& o) override { o.audit_yaml = ts::audit_yaml(1000); }

  ts::Exchange call(const std::string& who, const std::string& listener, const std::string& method,
                    const std::string& target, const std::string& body = "") {
    auto setup = ts::client(who);
    setup.timeout = 20s;
    return ts::https_request(
        hub_->port(listener), setup, method, target, body,
        {{"Content-Type", "application/json"}, {"X-Correlation-ID", hub::new_uuid()}});
  }

  // A person prefill: real exchanges with DGSN and DGCT, journaled.
  unsigned prefill() {
    const std::string cnie = ts::ordinary_cnie("EV", rng_());
    auto ex = call("agency", "internal", "POST", "/v1/prefill/person",
                   R"({"cnie":")" + cnie + R"(","purpose":"IMMATRICULATION"})");
    return ex.response ? ex.response->result_int() : 0;
  }

  // A birth DGCT pushes: recorded (202) and journaled, whoever the parent is.
  ts::Exchange push_event() {
    const std::string id = "dgct-evidence-" + std::to_string(rng_());
    const std::string birth =
        R"({"evenementId":")" + id + R"(","type":"NAISSANCE","dateActe":"2026-11-20",)" +
        R"("acte":{"numero":"4512/2026","commune":"Salé"},"personne":{"nom":"BENALI",)" +
        R"("prenom":"Sara","sexe":"F","dateNaissance":"2026-11-18","cnie":null},)" +
        R"("parents":[{"cnie":")" + ts::ordinary_cnie("EV", rng_()) + R"(","role":"MERE"}]})";
    return call("dgct", "partners", "POST", "/partner/v1/events", birth);
  }

  std::int64_t head_seq() {
    auto s = hub::store::open(db_->options());
    EXPECT_TRUE(s) << s.error().message;
    if (!s) return 0;
    auto head = (*s)->journal_head();
    return head ? head->seq : 0;
  }

  // Waits (up to 30 s) for the hub to serve a checkpoint of at least `size` entries.
  std::optional<hub::audit::Checkpoint> checkpoint_of_at_least(std::int64_t size) {
    std::string last;
    for (int i = 0; i < 150; ++i) {
      auto ex = call("dgi", "partners", "GET", "/partner/v1/journal/checkpoint");
      last = ex.response ? std::to_string(ex.response->result_int()) + " " + ex.response->body()
                         : ex.error;
      if (ex.response && ex.response->result_int() == 200) {
        auto c = hub::audit::open_checkpoint(ex.response->body(), journal_key());
        EXPECT_TRUE(c) << c.error().message;
        if (c && c->size >= static_cast<std::uint64_t>(size)) return *c;
      }
      std::this_thread::sleep_for(200ms);
    }
    std::string log;
    for (const auto& l : hub_->process().lines()) {
      if (l.find("journal") != std::string::npos) log += l + "\n";
    }
    ADD_FAILURE() << "no checkpoint of " << size
                  << " entries within 30 s (the last answer: " << last << "); the hub said:\n"
                  << log;
    return std::nullopt;
  }

  ts::RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), ts::binary_dir() + "/bin/cnss-hub");
    return ts::run_command(args);
  }

  // One round of `cnss-hub audit witness` as DGCT, keeping its state in `state`.
  ts::RunResult witness(const std::string& state) {
    const auto dgct = ts::client("dgct");
    return cli(
        {"audit", "witness", "--url",
         "https://127.0.0.1:" + std::to_string(hub_->port("partners")) + "/partner/v1/journal",
         "--cert", dgct.certificate, "--key", dgct.key, "--ca", dgct.ca, "--pubkey",
         ts::journal_public_key(), "--state", state});
  }

  std::mt19937_64 rng_{std::random_device{}()};
};

// Rewrites the journal from entry `from` on as someone who can write the database would hide a
// change: `change` alters entry `from`, then it and every later entry are chained and hashed
// again through the store, the head follows, and the tree and checkpoints that would show the
// change are removed (a hub started on it builds the tree anew from the rewritten entries).
template <class Change>
void rewrite_from(hub::testing::TestDatabase& db, std::int64_t from, Change change) {
  auto s = hub::store::open(db.options());
  ASSERT_TRUE(s) << s.error().message;
  std::vector<hub::store::JournalEntry> later;
  std::string before_hash(hub::store::kGenesisHash);
  ASSERT_TRUE((*s)->scan_journal(1, [&](const hub::store::JournalEntry& e) {
    if (e.seq < from) before_hash = e.entry_hash;
    if (e.seq >= from) later.push_back(e);
    return true;
  }));
  ASSERT_FALSE(later.empty());
  change(later.front());
  const std::string unlock =
      db.engine() == "sqlite"
          ? "DROP TRIGGER IF EXISTS audit_tree_no_delete; DROP TRIGGER IF EXISTS "
            "audit_checkpoints_no_delete; "
          : "ALTER TABLE audit_tree DISABLE TRIGGER USER; ALTER TABLE audit_checkpoints DISABLE "
            "TRIGGER USER; ";
  ASSERT_TRUE(db.tamper(unlock + "DELETE FROM audit_journal WHERE seq >= " + std::to_string(from) +
                        "; UPDATE audit_journal_head SET seq = " + std::to_string(from - 1) +
                        ", hash = '" + before_hash +
                        "', tree_size = 0 WHERE id = 1; DELETE FROM audit_tree;"
                        " DELETE FROM audit_checkpoints;"))
      << db.last_error();
  const hub::store::JournalSealer seal = [](const hub::store::JournalEntry& e) {
    return hub::audit::entry_hash(e);
  };
  auto rewritten = (*s)->append_journal(later, seal);
  ASSERT_TRUE(rewritten) << rewritten.error().message;
}

}  // namespace evidence
