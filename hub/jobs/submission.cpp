#include "hub/jobs/submission.hpp"

#include <rapidjson/document.h>

#include "hub/identifiers/partner_ids.hpp"
#include "hub/identifiers/typed.hpp"

namespace hub::jobs {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  // A UTF-8 byte order mark at the start of the file.
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return s;
}

// A CSV field as written: a value in double quotes ("BK123456") is read without them.
std::string_view unquoted(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

// The identifier read and checked as the prefill routes check it.
store::PrefillJobItem checked(std::int64_t line, std::string_view kind, std::string_view raw) {
  store::PrefillJobItem item;
  item.line = line;
  item.identifier = std::string(raw);
  const bool person = kind == "person";
  auto typed = person ? identifiers::typed_letters_and_digits(raw) : identifiers::typed_digits(raw);
  if (typed) item.identifier = *typed;
  const auto problem = person ? identifiers::cnie_problem(item.identifier)
                              : identifiers::ice_problem(item.identifier);
  if (!typed || problem) {
    item.state = "error";
    item.status = 400;
    item.error = std::string(person ? kInvalidCnie : kInvalidIce);
  }
  return item;
}

store::PrefillJobItem refused(std::int64_t line, std::string_view raw, std::string_view code) {
  store::PrefillJobItem item;
  item.line = line;
  item.identifier = std::string(raw.substr(0, 64));
  item.state = "error";
  item.status = 400;
  item.error = std::string(code);
  return item;
}

// One NDJSON line: {"cnie": "..."} or {"ice": "..."}; the first one gives the file its kind.
store::PrefillJobItem ndjson_item(std::int64_t line, std::string_view text, std::string& kind) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() != 1) {
    return refused(line, "", kMalformedLine);
  }
  const auto& m = *doc.MemberBegin();
  const std::string_view key(m.name.GetString(), m.name.GetStringLength());
  const std::string_view of = key == "cnie" ? "person" : key == "ice" ? "employer" : "";
  if (of.empty() || !m.value.IsString()) return refused(line, "", kMalformedLine);
  const std::string_view value(m.value.GetString(), m.value.GetStringLength());
  if (kind.empty()) kind = std::string(of);
  if (of != kind) return refused(line, value, kOtherKind);
  return checked(line, kind, value);
}

}  // namespace

Result<void> read_identifiers(std::string_view body, std::string_view kind, std::size_t max_lines,
                              std::size_t chunk, Reading& out,
                              const std::function<Result<void>(Reading&)>& flush) {
  bool ndjson = false;
  bool first = true;
  std::size_t valid_or_not = 0;
  while (!body.empty()) {
    const auto end = body.find('\n');
    const std::string_view raw = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (++out.lines > max_lines) {
      return make_error(Errc::payload_too_large,
                        "the file has more than " + std::to_string(max_lines) +
                            " lines (jobs.max_lines): split it into several jobs",
                        "too_many_lines");
    }
    const auto line = static_cast<std::int64_t>(out.lines);
    const std::string_view text = trimmed(raw);
    if (text.empty()) continue;
    if (first) {
      first = false;
      ndjson = text.front() == '{';
      if (!ndjson && (text == "cnie" || text == "ice")) {  // a CSV header
        out.kind = text == "cnie" ? "person" : "employer";
        continue;
      }
      if (!ndjson) out.kind = std::string(kind);
    }
    out.items.push_back(ndjson ? ndjson_item(line, text, out.kind)
                               : checked(line, out.kind, unquoted(text)));
    ++valid_or_not;
    if (out.items.size() >= chunk) {
      if (auto r = flush(out); !r) return r;
    }
  }
  if (valid_or_not == 0) {
    return make_error(Errc::invalid_input,
                      "the file holds no identifier: one CNIE or ICE a line (CSV, optional header"
                      " cnie or ice), or NDJSON objects {\"cnie\": ...} or {\"ice\": ...}",
                      "empty_file");
  }
  if (out.kind.empty()) out.kind = std::string(kind);  // NDJSON with no readable line
  if (!out.items.empty()) return flush(out);
  return {};
}

}  // namespace hub::jobs
