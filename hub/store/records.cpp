#include "hub/store/store.hpp"

namespace hub::store {
namespace {

Error unsupported(const Store& s) {
  return make_error(Errc::internal, "the " + s.engine() + " store keeps no registration records",
                    "store_error");
}

Error not_coordinating(const Store& s) {
  return make_error(Errc::internal,
                    "the " + s.engine() + " store does not coordinate hub nodes (leases, quotas)",
                    "store_error");
}

Error no_jobs(const Store& s) {
  return make_error(Errc::internal, "the " + s.engine() + " store keeps no bulk prefill jobs",
                    "store_error");
}

}  // namespace

Error lease_lost(const std::string& name) {
  return make_error(Errc::conflict,
                    "the lease " + name + " has passed to another holder: its work stops here",
                    std::string(kLeaseLost));
}

Result<void> Store::commit_records(const RecordCommit&) {
  return unsupported(*this);
}
Result<std::optional<RecordState>> Store::read_record(const std::string&) {
  return unsupported(*this);
}
Result<std::optional<std::string>> Store::find_record_key(const std::string&) {
  return unsupported(*this);
}
Result<std::vector<RecordEvent>> Store::record_events(const std::string&, std::int64_t) {
  return unsupported(*this);
}
Result<std::vector<RecordState>> Store::list_records(const std::string&, const std::string&,
                                                     std::size_t) {
  return unsupported(*this);
}
Result<std::vector<RecordState>> Store::list_labelled(const std::string&, const std::string&,
                                                      const std::string&, std::size_t) {
  return unsupported(*this);
}
Result<std::vector<MemberRef>> Store::find_members(const std::string&) {
  return unsupported(*this);
}
Result<std::vector<std::string>> Store::due_waits(const std::string&, std::size_t) {
  return unsupported(*this);
}
Result<std::vector<std::string>> Store::expired_waits(std::int64_t, const std::string&,
                                                      std::size_t) {
  return unsupported(*this);
}
Result<void> Store::settle_waits(const std::string&) {
  return unsupported(*this);
}
Result<void> Store::end_waits(const std::string&) {
  return unsupported(*this);
}
Result<std::int64_t> Store::count_labelled(const std::string&, const std::string&) {
  return unsupported(*this);
}
Result<std::optional<IdempotentAnswer>> Store::idempotent_answer(const std::string&,
                                                                 const std::string&) {
  return unsupported(*this);
}
Result<std::int64_t> Store::next_number(const std::string&) {
  return unsupported(*this);
}
Result<LeaseGrant> Store::acquire_lease(const std::string&, const std::string&, std::int64_t) {
  return not_coordinating(*this);
}
Result<void> Store::renew_lease(const std::string&, const std::string&, std::int64_t, std::int64_t,
                                const std::string&) {
  return not_coordinating(*this);
}
Result<void> Store::release_lease(const std::string&, const std::string&, std::int64_t,
                                  const std::string&, bool) {
  return not_coordinating(*this);
}
Result<QuotaGrant> Store::lease_quota(const QuotaRequest&) {
  return not_coordinating(*this);
}
Result<FeedPage> Store::read_feed(std::int64_t, std::size_t) {
  return unsupported(*this);
}
Result<std::int64_t> Store::prune_feed(std::int64_t) {
  return unsupported(*this);
}

Result<void> Store::add_disclosures(const std::vector<Disclosure>&) {
  return unsupported(*this);
}
Result<std::vector<Disclosure>> Store::list_disclosures(const std::string&, std::size_t) {
  return unsupported(*this);
}
Result<std::int64_t> Store::prune_disclosures(std::int64_t) {
  return unsupported(*this);
}
Result<std::vector<JournalEntry>> Store::journal_about(const std::string&, std::size_t) {
  return unsupported(*this);
}

Result<void> Store::create_prefill_job(const PrefillJob&) {
  return no_jobs(*this);
}
Result<void> Store::add_prefill_items(const std::string&, const std::vector<PrefillJobItem>&) {
  return no_jobs(*this);
}
Result<std::optional<PrefillJob>> Store::read_prefill_job(const std::string&) {
  return no_jobs(*this);
}
Result<std::vector<std::string>> Store::runnable_prefill_jobs(std::size_t) {
  return no_jobs(*this);
}
Result<std::vector<PrefillJobItem>> Store::claim_prefill_items(const std::string&, std::int64_t,
                                                               std::size_t) {
  return no_jobs(*this);
}
Result<void> Store::record_prefill_results(const std::string&, const std::vector<PrefillJobItem>&,
                                           const std::vector<Disclosure>&) {
  return no_jobs(*this);
}
Result<bool> Store::set_prefill_job_state(const std::string&, const std::string&) {
  return no_jobs(*this);
}
Result<std::vector<PrefillJobItem>> Store::prefill_job_items(const std::string&, std::int64_t,
                                                             std::size_t) {
  return no_jobs(*this);
}
Result<std::vector<std::string>> Store::expired_prefill_jobs(std::int64_t, std::int64_t,
                                                             std::size_t) {
  return no_jobs(*this);
}
Result<bool> Store::remove_prefill_job(const std::string&, std::size_t) {
  return no_jobs(*this);
}

}  // namespace hub::store
