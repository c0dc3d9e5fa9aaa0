#include "hub/mapping/evaluator.hpp"

#include "hub/mapping/payload.hpp"
#include "hub/mapping/values.hpp"

#include <charconv>
#include <cstring>
#include <memory_resource>
#include <optional>

namespace hub::mapping {

namespace {

bool blank(std::string_view s) {
  return trim(s).empty();
}

// A payload value quoted in a message, cut short: messages are read by people, and logged.
std::string quote(std::string_view v) {
  constexpr std::size_t kMax = 64;
  if (v.size() <= kMax) return "'" + std::string(v) + "'";
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  return "'" + std::string(v.substr(0, cut)) + "...'";
}

// Word-at-a-time tests (8 bytes per step) for the common case where text needs no change.
constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;
inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline std::uint64_t has_zero(std::uint64_t w) {
  return (w - kOnes) & ~w & kHighs;
}
inline std::uint64_t has_byte(std::uint64_t w, unsigned char b) {
  return has_zero(w ^ (kOnes * b));
}
inline std::uint64_t has_less(std::uint64_t w, unsigned char n) {
  return (w - kOnes * n) & ~w & kHighs;
}

// True when the text holds a control character, '"' or '\\' (JSON must escape them).
bool needs_escape(std::string_view v) {
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t w = load8(v.data() + i);
    if (has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\')) return true;
  }
  for (; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}

// True when the text holds a tab, a line break or two spaces in a row.
bool needs_collapse(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i + 8 <= v.size()) {
      std::uint64_t w = load8(v.data() + i);
      if (!has_less(w, 0x20) && !has_byte(w, ' ')) {
        i += 7;
        continue;
      }
    }
    char c = v[i];
    if (c == '\t' || c == '\n' || c == '\r' || (c == ' ' && i + 1 < v.size() && v[i + 1] == ' '))
      return true;
  }
  return false;
}

// The record is written straight into its string: keys are precomputed by the compiler and
// text is copied in runs, so writing a field is a few appends.
class JsonOut {
 public:
  explicit JsonOut(std::string& s) : s_(s) {}

  void raw(std::string_view t) { s_.append(t.data(), t.size()); }
  void ch(char c) { s_.push_back(c); }
  void null() { s_.append("null", 4); }
  void boolean(bool b) { b ? s_.append("true", 4) : s_.append("false", 5); }
  void integer(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  }
  void string(std::string_view v) {
    s_.push_back('"');
    if (!needs_escape(v)) {
      s_.append(v.data(), v.size());
      s_.push_back('"');
      return;
    }
    std::size_t run = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      s_.append(v.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          s_.append("\\\"", 2);
          break;
        case '\\':
          s_.append("\\\\", 2);
          break;
        case '\n':
          s_.append("\\n", 2);
          break;
        case '\r':
          s_.append("\\r", 2);
          break;
        case '\t':
          s_.append("\\t", 2);
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          s_.append(esc, 6);
        }
      }
    }
    s_.append(v.data() + run, v.size() - run);
    s_.push_back('"');
  }

 private:
  std::string& s_;
};

// A node of either source format. XML attributes are leaves, kept apart from elements.
struct Node {
  pugi::xml_node x;
  pugi::xml_attribute a;
  const rapidjson::Value* j = nullptr;
};

struct Val {
  ValueType t = ValueType::text;
  std::string_view s;
  const std::string_view* list = nullptr;
  std::size_t list_size = 0;
  Date d;
  std::int64_t i = 0;
  bool b = false;
};

constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

}  // namespace

// The evaluation of one payload: owns the scratch memory that transforms write into.
class EvalState {
 public:
  EvalState(const Mapping& m, MappedRecord& out)
      : m_(m), out_(out), arena_(buffer_, sizeof buffer_), w_(out.json) {}

  const Mapping& m_;
  MappedRecord& out_;
  alignas(16) char buffer_[4096];
  std::pmr::monotonic_buffer_resource arena_;
  JsonOut w_;
  std::int32_t frame_ = -1;  // the object or array item being written (MappedRecord::frames_)
  Node* slots_ = nullptr;    // the current scope's index (see Scope)
  std::optional<Error> refusal_;

