#include "hub/audit/unwritten.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace hub::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Error file_error(const std::string& what, const std::string& path) {
  return make_error(Errc::internal, what + " " + path + ": " + std::strerror(errno),
                    "journal_unwritten");
}

void put(Writer& w, const char* key, const std::string& v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string line_of(const store::JournalEntry& e) {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("time_ms");
  w.Int64(e.time_ms);
  put(w, "principal", e.principal);
  put(w, "purpose", e.purpose);
  put(w, "correlation_id", e.correlation_id);
  put(w, "partner", e.partner);
  put(w, "operation", e.operation);
  put(w, "identifier_hmac", e.identifier_hmac);
  put(w, "identifier_masked", e.identifier_masked);
  put(w, "outcome", e.outcome);
  w.Key("latency_us");
  w.Int64(e.latency_us);
  put(w, "response_sha256", e.response_sha256);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

bool read_text(const rapidjson::Value& v, const char* key, std::string& out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return false;
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

bool read_int(const rapidjson::Value& v, const char* key, std::int64_t& out) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return false;
  out = it->value.GetInt64();
  return true;
}

bool entry_of(const std::string& line, store::JournalEntry& e) {
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  if (d.HasParseError() || !d.IsObject()) return false;
  return read_int(d, "time_ms", e.time_ms) && read_text(d, "principal", e.principal) &&
         read_text(d, "purpose", e.purpose) && read_text(d, "correlation_id", e.correlation_id) &&
         read_text(d, "partner", e.partner) && read_text(d, "operation", e.operation) &&
         read_text(d, "identifier_hmac", e.identifier_hmac) &&
         read_text(d, "identifier_masked", e.identifier_masked) &&
         read_text(d, "outcome", e.outcome) && read_int(d, "latency_us", e.latency_us) &&
         read_text(d, "response_sha256", e.response_sha256);
}

// Writes all of `text` to a new owner-only file and syncs it.
Result<void> write_synced(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return file_error("cannot create", path);
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = file_error("cannot write", path);
      ::close(fd);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  auto e = synced ? Error{} : file_error("cannot sync", path);
  ::close(fd);
  if (!synced) return e;
  return {};
}

}  // namespace

Result<void> save_unwritten(const std::string& path,
                            const std::deque<store::JournalEntry>& entries) {
  std::string text;
  for (const auto& e : entries) text += line_of(e);
  const std::string temp = path + ".tmp";
  if (auto w = write_synced(temp, text); !w) return w;
  if (::rename(temp.c_str(), path.c_str()) != 0) return file_error("cannot rename over", path);
  // The rename itself is made durable by syncing the folder.
  const auto dir = std::filesystem::path(path).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<std::vector<store::JournalEntry>> load_unwritten(const std::string& path) {
  std::vector<store::JournalEntry> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error("cannot read", path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    store::JournalEntry e;
    if (!entry_of(line, e)) {
      return make_error(Errc::internal,
                        path + ":" + std::to_string(n) + ": not a journal entry saved at shutdown",
                        "journal_unwritten");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace hub::audit
