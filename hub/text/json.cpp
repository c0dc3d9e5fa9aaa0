#include "hub/text/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

#include "hub/text/clean.hpp"
#include "hub/text/utf8.hpp"

namespace hub::text {
namespace {

using rapidjson::SizeType;

// A number as written: its significant digits and the power of ten of the first one.
struct Decimal {
  std::string digits;  // no leading or trailing zero; empty for zero
  long exponent = 0;
  bool integer_literal = true;  // no fraction, no exponent
};

Decimal decimal_of(std::string_view s) {
  Decimal d;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::string mantissa;
  long point = -1;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      point = static_cast<long>(mantissa.size());
      d.integer_literal = false;
    } else {
      mantissa.push_back(s[i]);
    }
  }
  if (point < 0) point = static_cast<long>(mantissa.size());
  long e = 0;
  if (i < s.size()) {
    d.integer_literal = false;
    std::string_view exp = s.substr(i + 1);
    const bool negative = !exp.empty() && exp[0] == '-';
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) exp.remove_prefix(1);
    for (char c : exp) e = std::min(e * 10 + (c - '0'), 100'000L);  // far past any double
    if (negative) e = -e;
  }
  const auto first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) return d;
  const auto last = mantissa.find_last_not_of('0');
  d.digits = mantissa.substr(first, last - first + 1);
  d.exponent = point - static_cast<long>(first) - 1 + e;
  return d;
}

// RFC 7493 section 2.2: an integer literal within +-(2^53 - 1); any other number as a double
// holds it, neither overflowing nor underflowing nor losing digits.
bool number_in_range(std::string_view s) {
  const Decimal d = decimal_of(s);
  if (d.digits.empty()) return true;
  if (d.integer_literal) {
    if (d.exponent >= 16) return false;
    std::uint64_t v = 0;
    const std::string_view abs = s.front() == '-' ? s.substr(1) : s;
    std::from_chars(abs.data(), abs.data() + abs.size(), v);
    return v <= (std::uint64_t{1} << 53) - 1;
  }
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc()) return false;   // overflow or underflow
  if (d.digits.size() <= 15) return true;  // DBL_DIG: 15 digits always survive the round trip
  char buf[32];
  const auto w = std::to_chars(buf, buf + sizeof buf, v);
  const Decimal back = decimal_of(std::string_view(buf, static_cast<std::size_t>(w.ptr - buf)));
  return back.digits == d.digits && back.exponent == d.exponent;
}

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

// The SAX handler between rapidjson's reader and the document: checks every event, writes
// clean text, and keeps the path of the value being read (for the refusal's pointer) and the
// member names of every open object (for the duplicate check at its end).
class Checked {
 public:
  Checked(rapidjson::Document& d, const JsonOptions& o, rapidjson::MemoryStream& in)
      : d_(d), o_(o), in_(in) {}

  std::optional<JsonProblem> problem;