  // Prefix resolutions by element: siblings and cousins share ancestors, so after the first
  // lookup a resolution rarely walks more than one level.
  struct NsMemo {
    const void* element;
    std::string_view prefix;
    std::string_view uri;
  };
  // Direct-mapped by element address: one compare per ancestor; a collision only evicts.
  static constexpr unsigned kMemo = 32;
  NsMemo memo_[kMemo] = {};
  static unsigned memo_slot(const void* element) {
    return static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(element) >> 5) % kMemo;
  }

  char* alloc(std::size_t n) { return static_cast<char*>(arena_.allocate(n ? n : 1, 1)); }

  // ---- XML namespaces ---------------------------------------------------------------------------

  static bool declares(pugi::xml_node e, std::string_view prefix, std::string_view& uri) {
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
      const char* n = a.name();
      if (n[0] != 'x' || n[1] != 'm' || n[2] != 'l' || n[3] != 'n' || n[4] != 's') continue;
      if ((prefix.empty() && n[5] == '\0') || (n[5] == ':' && std::string_view(n + 6) == prefix)) {
        uri = a.value();
        return true;
      }
    }
    return false;
  }

  // The URI bound to prefix in the scope of element e ("" when unbound or no default namespace).
  std::string_view resolve(pugi::xml_node e, std::string_view prefix) {
    if (prefix == "xml") return kXmlNs;
    const void* visited[32];
    unsigned n = 0;
    std::string_view uri;
    for (pugi::xml_node cur = e; cur; cur = cur.parent()) {
      const void* key = cur.internal_object();
      const NsMemo& m = memo_[memo_slot(key)];
      if (m.element == key && m.prefix == prefix) {
        uri = m.uri;
        break;
      }
      if (cur.first_attribute() && declares(cur, prefix, uri)) break;
      if (n < 32) visited[n++] = key;
    }
    for (unsigned i = 0; i < n; ++i) memo_[memo_slot(visited[i])] = {visited[i], prefix, uri};
    return uri;
  }

  static bool local_name_is(pugi::xml_node e, std::string_view local) {
    const char* name = e.name();
    const char* colon = std::strchr(name, ':');
    return std::string_view(colon ? colon + 1 : name) == local;
  }

  // Text and comment nodes have an empty name, so they never match a step.
  bool element_matches(pugi::xml_node e, const PathStep& s) {
    const char* name = e.name();
    const char* colon = nullptr;
    const char* end = name;
    for (; *end; ++end)
      if (*end == ':') colon = end;
    const char* local = colon ? colon + 1 : name;
    const auto len = static_cast<std::size_t>(end - local);
    if (len != s.name.size() || std::memcmp(local, s.name.data(), len) != 0) return false;
    if (s.any_ns) return true;
    std::string_view prefix =
        colon ? std::string_view(name, static_cast<std::size_t>(colon - name)) : std::string_view();
    return resolve(e, prefix) == s.uri;
  }

  bool attribute_matches(pugi::xml_node owner, pugi::xml_attribute a, const PathStep& s) {
    const char* name = a.name();
    const char* colon = std::strchr(name, ':');
    std::string_view local = colon ? std::string_view(colon + 1) : std::string_view(name);
    if (local != s.name) return false;
    if (s.any_ns) return true;
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    if (!colon) return s.uri.empty();
    return resolve(owner, std::string_view(name, colon - name)) == s.uri;
  }

  // ---- paths ------------------------------------------------------------------------------------

  Node start(const Path& p, Node ctx, const Node& doc) const { return p.absolute ? doc : ctx; }

  // Calls fn(node) for every match of the path's last step (earlier steps take their first
  // match); fn returns false to stop.
  Node attribute_of(pugi::xml_node e, const PathStep& s) {
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute())
      if (attribute_matches(e, a, s)) return Node{e, a, nullptr};
    return Node{};
  }

  // Paths indexed in the current scope read their slot instead of searching.
  template <class Fn>
  bool each_indexed(const Path& p, Node ctx, Fn&& fn) {
    if (p.slot == Path::kWalk || (p.slot >= 0 && !slots_)) return false;
    Node n = p.slot == Path::kSelf ? ctx : slots_[p.slot];
    if (m_.format == Format::xml) {
      if (!n.x) return true;
      if (p.attribute_last) {
        Node a = attribute_of(n.x, p.steps.back());
        if (a.a) fn(a);
        return true;
      }
      if (!fn(n) || p.slot == Path::kSelf) return true;
      // The slot holds the first match; the others are its later siblings.
      const PathStep& last = p.steps.back();
      for (pugi::xml_node c = n.x.next_sibling(); c; c = c.next_sibling())
        if (element_matches(c, last) && !fn(Node{c, {}, nullptr})) return true;
      return true;
    }
    if (!n.j) return true;
    if (n.j->IsArray()) {
      for (const auto& item : n.j->GetArray())
        if (!fn(Node{{}, {}, &item})) return true;
    } else if (!n.j->IsNull()) {
      fn(n);
    }
    return true;
  }

  void fill_xml(const std::vector<ScopeEdge>& edges, pugi::xml_node parent, Node* slots) {
    std::size_t remaining = edges.size();
    // Siblings share their parent's scope: one lookup serves every child with the same prefix
    // that declares no namespace itself.
    std::string_view shared_prefix, shared_uri;
    bool shared = false;
    for (pugi::xml_node c = parent.first_child(); c && remaining; c = c.next_sibling()) {
      const char* name = c.name();
      const char* colon = nullptr;
      const char* end = name;
      for (; *end; ++end)
        if (*end == ':') colon = end;
      if (end == name) continue;  // text, comment
      const char* local = colon ? colon + 1 : name;
      const auto len = static_cast<std::size_t>(end - local);
      const std::uint64_t head = name_head(local, len);
      std::string_view uri;
      bool uri_known = false;
      for (const ScopeEdge& e : edges) {
        if (slots[e.slot].x || e.head != head || e.name.size() != len) continue;
        if (len > 8 && std::memcmp(local + 8, e.name.data() + 8, len - 8) != 0) continue;
        if (!e.any_ns) {
          if (!uri_known) {
            const std::string_view prefix =
                colon ? std::string_view(name, static_cast<std::size_t>(colon - name))
                      : std::string_view();
            if (c.first_attribute() && declares(c, prefix, uri)) {
            } else if (shared && prefix == shared_prefix) {
              uri = shared_uri;
            } else {
              uri = resolve(parent, prefix);
              shared_prefix = prefix;
              shared_uri = uri;
              shared = true;
            }
            uri_known = true;
          }
          if (uri != e.uri) continue;
        }
        slots[e.slot].x = c;
        --remaining;
        if (!e.children.empty()) fill_xml(e.children, c, slots);
      }
    }
  }

  void fill_json(const std::vector<ScopeEdge>& edges, const rapidjson::Value& obj, Node* slots) {
    if (!obj.IsObject()) return;
    std::size_t remaining = edges.size();
    for (const auto& m : obj.GetObject()) {
      const char* key = m.name.GetString();
      const std::size_t len = m.name.GetStringLength();
      const std::uint64_t head = name_head(key, len);
      for (const ScopeEdge& e : edges) {
        if (slots[e.slot].j || e.head != head || e.name.size() != len) continue;
        if (len > 8 && std::memcmp(key + 8, e.name.data() + 8, len - 8) != 0) continue;
        slots[e.slot].j = &m.value;
        --remaining;
        if (!e.children.empty()) fill_json(e.children, m.value, slots);
      }
      if (!remaining) break;
    }
  }

  Node* fill(const Scope& sc, Node ctx) {
    if (!sc.slots) return nullptr;
    auto* slots = static_cast<Node*>(arena_.allocate(sc.slots * sizeof(Node), alignof(Node)));
    for (std::size_t i = 0; i < sc.slots; ++i) new (&slots[i]) Node{};
    if (m_.format == Format::xml) {
      if (ctx.x && !ctx.a) fill_xml(sc.edges, ctx.x, slots);
    } else if (ctx.j) {
      fill_json(sc.edges, *ctx.j, slots);
    }
    return slots;
  }

  template <class Fn>
  void each(const Path& p, Node ctx, const Node& doc, Fn&& fn) {
    if (each_indexed(p, ctx, fn)) return;
    Node n = start(p, ctx, doc);
    if (m_.format == Format::xml) {
      if (!n.x) return;
      for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const PathStep& s = p.steps[i];
        const bool last = i + 1 == p.steps.size();
        switch (s.kind) {
          case PathStep::Kind::self:
            if (last) fn(n);
            continue;
          case PathStep::Kind::parent:
            n.x = n.x.parent();
            if (!n.x || n.x.type() != pugi::node_element) return;
            if (last) fn(n);
            continue;
          case PathStep::Kind::attribute:
            for (pugi::xml_attribute a = n.x.first_attribute(); a; a = a.next_attribute())
              if (attribute_matches(n.x, a, s)) {
                fn(Node{n.x, a, nullptr});
                return;
              }
            return;
          case PathStep::Kind::child: {
            pugi::xml_node c = n.x.first_child();
            for (; c; c = c.next_sibling())
              if (element_matches(c, s)) {
                if (!last) break;
                if (!fn(Node{c, {}, nullptr})) return;
              }
            if (last || !c) return;
            n.x = c;
            continue;
          }
        }
      }
      return;
    }
    const rapidjson::Value* v = n.j;
    if (!v) return;
    for (const PathStep& s : p.steps) {
      if (s.kind == PathStep::Kind::self) continue;
      if (!v->IsObject()) return;
      auto it = v->FindMember(rapidjson::StringRef(s.name.data(), s.name.size()));
      if (it == v->MemberEnd()) return;
      v = &it->value;
    }
    if (v->IsArray()) {
      for (const auto& item : v->GetArray())
        if (!fn(Node{{}, {}, &item})) return;
    } else if (!v->IsNull()) {
      fn(Node{{}, {}, v});
    }
  }

  Node first(const Path& p, Node ctx, const Node& doc) {
    Node out;
    each(p, ctx, doc, [&](const Node& n) {
      out = n;
      return false;
    });
    return out;
  }

  // The text of a leaf; nothing for a container or a null.
  static std::optional<std::string_view> text(const Node& n) {
    if (n.a) return std::string_view(n.a.value());
    // An element's text is its first text child; an element with only elements has none.
    if (n.x) return std::string_view(n.x.child_value());
    if (!n.j) return std::nullopt;
    if (n.j->IsString()) return std::string_view(n.j->GetString(), n.j->GetStringLength());
    if (n.j->IsBool()) return n.j->GetBool() ? std::string_view("true") : std::string_view("false");
    return std::nullopt;
  }

  static bool present(const Node& n) {
    if (n.x && !n.a) {
      if (!blank(n.x.child_value())) return true;
      for (pugi::xml_node c = n.x.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) return true;
      return false;
    }
    if (auto t = text(n)) return !blank(*t);
    return n.j && (n.j->IsObject() || (n.j->IsArray() && !n.j->Empty()));
  }

  // ---- conditions -------------------------------------------------------------------------------

  bool holds(const Condition& c, Node ctx, const Node& doc) {
    switch (c.op) {
      case Condition::Op::all:
        for (const auto& sub : c.children)
          if (!holds(sub, ctx, doc)) return false;
        return true;
      case Condition::Op::any:
        for (const auto& sub : c.children)
          if (holds(sub, ctx, doc)) return true;
        return false;
      case Condition::Op::negate:
        return !holds(c.children.front(), ctx, doc);
      default:
        break;
    }
    Node n = first(c.path, ctx, doc);
    const bool here = (n.x || n.a || n.j) && present(n);
    if (c.op == Condition::Op::exists) return here;
    if (c.op == Condition::Op::missing) return !here;
    std::string_view t = here ? trim(text(n).value_or("")) : std::string_view();
    bool in = false;
    for (const auto& v : c.values) in = in || (here && t == v);
    return c.op == Condition::Op::not_equals ? !in : in;
  }

  // ---- frames, provenance and problems ---------------------------------------------------------

  std::int32_t enter(const Field* f, std::int32_t out_index) {
    out_.frames_.push_back({f, out_index, frame_});
    std::int32_t prev = frame_;
    frame_ = static_cast<std::int32_t>(out_.frames_.size() - 1);
    return prev;
  }

  void record_source(const Field* f, std::string_view path, std::int32_t index = -1) {
    out_.sources_.push_back({frame_, f, path, index});
  }

  std::string pointer(const Field& f) const {
    MappedRecord::Source s{frame_, &f, {}, -1};
    return out_.pointer(s);
  }

  void problem(const Field& f, std::string_view code, std::string message) {
    out_.problems.push_back({pointer(f), std::string(code), std::move(message)});
  }

  void refuse(const Field& f, std::string detail, std::string message) {
    if (refusal_) return;
    refusal_ = make_error(
        Errc::malformed_response,
        m_.id + " v" + std::to_string(m_.version) + ": field " + pointer(f) + ": " + message,
        std::move(detail));
  }

  // ---- steps ------------------------------------------------------------------------------------

  std::string_view copy_of(std::string_view s) {
    char* p = alloc(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  static bool already_upper(std::string_view s) {
    for (char c : s)
      if ((c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
  }

  std::string_view change_case(std::string_view s, StepKind k) {
    if (k == StepKind::upper && already_upper(s)) return s;
    char* out = alloc(s.size());
    bool word_start = true;
    for (std::size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      bool up = k == StepKind::upper || (k == StepKind::title && word_start);
      if (c < 0x80) {
        if (up && c >= 'a' && c <= 'z')
          c -= 32;
        else if (!up && c >= 'A' && c <= 'Z')
          c += 32;
        out[i] = static_cast<char>(c);
        word_start = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '\'');
        continue;
      }
      out[i] = static_cast<char>(c);
      // Latin-1 letters (é, Â, ï...) are C3 80..BE in UTF-8: case is bit 0x20 of the second byte.
      if (c == 0xC3 && i + 1 < s.size()) {
        unsigned char c2 = static_cast<unsigned char>(s[i + 1]);
        if (c2 != 0x97 && c2 != 0xB7 && c2 >= 0x80 && c2 <= 0xBE && c2 != 0x9F)
          c2 = up ? (c2 & ~0x20) : (c2 | 0x20);
        out[++i] = static_cast<char>(c2);
      }
      word_start = false;
    }
    return {out, s.size()};
  }

  std::string_view collapse(std::string_view s) {
    s = trim(s);
    if (!needs_collapse(s)) return s;
    char* out = alloc(s.size());
    std::size_t n = 0;
    bool space = false;
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        space = true;
        continue;
      }
      if (space && n) out[n++] = ' ';
      space = false;
      out[n++] = c;
    }
    return {out, n};
  }

  // Applies one step; on failure returns the problem code and fills `why`.
  const char* apply(const Step& s, Val& v, std::string& why) {
    switch (s.kind) {
      case StepKind::trim:
        v.s = trim(v.s);
        return nullptr;
      case StepKind::collapse_spaces:
        v.s = collapse(v.s);
        return nullptr;
      case StepKind::upper:
      case StepKind::lower:
      case StepKind::title:
        v.s = change_case(v.s, s.kind);
        return nullptr;
      case StepKind::date: {
        if (parse_date(v.s, s.pattern, v.d) ||
            (s.year_only && parse_date(v.s, *s.year_only, v.d))) {
          v.t = ValueType::date;
          return nullptr;
        }
        why = quote(v.s) + " is not a date " + s.pattern.text;
        return "invalid_date";
      }
      case StepKind::format_date: {
        char* buf = alloc(32);
        std::size_t n = write_date(v.d, s.pattern, s.year_only ? &*s.year_only : nullptr, buf, 32);
        v.s = {buf, n};
        v.t = ValueType::text;
        return nullptr;
      }
      case StepKind::integer:
        if (parse_integer(trim(v.s), v.i)) {
          v.t = ValueType::integer;
          return nullptr;
        }
        why = quote(v.s) + " is not an integer";
        return "invalid_integer";
      case StepKind::decimal:
        if (parse_decimal(trim(v.s), v.s)) {
          v.t = ValueType::decimal;
          return nullptr;
        }
        why = quote(v.s) + " is not a decimal";
        return "invalid_decimal";
      case StepKind::boolean: {
        std::string_view t = trim(v.s);
        for (const auto& w : s.values)
          if (t == w) return v.t = ValueType::boolean, v.b = true, nullptr;
        for (const auto& w : s.values2)
          if (t == w) return v.t = ValueType::boolean, v.b = false, nullptr;
        why = quote(v.s) + " is not a boolean";
        return "invalid_boolean";
      }
      case StepKind::extract:
      case StepKind::check_regex: {
        // libstdc++'s regex recurses per character: bound the input it sees.
        std::cmatch m;
        bool ok = v.s.size() <= 1024 &&
                  (s.kind == StepKind::extract
                       ? std::regex_search(v.s.data(), v.s.data() + v.s.size(), m, *s.regex)
                       : std::regex_match(v.s.data(), v.s.data() + v.s.size(), *s.regex));
        if (!ok) {
          why = quote(v.s) + " does not match " + s.arg;
          return "no_match";
        }
        if (s.kind == StepKind::extract) {
          const auto& g = m.size() > 1 && m[1].matched ? m[1] : m[0];
          v.s = std::string_view(g.first, static_cast<std::size_t>(g.second - g.first));
        }
        return nullptr;
      }
      case StepKind::split: {
        std::size_t count = 1;
        for (std::size_t p = v.s.find(s.arg); p != std::string_view::npos;
             p = v.s.find(s.arg, p + s.arg.size()))
          ++count;
        auto* items = static_cast<std::string_view*>(
            arena_.allocate(count * sizeof(std::string_view), alignof(std::string_view)));
        std::size_t n = 0, from = 0;
        for (std::size_t p = v.s.find(s.arg); p != std::string_view::npos;
             p = v.s.find(s.arg, from)) {
          new (&items[n++]) std::string_view(v.s.substr(from, p - from));
          from = p + s.arg.size();
        }
        new (&items[n++]) std::string_view(v.s.substr(from));
        v.list = items;
        v.list_size = n;
        v.t = ValueType::list;
        return nullptr;
      }
      case StepKind::join: {
        std::size_t total = 0;
        for (std::size_t i = 0; i < v.list_size; ++i) total += v.list[i].size() + s.arg.size();
        char* out = alloc(total);
        std::size_t n = 0;
        for (std::size_t i = 0; i < v.list_size; ++i) {
          if (i) std::memcpy(out + n, s.arg.data(), s.arg.size()), n += s.arg.size();
          std::memcpy(out + n, v.list[i].data(), v.list[i].size());
          n += v.list[i].size();
        }
        v.s = {out, n};
        v.t = ValueType::text;
        return nullptr;
      }
      case StepKind::pad_left: {
        if (v.s.size() >= s.width) return nullptr;
        char* out = alloc(s.width);
        std::size_t pad = s.width - v.s.size();
        std::memset(out, s.arg[0], pad);
        std::memcpy(out + pad, v.s.data(), v.s.size());
        v.s = {out, s.width};
        return nullptr;
      }
      case StepKind::replace: {
        if (v.s.find(s.arg) == std::string_view::npos) return nullptr;
        std::size_t count = 0;
        for (std::size_t p = v.s.find(s.arg); p != std::string_view::npos;
             p = v.s.find(s.arg, p + s.arg.size()))
          ++count;
        char* out = alloc(v.s.size() + count * s.arg2.size());
        std::size_t n = 0, from = 0;
        for (std::size_t p = v.s.find(s.arg); p != std::string_view::npos;
             p = v.s.find(s.arg, from)) {
          std::memcpy(out + n, v.s.data() + from, p - from);
          n += p - from;
          std::memcpy(out + n, s.arg2.data(), s.arg2.size());
          n += s.arg2.size();
          from = p + s.arg.size();
        }
        std::memcpy(out + n, v.s.data() + from, v.s.size() - from);
        n += v.s.size() - from;
        v.s = {out, n};
        return nullptr;
      }
      case StepKind::table:
        if (const std::string* hit = s.table->lookup(v.s)) {
          v.s = *hit;
          return nullptr;
        }
        why = quote(v.s) + " is not in table " + s.table->name;
        return "not_in_table";
      case StepKind::check_enum:
        for (const auto& e : s.values)
          if (v.s == e) return nullptr;
        why = quote(v.s) + " is not one of the allowed values";
        return "not_in_enum";
      case StepKind::check_id:
        if (check_identifier(s.id, v.s)) return nullptr;
        why = quote(v.s) + " is not a valid " + std::string(name_of(s.id));
        switch (s.id) {
          case FieldType::cnie:
            return "invalid_cnie";
          case FieldType::ice:
            return "invalid_ice";
          case FieldType::fiscal_id:
            return "invalid_if";
          case FieldType::rc:
            return "invalid_rc";
          default:
            return "invalid_rib";
        }
    }
    return nullptr;
  }

  // ---- output -----------------------------------------------------------------------------------

  void write_literal(const CanonicalField& t, const std::string& text) {
    switch (t.type) {
      case FieldType::integer:
      case FieldType::decimal:
        w_.raw(text);
        break;
      case FieldType::boolean:
        w_.boolean(text == "true");
        break;
      default:
        w_.string(text);
    }
  }

  void write_value(const Val& v) {
    char buf[16];
    switch (v.t) {
      case ValueType::date:
        w_.string(std::string_view(buf, write_iso_date(v.d, buf)));
        break;
      case ValueType::integer:
        w_.integer(v.i);
        break;
      case ValueType::decimal:
        w_.raw(v.s);
        break;
      case ValueType::boolean:
        w_.boolean(v.b);
        break;
      default:
        w_.string(v.s);
    }
  }

  // ---- fields -----------------------------------------------------------------------------------

  // Writes an object from a list of fields; `slots` is their scope already filled for ctx.
  void fields(const std::vector<Field>& fs, Node ctx, const Node& doc, Node* slots) {
    Node* outer = slots_;
    slots_ = slots;
    w_.ch('{');
    bool first_field = true;
    for (const Field& f : fs) {
      if (refusal_) break;
      // Every field is written (null when absent), so the record's shape never depends on data.
      if (!first_field) w_.ch(',');
      first_field = false;
      w_.raw(f.key_json);
      if (f.when && !holds(*f.when, ctx, doc)) {
        w_.null();
      } else if (f.source == Field::Source::object) {
        object(f, ctx, doc);
      } else if (f.source == Field::Source::array) {
        array(f, ctx, doc);
      } else {
        scalar(f, ctx, doc);
      }
    }
    w_.ch('}');
    slots_ = outer;
  }

  // Fills the item's scope into `slots`, then applies the filter (whose paths are in that scope);
  // false when the filter rejects the item.
  bool accept(const Field& f, const Node& item, const Node& doc, Node*& slots) {
    slots = fill(f.scope, item);
    if (!f.filter) return true;
    Node* outer = slots_;
    slots_ = slots;
    const bool ok = holds(*f.filter, item, doc);
    slots_ = outer;
    return ok;
  }

  void object(const Field& f, Node ctx, const Node& doc) {
    Node n = ctx;
    Node* slots = nullptr;
    std::int32_t index = -1;
    if (f.from) {
      n = Node{};
      std::int32_t i = 0;
      each(*f.from, ctx, doc, [&](const Node& item) {
        Node* item_slots = nullptr;
        if (accept(f, item, doc, item_slots)) {
          n = item;
          slots = item_slots;
          index = f.filter ? i : -1;
          return false;
        }
        ++i;
        return true;
      });
      if (!n.x && !n.j) {
        if (f.required) refuse(f, "missing_field", "'" + f.from->text + "' is absent");
        w_.null();
        return;
      }
    } else {
      slots = fill(f.scope, n);
    }
    std::int32_t prev = enter(&f, -1);
    if (f.from) record_source(nullptr, f.from->text, index);
    fields(f.fields, n, doc, slots);
    frame_ = prev;
  }

  void array(const Field& f, Node ctx, const Node& doc) {
    w_.ch('[');
    std::int32_t out_index = 0;
    std::int32_t in_index = 0;
    each(*f.from, ctx, doc, [&](const Node& item) {
      Node* slots = nullptr;
      if (accept(f, item, doc, slots)) {
        if (out_index) w_.ch(',');
        std::int32_t prev = enter(&f, out_index++);
        record_source(nullptr, f.from->text, in_index);
        fields(f.fields, item, doc, slots);
        frame_ = prev;
      }
      ++in_index;
      return !refusal_;
    });
    if (f.required && out_index == 0)
      refuse(f, "missing_field", "'" + f.from->text + "' has no item");
    w_.ch(']');
  }

  void scalar(const Field& f, Node ctx, const Node& doc) {
    const CanonicalField& t = *f.target;
    if (f.source == Field::Source::constant) {
      write_literal(t, f.constant.text);
      return;
    }
    Val v;
    const Path* from = nullptr;
    if (f.source == Field::Source::concat) {
      std::string_view parts[16];
      std::size_t n = 0, total = 0;
      for (const Path& p : f.paths) {
        if (auto tx = text(first(p, ctx, doc)); tx && !blank(*tx) && n < 16) {
          parts[n++] = trim(*tx);
          total += parts[n - 1].size() + f.separator.size();
          if (!from) from = &p;
        }
      }
      if (n) {
        char* out = alloc(total);
        std::size_t len = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (i)
            std::memcpy(out + len, f.separator.data(), f.separator.size()),
                len += f.separator.size();
          std::memcpy(out + len, parts[i].data(), parts[i].size());
          len += parts[i].size();
        }
        v.s = {out, len};
      }
    } else if (f.all) {
      for (const Path& p : f.paths) {
        std::size_t count = 0;
        each(p, ctx, doc, [&](const Node& n) {
          if (auto tx = text(n); tx && !blank(*tx)) ++count;
          return true;
        });
        if (!count) continue;
        auto* items = static_cast<std::string_view*>(
            arena_.allocate(count * sizeof(std::string_view), alignof(std::string_view)));
        std::size_t k = 0;
        each(p, ctx, doc, [&](const Node& n) {
          if (auto tx = text(n); tx && !blank(*tx)) new (&items[k++]) std::string_view(*tx);
          return true;
        });
        v.t = ValueType::list;
        v.list = items;
        v.list_size = k;
        from = &p;
        break;
      }
    } else {
      for (const Path& p : f.paths) {
        if (auto tx = text(first(p, ctx, doc)); tx && !blank(*tx)) {
          v.s = *tx;
          from = &p;
          break;
        }
      }
    }
    if (!from) {
      if (f.fallback) {
        write_literal(t, f.fallback->text);
      } else {
        if (f.required)
          refuse(f, "missing_field",
                 "required, but " + (f.paths.empty() ? std::string("absent")
                                                     : "'" + f.paths.front().text + "' is absent"));
        w_.null();
      }
      return;
    }
    std::string why;
    for (const Step& s : f.steps) {
      const char* code = apply(s, v, why);
      if (!code) continue;
      switch (s.on_error.kind) {
        case OnError::Kind::fallback:
          problem(f, code, why + "; the default is used");
          write_literal(t, s.on_error.value);
          record_source(&f, from->text);
          return;
        case OnError::Kind::null:
          problem(f, code, why + "; the field is left empty");
          w_.null();
          return;
        default:
          refuse(f, "invalid_field", why);
          return;
      }
    }
    write_value(v);
    record_source(&f, from->text);
  }

  // ---- partner errors and root ------------------------------------------------------------------

  std::optional<Error> partner_error(const Node& doc) {
    for (const ErrorRule& r : m_.errors) {
      Node hit = first(r.match, doc, doc);
      if (!present(hit)) continue;
      std::string_view code, message;
      std::string qualified;
      if (r.code) {
        Node c = first(*r.code, hit, doc);
        code = trim(text(c).value_or(""));
        if (r.qname && c.x) {
          std::size_t colon = code.find(':');
          std::string_view prefix =
              colon == std::string_view::npos ? std::string_view() : code.substr(0, colon);
          std::string_view local = colon == std::string_view::npos ? code : code.substr(colon + 1);
          qualified = "{" + std::string(resolve(c.x, prefix)) + "}" + std::string(local);
        }
      }
      if (r.message) message = trim(text(first(*r.message, hit, doc)).value_or(""));
      std::string_view key = r.qname ? std::string_view(qualified) : code;
      Errc e = r.otherwise;
      for (const auto& [k, v] : r.codes)
        if (k == key) {
          e = v;
          break;
        }
      std::string msg =
          m_.partner + " answered " + (code.empty() ? std::string("an error") : std::string(code));
      if (!message.empty()) msg += ": " + std::string(message);
      return make_error(e, std::move(msg));
    }
    return std::nullopt;
  }

  Result<Node> root(const Node& doc) {
    const Path& p = m_.root;
    if (m_.format == Format::json) {
      Node n = p.steps.empty() ? doc : first(p, doc, doc);
      if (!n.j || !n.j->IsObject())
        return make_error(Errc::malformed_response,
                          m_.id + ": the body has no object at '" + p.text + "'", "wrong_root");
      return n;
    }
    pugi::xml_node cur = doc.x;
    for (const PathStep& s : p.steps) {
      pugi::xml_node found, same_local;
      for (pugi::xml_node c = cur.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        if (element_matches(c, s)) {
          found = c;
          break;
        }
        if (!same_local && local_name_is(c, s.name)) same_local = c;
      }
      if (!found) {
        if (same_local) {
          const char* name = same_local.name();
          const char* colon = std::strchr(name, ':');
          std::string_view uri =
              resolve(same_local, colon ? std::string_view(name, colon - name) : "");
          return make_error(Errc::malformed_response,
                            m_.id + ": <" + s.name + "> is in namespace '" + std::string(uri) +
                                "', expected '" + s.uri + "'",
                            "wrong_namespace");
        }
        pugi::xml_node got = cur.first_child();
        while (got && got.type() != pugi::node_element) got = got.next_sibling();
        return make_error(Errc::malformed_response,
                          m_.id + ": expected <" + s.name + "> at '" + p.text + "', found " +
                              (got ? "<" + std::string(got.name()) + ">" : std::string("nothing")),
                          "wrong_root");
      }
      cur = found;
    }
    return Node{cur, {}, nullptr};
  }
};

