#include "hub/feed/feed.hpp"

#include <algorithm>
#include <charconv>

#include "hub/feed/mask.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/json.hpp"
#include "hub/registry/streams.hpp"

namespace hub::feed {
namespace {

namespace json = registry::json;
namespace streams = registry::streams;
using Clock = std::chrono::steady_clock;

std::optional<std::int64_t> whole_number(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

Error bad(std::string_view param, std::string_view what) {
  return make_error(Errc::invalid_input, "/" + std::string(param) + ": " + std::string(what));
}

std::string cursor_text(std::int64_t position) {
  return std::to_string(position);
}

json::Value change_of(const store::FeedChange& c, const std::string& masked, bool with_id,
                      json::Alloc& a) {
  json::Value item(rapidjson::kObjectType);
  item.AddMember("cursor", json::Value(cursor_text(c.position).c_str(), a), a);
  item.AddMember("kind", json::Value(c.kind.c_str(), a), a);
  if (with_id) {
    const std::string id(streams::id_of(c.stream));
    item.AddMember("id", json::Value(id.c_str(), a), a);
  }
  item.AddMember("version", json::Value(static_cast<int64_t>(c.version)), a);
  item.AddMember("type", json::Value(c.type.c_str(), a), a);
  item.AddMember("at_ms", json::Value(static_cast<int64_t>(c.time_ms)), a);
  const auto state = json::parse(masked);
  json::Value v(rapidjson::kObjectType);
  if (state && state->IsObject()) v.CopyFrom(*state, a);
  item.AddMember("state", v, a);
  return item;
}

// The page as the consumer may see it, and how many changes it serves.
std::pair<std::string, std::size_t> page_of(const store::FeedPage& page, const ConsumerMasks& masks,
                                            std::int64_t after) {
  json::Doc out = json::object();
  auto& a = out.GetAllocator();
  json::Value list(rapidjson::kArrayType);
  for (const auto& c : page.changes) {
    const auto masked = masks.state(c.kind, c.state);
    if (masked) list.PushBack(change_of(c, *masked, masks.serves_id(c.kind), a), a);
  }
  const std::size_t served = list.Size();
  out.AddMember("changes", list, a);
  // Past the last change read, served or not: the cursor moves over what the consumer may not see.
  const std::int64_t next = page.changes.empty() ? after : page.changes.back().position;
  out.AddMember("next", json::Value(cursor_text(next).c_str(), a), a);
  out.AddMember("head", json::Value(cursor_text(page.head).c_str(), a), a);
  return {json::dump(out), served};
}

}  // namespace

Result<Query> parse_query(std::string_view target, const config::FeedSettings& settings) {
  Query q;
  if (auto after = http::query_param(target, "after")) {
    auto v = whole_number(*after);
    if (!v) return bad("after", "is not a cursor the feed gave (a whole number)");
    q.after = *v;
  }
  if (auto limit = http::query_param(target, "limit")) {
    auto v = whole_number(*limit);
    if (!v || *v < 1 || static_cast<std::size_t>(*v) > settings.max_limit) {
      return bad("limit", "must be a whole number from 1 to " + std::to_string(settings.max_limit));
    }
    q.limit = static_cast<std::size_t>(*v);
  }
  if (auto wait = http::query_param(target, "wait")) {
    std::string_view w = *wait;
    if (!w.empty() && w.back() == 's') w.remove_suffix(1);
    auto v = whole_number(w);
    if (!v || *v > 86'400) return bad("wait", "must be a number of seconds, e.g. 30s");
    q.wait = std::min<std::chrono::milliseconds>(std::chrono::seconds(*v), settings.max_wait);
  }
  return q;
}

Feed::Feed(store::Store& store, registry::StorePool& pool, config::FeedSettings settings,
           bool poll_other_nodes)
    : store_(store), pool_(pool), settings_(std::move(settings)), poll_(poll_other_nodes) {}

void Feed::serve_agreements(agreements::Current& current, const mapping::Catalog& mappings,
                            const registry::Clock& clock) {
  agreements_ = &current;
  mappings_ = &mappings;
  clock_ = &clock;
}

Result<ConsumerMasks> Feed::masks_of(const std::string& principal) {
  if (agreements_ == nullptr) {
    return make_error(Errc::forbidden, "this hub serves no agreements (no mappings)",
                      "no_agreement");
  }
  auto set = agreements_->get();
  if (!set) return set.error();
  return ConsumerMasks::of((*set)->agreements, principal, mappings_->current(),
                           agreements::day_of(clock_->now_ms()));
}

boost::asio::awaitable<Result<std::string>> Feed::changes(std::string principal, Query query) {
  // The agreements as they are when the request starts (a long poll keeps them to its end).
  auto masks =
      co_await pool_.run<Result<ConsumerMasks>>([this, &principal] { return masks_of(principal); });
  if (!masks) co_return masks.error();
  const auto deadline = Clock::now() + query.wait;
  for (;;) {
    // Taken before the read: a commit after it makes the wait below return at once.
    const auto generation = signal_.generation();
    auto page = co_await pool_.run<Result<store::FeedPage>>(
        [this, query] { return store_.read_feed(query.after, query.limit); });
    if (!page) co_return page.error();
    if (query.after < page->pruned_through) {
      auto e = make_error(Errc::gone,
                          "changes after cursor " + cursor_text(query.after) +
                              " were pruned (the feed keeps those after " +
                              cursor_text(page->pruned_through) +
                              "): load the records again, then read from ?after=" +
                              cursor_text(page->pruned_through),
                          "cursor_pruned");
      e.details_json = R"({"pruned_through":")" + cursor_text(page->pruned_through) + "\"}";
      co_return e;
    }
    if (query.after > page->head) {
      co_return make_error(Errc::invalid_input,
                           "/after: cursor " + cursor_text(query.after) +
                               " is past the last change (" + cursor_text(page->head) +
                               "): it was not given by this feed",
                           "cursor_unknown");
    }
    const auto now = Clock::now();
    auto [body, served] = page_of(*page, *masks, query.after);
    if (served > 0 || now >= deadline) co_return std::move(body);
    if (!page->changes.empty()) {
      // Nothing this consumer may see: read on from there without waiting.
      query.after = page->changes.back().position;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (poll_) left = std::min(left, settings_.poll);
    co_await signal_.wait(generation, left);
  }
}

Result<std::int64_t> Feed::prune(std::int64_t now_ms) {
  return store_.prune_feed(now_ms - settings_.retention.count());
}

}  // namespace hub::feed
