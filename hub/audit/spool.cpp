#include "hub/audit/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "hub/audit/export_format.hpp"
#include "hub/core/log.hpp"

namespace hub::audit {
namespace {

constexpr std::string_view kFirstTicket = R"({"first_ticket":)";
constexpr std::string_view kWritten = R"({"written":)";

Error file_error(const std::string& what, const std::string& path) {
  return make_error(Errc::internal, what + " " + path + ": " + std::strerror(errno),
                    "journal_spool");
}

Result<void> write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return file_error("cannot write", path);
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// Writes all of `text` to a new owner-only file and syncs it.
Result<void> write_synced(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return file_error("cannot create", path);
  auto w = write_all(fd, text, path);
  if (w && ::fsync(fd) != 0) w = file_error("cannot sync", path);
  ::close(fd);
  return w;
}

void sync_folder(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

// The number of a {"first_ticket":T} or {"written":W} line, when the line is one.
std::optional<std::uint64_t> marker(std::string_view line, std::string_view prefix) {
  if (line.substr(0, prefix.size()) != prefix || line.empty() || line.back() != '}') {
    return std::nullopt;
  }
  const auto digits = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

std::string spool_chunk(std::uint64_t first,
                        const std::vector<const store::JournalEntry*>& entries) {
  std::string text = std::string(kFirstTicket) + std::to_string(first) + "}\n";
  for (const auto* e : entries) text += entry_to_json(*e, EntryFields::contents) + "\n";
  return text;
}

Result<std::vector<store::JournalEntry>> load_spool(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<store::JournalEntry>{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return file_error("cannot read", path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::uint64_t, store::JournalEntry> by_ticket;
  std::uint64_t ticket = 1;
  std::uint64_t written = 0;
  std::size_t at = 0;
  for (int n = 1; at < text.size(); ++n) {
    const auto nl = text.find('\n', at);
    if (nl == std::string::npos) {
      log::warn("audit journal spool: a last line cut short is ignored (never synced)",
                {{"file", path}, {"line", std::to_string(n)}});
      break;
    }
    const std::string_view line(text.data() + at, nl - at);
    at = nl + 1;
    if (line.empty()) continue;
    if (auto t = marker(line, kFirstTicket)) {
      ticket = *t;
    } else if (auto w = marker(line, kWritten)) {
      written = std::max(written, *w);
    } else if (auto e = entry_from_json(line, EntryFields::contents)) {
      by_ticket.try_emplace(ticket++, std::move(*e));
    } else {
      return make_error(
          Errc::internal,
          path + ":" + std::to_string(n) + ": not a journal spool line (" + e.error().message + ")",
          "journal_spool");
    }
  }
  std::vector<store::JournalEntry> out;
  for (auto it = by_ticket.upper_bound(written); it != by_ticket.end(); ++it) {
    out.push_back(std::move(it->second));
  }
  return out;
}

Result<void> replace_spool(const std::string& path,
                           const std::vector<store::JournalEntry>& entries) {
  std::vector<const store::JournalEntry*> all;
  all.reserve(entries.size());
  for (const auto& e : entries) all.push_back(&e);
  const std::string temp = path + ".tmp";
  if (auto w = write_synced(temp, spool_chunk(1, all)); !w) return w;
  if (::rename(temp.c_str(), path.c_str()) != 0) return file_error("cannot rename over", path);
  sync_folder(path);  // the rename itself made durable
  return {};
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> SpoolFile::open_for_append() {
  if (fd_ >= 0) return {};
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return file_error("cannot open", path_);
  sync_folder(path_);  // a file just created is found after a crash
  return {};
}

Result<void> SpoolFile::append(const std::string& chunk) {
  if (auto o = open_for_append(); !o) return o;
  // A chunk written in part (a full disk) is cut off again, so that the next append does not
  // continue its broken line.
  const auto before = ::lseek(fd_, 0, SEEK_END);
  auto w = write_all(fd_, chunk, path_);
  if (w && ::fdatasync(fd_) != 0) w = file_error("cannot sync", path_);
  if (!w && before >= 0) (void)::ftruncate(fd_, before);
  return w;
}

void SpoolFile::mark_written(std::uint64_t ticket) {
  if (!open_for_append()) return;
  (void)write_all(fd_, std::string(kWritten) + std::to_string(ticket) + "}\n", path_);
}

void SpoolFile::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace hub::audit
