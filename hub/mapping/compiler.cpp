#include "hub/mapping/compiler.hpp"

#include "hub/mapping/values.hpp"
#include "hub/mapping/yaml_source.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <initializer_list>
#include <set>

namespace hub::mapping {

namespace {

// Compiled once, when the mapping is compiled; shared by every evaluation. RE2 matches in time
// linear in the input whatever the pattern (administrators write patterns: none can make a
// payload take exponential time), and refuses what would need backtracking (back-references,
// look-around) when the mapping is compiled.
std::shared_ptr<const re2::RE2> compile_regex(const std::string& re) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(1 << 20);
  return std::make_shared<const re2::RE2>(re, o);
}

constexpr std::string_view kStepNames[] = {
    "trim",        "collapse_spaces",
    "upper",       "lower",
    "title",       "date",
    "format_date", "integer",
    "decimal",     "boolean",
    "extract",     "split",
    "join",        "pad_left",
    "replace",     "table",
    "regex",       "enum",
    "cnie",        "ice",
    "if",          "rc",
    "rib",
};

struct ErrcName {
  std::string_view name;
  Errc code;
};
constexpr ErrcName kErrcs[] = {
    {"invalid_input", Errc::invalid_input},
    {"forbidden", Errc::forbidden},
    {"forbidden_purpose", Errc::forbidden_purpose},
    {"not_found", Errc::not_found},
    {"conflict", Errc::conflict},
    {"unprocessable", Errc::unprocessable},
    {"rate_limited", Errc::rate_limited},
    {"internal", Errc::internal},
    {"partner_unavailable", Errc::partner_unavailable},
    {"timeout", Errc::timeout},
    {"malformed_response", Errc::malformed_response},
};

// A file whose top is not a YAML map: bad_value at the node, or at the first line of an empty
// file (which has no node to point at), so that the position stays 1-based.
void refuse_not_a_map(const YAML::Node& doc, Reporter& r, const std::string& what) {
  if (doc.IsNull() && doc.Mark().line < 0) {
    r.error(Pos{1, 1}, "bad_value", "the file is empty: " + what);
  } else {
    r.error(doc, "bad_value", what);
  }
}

std::vector<std::string_view> names_of(std::initializer_list<std::string_view> l) {
  return l;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.front() == '.' || (s.front() >= '0' && s.front() <= '9'))
    return false;
  return std::all_of(s.begin(), s.end(), name_char);
}

ValueType value_type_of(FieldType t) {
  switch (t) {
    case FieldType::date:
      return ValueType::date;
    case FieldType::integer:
      return ValueType::integer;
    case FieldType::decimal:
      return ValueType::decimal;
    case FieldType::boolean:
      return ValueType::boolean;
    default:
      return ValueType::text;
  }
}

class Compiler {
 public:
  Compiler(const std::string& file, const CanonicalModel& model, const TableSet& tables,
           Diagnostics& diags)
      : r_(file, diags), model_(model), tables_(tables), start_(diags.size()) {
    m_ = std::make_shared<Mapping>();
    m_->file = file;
    m_->stem = std::filesystem::path(file).stem().string();
  }

  std::shared_ptr<Mapping> run(const YAML::Node& doc) {
    if (!doc.IsMap()) {
      refuse_not_a_map(doc, r_, "a mapping file is a YAML map (mapping:, version:, fields: ...)");
      return nullptr;
    }
    allow(doc, {"mapping", "version", "partner", "description", "direction", "target", "source",
                "output", "errors", "fields", "audience"});
    if (auto id = required_scalar(doc, "mapping")) m_->id = *id;
    if (auto v = required_scalar(doc, "version")) {
      std::int64_t n = 0;
      if (!parse_integer(*v, n) || n < 1 || n > 1000000)
        key_error(doc, "version", "bad_value", "version is a positive integer");
      m_->version = static_cast<int>(n);
    }
    if (auto p = scalar(doc["partner"]))
      m_->partner = *p;
    else if (auto dot = m_->id.find('.'); dot != std::string::npos)
      m_->partner = m_->id.substr(0, dot);

    std::string direction = scalar(doc["direction"]).value_or("forward");
    if (direction == "reverse") {
      m_->direction = Direction::reverse;
      reverse(doc);
    } else if (direction == "forward") {
      forward(doc);
    } else {
      key_error(doc, "direction", "bad_value", "direction is forward or reverse");
    }
    if (r_.count() != start_) return nullptr;
    if (m_->direction == Direction::forward) index(m_->fields, m_->scope);
    return m_;
  }

 private:
  // ---- helpers --------------------------------------------------------------------------------

