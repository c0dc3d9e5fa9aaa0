#include "hub/audit/unwritten.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "hub/audit/export_format.hpp"

namespace hub::audit {
namespace {

Error file_error(const std::string& what, const std::string& path) {
  return make_error(Errc::internal, what + " " + path + ": " + std::strerror(errno),
                    "journal_unwritten");
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
  for (const auto& e : entries) text += entry_to_json(e, EntryFields::contents) + "\n";
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
    auto e = entry_from_json(line, EntryFields::contents);
    if (!e) {
      return make_error(Errc::internal,
                        path + ":" + std::to_string(n) +
                            ": not a journal entry saved at shutdown (" + e.error().message + ")",
                        "journal_unwritten");
    }
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace hub::audit
