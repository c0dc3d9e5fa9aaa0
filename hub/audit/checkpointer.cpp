#include "hub/audit/checkpointer.hpp"

#include "hub/audit/base64.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/journal_tree.hpp"
#include "hub/audit/proof_verify.hpp"
#include "hub/audit/retention.hpp"
#include "hub/audit/signed_note.hpp"
#include "hub/audit/timestamp.hpp"
#include "hub/audit/tree_proofs.hpp"
#include "hub/core/log.hpp"

namespace hub::audit {
namespace {

constexpr std::chrono::hours kRetentionEvery{24};

std::int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Checkpointer::Checkpointer(store::Store& store, NoteSigner signer, CheckpointerOptions options)
    : store_(store), signer_(std::move(signer)), options_(std::move(options)) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::start() {
  thread_ = std::thread([this] { run(); });
}

void Checkpointer::report(std::string_view outcome, std::int64_t size) {
  if (options_.on_round) options_.on_round(outcome, size);
}

Result<void> Checkpointer::check_extends(const store::StoredCheckpoint& latest, std::uint64_t size,
                                         const Hash& root) {
  auto opened = open_checkpoint(latest.note, signer_.verifier());
  if (!opened && opened.error().detail == "unsigned_note") {
    // Signed by an earlier key (the key was changed): nothing to hold this tree against.
    log::warn("journal checkpoint: the latest stored checkpoint is signed by another key",
              {{"tree_size", std::to_string(latest.tree_size)}});
    return {};
  }
  const auto refuse = [&](const std::string& why) {
    return make_error(Errc::conflict,
                      "the journal's tree of " + std::to_string(size) +
                          " entries is not shown to extend the checkpoint of " +
                          std::to_string(latest.tree_size) + " entries signed before (" + why +
                          "): no checkpoint is signed until an operator looks into it "
                          "(cnss-hub audit verify, docs/audit.md)",
                      "checkpoint_inconsistent");
  };
  if (!opened) return refuse(opened.error().message);
  StoredNodes nodes(store_);
  auto proof = consistency_proof(nodes, opened->size, size);
  if (!proof) return refuse(proof.error().message);
  auto ok = verify_consistency(opened->size, size, *proof, opened->root, root);
  if (!ok) return refuse(ok.error().message);
  return {};
}

std::string Checkpointer::timestamp(const std::string& note, std::uint64_t size) {
  if (!options_.tsa) return {};
  auto request = make_timestamp_request(note);
  Result<std::string> answer = request ? post_timestamp_query(*options_.tsa, request->der)
                                       : Result<std::string>(request.error());
  if (answer) {
    if (auto checked = check_timestamp_response(*answer, *request, options_.tsa->ca); !checked) {
      answer = checked.error();
    }
  }
  if (!answer) {
    log::error("journal checkpoint stored without its RFC 3161 time-stamp",
               {{"tree_size", std::to_string(size)}, {"error", answer.error().message}});
    report("timestamp_failed", static_cast<std::int64_t>(size));
    return {};
  }
  return base64_encode(*answer);
}

Result<std::optional<store::StoredCheckpoint>> Checkpointer::round(
    std::chrono::system_clock::time_point now) {
  using None = std::optional<store::StoredCheckpoint>;
  auto size = store_.tree_size();
  if (!size) return size.error();
  auto latest = store_.latest_checkpoint();
  if (!latest) return latest.error();
  if (*size == 0 || (*latest && (*latest)->tree_size >= *size)) return None();
  StoredNodes nodes(store_);
  auto root = root_at(nodes, static_cast<std::uint64_t>(*size));
  if (!root) return root.error();
  if (*latest) {
    if (auto ok = check_extends(**latest, static_cast<std::uint64_t>(*size), *root); !ok) {
      return ok.error();
    }
  }
  Checkpoint c;
  c.origin = signer_.name();
  c.size = static_cast<std::uint64_t>(*size);
  c.root = *root;
  c.extensions.push_back("time_ms " + std::to_string(millis(now)));
  auto note = sign_checkpoint(c, signer_);
  if (!note) return note.error();
  store::StoredCheckpoint stored{*size, to_hex(*root), millis(now), *note,
                                 timestamp(*note, c.size)};
  auto added = store_.add_checkpoint(stored);
  if (!added) return added.error();
  if (!*added) return None();
  return None(std::move(stored));
}

Result<std::optional<std::int64_t>> Checkpointer::retain(
    std::chrono::system_clock::time_point now) {
  using None = std::optional<std::int64_t>;
  if (options_.retention.count() <= 0) return None();
  if (options_.retention_turn && !options_.retention_turn()) return None();
  auto pruned = prune_expired(store_, now, options_.retention);
  if (!pruned) return pruned.error();
  return None(*pruned);
}

void Checkpointer::run() {
  auto next_retention = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, options_.interval, [&] { return stopping_; })) break;
    lock.unlock();
    auto signed_now = round(std::chrono::system_clock::now());
    if (signed_now && *signed_now) {
      const auto& c = **signed_now;
      log::info("journal checkpoint signed",
                {{"tree_size", std::to_string(c.tree_size)}, {"root", c.root}});
      report("signed", c.tree_size);
    } else if (!signed_now) {
      const bool refused = signed_now.error().detail == "checkpoint_inconsistent";
      log::error(refused ? "journal checkpoint refused" : "journal checkpoint failed",
                 {{"error", signed_now.error().message}});
      report(refused ? "refused" : "failed", 0);
    }
    if (std::chrono::steady_clock::now() >= next_retention) {
      next_retention += kRetentionEvery;
      auto pruned = retain(std::chrono::system_clock::now());
      if (!pruned) {
        log::error("journal retention failed", {{"error", pruned.error().message}});
      } else if (*pruned && **pruned > 0) {
        log::info("journal retention: entries pruned", {{"entries", std::to_string(**pruned)}});
      }
    }
    lock.lock();
  }
}

}  // namespace hub::audit
