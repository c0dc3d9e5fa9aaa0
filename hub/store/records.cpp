#include "hub/store/store.hpp"

namespace hub::store {
namespace {

Error unsupported(const Store& s) {
  return make_error(Errc::internal, "the " + s.engine() + " store keeps no registration records",
                    "store_error");
}

}  // namespace

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
Result<std::optional<IdempotentAnswer>> Store::idempotent_answer(const std::string&,
                                                                 const std::string&) {
  return unsupported(*this);
}
Result<std::int64_t> Store::next_number(const std::string&) {
  return unsupported(*this);
}
Result<FeedPage> Store::read_feed(std::int64_t, std::size_t) {
  return unsupported(*this);
}
Result<std::int64_t> Store::prune_feed(std::int64_t) {
  return unsupported(*this);
}

}  // namespace hub::store
