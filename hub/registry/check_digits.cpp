// CNSS's numbers switch from Luhn to Damm check digits (docs/identifiers.md, issue 19 kind 6):
// the store records once, as the record settings/check_digits, the last serials that were
// issued with a Luhn digit; those numbers stay valid, every later one carries Damm's digit.
#include "hub/identifiers/cnss_numbers.hpp"
#include "hub/registry/registry.hpp"
#include "hub/registry/streams.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;

constexpr std::string_view kImmatriculationCounter = "immatriculation";
constexpr std::string_view kAffiliationCounter = "affiliation";

using LuhnUntil = std::pair<std::int64_t, std::int64_t>;  // immatriculation, affiliation

std::string setting_stream() {
  return streams::of(streams::kSettings, streams::kCheckDigitsSetting);
}

std::optional<LuhnUntil> read_setting(const json::Value& state) {
  const auto* i = json::find(state, "/immatriculation_luhn_until");
  const auto* a = json::find(state, "/affiliation_luhn_until");
  if (i == nullptr || a == nullptr || !i->IsInt64() || !a->IsInt64()) return std::nullopt;
  return LuhnUntil{i->GetInt64(), a->GetInt64()};
}

// Records the switch: each counter's next value is drawn (and never issued), so that every
// serial at or below the one before it is a Luhn number and every later one a Damm number.
Result<void> record_switch(Registry& r) {
  auto& store = Registry::Impl::store(r);
  auto i = store.next_number(std::string(kImmatriculationCounter));
  if (!i) return i.error();
  auto a = store.next_number(std::string(kAffiliationCounter));
  if (!a) return a.error();
  Doc after = json::object();
  after.AddMember("immatriculation_luhn_until", *i - 1, after.GetAllocator());
  after.AddMember("affiliation_luhn_until", *a - 1, after.GetAllocator());
  Caller hub;
  hub.principal = "hub";
  auto w =
      Registry::Impl::change(r, setting_stream(), 0, json::object(), after, "check_digits.switched",
                             hub, "new numbers carry a Damm check digit", "hub");
  if (!w) return {};
  store::RecordCommit commit;
  commit.writes.push_back(std::move(*w));
  auto done = Registry::Impl::commit_quietly(r, commit, hub);
  // Another node recorded it first: its record holds.
  if (!done && done.error().code != Errc::conflict) return done.error();
  return {};
}

Result<LuhnUntil> load_or_record(Registry& r) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto l = Registry::Impl::load(r, setting_stream());
    if (!l) return l.error();
    if (*l) {
      if (auto s = read_setting((*l)->state)) return *s;
      return make_error(Errc::internal, setting_stream() + " is not what the registry records");
    }
    if (auto done = record_switch(r); !done) return done.error();
  }
  return make_error(Errc::internal, setting_stream() + " could not be recorded");
}

}  // namespace

Result<std::int64_t> Registry::Impl::luhn_until(Registry& r, std::string_view kind) {
  std::lock_guard lock(r.check_digits_mutex_);
  if (!r.luhn_until_) {
    auto s = load_or_record(r);
    if (!s) return s.error();
    r.luhn_until_ = *s;
  }
  return kind == streams::kEmployer ? r.luhn_until_->second : r.luhn_until_->first;
}

Result<std::string> Registry::Impl::new_number(Registry& r, std::string_view kind) {
  // The switch is recorded before the first Damm number is drawn.
  if (auto until = luhn_until(r, kind); !until) return until.error();
  const bool employer = kind == streams::kEmployer;
  auto serial =
      store(r).next_number(std::string(employer ? kAffiliationCounter : kImmatriculationCounter));
  if (!serial) return serial.error();
  auto number = employer
                    ? identifiers::affiliation_number(*serial, identifiers::CheckDigit::damm)
                    : identifiers::immatriculation_number(*serial, identifiers::CheckDigit::damm);
  if (!number) {
    return make_error(Errc::internal, std::string("the ") +
                                          (employer ? "affiliation" : "immatriculation") +
                                          " numbers are exhausted");
  }
  return *number;
}

}  // namespace hub::registry