  bool Null() { return value() && d_.Null(); }
  bool Bool(bool b) { return value() && d_.Bool(b); }
  bool Int(int i) { return value() && d_.Int(i); }
  bool Uint(unsigned i) { return value() && d_.Uint(i); }
  bool Int64(std::int64_t i) { return value() && d_.Int64(i); }
  bool Uint64(std::uint64_t i) { return value() && d_.Uint64(i); }
  bool Double(double v) { return value() && d_.Double(v); }
  bool RawNumber(const char* s, SizeType n, bool copy) {
    if (!value()) return false;
    const std::string_view text(s, n);
    if (!number_in_range(text))
      return refuse("json_number_out_of_range",
                    "the number " + std::string(text.substr(0, 40)) +
                        " is beyond what an IEEE 754 double holds exactly (I-JSON, RFC 7493 "
                        "section 2.2: integers within +-(2^53 - 1))",
                    pointer());
    if (o_.numbers_as_text) return d_.RawNumber(s, n, copy);
    const Decimal d = decimal_of(text);
    if (d.integer_literal) {
      std::int64_t v = 0;
      std::from_chars(s, s + n, v);
      return d_.Int64(v);
    }
    double v = 0;
    std::from_chars(s, s + n, v);
    return d_.Double(v);
  }
  bool String(const char* s, SizeType n, bool copy) {
    if (!value()) return false;
    const std::string_view t(s, n);
    if (already_clean(t)) return d_.String(s, n, copy);
    if (!enter_text(t, pointer())) return false;
    return d_.String(scratch_.data(), static_cast<SizeType>(scratch_.size()), true);
  }
  bool Key(const char* s, SizeType n, bool copy) {
    Frame& f = frames_.back();
    std::string_view t(s, n);
    if (!already_clean(t)) {
      if (!enter_text(t, pointer(frames_.size() - 1) + "/" + pointer_token(t))) return false;
      t = scratch_;
    }
    keys_.push_back(
        {static_cast<std::uint32_t>(names_.size()), static_cast<std::uint32_t>(t.size())});
    names_.append(t);
    ++f.count;
    f.last = static_cast<std::int64_t>(keys_.size()) - 1;
    if (t.data() == s) return d_.Key(s, n, copy);
    return d_.Key(t.data(), static_cast<SizeType>(t.size()), true);
  }
  bool StartObject() { return value() && open(true) && d_.StartObject(); }
  bool EndObject(SizeType n) {
    if (auto dup = duplicate()) {
      return refuse("json_duplicate_key",
                    "the member name '" + *dup +
                        "' appears twice in one object; readers would disagree on its value "
                        "(RFC 8259 section 4, I-JSON RFC 7493 section 2.3)",
                    pointer(frames_.size() - 1) + "/" + pointer_token(*dup));
    }
    close();
    return d_.EndObject(n);
  }
  bool StartArray() { return value() && open(false) && d_.StartArray(); }
  bool EndArray(SizeType n) {
    close();
    return d_.EndArray(n);
  }

 private:
  struct Frame {
    bool object;
    std::uint32_t count = 0;       // values (array) or names (object) read so far
    std::uint32_t first_name = 0;  // index in keys_ of this object's first name
    std::int64_t last = -1;        // index in keys_ of its latest name
  };
  struct Name {
    std::uint32_t at, size;  // in names_
  };

  // A value starts: in an array, it is the next item.
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().count;
    return true;
  }
  bool open(bool object) {
    if (frames_.size() >= o_.max_depth) {
      too_deep_ = true;
      return refuse("too_deep",
                    "the JSON nests deeper than " + std::to_string(o_.max_depth) + " levels",
                    pointer());
    }
    frames_.push_back({object, 0, static_cast<std::uint32_t>(keys_.size()), -1});
    return true;
  }
  void close() {
    const Frame f = frames_.back();
    frames_.pop_back();
    if (!f.object) return;
    if (f.first_name < keys_.size()) names_.resize(keys_[f.first_name].at);
    keys_.resize(f.first_name);
  }

  std::string_view name(const Name& k) const {
    return std::string_view(names_).substr(k.at, k.size);
  }

  // A name of the innermost object that appears twice, if any. Pairs are compared for small
  // objects; larger ones are sorted, so that no object costs quadratic time.
  std::optional<std::string> duplicate() const {
    const std::size_t first = frames_.back().first_name;
    const std::size_t n = keys_.size() - first;
    if (n < 2) return std::nullopt;
    if (n <= 16) {
      for (std::size_t i = first; i < keys_.size(); ++i)
        for (std::size_t j = i + 1; j < keys_.size(); ++j)
          if (name(keys_[i]) == name(keys_[j])) return std::string(name(keys_[i]));
      return std::nullopt;
    }
    std::vector<std::string_view> sorted;
    sorted.reserve(n);
    for (std::size_t i = first; i < keys_.size(); ++i) sorted.push_back(name(keys_[i]));
    std::sort(sorted.begin(), sorted.end());
    const auto it = std::adjacent_find(sorted.begin(), sorted.end());
    if (it == sorted.end()) return std::nullopt;
    return std::string(*it);
  }

  // The pointer of the value being read, through the first `depth` open containers.
  std::string pointer(std::size_t depth = SIZE_MAX) const {
    std::string p;
    for (std::size_t i = 0; i < frames_.size() && i < depth; ++i) {
      const Frame& f = frames_[i];
      if (f.object && f.last >= 0)
        p += "/" + pointer_token(name(keys_[static_cast<std::size_t>(f.last)]));
      else if (!f.object && f.count > 0)
        p += "/" + std::to_string(f.count - 1);
    }
    return p;
  }

  // The entry rule on a string or name; its clean text is then in scratch_.
  bool enter_text(std::string_view t, const std::string& where) {
    if (const auto r = clean(t, scratch_)) {
      const std::string code =
          r->code == "text_lone_surrogate" ? "json_lone_surrogate" : std::string(r->code);
      const std::string why = code == "json_lone_surrogate"
                                  ? "a \\u escape of a lone surrogate (I-JSON, RFC 7493 "
                                    "section 2.1)"
                                  : r->describe();
      return refuse(code, "the text holds " + why, where);
    }
    return true;
  }

  bool refuse(std::string code, std::string message, std::string where) {
    if (!problem)
      problem = JsonProblem{std::move(code), std::move(where), in_.Tell(), std::move(message)};
    return false;
  }

 public:
  bool too_deep_ = false;

 private:
  rapidjson::Document& d_;
  const JsonOptions& o_;
  rapidjson::MemoryStream& in_;
  std::vector<Frame> frames_;
  std::vector<Name> keys_;
  std::string names_;
  std::string scratch_;
};

