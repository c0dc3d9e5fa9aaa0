#include "hub/config/agreements.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>

namespace hub::config {
namespace {

using agreements::Agreement;
using agreements::Where;

Where where_of(const ReadContext& ctx, const YAML::Node& n, std::string path) {
  const auto mark = n.Mark();
  return Where{ctx.file(), mark.line >= 0 ? mark.line + 1 : 1,
               mark.column >= 0 ? mark.column + 1 : 1, std::move(path)};
}

// "YYYY-MM-DD", a real calendar day.
std::optional<std::chrono::sys_days> parse_day(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](std::size_t at, std::size_t n, auto& out) {
    const auto r = std::from_chars(s.data() + at, s.data() + at + n, out);
    return r.ec == std::errc{} && r.ptr == s.data() + at + n;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

void read_day(ReadContext& ctx, MapReader& m, std::string_view key, std::chrono::sys_days& out) {
  std::string text;
  m.string(key, text, true);
  if (text.empty()) return;
  if (auto d = parse_day(text)) {
    out = *d;
  } else {
    ctx.problem(m.node()[std::string(key)], m.path() + "/" + std::string(key), "invalid_value",
                "expected a date YYYY-MM-DD, got '" + text + "'");
  }
}

// A purpose is compared exactly with what the partner states in a header (docs/partner-api.md):
// one that no header can carry is refused rather than stored unusable — empty, spaces at its ends
// (HTTP drops them from a field value, RFC 9110 section 5.5), a comma (two header lines are read
// as one list "A, B", section 5.3), a control character; and one listed twice.
void check_purposes(ReadContext& ctx, MapReader& m, const Agreement& a) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < a.purposes.size(); ++i) {
    const std::string& p = a.purposes[i];
    const auto bad = [](unsigned char c) { return c < 0x20 || c == 0x7f || c == ','; };
    std::string why;
    if (p.empty() || p.front() == ' ' || p.back() == ' ' || p.front() == '\t' || p.back() == '\t' ||
        std::any_of(p.begin(), p.end(), bad)) {
      why =
          "a purpose is a word a header can carry: not empty, no space at its ends, no comma "
          "or control character";
    } else if (!seen.insert(p).second) {
      why = "'" + p + "' is listed twice";
    }
    if (!why.empty()) {
      ctx.problem(m.node()["purposes"][i], m.path() + "/purposes/" + std::to_string(i),
                  "invalid_value", why);
    }
  }
}

// An HTTP field name (RFC 9110 section 5.1: a token).
bool is_field_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

void read_resources(ReadContext& ctx, MapReader& m, Agreement& a) {
  for (auto& [name, rm] : m.named_maps("resources", true)) {
    if (!rm.valid()) continue;
    agreements::Resource r;
    r.name = name;
    r.where = where_of(ctx, rm.node(), rm.path());
    for (auto& [node, path] : rm.sequence("fields", true)) {
      if (!node.IsScalar() || node.Scalar().empty()) {
        ctx.problem(node, path, "wrong_type", "expected a field path such as address/line");
        continue;
      }
      r.fields.push_back({node.Scalar(), where_of(ctx, node, path)});
    }
    if (r.fields.empty()) {
      ctx.problem(rm.node(), rm.path() + "/fields", "invalid_value",
                  "a resource lists at least one field (leave the resource out to allow none)");
    }
    a.resources.push_back(std::move(r));
  }
}

void read_one(ReadContext& ctx, MapReader& m, const std::string& name,
              const std::vector<Principal>& principals, Agreement& a) {
  a.name = name;
  a.where = where_of(ctx, m.node(), m.path());
  m.string("principal", a.principal, true);
  a.principal_where =
      where_of(ctx, m.has("principal") ? m.node()["principal"] : m.node(), m.path() + "/principal");
  if (!a.principal.empty()) {
    bool known = false;
    for (const auto& p : principals) known = known || p.name == a.principal;
    if (!known) {
      ctx.problem(m.node()["principal"], m.path() + "/principal", "invalid_value",
                  "no principal named '" + a.principal + "' under principals:");
    }
  }
  if (auto lb = m.map("legal_basis", true)) {
    lb->string("text", a.legal_basis.text, true);
    lb->string("reference", a.legal_basis.reference, true);
  }
  m.strings("purposes", a.purposes, true);
  if (m.has("purposes") && a.purposes.empty()) {
    ctx.problem(m.node()["purposes"], m.path() + "/purposes", "invalid_value",
                "an agreement names at least one purpose");
  }
  check_purposes(ctx, m, a);
  m.string("purpose_header", a.purpose_header);
  if (m.has("purpose_header") && !is_field_name(a.purpose_header)) {
    ctx.problem(m.node()["purpose_header"], m.path() + "/purpose_header", "invalid_value",
                "'" + a.purpose_header + "' is not an HTTP header name (RFC 9110 section 5.1)");
  }
  read_resources(ctx, m, a);
  if (auto q = m.map("quota", true)) {
    q->number("per_second", a.quota.per_second, 0.001, 1e6, true);
    std::size_t per_day = 0;
    q->size("per_day", per_day, 1, 1'000'000'000, true);
    a.quota.per_day = per_day;
  }
  read_day(ctx, m, "valid_from", a.valid_from);
  read_day(ctx, m, "valid_until", a.valid_until);
  if (a.valid_until < a.valid_from) {
    ctx.problem(m.node()["valid_until"], m.path() + "/valid_until", "invalid_value",
                "valid_until is before valid_from");
  }
}

}  // namespace

void read_agreement_map(ReadContext& ctx, MapReader& m, const std::vector<Principal>& principals,
                        std::vector<agreements::Agreement>& out) {
  if (!m.valid()) return;
  for (auto it = m.node().begin(); it != m.node().end(); ++it) {
    const std::string name = it->first.Scalar();
    auto am = m.map(name);
    if (!am) continue;
    Agreement a;
    read_one(ctx, *am, name, principals, a);
    out.push_back(std::move(a));
  }
}

AgreementsResult parse_agreements(const std::string& text, const std::string& name,
                                  const std::vector<Principal>& principals) {
  AgreementsResult out;
  ReadContext ctx(name, "", false);
  if (auto doc = ctx.parse(text)) {
    MapReader m(ctx, *doc, "");
    read_agreement_map(ctx, m, principals, out.agreements);
  }
  out.problems = std::move(ctx.problems());
  return out;
}

}  // namespace hub::config
