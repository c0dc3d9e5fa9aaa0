#include "hub/http/router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <set>

namespace hub::http {
namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  if (pattern == "/") return out;  // the root: no segment, as boost::urls reads "/"
  std::size_t i = 1;               // patterns start with '/'
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

bool path_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!is_param(pattern[i]) && pattern[i] != path[i]) return false;
  }
  return true;
}

// A request target's path segments.
std::vector<std::string> segments_of(const boost::urls::url_view& url) {
  std::vector<std::string> segments;
  for (auto s : url.segments()) segments.push_back(std::string(s));
  return segments;
}

// A query parameter given more than once: every route reads one value of each (query_param()),
// so `?limit=1&limit=2` would be served as limit=1 without a word. Refused for every route here:
// 400 repeated_query_parameter, naming the parameter (percent-decoded, as routes read it).
std::optional<Error> repeated_param(const boost::urls::url_view& url) {
  std::set<std::string, std::less<>> seen;
  for (const auto& p : url.params()) {
    if (seen.insert(std::string(p.key)).second) continue;
    return make_error(Errc::invalid_input,
                      "/query/" + std::string(p.key) + ": the query parameter '" +
                          std::string(p.key) + "' is given more than once; give it once",
                      "repeated_query_parameter");
  }
  return std::nullopt;
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
  Route r{method, pattern, split_pattern(pattern), std::move(role), std::move(handler), {}, 0};
  routes_.push_back(std::move(r));
}

void Router::add_streamed(bhttp::verb method, std::string pattern, std::string role,
                          std::size_t max_body_bytes, StreamedHandler handler) {
  Route r{method,        pattern, split_pattern(pattern), std::move(role), {}, std::move(handler),
          max_body_bytes};
  routes_.push_back(std::move(r));
}

StreamedRoutes Router::streamed_routes() const {
  StreamedRoutes out;
  for (const auto& r : routes_) {
    if (!r.streamed) continue;
    const auto literal = r.pattern.substr(0, r.pattern.find('{'));
    out.starts.push_back(std::string(bhttp::to_string(r.method)) + " " + literal);
  }
  if (out.starts.empty()) return out;
  out.limit_for = [this](const Request& head) -> std::optional<std::size_t> {
    auto url = boost::urls::parse_origin_form(head.target());
    if (!url) return std::nullopt;
    const auto segments = segments_of(*url);
    for (const auto& r : routes_) {
      if (r.streamed && r.method == head.method() && path_matches(r.segments, segments))
        return r.max_body;
    }
    return std::nullopt;
  };
  out.handler = [this](const Request& head, RequestBody& body, RequestContext& ctx) {
    return dispatch_streamed(head, body, ctx);
  };
  return out;
}

Handler Router::handler() const {
  return [this](const Request& req, RequestContext& ctx) { return dispatch(req, ctx); };
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) {
    out.push_back({std::string(bhttp::to_string(r.method)), r.pattern, r.role});
  }
  return out;
}

std::string Router::allow_value(const std::vector<bhttp::verb>& methods) {
  using V = bhttp::verb;
  auto has = [&](V v) { return std::find(methods.begin(), methods.end(), v) != methods.end(); };
  std::string out;
  for (V v : {V::get, V::head, V::post, V::put, V::patch, V::delete_}) {
    if (!has(v) && !(v == V::head && has(V::get))) continue;
    out += std::string(bhttp::to_string(v)) + ", ";
  }
  return out + "OPTIONS";
}

namespace {

Response no_content_with_allow(std::string allow, unsigned version) {
  Response res{bhttp::status::no_content, version};
  res.set(bhttp::field::allow, allow);
  return res;
}

}  // namespace

Router::Match Router::match(const Request& req, RequestContext& ctx) const {
  const bool options = req.method() == bhttp::verb::options;
  if (options && req.target() == "*") {
    std::vector<bhttp::verb> all;
    for (const auto& r : routes_) all.push_back(r.method);
    return {nullptr, no_content_with_allow(allow_value(all), req.version())};
  }
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) {
    return {nullptr, error_response(
                         make_error(Errc::invalid_input, "malformed request target", "bad_target"),
                         ctx, req.version())};
  }
  if (auto repeated = repeated_param(*url)) {
    return {nullptr, error_response(*repeated, ctx, req.version())};
  }
  const auto segments = segments_of(*url);

  // HEAD is GET without the content, which the server leaves out (RFC 9110 §9.3.2).
  const auto wanted = req.method() == bhttp::verb::head ? bhttp::verb::get : req.method();
  std::vector<bhttp::verb> allowed;  // the methods this path is served under
  for (const auto& r : routes_) {
    if (!path_matches(r.segments, segments)) continue;
    allowed.push_back(r.method);
    if (r.method != wanted) continue;
    ctx.route = r.pattern;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (is_param(r.segments[i])) {
        ctx.params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segments[i];
      }
    }
    if (!r.role.empty() && (ctx.principal == nullptr || !ctx.principal->has_role(r.role))) {
      return {nullptr, error_response(make_error(Errc::forbidden,
                                                 "this operation needs the role '" + r.role + "'"),
                                      ctx, req.version())};
    }
    return {&r, std::nullopt};
  }
  if (allowed.empty()) {
    return {nullptr, error_response(make_error(Errc::not_found, "no such resource", "no_route"),
                                    ctx, req.version())};
  }
  if (options) return {nullptr, no_content_with_allow(allow_value(allowed), req.version())};
  // RFC 9110 §15.5.6: a 405 answer lists the methods the resource supports.
  auto res = error_response(make_error(Errc::method_not_allowed,
                                       std::string("method ") + std::string(req.method_string()) +
                                           " is not allowed here"),
                            ctx, req.version());
  res.set(bhttp::field::allow, allow_value(allowed));
  return {nullptr, std::move(res)};
}

namespace {

// A body that has arrived whole, handed to a streamed route in one piece.
class WholeBody final : public RequestBody {
 public:
  explicit WholeBody(std::string_view body) : body_(body) {}
  asio::awaitable<Result<std::string_view>> next() override {
    co_return std::exchange(body_, std::string_view());
  }

 private:
  std::string_view body_;
};

}  // namespace

asio::awaitable<Response> Router::dispatch(const Request& req, RequestContext& ctx) const {
  auto m = match(req, ctx);
  if (m.answer) co_return std::move(*m.answer);
  if (m.route->streamed) {
    WholeBody body(req.body());
    co_return co_await m.route->streamed(req, body, ctx);
  }
  co_return co_await m.route->handler(req, ctx);
}

asio::awaitable<Response> Router::dispatch_streamed(const Request& head, RequestBody& body,
                                                    RequestContext& ctx) const {
  auto m = match(head, ctx);
  if (m.answer) co_return std::move(*m.answer);
  if (m.route->streamed) co_return co_await m.route->streamed(head, body, ctx);
  co_return co_await m.route->handler(head, ctx);  // not reached: limit_for named a streamed route
}

}  // namespace hub::http
