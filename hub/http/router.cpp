#include "hub/http/router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace hub::http {
namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 1;  // patterns start with '/'
  while (i <= pattern.size()) {
    const auto j = pattern.find('/', i);
    const auto end = j == std::string_view::npos ? pattern.size() : j;
    out.emplace_back(pattern.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  for (const auto& p : url->params()) {
    if (p.key == key) return std::string(p.value);
  }
  return std::nullopt;
}

void Router::add(bhttp::verb method, std::string pattern, std::string role, Handler handler) {
  Route r{method, pattern, split_pattern(pattern), std::move(role), std::move(handler)};
  routes_.push_back(std::move(r));
}

Handler Router::handler() const {
  return [this](const Request& req, RequestContext& ctx) { return dispatch(req, ctx); };
}

asio::awaitable<Response> Router::dispatch(const Request& req, RequestContext& ctx) const {
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) {
    co_return error_response(
        make_error(Errc::invalid_input, "malformed request target", "bad_target"), ctx,
        req.version());
  }
  std::vector<std::string> segments;
  for (auto s : url->segments()) segments.push_back(std::string(s));
  if (url->segments().empty() && url->path() == "/") segments.clear();

  bool path_matched = false;
  for (const auto& r : routes_) {
    std::size_t expected = r.segments.size();
    if (r.pattern == "/") expected = 0;
    if (expected != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; i < expected && ok; ++i) {
      ok = is_param(r.segments[i]) || r.segments[i] == segments[i];
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != req.method()) continue;
    ctx.route = r.pattern;
    for (std::size_t i = 0; i < expected; ++i) {
      if (is_param(r.segments[i])) {
        ctx.params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segments[i];
      }
    }
    if (!r.role.empty() && (ctx.principal == nullptr || !ctx.principal->has_role(r.role))) {
      co_return error_response(
          make_error(Errc::forbidden, "this operation needs the role '" + r.role + "'"), ctx,
          req.version());
    }
    co_return co_await r.handler(req, ctx);
  }
  if (path_matched) {
    co_return error_response(make_error(Errc::method_not_allowed,
                                        std::string("method ") + std::string(req.method_string()) +
                                            " is not allowed here"),
                             ctx, req.version());
  }
  co_return error_response(make_error(Errc::not_found, "no such resource", "no_route"), ctx,
                           req.version());
}

}  // namespace hub::http
