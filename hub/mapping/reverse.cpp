// Canonical record -> a partner's view (JSON or namespaced XML), for answering partners in their
// own format. The record is ours: a value that does not fit its declared type is our bug, so it
// refuses the view (unprocessable) rather than guessing.
#include "hub/core/xml_text.hpp"
#include "hub/mapping/evaluator.hpp"

#include "hub/mapping/payload.hpp"
#include "hub/mapping/values.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>

namespace hub::mapping {

namespace {

struct Out {
  ValueType t = ValueType::text;
  std::string text;  // text, decimal, formatted date
  Date d;
  std::int64_t i = 0;
  bool b = false;
};

void escape(std::string& out, std::string_view s, bool attribute) {
  hub::append_xml_escaped(out, s, attribute);
}

std::string as_text(const Out& v) {
  switch (v.t) {
    case ValueType::date: {
      char buf[16];
      return std::string(buf, write_iso_date(v.d, buf));
    }
    case ValueType::integer:
      return std::to_string(v.i);
    case ValueType::boolean:
      return v.b ? "true" : "false";
    default:
      return v.text;
  }
}

class Reverse {
 public:
  explicit Reverse(const Mapping& m) : m_(m) {}

  std::optional<Error> error;

  // The value of a field, or nothing when it is absent (and may be).
  std::optional<Out> value(const Field& f, const rapidjson::Value& record) {
    if (f.source == Field::Source::constant)
      return Out{ValueType::text, f.constant.text, {}, 0, false};
    const rapidjson::Value* v = &record;
    for (const PathStep& s : f.paths.front().steps) {
      if (!v->IsObject()) {
        v = nullptr;
        break;
      }
      auto it = v->FindMember(rapidjson::StringRef(s.name.data(), s.name.size()));
      v = it == v->MemberEnd() ? nullptr : &it->value;
      if (!v) break;
    }
    Out o;
    o.t = f.in_type;
    std::string_view text;
    if (!v || v->IsNull()) {
      if (!f.fallback) {
        if (f.required)
          fail("missing_field", f, "the record has no '" + f.paths.front().text + "'");
        return std::nullopt;
      }
      text = f.fallback->text;
    } else if (v->IsString()) {
      text = std::string_view(v->GetString(), v->GetStringLength());
    } else if (v->IsBool()) {
      text = v->GetBool() ? "true" : "false";
    } else {
      fail("invalid_field", f, "'" + f.paths.front().text + "' is not a scalar");
      return std::nullopt;
    }
    bool ok = true;
    switch (f.in_type) {
      case ValueType::date:
        ok = parse_iso_date(text, true, o.d);
        break;
      case ValueType::integer:
        ok = parse_integer(text, o.i);
        break;
      case ValueType::boolean:
        ok = text == "true" || text == "false";
        o.b = text == "true";
        break;
      case ValueType::decimal: {
        std::string_view n;
        ok = parse_decimal(text, n);
        o.text = std::string(n);
        break;
      }
      default:
        o.text = std::string(text);
    }
    if (!ok) {
      fail("invalid_field", f,
           "'" + std::string(text) + "' does not fit " + std::string(name_of(f.in_type)));
      return std::nullopt;
    }
    for (const Step& s : f.steps) {
      if (apply(s, o)) continue;
      if (s.on_error.kind == OnError::Kind::null) return std::nullopt;
      if (s.on_error.kind == OnError::Kind::fallback)
        return Out{ValueType::text, s.on_error.value, {}, 0, false};
      fail("invalid_field", f, "step '" + s.name + "' failed on '" + as_text(o) + "'");
      return std::nullopt;
    }
    return o;
  }

  void json(const std::vector<Field>& fs, const rapidjson::Value& record,
            rapidjson::Writer<rapidjson::StringBuffer>& w) {
    w.StartObject();
    for (const Field& f : fs) {
      if (f.source == Field::Source::object) {
        w.Key(f.name.c_str());
        json(f.fields, record, w);
        continue;
      }
      auto v = value(f, record);
      if (!v) continue;
      w.Key(f.name.c_str());
      switch (v->t) {
        case ValueType::integer:
          w.Int64(v->i);
          break;
        case ValueType::boolean:
          w.Bool(v->b);
          break;
        case ValueType::decimal:
          w.RawValue(v->text.data(), v->text.size(), rapidjson::kNumberType);
          break;
        default: {
          std::string t = as_text(*v);
          w.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
        }
      }
    }
    w.EndObject();
  }

