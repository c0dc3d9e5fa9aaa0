#include "hub/mapping/evaluator.hpp"

#include "hub/mapping/json_text.hpp"

#include <re2/re2.h>

#include "hub/mapping/payload.hpp"
#include "hub/mapping/values.hpp"
#include "hub/mapping/xml_records.hpp"
#include "hub/text/clean.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <type_traits>

namespace hub::mapping {

namespace {

inline bool blank(std::string_view s) {
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

// True when the NUL-terminated name is prefix:local (local alone when prefix is empty). Reads
// stop at the first difference, so never past the name's end.
inline bool qname_is(const char* name, std::string_view prefix, std::string_view local) {
  const char* p = name;
  if (!prefix.empty()) {
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (p[i] != prefix[i]) return false;
    p += prefix.size();
    if (*p++ != ':') return false;
  }
  for (std::size_t i = 0; i < local.size(); ++i)
    if (p[i] != local[i]) return false;
  return p[local.size()] == '\0';
}

// a == b, inline: the strings compared here (names, prefixes, namespace URIs) are short, and a
// call to memcmp costs more than comparing them a word at a time.
[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (a.data() == b.data()) return true;
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  for (std::size_t i = 0; i + 8 < n; i += 8)
    if (load8(a.data() + i) != load8(b.data() + i)) return false;
  return load8(a.data() + n - 8) == load8(b.data() + n - 8);
}

// memcpy for the short, variable lengths of keys and values: overlapping word copies instead of
// a call.
inline void copy(char* d, const char* s, std::size_t n) {
  if (n >= 8 && n <= 16) {
    const std::uint64_t a = load8(s), b = load8(s + n - 8);
    std::memcpy(d, &a, 8);
    std::memcpy(d + n - 8, &b, 8);
  } else if (n >= 4 && n < 8) {
    std::uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(d, &a, 4);
    std::memcpy(d + n - 4, &b, 4);
  } else {
    std::memcpy(d, s, n);
  }
}

// For two names of the same length n > 8 whose first 8 bytes are equal: are the rest equal too?
inline bool same_tail(const char* a, const char* b, std::size_t n) {
  if (n <= 16) return load8(a + n - 8) == load8(b + n - 8);
  return std::memcmp(a + 8, b + 8, n - 8) == 0;
}

// Exactly the bytes of w equal to b: 0x80 in each, 0 elsewhere (no false positives, unlike
// has_byte, so that neighbouring bytes can be compared).
inline std::uint64_t bytes_equal(std::uint64_t w, unsigned char b) {
  constexpr std::uint64_t kLows = 0x7F7F7F7F7F7F7F7Full;
  const std::uint64_t x = w ^ (kOnes * b);
  return ~(((x & kLows) + kLows) | x | kLows);
}

// True when the text holds a tab, a line break or two spaces in a row.
bool needs_collapse(std::string_view v) {
  const char* s = v.data();
  const std::size_t n = v.size();
  std::size_t i = 0;
  std::uint64_t carry = 0;  // 0x80 when the previous word ended with a space
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = load8(s + i);
    if (has_less(w, 0x20)) break;  // a control character: look at it byte by byte
    const std::uint64_t sp = bytes_equal(w, ' ');
    if (sp & ((sp << 8) | carry)) return true;
    carry = sp >> 56;
  }
  for (i = i ? i - 1 : 0; i < n; ++i) {
    const char c = s[i];
    if (c == '\t' || c == '\n' || c == '\r' || (c == ' ' && i + 1 < n && s[i + 1] == ' '))
      return true;
  }
  return false;
}

// The record is written through a cursor into a buffer on the stack, and copied into its string
// once, at its exact size (one allocation, nothing zero-filled); a record too long for the
// buffer continues in the string itself. Writing a field is a capacity check and a few stores;
// keys are precomputed by the compiler.
class JsonOut {
 public:
  explicit JsonOut(std::string& s)
      : s_(s), base_(stack_), p_(stack_), end_(stack_ + sizeof stack_) {}
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  // Room for n more bytes.
  void room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) grow(n);
  }
  // Hands what was written to the string.
  void finish() {
    const auto used = static_cast<std::size_t>(p_ - base_);
    if (base_ == stack_)
      s_.assign(stack_, used);
    else
      s_.resize(used);
  }

