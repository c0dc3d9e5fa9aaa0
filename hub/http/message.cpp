#include "hub/http/message.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace hub::http {

bool Principal::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Response text_response(unsigned status, std::string body, std::string_view content_type,
                       unsigned version) {
  Response res{static_cast<bhttp::status>(status), version};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

void omit_content_for_head(Response& res) {
  if (!res.has_content_length() && !res.chunked()) res.content_length(res.body().size());
  res.body().clear();
}

Response json_response(unsigned status, std::string body, unsigned version) {
  return text_response(status, std::move(body), "application/json", version);
}

Response error_response(const Error& e, const RequestContext& ctx, unsigned version) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  const auto code = e.wire_code();
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(e.message.data(), static_cast<rapidjson::SizeType>(e.message.size()));
  w.Key("correlation_id");
  w.String(ctx.correlation_id.data(), static_cast<rapidjson::SizeType>(ctx.correlation_id.size()));
  if (!e.details_json.empty()) {
    w.Key("details");
    w.RawValue(e.details_json.data(), e.details_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  auto res =
      json_response(http_status_of(e.code), std::string(sb.GetString(), sb.GetSize()), version);
  if (e.retry_after.count() > 0) {
    res.set(bhttp::field::retry_after, std::to_string(e.retry_after.count()));
  }
  return res;
}

}  // namespace hub::http
