#include "hub/audit/key.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "hub/core/files.hpp"

namespace hub::audit {
namespace {

Error key_error(const std::string& message) {
  return make_error(Errc::internal, message, "audit_key_error");
}

std::string errno_text() {
  return std::strerror(errno);
}

Result<std::string> read_key(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return key_error("cannot open " + path + ": " + errno_text());
  struct stat st {};
  std::string key(kKeyBytes + 1, '\0');
  ssize_t n = -1;
  if (::fstat(fd, &st) == 0) n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n < 0) return key_error("cannot read " + path + ": " + errno_text());
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return key_error(path + " may be read by other users; run: chmod 600 " + path);
  }
  if (static_cast<std::size_t>(n) != kKeyBytes) {
    return key_error(path + " is not a journal key (expected " + std::to_string(kKeyBytes) +
                     " bytes); restore it from the backup: a new key would make the identifiers"
                     " already journalled unmatchable");
  }
  key.resize(kKeyBytes);
  return key;
}

// Writes the key under a temporary name and links it into place: two hub processes starting
// together both end up reading the one key that won, never a half-written file.
Result<void> create_key(const std::string& dir, const std::string& path) {
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return key_error("the random generator could not make a journal key");
  }
  std::string tmp = dir + "/.audit.key.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return key_error("cannot create a file in " + dir + ": " + errno_text());
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 &&
            ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
            ::fsync(fd) == 0;
  const std::string why = ok ? "" : errno_text();
  ::close(fd);
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    ok = false;
  }
  const std::string link_why = ok ? "" : errno_text();
  ::unlink(tmp.c_str());
  if (!ok) return key_error("cannot write " + path + ": " + (why.empty() ? link_why : why));
  return {};
}

}  // namespace

Result<std::string> load_or_create_key(const std::string& data_dir) {
  if (auto r = create_private_directories(data_dir); !r) return key_error(r.error().message);
  const std::string path = (std::filesystem::path(data_dir) / "audit.key").string();
  if (::access(path.c_str(), F_OK) != 0) {
    if (auto r = create_key(data_dir, path); !r) return r.error();
  }
  return read_key(path);
}

}  // namespace hub::audit