  void raw(std::string_view t) {
    room(t.size());
    copy(p_, t.data(), t.size());
    p_ += t.size();
  }
  // Comma (unless first) and a precomputed key.
  void key(std::string_view k, bool first) {
    room(k.size() + 1);
    if (!first) *p_++ = ',';
    copy(p_, k.data(), k.size());
    p_ += k.size();
  }
  void ch(char c) {
    room(1);
    *p_++ = c;
  }
  void null() { raw({"null", 4}); }
  void boolean(bool b) { b ? raw({"true", 4}) : raw({"false", 5}); }
  void integer(std::int64_t v) {
    room(24);
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
  }
  // "YYYY-MM-DD" for a full date with a four-digit year (1000..9999).
  void iso_date(int y, int m, int d) {
    room(12);
    char* o = p_;
    o[0] = '"';
    o[1] = static_cast<char>('0' + y / 1000);
    o[2] = static_cast<char>('0' + y / 100 % 10);
    o[3] = static_cast<char>('0' + y / 10 % 10);
    o[4] = static_cast<char>('0' + y % 10);
    o[5] = '-';
    o[6] = static_cast<char>('0' + m / 10);
    o[7] = static_cast<char>('0' + m % 10);
    o[8] = '-';
    o[9] = static_cast<char>('0' + d / 10);
    o[10] = static_cast<char>('0' + d % 10);
    o[11] = '"';
    p_ = o + 12;
  }
  void string(std::string_view v) {
    room(v.size() * 6 + 2);  // worst case: every byte as \u00XX
    p_ = write_json_string(p_, v);
  }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    const auto used = static_cast<std::size_t>(p_ - base_);
    const auto capacity = static_cast<std::size_t>(end_ - base_);
    s_.resize(std::max(capacity * 2, used + n + 256));
    if (base_ == stack_) std::memcpy(s_.data(), stack_, used);
    base_ = s_.data();
    p_ = base_ + used;
    end_ = base_ + s_.size();
  }

  std::string& s_;
  alignas(16) char stack_[4096];
  char* base_;
  char* p_;
  char* end_;
};

// pugixml's handles hold one pointer, but every accessor, even the null test, is a call into the
// shared library. These wrappers keep the pointer and read pugixml's records inline when their
// layout was checked (xml_records.hpp), through the public accessors otherwise.
static_assert(sizeof(pugi::xml_node) == sizeof(pugi::xml_node_struct*) &&
              std::is_trivially_copyable_v<pugi::xml_node>);
static_assert(sizeof(pugi::xml_attribute) == sizeof(pugi::xml_attribute_struct*) &&
              std::is_trivially_copyable_v<pugi::xml_attribute>);

inline const char* or_empty(const char* s) {
  return s ? s : "";
}

struct XA {
  pugi::xml_attribute_struct* p = nullptr;
  XA() = default;
  explicit XA(pugi::xml_attribute_struct* r) : p(r) {}
  XA(pugi::xml_attribute a) : p(std::bit_cast<pugi::xml_attribute_struct*>(a)) {}
  pugi::xml_attribute api() const { return std::bit_cast<pugi::xml_attribute>(p); }
  const xml::AttributeRecord* rec() const {
    return reinterpret_cast<const xml::AttributeRecord*>(p);
  }
  explicit operator bool() const { return p != nullptr; }
  const char* name() const { return xml::read_records ? or_empty(rec()->name) : api().name(); }
  const char* value() const { return xml::read_records ? or_empty(rec()->value) : api().value(); }
  XA next_attribute() const {
    if (!p) return XA();
    if (xml::read_records)
      return XA(reinterpret_cast<pugi::xml_attribute_struct*>(rec()->next_attribute));
    return XA(api().next_attribute());
  }
};