  void xml(const std::vector<Field>& fs, const rapidjson::Value& record, std::string& out,
           const std::string& open_tag, int depth) {
    std::string attrs, children;
    for (const Field& f : fs) {
      std::string qname = f.out_prefix.empty() ? f.name : f.out_prefix + ":" + f.name;
      if (f.source == Field::Source::object) {
        xml(f.fields, record, children, qname, depth + 1);
        continue;
      }
      auto v = value(f, record);
      if (!v) continue;
      std::string t = as_text(*v);
      if (f.out_attribute) {
        attrs += " " + qname + "=\"";
        escape(attrs, t, true);
        attrs += '"';
      } else {
        children.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        children += "<" + qname + ">";
        escape(children, t, false);
        children += "</" + qname + ">\n";
      }
    }
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "<" + open_tag;
    if (depth == 0)
      for (const auto& [prefix, uri] : m_.namespaces) {
        out += " xmlns:" + prefix + "=\"";
        escape(out, uri, true);
        out += '"';
      }
    out += attrs;
    if (children.empty()) {
      out += "/>\n";
      return;
    }
    out += ">\n" + children;
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "</" + open_tag + ">\n";
  }

 private:
  bool apply(const Step& s, Out& o) {
    switch (s.kind) {
      case StepKind::format_date: {
        char buf[32];
        std::size_t n =
            write_date(o.d, s.pattern, s.year_only ? &*s.year_only : nullptr, buf, sizeof buf);
        o.text.assign(buf, n);
        o.t = ValueType::text;
        return true;
      }
      case StepKind::upper:
      case StepKind::lower:
        for (char& c : o.text)
          if (s.kind == StepKind::upper && c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 32);
          else if (s.kind == StepKind::lower && c >= 'A' && c <= 'Z')
            c = static_cast<char>(c + 32);
        return true;
      case StepKind::trim:
        o.text = std::string(trim(o.text));
        return true;
      case StepKind::pad_left:
        if (o.text.size() < s.width) o.text.insert(0, s.width - o.text.size(), s.arg[0]);
        return true;
      case StepKind::table:
        if (const std::string* hit = s.table->lookup(o.text)) {
          o.text = *hit;
          return true;
        }
        return false;
      case StepKind::check_enum:
        for (const auto& v : s.values)
          if (v == o.text) return true;
        return false;
      case StepKind::check_id:
        return check_identifier(s.id, o.text);
      case StepKind::replace: {
        std::string r;
        for (std::size_t p = 0;;) {
          std::size_t q = o.text.find(s.arg, p);
          r.append(o.text, p, q == std::string::npos ? std::string::npos : q - p);
          if (q == std::string::npos) break;
          r += s.arg2;
          p = q + s.arg.size();
        }
        o.text = std::move(r);
        return true;
      }
      default:
        // Parsing steps (date, integer, ...) read partner text; the canonical record is typed.
        return false;
    }
  }

  void fail(const char* detail, const Field& f, std::string why) {
    if (error) return;
    error = make_error(
        Errc::unprocessable,
        m_.id + " v" + std::to_string(m_.version) + ": output '" + f.name + "': " + why, detail);
  }

  const Mapping& m_;
};

}  // namespace

Result<PartnerView> Evaluator::reverse(const Mapping& m, std::string_view canonical_json) {
  rapidjson::Document doc;
  if (auto r = parse_json(canonical_json, doc); !r) {
    Error e = r.error();
    e.code = Errc::invalid_input;
    return e;
  }
  if (!doc.IsObject())
    return make_error(Errc::invalid_input, "a canonical record is a JSON object", "wrong_root");
  Reverse rev(m);
  PartnerView view;
  if (m.format == Format::json) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    rev.json(m.fields, doc, w);
    view.content_type = "application/json";
    view.body.assign(buf.GetString(), buf.GetSize());
  } else {
    view.content_type = "application/xml";
    view.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    std::string root =
        m.out_root_prefix.empty() ? m.out_root_name : m.out_root_prefix + ":" + m.out_root_name;
    rev.xml(m.fields, doc, view.body, root, 0);
  }
  if (rev.error) return *rev.error;
  return view;
}

}  // namespace hub::mapping
