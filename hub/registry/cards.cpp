// Insured persons' cards: a request and its life cycle, requested -> produced -> delivered, or
// cancelled (docs/registration.md, "Cards").
#include <algorithm>
#include <array>
#include <charconv>

#include "hub/registry/registry.hpp"
#include "hub/registry/support.hpp"

namespace hub::registry {
namespace {

using json::Doc;
using json::Value;

constexpr std::array<std::string_view, 5> kReasons = {"first", "lost", "stolen", "damaged",
                                                      "renewal"};

// A card in progress has not reached the end of its life: delivered or cancelled.
bool in_progress(std::string_view status) {
  return status == "requested" || status == "produced";
}

// The transitions a card may make: requested -> produced -> delivered; requested or produced ->
// cancelled. Delivered and cancelled are final.
bool card_transition_allowed(std::string_view from, std::string_view to) {
  if (to == "produced") return from == "requested";
  if (to == "delivered") return from == "produced";
  if (to == "cancelled") return in_progress(from);
  return false;
}

// "card-<n>", n from 1: the ids request_card gives.
bool valid_card_id(std::string_view id) {
  if (!id.starts_with("card-") || id.size() == 5 || id.size() > 12 || id[5] == '0') return false;
  unsigned n = 0;
  const auto* end = id.data() + id.size();
  return std::from_chars(id.data() + 5, end, n).ptr == end;
}

// Why a new card with `reason` may not be requested, given the cards already there; nullopt
// when it may. A registration has one first card, and one card in progress at a time.
std::optional<Error> request_refused(const Value* cards, std::string_view reason) {
  bool any_card = false;
  if (cards != nullptr && cards->IsObject()) {
    for (const auto& c : cards->GetObject()) {
      const std::string id = c.name.GetString();
      const std::string status = json::text(c.value, "/status").value_or("");
      if (in_progress(status)) {
        return make_error(
            Errc::conflict,
            "/cards/" + id + ": is " + status + "; it is delivered or cancelled before another",
            "card_in_progress");
      }
      if (status != "cancelled") any_card = true;
    }
  }
  if (reason == "first" && any_card) {
    return make_error(Errc::conflict,
                      "/reason: a first card was already produced for this registration",
                      "card_exists");
  }
  if (reason != "first" && !any_card) {
    return make_error(Errc::conflict,
                      "/reason: " + std::string(reason) + " replaces a card, and none was made",
                      "no_card_to_replace");
  }
  return std::nullopt;
}

}  // namespace

Result<Outcome> Registry::request_card(const std::string& number, const std::string& body,
                                       const Caller& caller) {
  auto input = parse_body(body, {"reason"});
  if (!input) return input.error();
  auto reason = reason_at(*input, true);
  if (!reason) return reason.error();
  if (std::find(kReasons.begin(), kReasons.end(), *reason) == kReasons.end()) {
    return invalid("/reason", "must be first, lost, stolen, damaged or renewal");
  }
  auto l = insured_for_update(*this, number, caller);
  if (!l) return l.error();
  if (json::text(l->state, "/status") != "ACTIVE") {
    return make_error(Errc::conflict, "/status: cards are edited for ACTIVE registrations only",
                      "invalid_transition");
  }
  const Value* cards = json::find(l->state, "/cards");
  if (auto refused = request_refused(cards, *reason)) return *refused;
  Doc after = copy_of(l->state);
  const std::size_t n = cards != nullptr && cards->IsObject() ? cards->MemberCount() + 1 : 1;
  const std::string at = "/cards/card-" + std::to_string(n);
  const std::string today = format_date(clock_.today());
  json::set_string(after, at + "/reason", *reason);
  json::set_string(after, at + "/requested_on", today);
  json::set_string(after, at + "/requested_by", caller.principal);
  json::set_string(after, at + "/status", "requested");
  json::set_string(after, at + "/status_since", today);
  return commit_insured(*this, *l, after, "card.requested", caller, *reason, Effect::created);
}

Result<Outcome> Registry::change_card_status(const std::string& number, const std::string& card,
                                             const std::string& body, const Caller& caller) {
  if (!valid_card_id(card)) return invalid("/card", "must be a card id: card-1, card-2...");
  auto input = parse_body(body, {"status", "reason"});
  if (!input) return input.error();
  auto status = string_at(*input, "/status", true);
  if (!status) return status.error();
  const std::string to = **status;
  if (to != "produced" && to != "delivered" && to != "cancelled") {
    return invalid("/status", "must be produced, delivered or cancelled");
  }
  auto reason = reason_at(*input, to == "cancelled");
  if (!reason) return reason.error();
  auto l = insured_for_update(*this, number, caller);
  if (!l) return l.error();
  const std::string at = "/cards/" + card;
  const Value* current = json::find(l->state, at);
  if (current == nullptr) return make_error(Errc::not_found, "no card " + card);
  const std::string from = json::text(*current, "/status").value_or("");
  if (from == to) return unchanged(insured(number));  // a retry of the same change
  if (!card_transition_allowed(from, to)) {
    return make_error(Errc::conflict, at + "/status: a " + from + " card cannot become " + to,
                      "invalid_transition");
  }
  if (to != "cancelled" && json::text(l->state, "/status") != "ACTIVE") {
    return make_error(Errc::conflict, "/status: cards are made for ACTIVE registrations only",
                      "invalid_transition");
  }
  Doc after = copy_of(l->state);
  const std::string today = format_date(clock_.today());
  json::set_string(after, at + "/status", to);
  json::set_string(after, at + "/status_since", today);
  json::set_string(after, at + "/" + to + "_on", today);
  json::set_string(after, at + "/" + to + "_by", caller.principal);
  if (!reason->empty()) json::set_string(after, at + "/status_reason", *reason);
  const std::string why = reason->empty() ? card + " " + to : *reason;
  return commit_insured(*this, *l, after, "card." + to, caller, why);
}

}  // namespace hub::registry
