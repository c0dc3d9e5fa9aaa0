#include "hub/audit/file_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hub::audit {

Result<std::string> read_file_text(const std::string& path, std::size_t max_bytes,
                                   FileAccess access) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return make_error(e == ENOENT ? Errc::not_found : Errc::internal,
                      "cannot open " + path + ": " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(Errc::invalid_input, path + " is not a regular file");
  }
  if (access == FileAccess::owner_only && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return make_error(Errc::forbidden,
                      path + " may be read by other users; run: chmod 600 " + path);
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return make_error(Errc::invalid_input,
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return make_error(Errc::internal, "cannot read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // The file may have grown since fstat().
  if (got > max_bytes) {
    return make_error(Errc::invalid_input,
                      path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  out.resize(got);
  return out;
}

}  // namespace hub::audit
