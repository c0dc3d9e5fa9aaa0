#include "hub/api/web_routes.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

namespace hub::api {
namespace {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

constexpr std::uintmax_t kMaxFileBytes = 8u << 20;
constexpr std::uintmax_t kMaxTotalBytes = 64u << 20;

// Only this origin's own scripts, styles, images and API; no inline script or style, no
// plugin, no framing, no base-URL or form redirection elsewhere.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

struct WebFile {
  std::string route;  // "/agency/index.html"
  std::string body;
  std::string_view content_type;
  bool immutable = false;  // under assets/: named by its content hash
};

Error invalid(std::string message) {
  return make_error(Errc::internal, std::move(message), "web_dir_invalid");
}

bool safe_name(const std::string& name) {
  return !name.empty() && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// Every part of the path relative to the root is a safe name (so hidden folders are skipped).
bool safe_relative(const fs::path& relative) {
  return std::all_of(relative.begin(), relative.end(),
                     [](const fs::path& part) { return safe_name(part.string()); });
}

Result<std::string> read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) return invalid("cannot read " + file.string());
  return body;
}

Result<std::vector<WebFile>> load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return invalid("hub.web_dir " + dir + " is not a folder (build the pages: ninja -C build web)");
  }
  std::vector<WebFile> files;
  std::uintmax_t total = 0;
  const fs::path root(dir);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(root);
    const auto status = it->symlink_status(ec);
    if (fs::is_directory(status) && !safe_name(it->path().filename().string())) {
      it.disable_recursion_pending();
      continue;
    }
    if (!fs::is_regular_file(status) || !safe_relative(relative)) continue;
    const auto size = it->file_size(ec);
    if (ec || size > kMaxFileBytes) {
      return invalid(it->path().string() + " is over 8 MiB or unreadable");
    }
    total += size;
    if (total > kMaxTotalBytes) return invalid("the pages in " + dir + " are over 64 MiB");
    auto body = read_all(it->path());
    if (!body) return body.error();
    const std::string route = "/" + relative.generic_string();
    files.push_back({route, std::move(*body), web_content_type(route),
                     route.find("/assets/") != std::string::npos});
  }
  if (ec) return invalid("cannot read " + dir + ": " + ec.message());
  if (files.empty()) return invalid("hub.web_dir " + dir + " holds no page");
  return files;
}

http::Response with_security_headers(http::Response res) {
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  return res;
}

http::Handler serve(std::shared_ptr<const WebFile> file) {
  return
      [file](const http::Request& req, http::RequestContext&) -> asio::awaitable<http::Response> {
        http::Response res{bhttp::status::ok, req.version()};
        res.set(bhttp::field::content_type, file->content_type);
        res.set(bhttp::field::cache_control,
                file->immutable ? "private, max-age=31536000, immutable" : "no-cache");
        res.body() = file->body;
        res.prepare_payload();
        co_return with_security_headers(std::move(res));
      };
}

http::Handler redirect(std::string location) {
  return [location](const http::Request& req,
                    http::RequestContext&) -> asio::awaitable<http::Response> {
    http::Response res{bhttp::status::permanent_redirect, req.version()};
    res.set(bhttp::field::location, location);
    res.set(bhttp::field::cache_control, "no-cache");
    res.prepare_payload();
    co_return with_security_headers(std::move(res));
  };
}

}  // namespace

std::string_view web_content_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
      {".pdf", "application/pdf"},
  }};
  for (const auto& [ext, type] : kTypes) {
    if (name.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

Result<std::size_t> add_web_routes(http::Router& router, const std::string& dir) {
  auto files = load(dir);
  if (!files) return files.error();
  for (auto& f : *files) {
    auto file = std::make_shared<const WebFile>(std::move(f));
    router.add(bhttp::verb::get, file->route, "", serve(file));
    constexpr std::string_view kIndex = "/index.html";
    if (file->route.ends_with(kIndex) && file->route.size() > kIndex.size()) {
      const std::string folder = file->route.substr(0, file->route.size() - kIndex.size());
      router.add(bhttp::verb::get, folder + "/", "", serve(file));
      router.add(bhttp::verb::get, folder, "", redirect(folder + "/"));
    }
  }
  return files->size();
}

}  // namespace hub::api