std::string where(const std::string& pointer, std::size_t offset) {
  return (pointer.empty() ? std::string() : pointer + ": ") + "at byte " + std::to_string(offset);
}

}  // namespace

std::optional<JsonProblem> read_json(std::string_view body, rapidjson::Document& doc,
                                     const JsonOptions& options) {
  // A UTF-8 byte order mark is allowed before the document and means nothing (RFC 8259 8.1).
  const std::size_t bom = body.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  body.remove_prefix(bom);
  if (body.size() > options.max_bytes)
    return JsonProblem{"too_large", "", 0,
                       "the body is larger than " + std::to_string(options.max_bytes) + " bytes"};
  if (const auto bad = invalid_utf8_at(body))
    return JsonProblem{"invalid_utf8", "", *bad + bom,
                       "the body is not valid UTF-8 (at byte " + std::to_string(*bad + bom) + ")"};
  rapidjson::MemoryStream in(body.data(), body.size());
  rapidjson::Reader reader;
  Checked handler(doc, options, in);
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
  auto generator = [&](rapidjson::Document&) {
    return static_cast<bool>(reader.Parse<kFlags>(in, handler));
  };
  doc.Populate(generator);
  if (!reader.HasParseError()) return std::nullopt;
  if (handler.problem) {
    JsonProblem p = std::move(*handler.problem);
    p.offset += bom;
    p.message = where(p.pointer, p.offset) + ": " + p.message;
    return p;
  }
  const auto code = reader.GetParseErrorCode();
  const std::size_t at = reader.GetErrorOffset() + bom;
  if (code == rapidjson::kParseErrorDocumentEmpty)
    return JsonProblem{"empty_body", "", at, "the body is empty"};
  if (code == rapidjson::kParseErrorNumberTooBig)
    return JsonProblem{"json_number_out_of_range", "", at,
                       "a number is beyond what an IEEE 754 double holds (I-JSON, RFC 7493 "
                       "section 2.2), at byte " +
                           std::to_string(at)};
  if (code == rapidjson::kParseErrorStringUnicodeSurrogateInvalid)
    return JsonProblem{"json_lone_surrogate", "", at,
                       "a \\u escape of a lone surrogate (I-JSON, RFC 7493 section 2.1), at byte " +
                           std::to_string(at)};
  const bool at_end = at >= body.size() + bom;
  return JsonProblem{at_end ? "json_truncated" : "json_malformed", "", at,
                     std::string(at_end ? "the JSON ends early: " : "the JSON is malformed: ") +
                         rapidjson::GetParseError_En(code) + " at byte " + std::to_string(at)};
}

Result<rapidjson::Document> read_client_body(std::string_view body, unsigned max_depth) {
  rapidjson::Document doc;
  JsonOptions o;
  o.max_depth = max_depth;
  auto p = read_json(body, doc, o);
  if (!p) return doc;
  const bool syntax = p->code == "json_malformed" || p->code == "json_truncated" ||
                      p->code == "empty_body" || p->code == "too_deep" || p->code == "too_large";
  if (!syntax) return make_error(Errc::invalid_input, std::move(p->message), std::move(p->code));
  return make_error(
      Errc::invalid_input,
      "/: the body is not valid JSON: " +
          (p->code == "too_deep" ? "it nests deeper than " + std::to_string(max_depth) + " levels"
                                 : p->message));
}

}  // namespace hub::text
