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

// A CSV header naming the file's kind, as spreadsheets write it: "cnie", "CNIE", "\"Ice\"";
// the kind ("person", "employer") or "" for a line that is no header.
std::string_view header_kind(std::string_view text) {
  std::string name(unquoted(text));
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return name == "cnie" ? "person" : name == "ice" ? "employer" : "";
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

FileReader::FileReader(std::string_view kind, std::size_t max_lines)
    : kind_asked_(kind), max_lines_(max_lines) {}

Result<void> FileReader::feed(std::string_view piece) {
  while (!piece.empty()) {
    const auto end = piece.find('\n');
    if (end == std::string_view::npos) {
      keep(piece);
      return {};
    }
    const std::string_view raw = piece.substr(0, end);
    piece.remove_prefix(end + 1);
    Result<void> read;
    if (cut_.empty() && !overlong_) {
      read = read_line(raw);
    } else {
      keep(raw);
      read = read_line(cut_);
      cut_.clear();
      overlong_ = false;
    }
    if (!read) return read;
  }
  return {};
}

void FileReader::keep(std::string_view part) {
  if (overlong_) return;
  if (cut_.size() + part.size() > kMaxLineBytes) {
    overlong_ = true;
    cut_.clear();
    return;
  }
  cut_.append(part);
}

Result<void> FileReader::read_line(std::string_view raw) {
  if (++out_.lines > max_lines_) {
    return make_error(Errc::payload_too_large,
                      "the file has more than " + std::to_string(max_lines_) +
                          " lines (jobs.max_lines): split it into several jobs",
                      "too_many_lines");
  }
  const auto line = static_cast<std::int64_t>(out_.lines);
  if (overlong_) {
    out_.items.push_back(refused(line, "", kMalformedLine));
    ++identifiers_;
    return {};
  }
  const std::string_view text = trimmed(raw);
  if (text.empty()) return {};
  if (first_) {
    first_ = false;
    ndjson_ = text.front() == '{';
    if (const auto kind = ndjson_ ? "" : header_kind(text); !kind.empty()) {
      out_.kind = std::string(kind);
      return {};
    }
    if (!ndjson_) out_.kind = kind_asked_;
  }
  out_.items.push_back(ndjson_ ? ndjson_item(line, text, out_.kind)
                               : checked(line, out_.kind, unquoted(text)));
  ++identifiers_;
  return {};
}

Result<void> FileReader::finish() {
  if (!cut_.empty() || overlong_) {
    if (auto r = read_line(cut_); !r) return r;
    cut_.clear();
    overlong_ = false;
  }
  if (identifiers_ == 0) {
    return make_error(Errc::invalid_input,
                      "the file holds no identifier: one CNIE or ICE a line (CSV, optional header"
                      " cnie or ice), or NDJSON objects {\"cnie\": ...} or {\"ice\": ...}",
                      "empty_file");
  }
  if (out_.kind.empty()) out_.kind = kind_asked_;  // NDJSON with no readable line
  return {};
}

}  // namespace hub::jobs
