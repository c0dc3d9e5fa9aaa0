#include "hub/core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace hub {
namespace {

Error file_error(const std::string& what, int err) {
  return make_error(Errc::internal, what + ": " + std::strerror(err), "file_error");
}

}  // namespace

Result<void> create_private_directories(const std::string& dir) {
  if (dir.empty()) return {};
  std::filesystem::path path;
  for (const auto& part : std::filesystem::path(dir)) {
    path /= part;
    if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return file_error("cannot create " + path.string(), errno);
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return file_error("cannot read " + dir, errno);
  if (!S_ISDIR(st.st_mode))
    return make_error(Errc::internal, dir + " is not a folder", "file_error");
  return {};
}

Result<void> make_owner_only(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return file_error("cannot open " + file, errno);
  const int rc = ::fchmod(fd, 0600);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return file_error("cannot restrict " + file + " to its owner", err);
  return {};
}

}  // namespace hub
