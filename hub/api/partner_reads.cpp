#include "hub/api/partner_reads.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "hub/audit/receipt.hpp"
#include "hub/audit/tree_hash.hpp"
#include "hub/core/log.hpp"
#include "hub/text/json.hpp"

namespace hub::api {
namespace {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using http::Request;
using http::RequestContext;
using http::Response;

// Prefer: receipt (RFC 7240), in any of the request's Prefer headers.
bool asks_receipt(const Request& req) {
  const auto [first, last] = req.equal_range(bhttp::field::prefer);
  for (auto f = first; f != last; ++f) {
    if (audit::prefers_receipt(f->value())) return true;
  }
  return false;
}

// Answers that honour a Prefer: receipt say so (RFC 7240 section 3): those that carry one. An
// answer with none (an identifier refused as malformed disclosed nothing; an entry still in the
// spool) does not claim the preference applied.
Response applied(Response res, const Request& req, bool with_receipt) {
  if (with_receipt && asks_receipt(req)) {
    res.set(bhttp::field::preference_applied, audit::kReceiptPreference);
  }
  return res;
}

// `receipts_always`: journal.receipts; else a read has its receipt when it asks (Prefer: receipt).
partner::Request request_of(const Request& req, const RequestContext& ctx,
                            const std::string& resource, bool receipts_always) {
  partner::Request r;
  r.receipt = receipts_always || asks_receipt(req);
  r.principal = ctx.principal ? ctx.principal->name : "";
  r.correlation_id = ctx.correlation_id;
  r.resource = resource;
  // A header sent on several lines is one list (RFC 9110 section 5.3): two purposes are read as
  // "A, B" and refused, never the first alone.
  r.header = [&req](std::string_view name) -> std::optional<std::string> {
    std::optional<std::string> value;
    for (auto [it, end] = req.equal_range(name); it != end; ++it) {
      value = value ? *value + ", " + std::string(it->value()) : std::string(it->value());
    }
    return value;
  };
  return r;
}

// {"identifiers": ["...", ...]}: 1 to kMaxBatch strings, read by the one JSON reader like every
// client body (docs/text.md: a name twice, bytes that are not UTF-8, a lone surrogate refused
// with their code and JSON pointer).
Result<std::vector<std::string>> identifiers_of(const std::string& body) {
  auto doc = text::read_client_body(body);
  if (!doc) return doc.error();
  if (!doc->IsObject()) {
    return make_error(Errc::invalid_input,
                      "/: the body must be a JSON object {\"identifiers\": [...]}");
  }
  const auto it = doc->FindMember("identifiers");
  if (it == doc->MemberEnd() || !it->value.IsArray() || it->value.Empty()) {
    return make_error(Errc::invalid_input, "/identifiers: must be a non-empty array of strings");
  }
  if (it->value.Size() > partner::kMaxBatch) {
    return make_error(Errc::payload_too_large,
                      "/identifiers: " + std::to_string(it->value.Size()) +
                          " identifiers; a batch holds at most " +
                          std::to_string(partner::kMaxBatch),
                      "batch_too_large");
  }
  std::vector<std::string> out;
  out.reserve(it->value.Size());
  for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
    if (!it->value[i].IsString()) {
      return make_error(Errc::invalid_input,
                        "/identifiers/" + std::to_string(i) + ": must be a string");
    }
    out.emplace_back(it->value[i].GetString(), it->value[i].GetStringLength());
  }
  return out;
}

// Each item's journal receipt, once its entry is in the store; none for an item without an entry,
// or whose entry waits in the journal's spool (the answer goes without it: docs/audit.md).
using Receipts = std::vector<std::optional<audit::Receipt>>;
asio::awaitable<Receipts> receipts_of(audit::Journal& journal, const partner::Answer& a) {
  Receipts out(a.items.size());
  std::size_t missing = 0;
  std::string why;
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (a.items[i].ticket == 0) continue;
    auto r = co_await journal.receipt(a.items[i].ticket);
    if (r) {
      out[i] = *r;
    } else if (++missing == 1) {
      why = r.error().message;
    }
  }
  // Once an answer, not once an item: a batch of 1,000 during an outage is one line.
  if (missing > 0) {
    log::warn("a partner's read answered without its journal receipts",
              {{"items", std::to_string(missing)}, {"error", why}});
  }
  co_return out;
}