struct XN {
  pugi::xml_node_struct* p = nullptr;
  XN() = default;
  explicit XN(pugi::xml_node_struct* r) : p(r) {}
  explicit XN(const xml::NodeRecord* r)
      : p(reinterpret_cast<pugi::xml_node_struct*>(const_cast<xml::NodeRecord*>(r))) {}
  XN(pugi::xml_node n) : p(std::bit_cast<pugi::xml_node_struct*>(n)) {}
  pugi::xml_node api() const { return std::bit_cast<pugi::xml_node>(p); }
  const xml::NodeRecord* rec() const { return reinterpret_cast<const xml::NodeRecord*>(p); }
  explicit operator bool() const { return p != nullptr; }
  bool operator!() const { return p == nullptr; }
  bool operator==(const XN& o) const { return p == o.p; }
  const void* internal_object() const { return p; }
  const char* name() const { return xml::read_records ? or_empty(rec()->name) : api().name(); }
  pugi::xml_node_type type() const {
    if (!p) return pugi::node_null;
    return xml::read_records ? static_cast<pugi::xml_node_type>(rec()->header & xml::kTypeMask)
                             : api().type();
  }
  // A text or CDATA node's text; an element's own value (pugixml's embedded PCDATA).
  const char* value() const {
    if (!p) return "";
    return xml::read_records ? or_empty(rec()->value) : api().value();
  }
  bool is_text() const {
    const auto t = type();
    return t == pugi::node_pcdata || t == pugi::node_cdata;
  }
  XN first_child() const {
    if (!p) return XN();
    return xml::read_records ? XN(rec()->first_child) : XN(api().first_child());
  }
  XN next_sibling() const {
    if (!p) return XN();
    return xml::read_records ? XN(rec()->next_sibling) : XN(api().next_sibling());
  }
  XN parent() const {
    if (!p) return XN();
    return xml::read_records ? XN(rec()->parent) : XN(api().parent());
  }
  XA first_attribute() const {
    if (!p) return XA();
    if (xml::read_records)
      return XA(reinterpret_cast<pugi::xml_attribute_struct*>(rec()->first_attribute));
    return XA(api().first_attribute());
  }
};

// A namespace prefix and the URI it is bound to in some element's scope.
struct Binding {
  std::string_view prefix, uri;
  bool known = false;
};

// A node of either source format. XML attributes are leaves, kept apart from elements.
struct Node {
  XN x;
  XA a;
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
  EvalState(const Mapping& m, MappedRecord& out) : m_(m), out_(out), w_(out.json) {}

  const Mapping& m_;
  MappedRecord& out_;
  alignas(16) char buffer_[4096];
  // Scratch memory for this evaluation: a bump pointer into buffer_, then into blocks of the
  // heap that double in size (very long texts, long arrays), freed with the evaluation.
  char* block_ = buffer_;
  std::size_t block_size_ = sizeof buffer_;
  std::size_t used_ = 0;  // bytes of block_ handed out
  std::vector<std::unique_ptr<char[]>> overflow_;

  void* allocate(std::size_t n, std::size_t align) {
    const std::size_t at = (used_ + align - 1) & ~(align - 1);
    if (at + n <= block_size_) {
      used_ = at + n;
      return block_ + at;
    }
    return overflow(n, align);
  }
  [[gnu::noinline]] void* overflow(std::size_t n, std::size_t align) {
    const std::size_t size = std::max(n + align, block_size_ * 2);
    overflow_.push_back(std::make_unique_for_overwrite<char[]>(size));
    block_ = overflow_.back().get();
    block_size_ = size;
    used_ = 0;
    return allocate(n, align);
  }

  JsonOut w_;
  std::int32_t frame_ = -1;  // the object or array item being written (MappedRecord::frames_)
  Node* slots_ = nullptr;    // the current scope's index (see Scope)
  std::optional<Error> refusal_;
  std::string cleaned_;  // the entry rule's output, before it is copied into scratch memory

