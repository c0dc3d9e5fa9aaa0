#include "hub/audit/receipt.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace hub::audit {
namespace {

Error malformed(const std::string& why) {
  return make_error(Errc::invalid_input, "malformed journal receipt: " + why, "malformed_receipt");
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string format_receipt(const Receipt& r) {
  return "index=" + std::to_string(r.leaf_index) + ", leaf_hash=\"" + to_hex(r.leaf_hash) + "\"";
}

bool prefers_receipt(std::string_view prefer) {
  // Written here: Boost.Beast's token_list and ext_list refuse `token=value` preferences.
  while (!prefer.empty()) {
    const auto comma = prefer.find(',');
    std::string_view one = prefer.substr(0, comma);
    one = one.substr(0, one.find_first_of("=;"));
    while (!one.empty() && (one.front() == ' ' || one.front() == '\t')) one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '\t')) one.remove_suffix(1);
    if (one.size() == kReceiptPreference.size() &&
        std::equal(one.begin(), one.end(), kReceiptPreference.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        })) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    prefer.remove_prefix(comma + 1);
  }
  return false;
}

Result<Receipt> parse_receipt(std::string_view value) {
  std::optional<std::uint64_t> index;
  std::optional<Hash> leaf;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view member = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const auto eq = member.find('=');
    if (eq == std::string_view::npos) return malformed("'" + std::string(member) + "' has no '='");
    const std::string_view key = member.substr(0, eq);
    const std::string_view v = member.substr(eq + 1);
    if (key == "index") {
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
        return malformed("index '" + std::string(v) + "' is not a decimal integer");
      }
      index = n;
    } else if (key == "leaf_hash") {
      if (v.size() < 2 || v.front() != '"' || v.back() != '"') {
        return malformed("leaf_hash is not a quoted string");
      }
      leaf = hash_from_hex(v.substr(1, v.size() - 2));
      if (!leaf) return malformed("leaf_hash is not 64 hex digits");
    } else {
      return malformed("unknown member '" + std::string(key) + "'");
    }
  }
  if (!index) return malformed("index is missing");
  if (!leaf) return malformed("leaf_hash is missing");
  return Receipt{*index, *leaf};
}

}  // namespace hub::audit
