#include "hub/app/file_watch.hpp"

#include <filesystem>

namespace hub::app {
namespace {

// What says a file changed: its path, size and modification time.
std::string file_stamp(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  const auto time = std::filesystem::last_write_time(file, ec).time_since_epoch().count();
  return file.string() + ":" + std::to_string(size) + ":" + std::to_string(time) + ";";
}

}  // namespace

std::string folder_fingerprint(const std::string& dir) {
  std::string f;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) f += file_stamp(it->path());
  }
  return f;
}

std::string tls_fingerprint(const config::HubConfig& c) {
  std::string f;
  for (const auto& l : c.listeners) {
    f += file_stamp(l.tls.certificate) + file_stamp(l.tls.key);
    for (const auto& ca : l.tls.client_ca) f += file_stamp(ca);
    for (const auto& crl : l.tls.crl) f += file_stamp(crl);
  }
  return f;
}

}  // namespace hub::app
