// The few JSON operations the registry needs over RapidJSON documents: parse and print, find and
// set by JSON pointer, the difference between two states, and dropping nulls. Functions, not
// templates, so that each translation unit does not instantiate them again.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace hub::registry::json {

using Doc = rapidjson::Document;
using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// nullopt when `text` is not one JSON value, or nests deeper than 32 levels.
std::optional<Doc> parse(std::string_view text);
std::string dump(const Value& v);
Doc object();

// A JSON pointer token: "~" -> "~0", "/" -> "~1".
std::string escape(std::string_view token);
// The value at a JSON pointer (object members, array indices), or null.
const Value* find(const Value& root, std::string_view pointer);
// The string at a pointer, or nullopt when it is absent or not a string.
std::optional<std::string> text(const Value& root, std::string_view pointer);
bool flag(const Value& root, std::string_view pointer);  // true only for JSON true
// Sets a copy of `v` at the pointer, creating the objects on the way; a null `v` erases.
void set(Doc& root, std::string_view pointer, const Value& v);
void set_string(Doc& root, std::string_view pointer, std::string_view s);
void erase(Doc& root, std::string_view pointer);
// Drops the null members of every object below v: the registry stores no nulls, so "absent"
// and "null" mean the same and a state diffs cleanly.
void strip_nulls(Value& v);
// Appends to `changes` (an array) {"path", "old", "new"} for each leaf that differs between
// `before` and `after` (objects are compared member by member, anything else as a whole; an
// absent side is null).
void diff(const Value& before, const Value& after, const std::string& path, Value& changes,
          Alloc& alloc);
// Applies {"path", "new"} changes in order.
void apply(Doc& state, const Value& changes);

}  // namespace hub::registry::json
