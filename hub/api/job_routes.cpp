#include "hub/api/job_routes.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "hub/core/ids.hpp"
#include "hub/core/log.hpp"
#include "hub/jobs/outcome.hpp"
#include "hub/jobs/submission.hpp"

namespace hub::api {
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

namespace {

const std::set<std::string, std::less<>> kPurposes = {"IMMATRICULATION", "AFFILIATION",
                                                      "AYANTS_DROIT", "CONTROLE"};
// Items written to the store in one transaction while a file is read.
constexpr std::size_t kSubmitChunk = 5'000;
// Result lines in one page of GET /v1/jobs/{id}/results: read from the store for each chunk of
// the streamed answer.
constexpr std::size_t kDefaultPage = 1'000;
// Items removed in one transaction when a job is removed.
constexpr std::size_t kRemoveChunk = 50'000;
constexpr std::size_t kMaxPage = 10'000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::int64_t> whole_number(const std::string& text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

Error no_such_job() {
  return make_error(Errc::not_found, "no such job", "job_not_found");
}

std::string owner_of(const RequestContext& ctx) {
  return ctx.principal ? ctx.principal->name : "";
}

// The purpose: X-Purpose, else ?purpose=.
Result<std::string> purpose_of(const Request& req) {
  std::string p(req["X-Purpose"]);
  if (p.empty()) p = http::query_param(req.target(), "purpose").value_or("");
  if (p.empty()) {
    return make_error(Errc::forbidden_purpose,
                      "the legal purpose is required (X-Purpose or ?purpose=: IMMATRICULATION,"
                      " AFFILIATION, AYANTS_DROIT or CONTROLE)",
                      "purpose_required");
  }
  if (!kPurposes.contains(p)) {
    return make_error(Errc::invalid_input,
                      "/purpose: must be IMMATRICULATION, AFFILIATION, AYANTS_DROIT or CONTROLE");
  }
  return p;
}

// The job as GET /v1/jobs/{id} shows it: rate in items a second since it was submitted, ETA in
// seconds while it runs.
std::string job_json(const store::PrefillJob& j) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (const auto& [k, v] :
       {std::pair{"id", &j.id}, {"state", &j.state}, {"kind", &j.kind}, {"purpose", &j.purpose}}) {
    w.Key(k);
    w.String(v->c_str(), static_cast<rapidjson::SizeType>(v->size()));
  }
  w.Key("total");
  w.Int64(j.total);
  w.Key("done");
  w.Int64(j.done);
  const double seconds = static_cast<double>(j.updated_ms - j.created_ms) / 1000.0;
  const double rate = seconds > 0 ? static_cast<double>(j.done) / seconds : 0;
  w.Key("rate_per_s");
  w.Double(std::round(rate * 10) / 10);
  w.Key("eta_s");
  if ((j.state == "running" || j.state == "queued") && rate > 0) {
    w.Int64(static_cast<std::int64_t>(static_cast<double>(j.total - j.done) / rate));
  } else {
    w.Null();
  }
  w.Key("errors");
  w.StartObject();
  for (const auto& [code, n] : j.errors) {
    w.Key(code.c_str(), static_cast<rapidjson::SizeType>(code.size()));
    w.Int64(n);
  }
  w.EndObject();
  w.Key("created_ms");
  w.Int64(j.created_ms);
  w.Key("updated_ms");
  w.Int64(j.updated_ms);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

// Stores the items read so far into the job, creating it first (its kind is known once the
// first line is read). On the store's thread.
Result<void> store_items(store::Store& store, store::PrefillJob& job, jobs::Reading& reading,
                         bool& created) {
  if (!created) {
    if (!reading.kind.empty()) job.kind = reading.kind;
    if (auto c = store.create_prefill_job(job); !c) return c;
    created = true;
  }
  auto added = store.add_prefill_items(job.id, reading.items);
  reading.items.clear();
  return added;
}

// Removes whatever was stored of a job whose file was refused or cut short: nothing of a half job
// is left. On the store's thread; what fails here the retention sweep removes later (a job left
// receiving, docs/jobs.md "Retention").
void remove_job(store::Store& store, const std::string& id) {
  for (;;) {
    auto removed = store.remove_prefill_job(id, kRemoveChunk);
    if (!removed) {
      log::warn("job not removed", {{"job", id}, {"error", removed.error().message}});
      return;
    }
    if (*removed) return;
  }
}

// Reads the file as it arrives into a new job, a chunk of items a transaction (memory stays
// flat: one piece of the body and one chunk of items). The job is receiving meanwhile, which the
// runner does not see, and queued once every line is stored; a file refused or cut short
// half-way (too many lines, over the size limit, a bad coding, the client gone) is removed.
asio::awaitable<Result<store::PrefillJob>> receive_file(const JobRoutes& parts,
                                                        http::RequestBody& body,
                                                        store::PrefillJob job) {
  jobs::FileReader file(job.kind, parts.settings->max_lines);
  bool created = false;
  auto& items = file.reading().items;
  Result<void> read;
  for (bool end = false; read && !end;) {
    auto piece = co_await body.next();
    if (!piece) {
      read = piece.error();
      break;
    }
    end = piece->empty();
    read = end ? file.finish() : file.feed(*piece);
    if (read && !items.empty() && (end || items.size() >= kSubmitChunk)) {
      read = co_await parts.pool->run<Result<void>>(
          [&] { return store_items(*parts.store, job, file.reading(), created); });
    }
  }
  if (!read) {
    if (created)
      co_await parts.pool->run<bool>([&] {
        remove_job(*parts.store, job.id);
        return true;
      });
    co_return read.error();
  }
  co_return co_await parts.pool->run<Result<store::PrefillJob>>([&]() -> Result<store::PrefillJob> {
    if (auto q = parts.store->set_prefill_job_state(job.id, "queued"); !q) return q.error();
    auto stored = parts.store->read_prefill_job(job.id);
    if (!stored) return stored.error();
    if (!*stored) return no_such_job();
    return **stored;
  });
}

// One page of a job's results, NDJSON: a line per item.
std::string result_lines(const std::vector<store::PrefillJobItem>& items, const std::string& kind) {
  std::string body;
  body.reserve(items.size() * 512);
  for (const auto& item : items) {
    body += jobs::result_line(item, kind);
    body += '\n';
  }
  return body;
}

// The results from `after` to the current end as one answer, a page read from the store for
// each chunk sent (RequestContext::content_stream): memory stays one page whatever the job's
// size.
void stream_results(const JobRoutes& parts, RequestContext& ctx, std::string id, std::string kind,
                    std::int64_t after) {
  struct Cursor {
    std::string id;
    std::string kind;
    std::int64_t after = 0;
    bool ended = false;
  };
  auto cursor = std::make_shared<Cursor>(Cursor{std::move(id), std::move(kind), after});
  ctx.content_stream = [parts, cursor]() -> asio::awaitable<Result<std::string>> {
    if (cursor->ended) co_return std::string();
    auto items = co_await parts.pool->run<Result<std::vector<store::PrefillJobItem>>>(
        [&] { return parts.store->prefill_job_items(cursor->id, cursor->after, kDefaultPage); });
    if (!items) co_return items.error();
    if (items->empty()) {
      cursor->ended = true;
      co_return std::string();
    }
    cursor->after = items->back().line;
    co_return result_lines(*items, cursor->kind);
  };
}

// The caller's own job, or job_not_found (another principal's job is not shown to exist).
Result<store::PrefillJob> own_job(store::Store& store, const std::string& id,
                                  const std::string& owner) {
  auto job = store.read_prefill_job(id);
  if (!job) return job.error();
  if (!*job || (*job)->owner != owner) return no_such_job();
  return **job;
}

}  // namespace

void add_job_routes(http::Router& router, const JobRoutes& parts) {
  router.add_streamed(
      bhttp::verb::post, "/v1/jobs/prefill", "registration", parts.settings->max_upload_bytes,
      [parts](const Request& req, http::RequestBody& body,
              RequestContext& ctx) -> asio::awaitable<Response> {
        auto purpose = purpose_of(req);
        if (!purpose) co_return http::error_response(purpose.error(), ctx, req.version());
        const std::string kind = http::query_param(req.target(), "kind").value_or("person");
        if (kind != "person" && kind != "employer") {
          co_return http::error_response(
              make_error(Errc::invalid_input, "/kind: must be person or employer"), ctx,
              req.version());
        }
        store::PrefillJob job;
        job.id = new_uuid();
        job.owner = owner_of(ctx);
        job.purpose = *purpose;
        job.kind = kind;
        job.state = "receiving";
        job.created_ms = now_ms();
        auto stored = co_await receive_file(parts, body, std::move(job));
        if (!stored) co_return http::error_response(stored.error(), ctx, req.version());
        if (parts.runner) parts.runner->wake();
        auto res = http::json_response(202, job_json(*stored), req.version());
        res.set(bhttp::field::location, "/v1/jobs/" + stored->id);
        co_return res;
      });

  router.add(bhttp::verb::get, "/v1/jobs/{id}", "registration",
             [parts](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               const std::string id = ctx.params["id"];
               std::string owner = owner_of(ctx);
               auto job = co_await parts.pool->run<Result<store::PrefillJob>>(
                   [&] { return own_job(*parts.store, id, owner); });
               if (!job) co_return http::error_response(job.error(), ctx, req.version());
               co_return http::json_response(200, job_json(*job), req.version());
             });

  router.add(
      bhttp::verb::get, "/v1/jobs/{id}/results", "registration",
      [parts](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
        const std::string id = ctx.params["id"];
        const auto after = whole_number(http::query_param(req.target(), "after").value_or("0"));
        const auto limit_asked = http::query_param(req.target(), "limit");
        const auto asked =
            limit_asked ? whole_number(*limit_asked) : std::optional<std::int64_t>(1);
        if (!after || !asked || *asked < 1) {
          co_return http::error_response(
              make_error(Errc::invalid_input,
                         "/after, /limit: must be whole numbers, limit 1 or more"),
              ctx, req.version());
        }
        // Without limit: every result from `after` to the current end, streamed; with it, a page.
        const auto limit =
            limit_asked ? std::min<std::size_t>(static_cast<std::size_t>(*asked), kMaxPage) : 0;
        std::string owner = owner_of(ctx);
        struct Page {
          store::PrefillJob job;
          std::vector<store::PrefillJobItem> items;
        };
        auto page = co_await parts.pool->run<Result<Page>>([&]() -> Result<Page> {
          auto job = own_job(*parts.store, id, owner);
          if (!job) return job.error();
          if (limit == 0) return Page{std::move(*job), {}};
          auto items = parts.store->prefill_job_items(id, *after, limit);
          if (!items) return items.error();
          return Page{std::move(*job), std::move(*items)};
        });
        if (!page) co_return http::error_response(page.error(), ctx, req.version());
        if (limit == 0) {
          stream_results(parts, ctx, id, page->job.kind, *after);
          co_return http::text_response(200, "", "application/x-ndjson", req.version());
        }
        auto res = http::text_response(200, result_lines(page->items, page->job.kind),
                                       "application/x-ndjson", req.version());
        if (page->items.size() == limit) {
          res.set(bhttp::field::link,
                  "</v1/jobs/" + id + "/results?after=" + std::to_string(page->items.back().line) +
                      "&limit=" + std::to_string(limit) + ">; rel=\"next\"");
        }
        co_return res;
      });

  router.add(bhttp::verb::delete_, "/v1/jobs/{id}", "registration",
             [parts](const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               const std::string id = ctx.params["id"];
               std::string owner = owner_of(ctx);
               auto job = co_await parts.pool->run<Result<store::PrefillJob>>(
                   [&]() -> Result<store::PrefillJob> {
                     auto j = own_job(*parts.store, id, owner);
                     if (!j) return j;
                     if (auto c = parts.store->set_prefill_job_state(id, "cancelled"); !c) {
                       return c.error();
                     }
                     return own_job(*parts.store, id, owner);
                   });
               if (!job) co_return http::error_response(job.error(), ctx, req.version());
               if (job->state != "cancelled") {
                 co_return http::error_response(
                     make_error(Errc::conflict, "the job is " + job->state + ": nothing to cancel",
                                "job_final"),
                     ctx, req.version());
               }
               co_return http::json_response(200, job_json(*job), req.version());
             });
}

}  // namespace hub::api
