#include "sim/data/render.hpp"

namespace sim::render {

// Both escapers copy runs of ordinary bytes at once: names and addresses rarely need escaping.
void append_xml_text(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view entity;
    switch (text[i]) {
      case '&':
        entity = "&amp;";
        break;
      case '<':
        entity = "&lt;";
        break;
      case '>':
        entity = "&gt;";
        break;
      case '"':
        entity = "&quot;";
        break;
      default:
        continue;
    }
    out.append(text.substr(start, i - start));
    out.append(entity);
    start = i + 1;
  }
  out.append(text.substr(start));
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(text.substr(start, i - start));
    if (u == '"' || u == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(u));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
    start = i + 1;
  }
  out.append(text.substr(start));
  out.push_back('"');
}

Variation::Variation(const Options& options, std::string_view identifier)
    : on_(!options.strict), rng_(derive(options.seed, Tag::variation, stable_hash(identifier))) {}

bool Variation::roll(unsigned per_mille) {
  return on_ && rng_.chance(per_mille);
}

unsigned Variation::choose(unsigned n) {
  return on_ ? rng_.below(n) : 0;
}

JsonObject& JsonObject::str(std::string_view key, std::string_view value) {
  std::string v;
  append_json_string(v, value);
  fields_.emplace_back(key, std::move(v));
  return *this;
}

JsonObject& JsonObject::null(std::string_view key) {
  fields_.emplace_back(key, "null");
  return *this;
}

JsonObject& JsonObject::date(std::string_view key, const Date& d) {
  std::string v = "\"";
  append_iso(v, d);
  v.push_back('"');
  fields_.emplace_back(key, std::move(v));
  return *this;
}

JsonObject& JsonObject::date_or_null(std::string_view key, const std::optional<Date>& d) {
  return d ? date(key, *d) : null(key);
}

JsonObject& JsonObject::boolean(std::string_view key, bool value) {
  fields_.emplace_back(key, value ? "true" : "false");
  return *this;
}

JsonObject& JsonObject::raw(std::string_view key, std::string json) {
  fields_.emplace_back(key, std::move(json));
  return *this;
}

namespace {

// Keys are the contracts' identifiers: nothing in them needs escaping.
void write(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out.push_back(',');
  out.push_back('"');
  out += key;
  out += "\":";
  out += value;
}

std::size_t size_hint(const std::vector<std::pair<std::string_view, std::string>>& fields) {
  std::size_t n = 64;
  for (const auto& [key, value] : fields) n += key.size() + value.size() + 4;
  return n;
}

}  // namespace

std::string JsonObject::render() const {
  std::string out;
  out.reserve(size_hint(fields_));
  out.push_back('{');
  for (const auto& [key, value] : fields_) write(out, key, value);
  out.push_back('}');
  return out;
}

std::string JsonObject::render(Variation& v) const {
  if (!v.on()) return render();
  std::vector<std::size_t> order(fields_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[v.rng().below(static_cast<std::uint32_t>(i))]);
  }
  std::string out;
  out.reserve(size_hint(fields_));
  out.push_back('{');
  // Unknown keys a later minor version might add; clients must ignore them.
  static constexpr std::pair<std::string_view, std::string_view> kExtras[] = {
      {"_version", "\"1.4.2\""},
      {"source", "\"registre-central\""},
      {"horodatage", "\"2026-11-27T08:00:00Z\""},
      {"meta", "{\"pagination\":null,\"langue\":\"fr\"}"},
  };
  const bool extra = v.roll(250);
  const std::size_t extra_at =
      extra ? v.rng().below(static_cast<std::uint32_t>(order.size() + 1)) : 0;
  const auto& extra_field = kExtras[v.rng().below(std::size(kExtras))];
  for (std::size_t i = 0; i <= order.size(); ++i) {
    if (extra && i == extra_at) write(out, extra_field.first, extra_field.second);
    if (i < order.size()) write(out, fields_[order[i]].first, fields_[order[i]].second);
  }
  out.push_back('}');
  return out;
}

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += items[i];
  }
  out.push_back(']');
  return out;
}

void truncate(std::string& body) {
  std::size_t cut = body.size() * 3 / 5;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80) --cut;
  body.resize(cut);
}

Target split_target(std::string_view target) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

template <class F>
void for_each_param(std::string_view query, F&& f) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      f(part.substr(0, eq),
        eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  for_each_param(query, [&](std::string_view key, std::string_view value) {
    if (!found && key == name) found = percent_decode(value);
  });
  return found;
}

std::size_t query_param_count(std::string_view query) {
  std::size_t n = 0;
  for_each_param(query, [&](std::string_view, std::string_view) { ++n; });
  return n;
}

Reply not_found_path() {
  Reply r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "no such resource\n";
  r.kind = "unknown_path";
  return r;
}

Reply method_not_allowed(std::string_view allow) {
  Reply r;
  r.status = 405;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "method not allowed\n";
  r.headers.emplace_back("Allow", std::string(allow));
  r.kind = "method";
  return r;
}

Reply erreur(unsigned status, std::string_view code, std::string_view message, std::string kind) {
  Reply r;
  r.status = status;
  r.content_type = "application/json";
  r.kind = std::move(kind);
  r.body = JsonObject()
               .raw("erreur", JsonObject().str("code", code).str("message", message).render())
               .render();
  return r;
}

std::optional<Reply> reserved_error(Reserved reserved, const ReservedWords& words,
                                    ErrorFormat format) {
  switch (reserved) {
    case Reserved::not_found:
      return format(404, words.not_found_code, words.not_found_message, "not_found");
    case Reserved::internal_error:
      return format(500, words.unavailable_code, words.unavailable_message, "error");
    case Reserved::rate_limited: {
      Reply r = format(429, words.rate_limited_code, words.rate_limited_message, "rate_limited");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Reply> reserved_erreur(Reserved reserved, std::string_view not_found_code,
                                     std::string_view not_found_message) {
  return reserved_error(
      reserved,
      {not_found_code, not_found_message, "INDISPONIBLE",
       "Service indisponible, réessayer plus tard", "QUOTA_DEPASSE", "Quota de requêtes dépassé"},
      erreur);
}

void degrade(Reply& reply, Reserved reserved) {
  if (reserved == Reserved::malformed) {
    truncate(reply.body);
    reply.kind = "malformed";
  } else if (reserved == Reserved::stall) {
    reply.delay = std::chrono::seconds(30);
  }
}

std::string rfc3339_utc(const Date& day, unsigned minute) {
  std::string out;
  append_iso(out, day);
  out += 'T';
  append_padded(out, (minute / 60) % 24, 2);
  out += ':';
  append_padded(out, minute % 60, 2);
  out += ":00Z";
  return out;
}

}  // namespace sim::render
