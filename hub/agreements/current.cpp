#include "hub/agreements/current.hpp"

namespace hub::agreements {

Result<std::shared_ptr<const AgreementSet>> Current::get() {
  auto st = store_.read_record(kStream);
  if (!st) return st.error();
  if (!*st) return std::make_shared<const AgreementSet>();  // none stored: deny all
  std::lock_guard lock(mutex_);
  if (last_ && last_->version == (*st)->version) return last_;
  auto set = from_state(**st, principals_);
  if (!set) return set.error();
  last_ = std::make_shared<const AgreementSet>(std::move(*set));
  return last_;
}

}  // namespace hub::agreements