  // Prefix resolutions by element: siblings and cousins share ancestors, so after the first
  // lookup a resolution rarely walks more than one level.
  struct NsMemo {
    const void* element;
    std::string_view prefix;
    std::string_view uri;
  };
  // Direct-mapped by element address: one compare per ancestor; a collision only evicts.
  static constexpr unsigned kMemo = 32;
  NsMemo memo_[kMemo];  // entry i is valid when bit i of memo_valid_ is set
  std::uint32_t memo_valid_ = 0;
  static unsigned memo_slot(const void* element) {
    return static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(element) >> 5) % kMemo;
  }

  char* alloc(std::size_t n) { return static_cast<char*>(allocate(n ? n : 1, 1)); }

  // The first child of an element matching a step, for walks from the document: the partner-
  // error rules and the root usually start with the same steps (/soap:Envelope/soap:Body), and
  // the second walk reuses the first one's finds.
  struct StepMemo {
    const void* parent;
    const PathStep* step;
    XN found;
  };
  StepMemo step_memo_[4];
  unsigned step_memo_size_ = 0;
  const XN* step_memo_find(XN parent, const PathStep& s) const {
    for (unsigned i = 0; i < step_memo_size_; ++i) {
      const StepMemo& m = step_memo_[i];
      if (m.parent == parent.p &&
          (m.step == &s ||
           (m.step->any_ns == s.any_ns && same(m.step->name, s.name) && same(m.step->uri, s.uri))))
        return &m.found;
    }
    return nullptr;
  }
  void step_memo_put(XN parent, const PathStep& s, XN found) {
    if (step_memo_size_ < 4) step_memo_[step_memo_size_++] = {parent.p, &s, found};
  }

  // ---- XML namespaces ---------------------------------------------------------------------------

  static bool declares(XN e, std::string_view prefix, std::string_view& uri) {
    for (XA a = e.first_attribute(); a; a = a.next_attribute()) {
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
  std::string_view resolve(XN e, std::string_view prefix) {
    if (prefix == "xml") return kXmlNs;
    const void* visited[32];
    unsigned n = 0;
    std::string_view uri;
    for (XN cur = e; cur; cur = cur.parent()) {
      const void* key = cur.internal_object();
      const unsigned slot = memo_slot(key);
      const NsMemo& m = memo_[slot];
      if ((memo_valid_ >> slot & 1) && m.element == key && same(m.prefix, prefix)) {
        uri = m.uri;
        break;
      }
      if (cur.first_attribute() && declares(cur, prefix, uri)) break;
      if (n < 32) visited[n++] = key;
    }
    for (unsigned i = 0; i < n; ++i) {
      const unsigned slot = memo_slot(visited[i]);
      memo_[slot] = {visited[i], prefix, uri};
      memo_valid_ |= 1u << slot;
    }
    return uri;
  }

  static bool local_name_is(XN e, std::string_view local) {
    const char* name = e.name();
    const char* colon = std::strchr(name, ':');
    return std::string_view(colon ? colon + 1 : name) == local;
  }

  // Text and comment nodes have an empty name, so they never match a step.
  bool element_matches(XN e, const PathStep& s) {
    // The step's name is an NCName (no colon), so the element's local name (after its last
    // colon) is s.name exactly when the name ends with s.name, preceded by a colon or nothing.
    const char* name = e.name();
    const std::size_t total = std::strlen(name);
    const std::size_t n = s.name.size();
    if (total < n || !same({name + total - n, n}, s.name)) return false;
    if (total > n && name[total - n - 1] != ':') return false;
    if (s.any_ns) return true;
    const std::string_view prefix =
        total > n ? std::string_view(name, total - n - 1) : std::string_view();
    return same(resolve(e, prefix), s.uri);
  }

  bool attribute_matches(XN owner, XA a, const PathStep& s) {
    const char* name = a.name();
    // The first colon splits prefix and local name; one pass finds it and the end.
    const char* colon = nullptr;
    const char* end = name;
    for (; *end; ++end)
      if (*end == ':' && !colon) colon = end;
    const char* local_begin = colon ? colon + 1 : name;
    const std::string_view local(local_begin, static_cast<std::size_t>(end - local_begin));
    if (!same(local, s.name)) return false;
    if (s.any_ns) return true;
    // Unprefixed attributes are in no namespace, whatever the default namespace is.
    if (!colon) return s.uri.empty();
    return same(resolve(owner, std::string_view(name, colon - name)), s.uri);
  }

  // ---- paths ------------------------------------------------------------------------------------

  Node start(const Path& p, Node ctx, const Node& doc) const { return p.absolute ? doc : ctx; }

  // Calls fn(node) for every match of the path's last step (earlier steps take their first
  // match); fn returns false to stop.
  Node attribute_of(XN e, const PathStep& s) {
    for (XA a = e.first_attribute(); a; a = a.next_attribute())
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
      for (XN c = n.x.next_sibling(); c; c = c.next_sibling())
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

  // Each child is compared with the edges starting after the last one matched: partners write
  // elements in their schema's order, which is usually the mapping's, so most children match the
  // first edge tried. A child stops the search at its first match unless another edge has the
  // same local name.
  //
  // Siblings share their parent's scope: one lookup serves every child with the same prefix that
  // declares no namespace itself. The binding is handed down (inherited) too: the URI a matched
  // child's prefix has in the child's own scope, so its children need no lookup either.
  void fill_xml(const std::vector<ScopeEdge>& edges, XN parent, Node* slots,
                Binding inherited = {}) {
    const std::size_t count = edges.size();
    if (!count) return;
    std::size_t remaining = count;
    std::size_t cursor = 0;
    std::string_view shared_prefix = inherited.prefix, shared_uri = inherited.uri;
    bool shared = inherited.known;
    for (XN c = parent.first_child(); c && remaining; c = c.next_sibling()) {
      const char* name = c.name();
      // Fast path: the child is the edge after the last one matched, written with the prefix
      // its siblings use, so its name is known in full and needs no scanning.
      if (shared) {
        const ScopeEdge& e = edges[cursor];
        if (!e.any_ns && !e.shares_local && !slots[e.slot].x &&
            qname_is(name, shared_prefix, e.name)) {
          std::string_view uri = shared_uri;
          if (c.first_attribute()) declares(c, shared_prefix, uri);  // a local declaration wins
          if (same(uri, e.uri)) {
            slots[e.slot].x = c;
            --remaining;
            if (!e.children.empty()) fill_xml(e.children, c, slots, {shared_prefix, uri, true});
            cursor = cursor + 1 == count ? 0 : cursor + 1;
            continue;
          }
        }
      }
      const std::size_t total = std::strlen(name);
      if (!total) continue;  // text, comment
      const auto* colon = static_cast<const char*>(memrchr(name, ':', total));
      const char* local = colon ? colon + 1 : name;
      const auto len = static_cast<std::size_t>(name + total - local);
      const std::uint64_t head = name_head(local, len);
      std::string_view uri;
      bool uri_known = false;
      for (std::size_t t = 0, k = cursor; t < count; ++t, k = k + 1 == count ? 0 : k + 1) {
        const ScopeEdge& e = edges[k];
        if (e.head != head || e.name.size() != len || slots[e.slot].x) continue;
        if (len > 8 && !same_tail(local, e.name.data(), len)) continue;
        if (!e.any_ns) {
          if (!uri_known) {
            const std::string_view prefix =
                colon ? std::string_view(name, static_cast<std::size_t>(colon - name))
                      : std::string_view();
            if (c.first_attribute() && declares(c, prefix, uri)) {
            } else if (shared && same(prefix, shared_prefix)) {
              uri = shared_uri;
            } else {
              uri = resolve(parent, prefix);
              shared_prefix = prefix;
              shared_uri = uri;
              shared = true;
            }
            uri_known = true;
          }
          if (!same(uri, e.uri)) continue;
        }
        slots[e.slot].x = c;
        --remaining;
        if (!e.children.empty()) {
          Binding down;
          if (uri_known)
            down = {colon ? std::string_view(name, static_cast<std::size_t>(colon - name))
                          : std::string_view(),
                    uri, true};
          fill_xml(e.children, c, slots, down);
        }
        cursor = k + 1 == count ? 0 : k + 1;
        if (!e.shares_local) break;
      }
    }
  }

  void fill_json(const std::vector<ScopeEdge>& edges, const rapidjson::Value& obj, Node* slots) {
    if (!obj.IsObject()) return;
    const std::size_t count = edges.size();
    std::size_t remaining = count;
    std::size_t cursor = 0;
    for (const auto& m : obj.GetObject()) {
      const char* key = m.name.GetString();
      const std::size_t len = m.name.GetStringLength();
      const std::uint64_t head = name_head(key, len);
      for (std::size_t t = 0, k = cursor; t < count; ++t, k = k + 1 == count ? 0 : k + 1) {
        const ScopeEdge& e = edges[k];
        if (e.head != head || e.name.size() != len || slots[e.slot].j) continue;
        if (len > 8 && !same_tail(key, e.name.data(), len)) continue;
        slots[e.slot].j = &m.value;
        --remaining;
        if (!e.children.empty()) fill_json(e.children, m.value, slots);
        cursor = k + 1 == count ? 0 : k + 1;
        if (!e.shares_local) break;
      }
      if (!remaining) break;
    }
  }

  Node* fill(const Scope& sc, Node ctx) {
    if (!sc.slots) return nullptr;
    auto* slots = static_cast<Node*>(allocate(sc.slots * sizeof(Node), alignof(Node)));
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
            for (XA a = n.x.first_attribute(); a; a = a.next_attribute())
              if (attribute_matches(n.x, a, s)) {
                fn(Node{n.x, a, nullptr});
                return;
              }
            return;
          case PathStep::Kind::child: {
            if (!last) {
              if (const XN* hit = step_memo_find(n.x, s)) {
                n.x = *hit;
                continue;
              }
            }
            XN c = n.x.first_child();
            for (; c; c = c.next_sibling())
              if (element_matches(c, s)) {
                if (!last) break;
                if (!fn(Node{c, {}, nullptr})) return;
              }
            if (last || !c) return;
            step_memo_put(n.x, s, c);
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

  // text(first(p, ctx, doc)), reading the slot directly when it holds the first match: an XML
  // element, or a JSON value that is not an array (whose first item would be the match).
  std::optional<std::string_view> first_text(const Path& p, Node ctx, const Node& doc) {
    if (p.slot >= 0 && slots_ && !p.attribute_last) {
      const Node& n = slots_[p.slot];
      if (!n.j || !n.j->IsArray()) return text(n);
    }
    return text(first(p, ctx, doc));
  }

  // The text of a leaf, through the entry rule; nothing for a container or a null. JSON text was
  // made clean where it was parsed (hub/text/json.hpp); XML text is made clean here, where it is
  // read, once its pieces are joined.
  std::optional<std::string_view> text(const Node& n) {
    if (n.a) return entered(n.a.value(), n);
    if (n.x) return entered(element_text(n.x), n);
    if (!n.j) return std::nullopt;
    if (n.j->IsString()) return std::string_view(n.j->GetString(), n.j->GetStringLength());
    if (n.j->IsBool()) return n.j->GetBool() ? std::string_view("true") : std::string_view("false");
    return std::nullopt;
  }

  // An element's whole text: every text and CDATA child, in order (comments and processing
  // instructions between them are not in the tree); "" for an element with only elements.
  std::string_view element_text(XN e) {
    if (xml::read_records && e) {
      const xml::NodeRecord* r = e.rec();
      if ((r->header & xml::kTypeMask) == pugi::node_element && r->value) return r->value;
    }
    XN c = e.first_child();
    while (c && !c.is_text()) c = c.next_sibling();
    if (!c) return {};
    const std::string_view piece = c.value();
    XN more = c.next_sibling();
    while (more && !more.is_text()) more = more.next_sibling();
    if (!more) return piece;
    return joined(piece, more);
  }

  [[gnu::noinline]] std::string_view joined(std::string_view first, XN rest) {
    std::size_t total = first.size();
    for (XN m = rest; m; m = m.next_sibling())
      if (m.is_text()) total += std::strlen(m.value());
    char* out = alloc(total);
    std::memcpy(out, first.data(), first.size());
    std::size_t n = first.size();
    for (XN m = rest; m; m = m.next_sibling()) {
      if (!m.is_text()) continue;
      const std::size_t len = std::strlen(m.value());
      std::memcpy(out + n, m.value(), len);
      n += len;
    }
    return {out, n};
  }

  std::string_view entered(std::string_view v, const Node& where) {
    if (text::already_clean(v)) return v;
    return entered_slowly(v, where);
  }

  [[gnu::noinline]] std::string_view entered_slowly(std::string_view v, const Node& where) {
    if (auto r = text::clean(v, cleaned_)) {
      if (!refusal_)
        refusal_ = make_error(Errc::malformed_response,
                              m_.id + " v" + std::to_string(m_.version) + ": " + xml_path(where) +
                                  ": the text holds " + r->describe(),
                              std::string(r->code));
      return {};
    }
    return copy_of(cleaned_);
  }

  // Where a node is in the payload, for people: /soapenv:Envelope/soapenv:Body/.../cnie:Nom.
  static std::string xml_path(const Node& n) {
    std::string path;
    for (XN e = n.x; e && e.type() == pugi::node_element; e = e.parent())
      path.insert(0, "/" + std::string(e.name()));
    if (n.a) path += "/@" + std::string(n.a.name());
    return path;
  }

  bool present(const Node& n) {
    if (n.x && !n.a) {
      if (!blank(element_text(n.x))) return true;
      for (XN c = n.x.first_child(); c; c = c.next_sibling())
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
    std::size_t i = 0;
    // Eight bytes at a time: none at or above 0x80, none in 'a'..'z'.
    for (; i + 8 <= s.size(); i += 8) {
      const std::uint64_t w = load8(s.data() + i);
      constexpr std::uint64_t kLows = 0x7F7F7F7F7F7F7F7Full;
      const std::uint64_t low = w & kLows;
      // 0x80 in each byte in 'a'..'z' (bytes are below 0x80 once the first test passed).
      const std::uint64_t lower =
          (kOnes * (127 + 'z' + 1) - low) & ~w & (low + kOnes * (127 - ('a' - 1)));
      if ((w & kHighs) || (lower & kHighs)) return false;
    }
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if ((c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80) return false;
    }
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

  // Applies one step; on failure returns the problem code and fills `why`. A table, one case per
  // step kind (docs/mapping-language.md), read case by case: the one function over the size check.
  // NOLINTNEXTLINE(readability-function-size)
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
        // check: the whole value matches; extract: the first match's first group, else the
        // whole match. RE2 runs in time linear in the value.
        const re2::StringPiece text(v.s.data(), v.s.size());
        re2::StringPiece found[2];
        const int groups =
            s.kind == StepKind::extract ? (s.regex->NumberOfCapturingGroups() > 0 ? 2 : 1) : 0;
        const bool ok = s.regex->Match(
            text, 0, text.size(),
            s.kind == StepKind::extract ? re2::RE2::UNANCHORED : re2::RE2::ANCHOR_BOTH, found,
            groups);
        if (!ok) {
          why = quote(v.s) + " does not match " + s.arg;
          return "no_match";
        }
        if (s.kind == StepKind::extract) {
          const re2::StringPiece& g =
              groups == 2 && found[1].data() != nullptr ? found[1] : found[0];
          v.s = std::string_view(g.data(), g.size());
        }
        return nullptr;
      }
      case StepKind::split: {
        std::size_t count = 1;
        for (std::size_t p = v.s.find(s.arg); p != std::string_view::npos;
             p = v.s.find(s.arg, p + s.arg.size()))
          ++count;
        auto* items = static_cast<std::string_view*>(
            allocate(count * sizeof(std::string_view), alignof(std::string_view)));
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
        if (!v.d.year_only() && v.d.year >= 1000) {
          w_.iso_date(v.d.year, v.d.month, v.d.day);  // digits only: nothing to escape
          break;
        }
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
      w_.key(f.key_json, first_field);
      first_field = false;
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

  // The common case (one or more paths, first non-blank wins) stays small; constants, concat,
  // `all`, absence and failures are out of line.
  void scalar(const Field& f, Node ctx, const Node& doc) {
    if (f.source != Field::Source::path || f.all) {
      scalar_other(f, ctx, doc);
      return;
    }
    Val v;
    for (const Path& p : f.paths) {
      if (auto tx = first_text(p, ctx, doc); tx && !blank(*tx)) {
        v.s = *tx;
        convert(f, v, p);
        return;
      }
    }
    absent(f);
  }

  [[gnu::noinline]] void scalar_other(const Field& f, Node ctx, const Node& doc) {
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
            allocate(count * sizeof(std::string_view), alignof(std::string_view)));
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
    }
    if (!from) {
      absent(f);
      return;
    }
    convert(f, v, *from);
  }

  // No value: the default, else null (and a refusal when the field is required).
  [[gnu::noinline]] void absent(const Field& f) {
    if (f.fallback) {
      write_literal(*f.target, f.fallback->text);
      return;
    }
    if (f.required)
      refuse(f, "missing_field",
             "required, but " + (f.paths.empty() ? std::string("absent")
                                                 : "'" + f.paths.front().text + "' is absent"));
    w_.null();
  }

  // Runs the field's steps on v, then writes it and where it came from.
  void convert(const Field& f, Val& v, const Path& from) {
    for (const Step& s : f.steps) {
      // The steps that cannot fail, and run on most fields, without the call.
      switch (s.kind) {
        case StepKind::trim:
          v.s = trim(v.s);
          continue;
        case StepKind::collapse_spaces:
          v.s = collapse(v.s);
          continue;
        case StepKind::upper:
        case StepKind::lower:
        case StepKind::title:
          v.s = change_case(v.s, s.kind);
          continue;
        default:
          break;
      }
      std::string why;
      if (const char* code = apply(s, v, why)) {
        failed(f, s, code, std::move(why), from);
        return;
      }
    }
    write_value(v);
    record_source(&f, from.text);
  }

  [[gnu::noinline]] void failed(const Field& f, const Step& s, const char* code, std::string why,
                                const Path& from) {
    switch (s.on_error.kind) {
      case OnError::Kind::fallback:
        problem(f, code, why + "; the default is used");
        write_literal(*f.target, s.on_error.value);
        record_source(&f, from.text);
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
    XN cur = doc.x;
    for (const PathStep& s : p.steps) {
      if (const XN* hit = step_memo_find(cur, s)) {
        cur = *hit;
        continue;
      }
      XN found, same_local;
      for (XN c = cur.first_child(); c; c = c.next_sibling()) {
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
        XN got = cur.first_child();
        while (got && got.type() != pugi::node_element) got = got.next_sibling();
        return make_error(Errc::malformed_response,
                          m_.id + ": expected <" + s.name + "> at '" + p.text + "', found " +
                              (got ? "<" + std::string(got.name()) + ">" : std::string("nothing")),
                          "wrong_root");
      }
      step_memo_put(cur, s, found);
      cur = found;
    }
    return Node{cur, {}, nullptr};
  }
};

Result<MappedRecord> Evaluator::forward(std::shared_ptr<const Mapping> m, std::string_view payload,
                                        const Context& ctx) {
  MappedRecord out;
  out.sources_.reserve(
      std::max<std::uint32_t>(m->sources_seen.load(std::memory_order_relaxed), 16));
  out.frames_.reserve(std::max<std::uint32_t>(m->frames_seen.load(std::memory_order_relaxed), 4));
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
  if (auto e = st.partner_error(doc)) return st.refusal_ ? *st.refusal_ : *e;
  auto root = st.root(doc);
  if (!root) return root.error();
  st.fields(m->fields, *root, doc, st.fill(m->scope, *root));
  if (st.refusal_) return *st.refusal_;
  st.w_.finish();
  if (out.sources_.size() > m->sources_seen.load(std::memory_order_relaxed))
    m->sources_seen.store(static_cast<std::uint32_t>(out.sources_.size()),
                          std::memory_order_relaxed);
  if (out.frames_.size() > m->frames_seen.load(std::memory_order_relaxed))
    m->frames_seen.store(static_cast<std::uint32_t>(out.frames_.size()), std::memory_order_relaxed);
  out.mapping_ = std::move(m);
  // One string for both (one allocation): correlation id, then the fetch time.
  out.context_.reserve(ctx.correlation_id.size() + ctx.fetched_at.size());
  out.context_.append(ctx.correlation_id).append(ctx.fetched_at);
  out.correlation_id_size_ = ctx.correlation_id.size();
  return out;
}

}  // namespace hub::mapping
