// A matcher for the small regular expressions mappings use to validate fixed forms (dates, codes):
// literals, `.`, classes, \d, groups and quantifiers, anchored at both ends. Patterns outside
// that subset are left to std::regex; inside it, the answer is the same as std::regex_match with
// ECMAScript syntax, at a small fraction of the cost (no allocation, no per-character recursion).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hub::mapping {

class SimpleRegex {
 public:
  // The compiled pattern, or nothing when it uses anything outside the subset (alternation,
  // lookahead, back-references, \s, lazy quantifiers, non-ASCII characters...).
  static std::optional<SimpleRegex> compile(std::string_view pattern);

  // True when the whole of s matches (std::regex_match).
  bool full_match(std::string_view s) const;

  struct Node {
    bool group = false;
    std::array<std::uint64_t, 4> set{};  // atom: the bytes it matches
    std::uint32_t min = 1, max = 1;      // repetitions; max == kMany for no bound
    std::vector<Node> children;          // group: its sequence
  };
  static constexpr std::uint32_t kMany = 0xFFFFFFFFu;

 private:
  std::vector<Node> seq_;
};

}  // namespace hub::mapping
