#include "hub/registry/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <vector>

namespace hub::registry::json {
namespace {

std::vector<std::string> tokens(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  std::size_t i = 1;  // pointers start with '/'
  while (i <= pointer.size()) {
    const auto j = pointer.find('/', i);
    const auto end = j == std::string_view::npos ? pointer.size() : j;
    std::string t;
    for (std::size_t k = i; k < end; ++k) {
      if (pointer[k] == '~' && k + 1 < end) {
        t.push_back(pointer[k + 1] == '1' ? '/' : '~');
        ++k;
      } else {
        t.push_back(pointer[k]);
      }
    }
    out.push_back(std::move(t));
    i = end + 1;
  }
  return out;
}

Value key(const std::string& s, Alloc& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

void change(Value& changes, const std::string& path, const Value* before, const Value* after,
            Alloc& a) {
  Value c(rapidjson::kObjectType);
  c.AddMember("path", key(path, a), a);
  Value o, n;
  if (before) o.CopyFrom(*before, a);
  if (after) n.CopyFrom(*after, a);
  c.AddMember("old", o, a);
  c.AddMember("new", n, a);
  changes.PushBack(c, a);
}

// Deeper than this, a body is refused before it is parsed: the printing, diffing and copying
// of a document recurse, and no registration record nests more than a few levels.
constexpr int kMaxDepth = 32;

bool shallow(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::optional<Doc> parse(std::string_view text) {
  if (!shallow(text)) return std::nullopt;
  Doc d;
  d.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (d.HasParseError()) return std::nullopt;
  return d;
}

std::string dump(const Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return std::string(sb.GetString(), sb.GetSize());
}

Doc object() {
  Doc d;
  d.SetObject();
  return d;
}

std::string escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const Value* find(const Value& root, std::string_view pointer) {
  const Value* v = &root;
  for (const auto& t : tokens(pointer)) {
    if (v->IsArray()) {
      rapidjson::SizeType i = 0;
      bool index = !t.empty() && t.size() < 9;
      for (char c : t) {
        index = index && c >= '0' && c <= '9';
        i = i * 10 + static_cast<rapidjson::SizeType>(c - '0');
      }
      if (!index || i >= v->Size()) return nullptr;
      v = &(*v)[i];
      continue;
    }
    if (!v->IsObject()) return nullptr;
    auto it = v->FindMember(Value(rapidjson::StringRef(t.data(), t.size())));
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}

std::optional<std::string> text(const Value& root, std::string_view pointer) {
  const Value* v = find(root, pointer);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

bool flag(const Value& root, std::string_view pointer) {
  const Value* v = find(root, pointer);
  return v != nullptr && v->IsBool() && v->GetBool();
}

void set(Doc& root, std::string_view pointer, const Value& v) {
  if (v.IsNull()) {
    erase(root, pointer);
    return;
  }
  auto& a = root.GetAllocator();
  const auto ts = tokens(pointer);
  Value* at = &root;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (!at->IsObject()) at->SetObject();
    auto it = at->FindMember(Value(rapidjson::StringRef(ts[i].data(), ts[i].size())));
    if (it == at->MemberEnd()) {
      at->AddMember(key(ts[i], a), Value(rapidjson::kObjectType), a);
      it = at->FindMember(Value(rapidjson::StringRef(ts[i].data(), ts[i].size())));
    }
    at = &it->value;
  }
  at->CopyFrom(v, a);
}

void set_string(Doc& root, std::string_view pointer, std::string_view s) {
  Value v(s.data(), static_cast<rapidjson::SizeType>(s.size()), root.GetAllocator());
  set(root, pointer, v);
}

void erase(Doc& root, std::string_view pointer) {
  const auto ts = tokens(pointer);
  if (ts.empty()) return;
  Value* at = &root;
  for (std::size_t i = 0; i + 1 < ts.size(); ++i) {
    if (!at->IsObject()) return;
    auto it = at->FindMember(Value(rapidjson::StringRef(ts[i].data(), ts[i].size())));
    if (it == at->MemberEnd()) return;
    at = &it->value;
  }
  if (at->IsObject())
    at->RemoveMember(Value(rapidjson::StringRef(ts.back().data(), ts.back().size())));
}

void strip_nulls(Value& v) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) strip_nulls(e);
    return;
  }
  if (!v.IsObject()) return;
  for (auto it = v.MemberBegin(); it != v.MemberEnd();) {
    if (it->value.IsNull()) {
      it = v.EraseMember(it);
    } else {
      strip_nulls(it->value);
      ++it;
    }
  }
}

void diff(const Value& before, const Value& after, const std::string& path, Value& changes,
          Alloc& a) {
  if (before.IsObject() && after.IsObject()) {
    for (const auto& m : before.GetObject()) {
      const std::string p = path + "/" + escape({m.name.GetString(), m.name.GetStringLength()});
      if (!after.HasMember(m.name)) change(changes, p, &m.value, nullptr, a);
    }
    for (const auto& m : after.GetObject()) {
      const std::string p = path + "/" + escape({m.name.GetString(), m.name.GetStringLength()});
      auto it = before.FindMember(m.name);
      if (it == before.MemberEnd()) {
        change(changes, p, nullptr, &m.value, a);
      } else {
        diff(it->value, m.value, p, changes, a);
      }
    }
    return;
  }
  if (before != after) change(changes, path, before.IsNull() ? nullptr : &before, &after, a);
}

void apply(Doc& state, const Value& changes) {
  if (!changes.IsArray()) return;
  for (const auto& c : changes.GetArray()) {
    const auto path = text(c, "/path");
    const Value* n = find(c, "/new");
    if (!path) continue;
    if (n == nullptr || n->IsNull()) {
      erase(state, *path);
    } else {
      set(state, *path, *n);
    }
  }
}

}  // namespace hub::registry::json
