#include "hub/app/checkpoints.hpp"

#include "hub/cluster/lease.hpp"

namespace hub::app {

Result<std::unique_ptr<audit::Checkpointer>> make_checkpointer(const config::HubConfig& config,
                                                               store::Store& store,
                                                               http::Metrics& metrics) {
  const auto& a = config.audit;
  if (!a.checkpoints) return std::unique_ptr<audit::Checkpointer>();
  auto signer = audit::NoteSigner::from_pem_file(a.signing_key, a.origin);
  if (!signer) {
    return make_error(Errc::internal,
                      "audit.signing_key " + a.signing_key + ": " + signer.error().message,
                      "signing_key_invalid");
  }
  audit::CheckpointerOptions o;
  o.interval = a.checkpoint_interval;
  o.retention = std::chrono::hours(24) * static_cast<int>(a.retention_days);
  // One node of a cluster prunes, every 24 h: its lease outlives a day, so it keeps the job while
  // it lives; another node takes it over a day or so after it died.
  o.retention_turn = [&store] {
    return cluster::Lease::turn(store, "job:journal-retention", std::chrono::hours(26));
  };
  if (a.tsa)
    o.tsa = audit::TsaOptions{a.tsa->url, a.tsa->ca, a.tsa->timeout, a.tsa->max_response_bytes};
  o.on_round = [&metrics](std::string_view outcome, std::int64_t size) {
    metrics.increment("cnss_journal_checkpoints_total",
                      "Journal checkpoint rounds that did something, by outcome (signed; "
                      "refused: the tree does not extend the latest checkpoint; failed; "
                      "timestamp_failed: stored without its RFC 3161 time-stamp)",
                      "outcome", outcome);
    if (outcome == "signed") {
      metrics.set_gauge("cnss_journal_checkpoint_tree_size",
                        "Tree size of the latest checkpoint this node signed", "origin", "journal",
                        static_cast<double>(size));
    }
  };
  return std::make_unique<audit::Checkpointer>(store, std::move(*signer), std::move(o));
}

}  // namespace hub::app
