#include "hub/identifiers/typed.hpp"

namespace hub::identifiers {
namespace {

enum class Kind { digit, letter, separator, other };

struct Read {
  Kind kind = Kind::other;
  char ascii = 0;        // the ASCII digit or capital letter
  std::size_t size = 1;  // bytes read
};

// One code point of `s` at `i`, classified as typed.hpp describes.
Read read_one(std::string_view s, std::size_t i) {
  const std::size_t left = s.size() - i;
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c >= '0' && c <= '9') return {Kind::digit, static_cast<char>(c), 1};
  if (c >= 'A' && c <= 'Z') return {Kind::letter, static_cast<char>(c), 1};
  if (c >= 'a' && c <= 'z') return {Kind::letter, static_cast<char>(c - 'a' + 'A'), 1};
  if (c == ' ' || c == '-' || c == '.' || c == '/') return {Kind::separator, 0, 1};
  if (left >= 2 && c == 0xC2 && b(1) == 0xA0) return {Kind::separator, 0, 2};
  if (left >= 2 && c == 0xD9 && b(1) >= 0xA0 && b(1) <= 0xA9) {
    return {Kind::digit, static_cast<char>('0' + (b(1) - 0xA0)), 2};
  }
  if (left >= 2 && c == 0xDB && b(1) >= 0xB0 && b(1) <= 0xB9) {
    return {Kind::digit, static_cast<char>('0' + (b(1) - 0xB0)), 2};
  }
  if (left >= 3 && c == 0xEF && b(1) == 0xBC && b(2) >= 0x90 && b(2) <= 0x99) {
    return {Kind::digit, static_cast<char>('0' + (b(2) - 0x90)), 3};
  }
  if (left >= 3 && c == 0xEF && b(1) == 0xBC && b(2) >= 0xA1 && b(2) <= 0xBA) {
    return {Kind::letter, static_cast<char>('A' + (b(2) - 0xA1)), 3};
  }
  if (left >= 3 && c == 0xEF && b(1) == 0xBD && b(2) >= 0x81 && b(2) <= 0x9A) {
    return {Kind::letter, static_cast<char>('A' + (b(2) - 0x81)), 3};
  }
  if (left >= 3 && c == 0xE2 && b(1) == 0x80 &&
      (b(2) == 0xAF || b(2) == 0x89 || b(2) == 0x8E || b(2) == 0x8F)) {
    return {Kind::separator, 0, 3};
  }
  return {};
}

std::optional<std::string> canonical(std::string_view typed, bool letters_allowed) {
  std::string out;
  out.reserve(typed.size());
  bool any_digit = false;
  for (std::size_t i = 0; i < typed.size();) {
    const Read r = read_one(typed, i);
    if (r.kind == Kind::other || (r.kind == Kind::letter && !letters_allowed)) {
      return std::nullopt;
    }
    if (r.kind != Kind::separator) out.push_back(r.ascii);
    any_digit = any_digit || r.kind == Kind::digit;
    i += r.size;
  }
  if (!any_digit) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> typed_digits(std::string_view typed) {
  return canonical(typed, false);
}

std::optional<std::string> typed_letters_and_digits(std::string_view typed) {
  return canonical(typed, true);
}

}  // namespace hub::identifiers