std::string batch_body(const partner::Answer& a, const Receipts& receipts) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("results");
  w.StartArray();
  for (const auto& item : a.items) {
    w.StartObject();
    w.Key("identifier");
    w.String(item.identifier.data(), static_cast<rapidjson::SizeType>(item.identifier.size()));
    w.Key("status");
    w.Uint(item.status);
    w.Key(item.status == 200 ? "data" : "error");
    // The partner's view and the error object are JSON already.
    w.RawValue(item.body.data(), item.body.size(), rapidjson::kObjectType);
    if (const auto& r = receipts[&item - a.items.data()]) {
      w.Key("receipt");
      w.StartObject();
      w.Key("index");
      w.Uint64(r->leaf_index);
      w.Key("leaf_hash");
      w.String(audit::to_hex(r->leaf_hash).c_str());
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

// Reads on the store's threads, then waits until the disclosures are durable in the journal.
asio::awaitable<Result<partner::Answer>> read(partner::Reader& reader, audit::Journal& journal,
                                              registry::StorePool& pool,
                                              const partner::Request& r) {
  auto answer = co_await pool.run<Result<partner::Answer>>([&] { return reader.read(r); });
  if (answer && answer->ticket != 0) {
    if (auto d = co_await journal.durable(answer->ticket); !d) co_return d.error();
  }
  co_return answer;
}

Response no_store(Response res) {
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

struct Parts {
  partner::Reader& reader;
  audit::Journal& journal;
  registry::StorePool& pool;
  bool receipts_always;
};

void add_resource(http::Router& router, const Parts& parts, const std::string& role,
                  const std::string& path, const std::string& resource, const std::string& param) {
  auto& reader = parts.reader;
  auto& journal = parts.journal;
  auto& pool = parts.pool;
  const bool always = parts.receipts_always;
  router.add(bhttp::verb::get, path + "/{" + param + "}", role,
             [&reader, &journal, &pool, resource, param, always](
                 const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto r = request_of(req, ctx, resource, always);
               r.identifiers.push_back(ctx.params[param]);
               auto answer = co_await read(reader, journal, pool, r);
               if (!answer) co_return http::error_response(answer.error(), ctx, req.version());
               auto& item = answer->items.front();
               const auto receipts = co_await receipts_of(journal, *answer);
               auto res = item.error
                              ? http::error_response(*item.error, ctx, req.version())
                              : http::json_response(200, std::move(item.body), req.version());
               if (!item.error) res.set(bhttp::field::content_type, answer->content_type);
               if (receipts.front()) {
                 res.set(audit::kReceiptHeader, audit::format_receipt(*receipts.front()));
               }
               co_return no_store(applied(std::move(res), req, receipts.front().has_value()));
             });
  router.add(bhttp::verb::post, path + "/batch", role,
             [&reader, &journal, &pool, resource, always](
                 const Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
               auto r = request_of(req, ctx, resource, always);
               auto ids = identifiers_of(req.body());
               if (!ids) co_return http::error_response(ids.error(), ctx, req.version());
               r.identifiers = std::move(*ids);
               auto answer = co_await read(reader, journal, pool, r);
               if (!answer) co_return http::error_response(answer.error(), ctx, req.version());
               const auto receipts = co_await receipts_of(journal, *answer);
               auto res = http::json_response(200, batch_body(*answer, receipts), req.version());
               const bool any = std::any_of(receipts.begin(), receipts.end(),
                                            [](const auto& r) { return r.has_value(); });
               co_return no_store(applied(std::move(res), req, any));
             });
}

}  // namespace

void add_partner_read_routes(http::Router& router, partner::Reader& reader, audit::Journal& journal,
                             registry::StorePool& pool, bool receipts_always,
                             const std::string& role) {
  const Parts parts{reader, journal, pool, receipts_always};
  add_resource(router, parts, role, "/partner/v1/affiliation-attestations",
               "affiliation_attestation", "ice");
  add_resource(router, parts, role, "/partner/v1/coverage", "coverage", "cnie");
}

}  // namespace hub::api