  // Every key of `map` is one of `allowed`, and none is written twice: YAML keys are unique (YAML
  // 1.2 section 3.2.1.1), and a reader taking the first of two would mean another thing than one
  // taking the last.
  void allow(const YAML::Node& map, std::initializer_list<std::string_view> allowed) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (!once(kv.first, key, seen)) continue;  // the first was judged already
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string hint = closest(key, names_of(allowed));
      r_.error(kv.first, "unknown_key",
               "'" + key + "' is not allowed here" +
                   (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
  }

  // False, with a duplicate_key diagnostic at the second, when `key` is in `seen` already.
  bool once(const YAML::Node& at, const std::string& key, std::set<std::string>& seen) {
    if (seen.insert(key).second) return true;
    r_.error(at, "duplicate_key", "'" + key + "' is written twice in this map");
    return false;
  }

  void key_error(const YAML::Node& map, const char* key, std::string_view code, std::string msg) {
    Reporter::Key k(r_, key);
    r_.error(map[key] ? map[key] : map, code, std::move(msg));
  }

  std::optional<std::string> required_scalar(const YAML::Node& map, const char* key) {
    YAML::Node n = map[key];
    if (!n) {
      r_.error(map, "missing_key", std::string("'") + key + "' is required");
      return std::nullopt;
    }
    auto s = scalar(n);
    if (!s) key_error(map, key, "bad_value", std::string("'") + key + "' must be a scalar");
    return s;
  }

  std::optional<Errc> errc(const YAML::Node& n) {
    auto s = scalar(n);
    if (s)
      for (const auto& e : kErrcs)
        if (e.name == *s) return e.code;
    std::vector<std::string_view> names;
    for (const auto& e : kErrcs) names.push_back(e.name);
    std::string hint = s ? closest(*s, names) : std::string();
    r_.error(n, "unknown_error_code",
             "'" + s.value_or("?") + "' is not a hub error code" +
                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    return std::nullopt;
  }

  const std::string* uri_of(std::string_view prefix) const {
    for (const auto& [p, uri] : m_->namespaces)
      if (p == prefix) return &uri;
    return nullptr;
  }

  void namespaces(const YAML::Node& n) {
    if (!n) return;
    Reporter::Key k(r_, "namespaces");
    if (!n.IsMap()) {
      r_.error(n, "bad_value", "namespaces is a map prefix: URI");
      return;
    }
    for (const auto& kv : n) {
      auto uri = scalar(kv.second);
      if (!uri || uri->empty() || !valid_name(kv.first.Scalar())) {
        r_.error(kv.first, "bad_value", "a namespace is 'prefix: URI'");
        continue;
      }
      m_->namespaces.emplace_back(kv.first.Scalar(), *uri);
    }
  }

  // ---- paths ------------------------------------------------------------------------------------

  std::optional<Path> path(const YAML::Node& n, bool allow_absolute = false) {
    auto text = scalar(n);
    if (!text) {
      r_.error(n, "bad_path", "a path is a string such as 'a:Nom/a:Latin' or 'titulaire/cnie'");
      return std::nullopt;
    }
    return path_text(*text, pos_of(n), allow_absolute);
  }

  std::optional<Path> path_text(const std::string& text, Pos pos, bool allow_absolute) {
    Path p;
    p.text = text;
    std::string_view s = text;
    auto fail = [&](const std::string& why) {
      r_.error(pos, "bad_path", "'" + text + "': " + why);
      return std::nullopt;
    };
    if (s.empty()) return fail("empty path");
    if (s.front() == '/') {
      if (!allow_absolute)
        return fail("an absolute path is not allowed here (drop the leading '/')");
      p.absolute = true;
      s.remove_prefix(1);
      if (s.empty()) return p;  // "/": the document itself
    }
    const bool xml = m_->format == Format::xml && m_->direction == Direction::forward;
    while (!s.empty() || p.steps.empty()) {
      std::size_t slash = s.find('/');
      std::string_view seg = s.substr(0, slash);
      s = slash == std::string_view::npos ? std::string_view() : s.substr(slash + 1);
      if (seg.empty()) return fail("empty step (a doubled or trailing '/')");
      PathStep step;
      if (seg == ".") {
        step.kind = PathStep::Kind::self;
      } else if (seg == "..") {
        if (!xml) return fail("'..' is only for XML sources");
        step.kind = PathStep::Kind::parent;
      } else {
        if (seg.front() == '@') {
          if (!xml) return fail("'@' attributes are only for XML sources");
          if (!s.empty()) return fail("an attribute must be the last step");
          step.kind = PathStep::Kind::attribute;
          seg.remove_prefix(1);
        }
        std::size_t colon = xml ? seg.find(':') : std::string_view::npos;
        std::string_view local = seg;
        if (colon != std::string_view::npos) {
          std::string prefix(seg.substr(0, colon));
          local = seg.substr(colon + 1);
          if (prefix == "*") {
            step.any_ns = true;
          } else if (const std::string* uri = uri_of(prefix)) {
            step.uri = *uri;
          } else {
            return fail("prefix '" + prefix + "' is not declared in namespaces");
          }
        }
        if (xml ? !valid_name(local) : local.empty())
          return fail("'" + std::string(seg) + "' is not a name");
        step.name = std::string(local);
      }
      p.steps.push_back(std::move(step));
      if (slash == std::string_view::npos) break;
    }
    return p;
  }

  // ---- conditions -------------------------------------------------------------------------------

  std::optional<Condition> condition(const YAML::Node& n) {
    if (!n.IsMap()) {
      r_.error(n, "bad_value", "a condition is a map: {path: P, equals: V} / {all: [...]} / ...");
      return std::nullopt;
    }
    Condition c;
    auto list = [&](const char* key, Condition::Op op) -> bool {
      if (!n[key]) return false;
      c.op = op;
      Reporter::Key k(r_, key);
      if (!n[key].IsSequence()) {
        r_.error(n[key], "bad_value", std::string(key) + " takes a list of conditions");
        return true;
      }
      for (const auto& sub : n[key])
        if (auto sc = condition(sub)) c.children.push_back(std::move(*sc));
      return true;
    };
    if (list("all", Condition::Op::all) || list("any", Condition::Op::any)) {
      allow(n, {"all", "any"});
      return c;
    }
    if (n["not"]) {
      allow(n, {"not"});
      Reporter::Key k(r_, "not");
      c.op = Condition::Op::negate;
      if (auto sc = condition(n["not"])) c.children.push_back(std::move(*sc));
      return c;
    }
    allow(n, {"path", "exists", "missing", "equals", "not_equals", "one_of"});
    if (!n["path"]) {
      r_.error(n, "missing_key", "a condition needs 'path'");
      return std::nullopt;
    }
    auto p = path(n["path"], true);
    if (!p) return std::nullopt;
    c.path = std::move(*p);
    if (n["equals"]) {
      c.op = Condition::Op::equals;
      c.values.push_back(n["equals"].Scalar());
    } else if (n["not_equals"]) {
      c.op = Condition::Op::not_equals;
      c.values.push_back(n["not_equals"].Scalar());
    } else if (n["one_of"] && n["one_of"].IsSequence()) {
      c.op = Condition::Op::one_of;
      for (const auto& v : n["one_of"]) c.values.push_back(v.Scalar());
    } else if (n["missing"]) {
      c.op = Condition::Op::missing;
    } else {
      c.op = Condition::Op::exists;
    }
    return c;
  }

  // ---- on_error and literals --------------------------------------------------------------------

  std::optional<OnError> on_error(const YAML::Node& n, const CanonicalField* target,
                                  const std::optional<Literal>& field_default) {
    Reporter::Key k(r_, "on_error");
    OnError e;
    if (n.IsMap() && n["default"]) {
      e.kind = OnError::Kind::fallback;
      e.value = n["default"].Scalar();
      if (target) literal_fits(n["default"], *target, e.value);
      return e;
    }
    // `on_error: null` is YAML's null, not the string "null".
    auto s = n.IsNull() ? std::string("null") : scalar(n).value_or("");
    if (s == "refuse") {
      e.kind = OnError::Kind::refuse;
    } else if (s == "null") {
      e.kind = OnError::Kind::null;
    } else if (s == "default") {
      if (!field_default) {
        r_.error(n, "missing_key", "on_error: default needs the field's 'default'");
        return std::nullopt;
      }
      e.kind = OnError::Kind::fallback;
      e.value = field_default->text;
    } else {
      r_.error(n, "bad_value", "on_error is refuse, null, default or {default: value}");
      return std::nullopt;
    }
    return e;
  }

  void literal_fits(const YAML::Node& at, const CanonicalField& target, const std::string& text) {
    std::string why = check_literal(target, text);
    if (!why.empty())
      r_.error(at, "type_mismatch",
               "field '" + target.name + "' is " + std::string(name_of(target.type)) + ": " + why);
  }

  // ---- steps ------------------------------------------------------------------------------------

  // One step being compiled: its node, its options (the value under its name) and the type of
  // the value flowing into it, which the step turns into its output type.
  struct StepAt {
    const YAML::Node& n;
    YAML::Node opts;
    Step& s;
    ValueType& type;
    YAML::Node opt(const char* key) const { return n.IsMap() ? n[key] : YAML::Node(); }
  };

  bool expect(StepAt& at, ValueType in, ValueType out) {
    if (at.type != in) {
      r_.error(at.n, "type_mismatch",
               "'" + at.s.name + "' takes " + std::string(name_of(in)) + " but gets " +
                   std::string(name_of(at.type)));
      return false;
    }
    at.type = out;
    return true;
  }

  bool arg(StepAt& at, std::string& into) {
    auto v = scalar(at.opts);
    if (!v) {
      r_.error(at.n, "missing_key", "'" + at.s.name + "' needs a value: {" + at.s.name + ": ...}");
      return false;
    }
    into = *v;
    return true;
  }

  // The step's name, written alone ("trim") or as the key of a map ({date: dd/MM/yyyy}), and its
  // options; false (with the error reported) when no transform has that name.
  bool step_name(const YAML::Node& n, Step& s, YAML::Node& opts) {
    if (n.IsScalar()) {
      s.name = n.Scalar();
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        std::string key = kv.first.Scalar();
        if (std::find(std::begin(kStepNames), std::end(kStepNames), key) != std::end(kStepNames)) {
          s.name = key;
          opts = kv.second;
          break;
        }
      }
    }
    s.pos = pos_of(n);
    if (!s.name.empty() &&
        std::find(std::begin(kStepNames), std::end(kStepNames), s.name) != std::end(kStepNames)) {
      return true;
    }
    if (n.IsMap() && n.size() == 0) {
      r_.error(n, "bad_value", "an empty step: a transform step names its transform");
      return false;
    }
    std::string written = n.IsScalar() ? n.Scalar() : (n.IsMap() ? n.begin()->first.Scalar() : "?");
    std::vector<std::string_view> names(std::begin(kStepNames), std::end(kStepNames));
    std::string hint = closest(written, names);
    r_.error(n, "unknown_transform",
             "'" + written + "' is not a transform" +
                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    return false;
  }

  void step_options_known(const YAML::Node& n, const Step& s) {
    if (!n.IsMap()) return;
    std::vector<std::string_view> allowed = {s.name, "on_error", "year_only",
                                             "with", "true",     "false"};
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        r_.error(kv.first, "unknown_key", "'" + key + "' is not an option of '" + s.name + "'");
    }
  }

  bool step(const YAML::Node& n, Step& s, ValueType& type) {
    YAML::Node opts;
    if (!step_name(n, s, opts)) return false;
    step_options_known(n, s);
    StepAt at{n, opts, s, type};
    const std::string& k = s.name;
    if (k == "trim" || k == "collapse_spaces" || k == "upper" || k == "lower" || k == "title") {
      return text_step(at);
    }
    if (k == "date" || k == "format_date") return date_step(at);
    if (k == "integer" || k == "decimal" || k == "boolean") return number_step(at);
    if (k == "extract" || k == "regex") return regex_step(at);
    if (k == "split" || k == "join") {
      s.kind = k == "split" ? StepKind::split : StepKind::join;
      if (!arg(at, s.arg)) return false;
      return k == "split" ? expect(at, ValueType::text, ValueType::list)
                          : expect(at, ValueType::list, ValueType::text);
    }
    if (k == "pad_left") return pad_step(at);
    if (k == "replace") {
      s.kind = StepKind::replace;
      if (!arg(at, s.arg)) return false;
      if (s.arg.empty()) r_.error(opts, "bad_value", "replace needs a non-empty text to find");
      s.arg2 = scalar(at.opt("with")).value_or("");
      return expect(at, ValueType::text, ValueType::text);
    }
    if (k == "table") return table_step(at);
    if (k == "enum") return enum_step(at);
    // identifier checks
    s.kind = StepKind::check_id;
    s.fallible = true;
    s.id = k == "cnie"  ? FieldType::cnie
           : k == "ice" ? FieldType::ice
           : k == "if"  ? FieldType::fiscal_id
           : k == "rc"  ? FieldType::rc
                        : FieldType::rib;
    return expect(at, ValueType::text, ValueType::text);
  }

  bool text_step(StepAt& at) {
    const std::string& k = at.s.name;
    at.s.kind = k == "trim"              ? StepKind::trim
                : k == "collapse_spaces" ? StepKind::collapse_spaces
                : k == "upper"           ? StepKind::upper
                : k == "lower"           ? StepKind::lower
                                         : StepKind::title;
    return expect(at, ValueType::text, ValueType::text);
  }

  // date (text -> date, fallible) and format_date (date -> text): a pattern, and optionally a
  // year-only pattern (00/00/yyyy) for dates whose day and month are unknown.
  bool date_step(StepAt& at) {
    Step& s = at.s;
    const bool parse = s.name == "date";
    s.kind = parse ? StepKind::date : StepKind::format_date;
    s.fallible = parse;
    std::string pat;
    if (!arg(at, pat)) return false;
    if (!compile_date_pattern(pat, false, s.pattern)) {
      r_.error(
          at.opts, "bad_pattern",
          parse ? "'" + pat + "' is not a date pattern (dd, MM, yyyy and literals, e.g. dd/MM/yyyy)"
                : "'" + pat + "' is not a date pattern");
    }
    if (auto yo = at.opt("year_only")) {
      DatePattern p;
      if (!compile_date_pattern(yo.Scalar(), true, p)) {
        r_.error(yo, "bad_pattern",
                 "'" + yo.Scalar() + "' is not a year-only pattern" +
                     (parse ? std::string(" (e.g. 00/00/yyyy)") : std::string()));
      }
      s.year_only = std::move(p);
    }
    return parse ? expect(at, ValueType::text, ValueType::date)
                 : expect(at, ValueType::date, ValueType::text);
  }

  bool number_step(StepAt& at) {
    Step& s = at.s;
    const std::string& k = s.name;
    s.kind = k == "integer"   ? StepKind::integer
             : k == "decimal" ? StepKind::decimal
                              : StepKind::boolean;
    s.fallible = true;
    if (s.kind == StepKind::boolean) {
      s.values = {"true", "1"};
      s.values2 = {"false", "0"};
      if (auto t = at.opt("true"); t && t.IsSequence()) {
        s.values.clear();
        for (const auto& v : t) s.values.push_back(v.Scalar());
      }
      if (auto f = at.opt("false"); f && f.IsSequence()) {
        s.values2.clear();
        for (const auto& v : f) s.values2.push_back(v.Scalar());
      }
    }
    return expect(at, ValueType::text,
                  s.kind == StepKind::integer   ? ValueType::integer
                  : s.kind == StepKind::decimal ? ValueType::decimal
                                                : ValueType::boolean);
  }

  bool regex_step(StepAt& at) {
    Step& s = at.s;
    s.kind = s.name == "extract" ? StepKind::extract : StepKind::check_regex;
    s.fallible = true;
    std::string re;
    if (!arg(at, re)) return false;
    if (re.size() > 256) {
      r_.error(at.opts, "bad_pattern", "a pattern is at most 256 characters");
      return false;
    }
    s.regex = compile_regex(re);
    s.arg = re;
    if (!s.regex->ok()) {
      r_.error(at.opts, "bad_pattern",
               "'" + re + "' is not a regular expression (RE2 syntax): " + s.regex->error());
    }
    return expect(at, ValueType::text, ValueType::text);
  }

  bool pad_step(StepAt& at) {
    Step& s = at.s;
    s.kind = StepKind::pad_left;
    std::string w;
    std::int64_t width = 0;
    if (!arg(at, w)) return false;
    if (!parse_integer(w, width) || width < 1 || width > 64)
      r_.error(at.opts, "bad_value", "pad_left takes a width from 1 to 64");
    s.width = static_cast<std::size_t>(width);
    s.arg = scalar(at.opt("with")).value_or("0");
    if (s.arg.size() != 1) r_.error(at.opt("with"), "bad_value", "'with' is one character");
    return expect(at, ValueType::text, ValueType::text);
  }

  bool table_step(StepAt& at) {
    Step& s = at.s;
    s.kind = StepKind::table;
    std::string name;
    if (!arg(at, name)) return false;
    auto it = tables_.find(name);
    if (it == tables_.end()) {
      std::vector<std::string_view> names;
      for (const auto& [tn, t] : tables_) names.push_back(tn);
      std::string hint = closest(name, names);
      r_.error(at.opts, "unknown_table",
               "no code table '" + name + "' in tables/" +
                   (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      return false;
    }
    s.table = it->second.get();
    s.fallible = !s.table->fallback;
    return expect(at, ValueType::text, ValueType::text);
  }

  bool enum_step(StepAt& at) {
    Step& s = at.s;
    s.kind = StepKind::check_enum;
    s.fallible = true;
    if (!at.opts || !at.opts.IsSequence()) {
      r_.error(at.n, "missing_key", "enum takes a list of values");
      return false;
    }
    for (const auto& v : at.opts) s.values.push_back(v.Scalar());
    return expect(at, ValueType::text, ValueType::text);
  }

  void steps(const YAML::Node& list, Field& f, ValueType& type, const char* key) {
    if (!list) return;
    Reporter::Key k(r_, key);
    if (!list.IsSequence()) {
      r_.error(list, "bad_value", std::string(key) + " is a list of steps");
      return;
    }
    std::size_t i = 0;
    for (const auto& n : list) {
      Reporter::Key ki(r_, i++);
      Step s;
      if (!step(n, s, type)) {
        f.steps.push_back(std::move(s));
        return;  // the types after an unknown step are unknown: stop before cascading errors
      }
      if (n.IsMap() && n["on_error"]) {
        if (auto e = on_error(n["on_error"], f.target, f.fallback)) s.on_error = *e;
      }
      f.steps.push_back(std::move(s));
    }
  }

  // Adds the check the target type implies unless a step already proves it.
  void implied_check(Field& f) {
    const CanonicalField& t = *f.target;
    const Step* last = f.steps.empty() ? nullptr : &f.steps.back();
    if (t.type == FieldType::enumeration) {
      bool proven = false;
      if (last && last->kind == StepKind::table) {
        proven = std::all_of(last->table->entries.begin(), last->table->entries.end(),
                             [&](const auto& e) { return t.allows(e.second); }) &&
                 (!last->table->fallback || t.allows(*last->table->fallback));
      } else if (last && last->kind == StepKind::check_enum) {
        proven = std::all_of(last->values.begin(), last->values.end(),
                             [&](const auto& v) { return t.allows(v); });
      }
      if (proven) return;
      Step s;
      s.kind = StepKind::check_enum;
      s.name = "enum";
      s.values = t.values;
      s.fallible = true;
      s.pos = f.pos;
      f.steps.push_back(std::move(s));
    } else if (is_identifier(t.type)) {
      if (last && last->kind == StepKind::check_id && last->id == t.type) return;
      Step s;
      s.kind = StepKind::check_id;
      s.name = std::string(name_of(t.type));
      s.id = t.type;
      s.fallible = true;
      s.pos = f.pos;
      f.steps.push_back(std::move(s));
    }
  }

  bool compatible(ValueType v, const CanonicalField& t) {
    switch (t.type) {
      case FieldType::date:
        return v == ValueType::date;
      case FieldType::integer:
        return v == ValueType::integer;
      case FieldType::decimal:
        return v == ValueType::decimal || v == ValueType::integer;
      case FieldType::boolean:
        return v == ValueType::boolean;
      default:
        return v == ValueType::text;
    }
  }

  std::string conversion_hint(const CanonicalField& t) {
    switch (t.type) {
      case FieldType::date:
        return " (add a step such as {date: \"dd/MM/yyyy\"})";
      case FieldType::integer:
        return " (add the step 'integer')";
      case FieldType::decimal:
        return " (add the step 'decimal')";
      case FieldType::boolean:
        return " (add the step 'boolean')";
      default:
        return "";
    }
  }

  // ---- forward fields ---------------------------------------------------------------------------

  void fields(const YAML::Node& n, const Entity& entity, std::vector<Field>& out) {
    Reporter::Key k(r_, "fields");
    if (!n || !n.IsMap()) {
      r_.error(n ? n : YAML::Node(), "missing_key", "'fields' is a map of target fields");
      return;
    }
    std::vector<std::string_view> names;
    for (const auto& f : entity.fields) names.push_back(f.name);
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      Reporter::Key kf(r_, name);
      const CanonicalField* target = entity.find(name);
      if (!target) {
        std::string hint = closest(name, names);
        r_.error(kv.first, "unknown_field",
                 "'" + name + "' is not a field of " + entity.name +
                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        continue;
      }
      if (std::any_of(out.begin(), out.end(), [&](const Field& f) { return f.name == name; })) {
        r_.error(kv.first, "duplicate_field", "'" + name + "' is mapped twice");
        continue;
      }
      Field f;
      f.name = name;
      f.key_json = "\"" + name + "\":";
      f.target = target;
      f.pos = pos_of(kv.first);
      if (field(kv.second, f)) out.push_back(std::move(f));
    }
  }

  bool field(const YAML::Node& spec, Field& f) {
    const CanonicalField& t = *f.target;
    if (spec.IsScalar()) {
      // Shorthand `name: path`.
      auto p = path(spec);
      if (!p) return false;
      f.paths.push_back(std::move(*p));
      return finish_scalar(spec, f, ValueType::text);
    }
    if (!spec.IsMap()) {
      r_.error(spec, "bad_value", "a field is a path or a map (path:, transform:, on_error: ...)");
      return false;
    }
    if (spec["when"]) {
      Reporter::Key k(r_, "when");
      f.when = condition(spec["when"]);
    }
    if (spec["required"]) f.required = spec["required"].Scalar() == "true";
    if (t.type == FieldType::object || t.type == FieldType::array) return nested(spec, f);

    allow(spec, {"path", "const", "concat", "separator", "all", "transform", "validate", "required",
                 "default", "on_error", "when", "description"});
    if (spec["fields"] || spec["each"])
      r_.error(spec, "type_mismatch",
               "field '" + t.name + "' is " + std::string(name_of(t.type)) + ", not an object");
    int sources = (spec["path"] ? 1 : 0) + (spec["const"] ? 1 : 0) + (spec["concat"] ? 1 : 0);
    if (sources != 1) {
      r_.error(spec, sources ? "conflicting_keys" : "missing_key",
               "a field takes exactly one of path, const or concat");
      return false;
    }
    if (spec["default"]) {
      Reporter::Key k(r_, "default");
      f.fallback = Literal{spec["default"].Scalar()};
      literal_fits(spec["default"], t, f.fallback->text);
      if (f.required)
        r_.error(spec["default"], "conflicting_keys", "a required field has no default");
    }
    if (spec["on_error"]) {
      if (auto e = on_error(spec["on_error"], &t, f.fallback)) f.on_error = *e;
    }
    if (spec["const"]) {
      Reporter::Key k(r_, "const");
      f.source = Field::Source::constant;
      f.constant.text = spec["const"].Scalar();
      literal_fits(spec["const"], t, f.constant.text);
      if (spec["transform"] || spec["validate"])
        r_.error(spec, "conflicting_keys", "a constant takes no transform");
      return true;
    }
    ValueType type = ValueType::text;
    if (spec["path"]) {
      Reporter::Key k(r_, "path");
      YAML::Node p = spec["path"];
      if (p.IsSequence()) {
        for (const auto& one : p)
          if (auto cp = path(one, true)) f.paths.push_back(std::move(*cp));
        if (f.paths.empty()) r_.error(p, "bad_path", "an empty list of paths");
      } else if (auto cp = path(p, true)) {
        f.paths.push_back(std::move(*cp));
      }
      if (spec["all"] && spec["all"].Scalar() == "true") {
        f.all = true;
        type = ValueType::list;
      }
    } else {
      Reporter::Key k(r_, "concat");
      f.source = Field::Source::concat;
      if (!spec["concat"].IsSequence()) {
        r_.error(spec["concat"], "bad_value", "concat is a list of paths");
      } else {
        for (const auto& one : spec["concat"])
          if (auto cp = path(one, true)) f.paths.push_back(std::move(*cp));
      }
      f.separator = scalar(spec["separator"]).value_or(" ");
    }
    return finish_scalar(spec, f, type);
  }

  bool finish_scalar(const YAML::Node& spec, Field& f, ValueType type) {
    const CanonicalField& t = *f.target;
    const std::size_t before = r_.count();
    if (spec.IsMap()) {
      steps(spec["transform"], f, type, "transform");
      steps(spec["validate"], f, type, "validate");
    }
    if (r_.count() != before) return false;
    if (!compatible(type, t)) {
      r_.error(f.pos, "type_mismatch",
               "field '" + t.name + "' is " + std::string(name_of(t.type)) +
                   " but the mapping gives " + std::string(name_of(type)) + conversion_hint(t));
      return false;
    }
    if (t.type == FieldType::date && !t.partial) {
      for (const auto& s : f.steps)
        if (s.kind == StepKind::date && s.year_only)
          r_.error(s.pos, "type_mismatch",
                   "field '" + t.name + "' is a full date: it cannot take a year-only date");
    }
    implied_check(f);
    f.result = type;
    // Every fallible step must say what happens when it fails (Vector's rule).
    for (auto& s : f.steps) {
      if (!s.fallible || s.on_error.kind != OnError::Kind::unset) continue;
      if (f.on_error.kind != OnError::Kind::unset) {
        s.on_error = f.on_error;
        continue;
      }
      std::string what = s.pos.line == f.pos.line && s.pos.col == f.pos.col
                             ? "field '" + t.name + "' is " + std::string(name_of(t.type)) +
                                   " and a value that is not one can arrive"
                             : "step '" + s.name + "' can fail";
      r_.error(s.pos, "unhandled_error",
               what +
                   ": say what happens then with on_error: refuse | null | default (on the step or "
                   "the field)");
    }
    return true;
  }

  bool nested(const YAML::Node& spec, Field& f) {
    const CanonicalField& t = *f.target;
    allow(spec, {"from", "each", "filter", "fields", "use", "required", "when", "description"});
    f.entity = t.entity;
    if (!f.entity) return false;
    if (t.type == FieldType::array) {
      f.source = Field::Source::array;
      if (!spec["each"]) {
        r_.error(spec, "missing_key",
                 "array field '" + t.name + "' needs 'each: <path to the items>'");
        return false;
      }
    } else {
      f.source = Field::Source::object;
    }
    if (spec["each"] && spec["from"]) r_.error(spec, "conflicting_keys", "use either from or each");
    if (YAML::Node p = spec["each"] ? spec["each"] : spec["from"]) {
      Reporter::Key k(r_, spec["each"] ? "each" : "from");
      f.from = path(p, true);
    }
    if (spec["filter"]) {
      Reporter::Key k(r_, "filter");
      if (!spec["each"]) r_.error(spec["filter"], "conflicting_keys", "filter goes with each");
      f.filter = condition(spec["filter"]);
    }
    if (spec["use"]) {
      if (spec["fields"]) r_.error(spec["use"], "conflicting_keys", "use either fields or use");
      Reporter::Key k(r_, "use");
      use(spec["use"], f);
    } else {
      fields(spec["fields"], *f.entity, f.fields);
    }
    return true;
  }

  // `use: company.yaml`: the fields of another mapping of the same partner, for a nested object
  // of the same entity (an OMPIC event holds an Entreprise), so that they are written once.
  void use(const YAML::Node& n, Field& f) {
    auto name = scalar(n);
    if (!name || name->find('/') != std::string::npos || name->find("..") != std::string::npos) {
      r_.error(n, "bad_value", "use names a mapping file beside this one, e.g. company.yaml");
      return;
    }
    const auto file = std::filesystem::path(m_->file).parent_path() / *name;
    if (++use_depth_ > 4) {
      r_.error(n, "bad_value", "use nests more than 4 files deep (a cycle?)");
      return;
    }
    Diagnostics local;
    auto doc = load_yaml(file, local);
    if (!doc || !doc->IsMap()) {
      r_.error(n, "unknown_mapping", "cannot read mapping '" + *name + "' beside this file");
      --use_depth_;
      return;
    }
    if (scalar((*doc)["target"]).value_or("") != f.entity->name) {
      r_.error(n, "type_mismatch",
               "'" + *name + "' maps " + scalar((*doc)["target"]).value_or("?") +
                   ", but this field is " + f.entity->name);
    } else if (scalar((*doc)["source"]["format"]).value_or("") !=
               (m_->format == Format::xml ? "xml" : "json")) {
      r_.error(n, "type_mismatch", "'" + *name + "' reads another source format");
    } else {
      for (const auto& kv : (*doc)["source"]["namespaces"]) {
        const std::string prefix = kv.first.Scalar();
        const std::string* uri = uri_of(prefix);
        if (uri && *uri != kv.second.Scalar())
          r_.error(n, "bad_path",
                   "prefix '" + prefix + "' means another namespace in '" + *name + "'");
        else if (!uri)
          m_->namespaces.emplace_back(prefix, kv.second.Scalar());
      }
      std::string mine = r_.switch_file(file.string());
      fields((*doc)["fields"], *f.entity, f.fields);
      r_.switch_file(std::move(mine));
    }
    --use_depth_;
  }

  // ---- error rules ------------------------------------------------------------------------------

  void errors(const YAML::Node& n) {
    if (!n) return;
    Reporter::Key k(r_, "errors");
    if (!n.IsSequence()) {
      r_.error(n, "bad_value", "errors is a list of rules {match:, code:, codes:, otherwise:}");
      return;
    }
    std::size_t i = 0;
    for (const auto& rule : n) {
      Reporter::Key ki(r_, i++);
      if (!rule.IsMap()) {
        r_.error(rule, "bad_value", "an error rule is a map");
        continue;
      }
      allow(rule, {"match", "code", "message", "qname", "codes", "otherwise"});
      ErrorRule e;
      e.pos = pos_of(rule);
      if (!rule["match"]) {
        r_.error(rule, "missing_key", "an error rule needs 'match: <absolute path>'");
        continue;
      }
      {
        Reporter::Key km(r_, "match");
        auto p = path(rule["match"], true);
        if (!p) continue;
        e.match = std::move(*p);
      }
      if (rule["code"]) {
        Reporter::Key kc(r_, "code");
        e.code = path(rule["code"], true);
      }
      if (rule["message"]) {
        Reporter::Key kc(r_, "message");
        e.message = path(rule["message"], true);
      }
      e.qname = rule["qname"] && rule["qname"].Scalar() == "true";
      if (YAML::Node codes = rule["codes"]) {
        Reporter::Key kc(r_, "codes");
        for (const auto& kv : codes) {
          std::string key = kv.first.Scalar();
          if (e.qname) {
            std::size_t colon = key.find(':');
            const std::string* uri =
                colon == std::string::npos ? nullptr : uri_of(key.substr(0, colon));
            if (!uri) {
              r_.error(kv.first, "bad_path", "'" + key + "': a QName code needs a declared prefix");
              continue;
            }
            key = "{" + *uri + "}" + key.substr(colon + 1);
          }
          if (auto c = errc(kv.second)) e.codes.emplace_back(std::move(key), *c);
        }
      }
      if (rule["otherwise"]) {
        Reporter::Key ko(r_, "otherwise");
        if (auto c = errc(rule["otherwise"])) e.otherwise = *c;
      }
      m_->errors.push_back(std::move(e));
    }
  }

  // ---- scope index ------------------------------------------------------------------------------

  static void add(Scope& sc, Path& p) {
    if (p.absolute) return;
    const std::size_t n = p.steps.size();
    const bool attr = n && p.steps.back().kind == PathStep::Kind::attribute;
    const std::size_t elems = attr ? n - 1 : n;
    if (elems == 0 || (elems == 1 && p.steps[0].kind == PathStep::Kind::self)) {
      p.slot = Path::kSelf;
      p.attribute_last = attr;
      return;
    }
    for (std::size_t i = 0; i < elems; ++i)
      if (p.steps[i].kind != PathStep::Kind::child) return;  // '.' or '..' inside: walk it
    std::vector<ScopeEdge>* edges = &sc.edges;
    ScopeEdge* e = nullptr;
    for (std::size_t i = 0; i < elems; ++i) {
      const PathStep& st = p.steps[i];
      e = nullptr;
      for (auto& cand : *edges)
        if (cand.name == st.name && cand.uri == st.uri && cand.any_ns == st.any_ns) e = &cand;
      if (!e) {
        ScopeEdge ne;
        ne.uri = st.uri;
        ne.name = st.name;
        ne.any_ns = st.any_ns;
        ne.head = name_head(st.name.data(), st.name.size());
        ne.slot = sc.slots++;
        edges->push_back(std::move(ne));
        e = &edges->back();
      }
      edges = &e->children;
    }
    p.slot = static_cast<std::int16_t>(e->slot);
    p.attribute_last = attr;
  }

  static void add(Scope& sc, Condition& c) {
    if (c.op == Condition::Op::all || c.op == Condition::Op::any || c.op == Condition::Op::negate) {
      for (auto& sub : c.children) add(sc, sub);
      return;
    }
    add(sc, c.path);
  }

  static void mark_shared(std::vector<ScopeEdge>& edges) {
    for (auto& e : edges) {
      for (const auto& o : edges)
        if (&o != &e && o.name == e.name) e.shares_local = true;
      mark_shared(e.children);
    }
  }

  static void index(std::vector<Field>& fields, Scope& sc) {
    index_fields(fields, sc);
    mark_shared(sc.edges);
  }

  static void index_fields(std::vector<Field>& fields, Scope& sc) {
    for (Field& f : fields) {
      if (f.when) add(sc, *f.when);
      for (Path& p : f.paths) add(sc, p);
      if (f.from) add(sc, *f.from);
      if (f.source == Field::Source::object || f.source == Field::Source::array) {
        if (f.filter) add(f.scope, *f.filter);
        index(f.fields, f.scope);
      }
    }
  }

  // ---- forward / reverse ------------------------------------------------------------------------

  const Entity* entity(const YAML::Node& n, const char* key) {
    Reporter::Key k(r_, key);
    auto name = scalar(n);
    if (!name) {
      r_.error(n, "missing_key", std::string("'") + key + "' names a canonical entity");
      return nullptr;
    }
    const Entity* e = model_.find(*name);
    if (!e) {
      std::vector<std::string_view> names;
      for (const auto& [en, ep] : model_.entities()) names.push_back(en);
      std::string hint = closest(*name, names);
      r_.error(n, "unknown_entity",
               "no canonical entity '" + *name + "'" +
                   (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    return e;
  }

  void forward(const YAML::Node& doc) {
    if (!doc["target"]) {
      r_.error(doc, "missing_key", "'target' (the canonical entity) is required");
      return;
    }
    m_->entity = entity(doc["target"], "target");
    YAML::Node src = doc["source"];
    {
      Reporter::Key k(r_, "source");
      if (!src || !src.IsMap()) {
        r_.error(src ? src : doc, "missing_key",
                 "'source: {format: xml|json, root: ...}' is required");
        return;
      }
      allow(src, {"format", "namespaces", "root"});
      std::string format = scalar(src["format"]).value_or("");
      if (format == "xml")
        m_->format = Format::xml;
      else if (format == "json")
        m_->format = Format::json;
      else
        key_error(src, "format", "bad_value", "format is xml or json");
      namespaces(src["namespaces"]);
      Reporter::Key kr(r_, "root");
      if (!src["root"]) {
        r_.error(src, "missing_key", "'root' (absolute path of the record) is required");
      } else if (auto p = path(src["root"], true)) {
        if (!p->absolute) r_.error(src["root"], "bad_path", "root is absolute: it starts with '/'");
        m_->root = std::move(*p);
      }
    }
    errors(doc["errors"]);
    if (m_->entity) fields(doc["fields"], *m_->entity, m_->fields);
  }

  // Reverse paths read the canonical record: every segment is a field of the entity.
  std::optional<ValueType> canonical_path(const YAML::Node& n, Field& f) {
    auto text = scalar(n);
    if (!text || text->empty()) {
      r_.error(n, "bad_path", "a path into the canonical record, e.g. 'affiliation_number'");
      return std::nullopt;
    }
    Path p;
    p.text = *text;
    const Entity* e = m_->entity;
    const CanonicalField* cf = nullptr;
    std::string_view s = *text;
    while (true) {
      std::size_t slash = s.find('/');
      std::string seg(s.substr(0, slash));
      if (!e) {
        r_.error(n, "bad_path", "'" + *text + "': '" + cf->name + "' has no fields");
        return std::nullopt;
      }
      cf = e->find(seg);
      if (!cf) {
        std::vector<std::string_view> names;
        for (const auto& x : e->fields) names.push_back(x.name);
        std::string hint = closest(seg, names);
        r_.error(n, "unknown_field",
                 "'" + seg + "' is not a field of " + e->name +
                     (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        return std::nullopt;
      }
      if (cf->personal && m_->partner_audience)
        r_.error(n, "personal_data_exposed",
                 "'" + cf->name + "' is personal data: a partner-facing view may not include it");
      if (cf->type == FieldType::array) {
        r_.error(n, "type_mismatch",
                 "'" + cf->name + "' is an array: a reverse path reads one value");
        return std::nullopt;
      }
      p.steps.push_back(PathStep{PathStep::Kind::child, false, {}, seg});
      if (slash == std::string_view::npos) break;
      s.remove_prefix(slash + 1);
      e = cf->type == FieldType::object ? cf->entity : nullptr;
    }
    if (cf->type == FieldType::object) {
      r_.error(n, "type_mismatch", "'" + cf->name + "' is an object: name one of its fields");
      return std::nullopt;
    }
    f.paths.push_back(std::move(p));
    f.target = cf;
    return value_type_of(cf->type);
  }

  void output_name(const std::string& written, Pos pos, Field& f) {
    std::string name = written;
    if (m_->format == Format::xml) {
      if (!name.empty() && name.front() == '@') {
        f.out_attribute = true;
        name.erase(0, 1);
      }
      std::size_t colon = name.find(':');
      if (colon != std::string::npos) {
        f.out_prefix = name.substr(0, colon);
        const std::string* uri = uri_of(f.out_prefix);
        if (!uri)
          r_.error(pos, "bad_path",
                   "prefix '" + f.out_prefix + "' is not declared in output.namespaces");
        else
          f.out_uri = *uri;
        name = name.substr(colon + 1);
      }
      if (!valid_name(name)) r_.error(pos, "bad_path", "'" + written + "' is not an XML name");
    }
    f.name = name;
  }

  void reverse_fields(const YAML::Node& n, std::vector<Field>& out) {
    Reporter::Key k(r_, "fields");
    if (!n || !n.IsMap()) {
      r_.error(n ? n : YAML::Node(), "missing_key", "'fields' is a map of output names");
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      Reporter::Key kf(r_, name);
      // The partner's document would hold the name twice (a JSON object two readers read two ways).
      if (!once(kv.first, name, seen)) continue;
      Field f;
      f.pos = pos_of(kv.first);
      output_name(name, f.pos, f);
      const YAML::Node& spec = kv.second;
      if (spec.IsMap() && spec["fields"]) {
        allow(spec, {"fields", "description"});
        f.source = Field::Source::object;
        reverse_fields(spec["fields"], f.fields);
        out.push_back(std::move(f));
        continue;
      }
      if (spec.IsMap())
        allow(spec,
              {"path", "const", "transform", "required", "default", "on_error", "description"});
      ValueType type = ValueType::text;
      if (spec.IsMap() && spec["const"]) {
        f.source = Field::Source::constant;
        f.constant.text = spec["const"].Scalar();
        out.push_back(std::move(f));
        continue;
      }
      YAML::Node p = spec.IsMap() ? spec["path"] : spec;
      if (!p) {
        r_.error(spec, "missing_key", "a reverse field takes path or const");
        continue;
      }
      {
        Reporter::Key kp(r_, "path");
        auto t = canonical_path(p, f);
        if (!t) continue;
        type = *t;
      }
      f.in_type = type;
      if (spec.IsMap()) {
        f.required = spec["required"] && spec["required"].Scalar() == "true";
        if (spec["default"]) f.fallback = Literal{spec["default"].Scalar()};
        if (spec["on_error"]) {
          if (auto e = on_error(spec["on_error"], nullptr, f.fallback)) f.on_error = *e;
        }
        const std::size_t before = r_.count();
        steps(spec["transform"], f, type, "transform");
        if (r_.count() != before) continue;
      }
      if (type == ValueType::list) {
        r_.error(f.pos, "type_mismatch", "output '" + name + "' gets a list: add a join step");
        continue;
      }
      f.result = type;
      for (auto& s : f.steps) {
        if (!s.fallible || s.on_error.kind != OnError::Kind::unset) continue;
        if (f.on_error.kind != OnError::Kind::unset)
          s.on_error = f.on_error;
        else
          r_.error(s.pos, "unhandled_error",
                   "step '" + s.name + "' can fail: say what happens with on_error");
      }
      out.push_back(std::move(f));
    }
  }

  void reverse(const YAML::Node& doc) {
    YAML::Node src = doc["source"];
    if (!src || !src.IsMap() || !src["canonical"]) {
      r_.error(src ? src : doc, "missing_key",
               "a reverse mapping reads 'source: {canonical: <entity>}'");
      return;
    }
    {
      Reporter::Key k(r_, "source");
      allow(src, {"canonical"});
      m_->entity = entity(src["canonical"], "canonical");
    }
    std::string audience = scalar(doc["audience"]).value_or("partner");
    m_->partner_audience = audience != "internal";
    YAML::Node out = doc["output"];
    {
      Reporter::Key k(r_, "output");
      if (!out || !out.IsMap()) {
        r_.error(out ? out : doc, "missing_key",
                 "'output: {format: json|xml, root: ...}' is required");
        return;
      }
      allow(out, {"format", "namespaces", "root"});
      std::string format = scalar(out["format"]).value_or("");
      if (format == "xml")
        m_->format = Format::xml;
      else if (format == "json")
        m_->format = Format::json;
      else
        key_error(out, "format", "bad_value", "format is xml or json");
      namespaces(out["namespaces"]);
      if (m_->format == Format::xml) {
        Field root;
        auto name = scalar(out["root"]);
        if (!name) {
          r_.error(out, "missing_key", "XML output needs 'root: prefix:Name'");
        } else {
          output_name(*name, pos_of(out["root"]), root);
          m_->out_root_name = root.name;
          m_->out_root_prefix = root.out_prefix;
          m_->out_root_uri = root.out_uri;
        }
      }
    }
    if (m_->entity) reverse_fields(doc["fields"], m_->fields);
  }

  Reporter r_;
  const CanonicalModel& model_;
  const TableSet& tables_;
  std::size_t start_;
  std::shared_ptr<Mapping> m_;
  int use_depth_ = 0;
};

}  // namespace

std::string_view name_of(ValueType t) {
  switch (t) {
    case ValueType::text:
      return "text";
    case ValueType::list:
      return "a list";
    case ValueType::date:
      return "a date";
    case ValueType::integer:
      return "an integer";
    case ValueType::decimal:
      return "a decimal";
    case ValueType::boolean:
      return "a boolean";
  }
  return "?";
}

const std::string* Table::lookup(std::string_view key) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), key,
                             [](const auto& e, std::string_view k) { return e.first < k; });
  if (it != entries.end() && it->first == key) return &it->second;
  return fallback ? &*fallback : nullptr;
}

namespace {

// A code table file is a YAML map of `description`, `entries` and `default`, each once: anything
// else is reported at its key (a misspelt `default` would otherwise be read as no default). False
// when the file is not a map at all, which leaves nothing to read.
bool table_shape(const YAML::Node& doc, Reporter& r) {
  if (!doc.IsMap()) {
    refuse_not_a_map(doc, r, "a code table is a YAML map (description:, entries:, default:)");
    return false;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : doc) {
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      r.error(kv.first, "duplicate_key", "'" + key + "' is written twice in this map");
    } else if (key != "description" && key != "entries" && key != "default") {
      const std::string hint = closest(key, names_of({"description", "entries", "default"}));
      r.error(kv.first, "unknown_key",
              "'" + key + "' is not allowed in a code table" +
                  (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
  }
  if (doc["default"] && !doc["default"].IsScalar()) {
    r.error(doc["default"], "bad_value", "a table's default is a scalar");
  }
  return true;
}

}  // namespace

TableSet load_tables(const std::filesystem::path& dir, Diagnostics& diags) {
  TableSet tables;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto doc = load_yaml(file, diags);
    if (!doc) continue;
    Reporter r(file.string(), diags);
    auto t = std::make_unique<Table>();
    t->name = file.stem().string();
    t->file = file.string();
    if (!table_shape(*doc, r)) continue;
    YAML::Node entries = (*doc)["entries"];
    if (!entries || !entries.IsMap()) {
      r.error(*doc, "missing_key", "a code table holds 'entries: {code: value}'");
      continue;
    }
    std::set<std::string, std::less<>> codes;
    for (const auto& kv : entries) {
      // A code written twice is refused at the second (YAML 1.2 section 3.2.1.1), where an
      // editor shows it.
      if (!codes.insert(kv.first.Scalar()).second) {
        r.error(kv.first, "duplicate_key", "code '" + kv.first.Scalar() + "' appears twice");
        continue;
      }
      if (!kv.second.IsScalar()) {
        r.error(kv.second, "bad_value", "a table value is a scalar");
        continue;
      }
      t->entries.emplace_back(kv.first.Scalar(), kv.second.Scalar());
    }
    std::sort(t->entries.begin(), t->entries.end());
    if (auto d = scalar((*doc)["default"])) t->fallback = *d;
    tables.emplace(t->name, std::move(t));
  }
  return tables;
}

std::shared_ptr<Mapping> compile_mapping(const YAML::Node& doc, const std::string& file,
                                         const CanonicalModel& model, const TableSet& tables,
                                         Diagnostics& diags) {
  try {
    return Compiler(file, model, tables, diags).run(doc);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on malformed node access; the file is still only refused, with a position.
    Pos p = e.mark.line >= 0 ? Pos{e.mark.line + 1, e.mark.column + 1} : Pos{};
    diags.push_back({file, p, "bad_value", "", e.msg});
    return nullptr;
  }
}

std::shared_ptr<Mapping> compile_mapping_file(const std::filesystem::path& file,
                                              const CanonicalModel& model, const TableSet& tables,
                                              Diagnostics& diags) {
  auto doc = load_yaml(file, diags);
  if (!doc) return nullptr;
  return compile_mapping(*doc, file.string(), model, tables, diags);
}

}  // namespace hub::mapping
