// The few JSON helpers the workbench's stored and served shapes share (RapidJSON).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

namespace hub::workbench {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// "key": "value" / "key": n
void put(JsonWriter& w, const char* key, const std::string& value);
void put(JsonWriter& w, const char* key, std::int64_t value);
// A member read back: "" or 0 when absent or of another type.
std::string string_member(const rapidjson::Value& object, const char* key);
std::int64_t int_member(const rapidjson::Value& object, const char* key);
// A value (or a buffer) as compact JSON text.
std::string compact(const rapidjson::Value& value);
std::string text_of(const rapidjson::StringBuffer& buffer);

}  // namespace hub::workbench