Result<MappedRecord> Evaluator::forward(std::shared_ptr<const Mapping> m, std::string_view payload,
                                        const Context& ctx) {
  MappedRecord out;
  out.json.reserve(payload.size() / 2 + 256);
  out.sources_.reserve(32);
  out.frames_.reserve(16);
  EvalState st(*m, out);
  // Only the document of the mapping's format is built (a rapidjson document allocates).
  std::optional<pugi::xml_document> xdoc;
  std::optional<rapidjson::Document> jdoc;
  Node doc;
  if (m->format == Format::xml) {
    if (auto r = parse_xml(payload, xdoc.emplace()); !r) return r.error();
    doc.x = *xdoc;
  } else {
    if (auto r = parse_json(payload, jdoc.emplace()); !r) return r.error();
    doc.j = &*jdoc;
  }
  if (auto e = st.partner_error(doc)) return *e;
  auto root = st.root(doc);
  if (!root) return root.error();
  st.fields(m->fields, *root, doc, st.fill(m->scope, *root));
  if (st.refusal_) return *st.refusal_;
  out.mapping_ = std::move(m);
  out.correlation_id_ = std::string(ctx.correlation_id);
  out.fetched_at_ = std::string(ctx.fetched_at);
  return out;
}

}  // namespace hub::mapping
