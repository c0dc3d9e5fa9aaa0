#include "hub/workbench/json_io.hpp"

namespace hub::workbench {

void put(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put(JsonWriter& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

std::string string_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject() || !object.HasMember(key) || !object[key].IsString()) return {};
  return std::string(object[key].GetString(), object[key].GetStringLength());
}

std::int64_t int_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject() || !object.HasMember(key) || !object[key].IsInt64()) return 0;
  return object[key].GetInt64();
}

std::string compact(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  value.Accept(w);
  return text_of(buf);
}

std::string text_of(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace hub::workbench
