#include "hub/mapping/simple_regex.hpp"

namespace hub::mapping {

namespace {

using Set = std::array<std::uint64_t, 4>;

void add(Set& s, unsigned char c) {
  s[c >> 6] |= std::uint64_t{1} << (c & 63);
}
void add_range(Set& s, unsigned char lo, unsigned char hi) {
  for (unsigned c = lo; c <= hi; ++c) add(s, static_cast<unsigned char>(c));
}
bool has(const Set& s, unsigned char c) {
  return (s[c >> 6] >> (c & 63)) & 1;
}
void add_all(Set& s, const Set& o) {
  for (std::size_t i = 0; i < s.size(); ++i) s[i] |= o[i];
}
Set complement(const Set& s) {
  Set out;
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = ~s[i];
  return out;
}
Set digits() {
  Set s{};
  add_range(s, '0', '9');
  return s;
}
Set word() {
  Set s{};
  add_range(s, '0', '9');
  add_range(s, 'A', 'Z');
  add_range(s, 'a', 'z');
  add(s, '_');
  return s;
}

bool printable(char c) {
  return c >= 0x20 && c < 0x7F;
}

// Characters that stand for themselves after a backslash.
bool escapable(char c) {
  for (char m : std::string_view("\\^$.|?*+()[]{}/-"))
    if (c == m) return true;
  return false;
}

// Escapes for one character: \t, \n... and punctuation; false for anything else (classes,
// back-references, \b, \s whose meaning depends on the locale).
bool single_escape(char c, unsigned char& out) {
  switch (c) {
    case 't':
      out = '\t';
      return true;
    case 'n':
      out = '\n';
      return true;
    case 'r':
      out = '\r';
      return true;
    case 'f':
      out = '\f';
      return true;
    case 'v':
      out = '\v';
      return true;
    default:
      if (!escapable(c)) return false;
      out = static_cast<unsigned char>(c);
      return true;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  bool run(std::vector<SimpleRegex::Node>& out) {
    if (!sequence(out, 0)) return false;
    return i_ == p_.size();
  }

 private:
  std::string_view p_;
  std::size_t i_ = 0;

  bool more() const { return i_ < p_.size(); }
  char peek() const { return p_[i_]; }

  bool sequence(std::vector<SimpleRegex::Node>& out, int depth) {
    if (depth > 8) return false;
    while (more()) {
      const char c = peek();
      if (c == ')') return depth > 0;
      if (c == '^') {
        if (i_ != 0 || depth) return false;
        ++i_;
        continue;
      }
      if (c == '$') {
        if (i_ + 1 != p_.size() || depth) return false;
        ++i_;
        continue;
      }
      SimpleRegex::Node n;
      if (c == '(') {
        ++i_;
        if (more() && peek() == '?') {
          if (i_ + 1 >= p_.size() || p_[i_ + 1] != ':') return false;
          i_ += 2;
        }
        n.group = true;
        if (!sequence(n.children, depth + 1) || !more() || peek() != ')') return false;
        ++i_;
      } else if (c == '[') {
        if (!klass(n.set)) return false;
      } else if (c == '.') {
        ++i_;
        n.set = complement(Set{});
        n.set[0] &= ~((std::uint64_t{1} << '\n') | (std::uint64_t{1} << '\r'));
      } else if (c == '\\') {
        if (i_ + 1 >= p_.size()) return false;
        const char e = p_[i_ + 1];
        i_ += 2;
        unsigned char lit;
        if (e == 'd') {
          n.set = digits();
        } else if (e == 'D') {
          n.set = complement(digits());
        } else if (e == 'w') {
          n.set = word();
        } else if (e == 'W') {
          n.set = complement(word());
        } else if (single_escape(e, lit)) {
          add(n.set, lit);
        } else {
          return false;
        }
      } else if (c == '|' || c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']' ||
                 !printable(c)) {
        return false;
      } else {
        ++i_;
        add(n.set, static_cast<unsigned char>(c));
      }
      if (!quantifier(n)) return false;
      out.push_back(std::move(n));
    }
    return depth == 0;
  }

  bool number(std::uint32_t& out) {
    std::size_t start = i_;
    std::uint32_t v = 0;
    while (more() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + static_cast<std::uint32_t>(peek() - '0');
      if (v > 1000) return false;
      ++i_;
    }
    out = v;
    return i_ != start;
  }

  bool quantifier(SimpleRegex::Node& n) {
    if (!more()) return true;
    const char c = peek();
    if (c == '?') {
      n.min = 0, n.max = 1, ++i_;
    } else if (c == '*') {
      n.min = 0, n.max = SimpleRegex::kMany, ++i_;
    } else if (c == '+') {
      n.min = 1, n.max = SimpleRegex::kMany, ++i_;
    } else if (c == '{') {
      ++i_;
      if (!number(n.min)) return false;
      n.max = n.min;
      if (more() && peek() == ',') {
        ++i_;
        n.max = SimpleRegex::kMany;
        if (more() && peek() != '}' && !number(n.max)) return false;
      }
      if (!more() || peek() != '}' || n.min > n.max) return false;
      ++i_;
    } else {
      return true;
    }
    // Lazy or stacked quantifiers are outside the subset.
    if (more() && (peek() == '?' || peek() == '*' || peek() == '+' || peek() == '{')) return false;
    // A repeated group must be a fixed, non-empty form, so that matching cannot loop on empty
    // iterations or backtrack exponentially.
    if (n.group && n.max > 1) {
      if (n.max > 16 || !fixed(n.children) || min_length(n.children) == 0) return false;
    }
    return true;
  }

  static bool fixed(const std::vector<SimpleRegex::Node>& seq) {
    for (const auto& n : seq)
      if (n.min != n.max || (n.group && !fixed(n.children))) return false;
    return true;
  }
  static std::uint64_t min_length(const std::vector<SimpleRegex::Node>& seq) {
    std::uint64_t total = 0;
    for (const auto& n : seq) total += n.min * (n.group ? min_length(n.children) : 1);
    return total;
  }

  // [abc], [a-z0-9_], [^...], with \d, \w and escaped punctuation.
  bool klass(Set& out) {
    ++i_;  // [
    bool negate = false;
    if (more() && peek() == '^') negate = true, ++i_;
    if (!more() || peek() == ']') return false;
    Set s{};
    while (more() && peek() != ']') {
      unsigned char lo;
      if (!class_char(s, lo)) {
        if (lo == 0xFF) return false;  // an error
        continue;                      // a class escape (\d, \w) was added
      }
      if (more() && peek() == '-') {
        ++i_;
        unsigned char hi;
        if (!more() || peek() == ']' || !class_char(s, hi) || hi < lo) return false;
        add_range(s, lo, hi);
      } else {
        add(s, lo);
      }
    }
    if (!more()) return false;
    ++i_;  // ]
    out = negate ? complement(s) : s;
    return true;
  }

  // One class member: true with a single character in c; false with c = 0 when a class escape
  // was added to s, or c = 0xFF when the pattern is outside the subset.
  bool class_char(Set& s, unsigned char& c) {
    c = 0xFF;
    const char x = peek();
    if (x == '\\') {
      if (i_ + 1 >= p_.size()) return false;
      const char e = p_[i_ + 1];
      i_ += 2;
      if (e == 'd' || e == 'w') {
        add_all(s, e == 'd' ? digits() : word());
        c = 0;
        return false;
      }
      return single_escape(e, c);
    }
    if (x == '[' || x == '-' || !printable(x)) return false;
    c = static_cast<unsigned char>(x);
    ++i_;
    return true;
  }
};

class Matcher {
 public:
  explicit Matcher(std::string_view s) : s_(s) {}

  // What remains to match: the rest of a sequence, or more repetitions of a group.
  struct Cont {
    const std::vector<SimpleRegex::Node>* seq;
    std::size_t k;
    const SimpleRegex::Node* rep;  // non-null: `count` repetitions of rep are done
    std::uint32_t count;
    const Cont* up;
  };

  bool run(const Cont* c, std::size_t pos) const {
    std::size_t k;
    for (;;) {
      if (!c) return pos == s_.size();
      if (c->rep) return repeat(*c->rep, c->count, pos, c->up);
      // Atoms repeated a fixed number of times need no backtracking: matched in a loop.
      const auto& seq = *c->seq;
      for (k = c->k; k < seq.size() && !seq[k].group && seq[k].min == seq[k].max; ++k) {
        const SimpleRegex::Node& a = seq[k];
        if (s_.size() - pos < a.min) return false;
        for (std::uint32_t i = 0; i < a.min; ++i)
          if (!has(a.set, static_cast<unsigned char>(s_[pos + i]))) return false;
        pos += a.min;
      }
      if (k < seq.size()) break;
      c = c->up;
    }
    const SimpleRegex::Node& n = (*c->seq)[k];
    const Cont next{c->seq, k + 1, nullptr, 0, c->up};
    if (n.group) return repeat(n, 0, pos, &next);
    const std::size_t avail = s_.size() - pos;
    const std::size_t limit = n.max < avail ? n.max : avail;
    std::size_t m = 0;
    while (m < limit && has(n.set, static_cast<unsigned char>(s_[pos + m]))) ++m;
    if (m < n.min) return false;
    // Greedy, then backtrack; the last repetition count needs no more tries.
    for (std::size_t r = m;; --r) {
      if (run(&next, pos + r)) return true;
      if (r == n.min) return false;
    }
  }

  bool repeat(const SimpleRegex::Node& g, std::uint32_t count, std::size_t pos,
              const Cont* after) const {
    if (count < g.max) {
      const Cont again{nullptr, 0, &g, count + 1, after};
      const Cont body{&g.children, 0, nullptr, 0, &again};
      if (run(&body, pos)) return true;
    }
    return count >= g.min && run(after, pos);
  }

 private:
  std::string_view s_;
};

}  // namespace

std::optional<SimpleRegex> SimpleRegex::compile(std::string_view pattern) {
  SimpleRegex r;
  Parser p(pattern);
  if (!p.run(r.seq_)) return std::nullopt;
  return r;
}

bool SimpleRegex::full_match(std::string_view s) const {
  const Matcher m(s);
  const Matcher::Cont top{&seq_, 0, nullptr, 0, nullptr};
  return m.run(&top, 0);
}

}  // namespace hub::mapping
