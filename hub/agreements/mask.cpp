#include "hub/agreements/mask.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <set>

namespace hub::agreements {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

namespace {

constexpr std::array kKinds{
    ResourceKind{"affiliation_attestation", "affiliation"},
    ResourceKind{"coverage", "coverage"},
    ResourceKind{"person", "person", true},
    ResourceKind{"insured", "insured", true},
    ResourceKind{"family", "insured_family", true},
    ResourceKind{"employer", "affiliation", true},
};

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::span<const ResourceKind> resource_kinds() {
  return kKinds;
}

const ResourceKind* find_resource_kind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

struct FieldMask::Node {
  bool whole = false;  // the path ending here is listed
  std::map<std::string, Node, std::less<>> children;
};

namespace {

using Node = FieldMask::Node;
const Node kNothing{};

// Applies one mask level to an object of `entity`. `inherited`: an ancestor is listed whole, so
// every non-personal member passes.
class Applier {
 public:
  explicit Applier(Alloc& alloc) : alloc_(alloc) {}

  Value object(const Value& in, const mapping::Entity& entity, const Node& node, bool inherited,
               const std::string& prefix) {
    Value out(rapidjson::kObjectType);
    for (auto m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
      const std::string_view name(m->name.GetString(), m->name.GetStringLength());
      const mapping::CanonicalField* f = entity.find(name);
      if (f == nullptr) continue;  // not in the canonical model: never served
      const auto it = node.children.find(name);
      const Node& child = it == node.children.end() ? kNothing : it->second;
      const bool whole = child.whole || (inherited && !f->personal);
      if (!whole && child.children.empty()) continue;
      Value v = field(m->value, *f, child, whole, prefix + std::string(name));
      if (!v.IsNull()) out.AddMember(Value(m->name, alloc_), v, alloc_);
    }
    return out;
  }

  std::set<std::string> served;

 private:
  Value field(const Value& in, const mapping::CanonicalField& f, const Node& node, bool whole,
              const std::string& path) {
    if (f.type == mapping::FieldType::object) {
      if (!in.IsObject() || f.entity == nullptr) return Value();
      Value v = object(in, *f.entity, node, whole, path + "/");
      return v.MemberCount() == 0 ? Value() : std::move(v);
    }
    if (f.type == mapping::FieldType::array) {
      if (!in.IsArray() || f.entity == nullptr) return Value();
      Value items(rapidjson::kArrayType);
      bool any = false;
      for (const auto& item : in.GetArray()) {
        Value v = item.IsObject() ? object(item, *f.entity, node, whole, path + "/")
                                  : Value(rapidjson::kObjectType);
        any = any || v.MemberCount() > 0;
        items.PushBack(v, alloc_);
      }
      return any ? std::move(items) : Value();
    }
    // A scalar field: served only whole, and only as a scalar.
    if (!whole || in.IsObject() || in.IsArray() || in.IsNull()) return Value();
    served.insert(path);
    return Value(in, alloc_);
  }

  Alloc& alloc_;
};

std::string to_text(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

FieldMask FieldMask::compile(const std::vector<MaskField>& fields, const mapping::Entity& entity) {
  auto root = std::make_shared<Node>();
  for (const auto& mf : fields) {
    const mapping::Entity* at = &entity;
    Node* node = root.get();
    bool known = true;
    for (auto seg : split(mf.path)) {
      const mapping::CanonicalField* f = at != nullptr ? at->find(seg) : nullptr;
      if (f == nullptr) {
        known = false;
        break;
      }
      at = f->entity;
      node = &node->children[std::string(seg)];
    }
    // A path that names no field grants nothing (a prefix of it may have been created: it stays
    // without `whole`, so it grants nothing either).
    if (known && node != root.get()) node->whole = true;
  }
  FieldMask m;
  m.entity_ = &entity;
  m.root_ = std::move(root);
  return m;
}

Masked FieldMask::apply(const Value& record) const {
  Masked out;
  rapidjson::Document doc;
  Applier a(doc.GetAllocator());
  Value v = record.IsObject() ? a.object(record, *entity_, *root_, false, "")
                              : Value(rapidjson::kObjectType);
  out.json = to_text(v);
  out.fields.assign(a.served.begin(), a.served.end());
  return out;
}

Result<Masked> FieldMask::apply(std::string_view record_json) const {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(record_json.data(), record_json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return make_error(Errc::invalid_input, "the record is not a JSON object");
  }
  return apply(static_cast<const Value&>(doc));
}

namespace {

void check_field(const MaskField& mf, const mapping::Entity& entity, const std::string& agreement,
                 std::vector<config::Problem>& out) {
  const mapping::Entity* at = &entity;
  std::string walked;
  for (auto seg : split(mf.path)) {
    const mapping::CanonicalField* f = at != nullptr ? at->find(seg) : nullptr;
    if (f == nullptr) {
      std::string msg = "agreement '" + agreement + "': ";
      if (at == nullptr) {
        msg += "'" + walked + "' has no sub-fields";
      } else {
        std::vector<std::string_view> names;
        for (const auto& c : at->fields) names.push_back(c.name);
        msg += "'" + std::string(seg) + "' is not a field of " + at->name;
        const std::string hint = mapping::closest(seg, names);
        if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
      }
      out.push_back(
          {mf.where.file, mf.where.line, mf.where.column, mf.where.path, "unknown_field", msg});
      return;
    }
    walked += (walked.empty() ? "" : "/") + std::string(seg);
    at = f->entity;
  }
}

}  // namespace

std::vector<config::Problem> check(const std::vector<Agreement>& agreements,
                                   const mapping::CanonicalModel& model) {
  std::vector<config::Problem> out;
  for (const auto& a : agreements) {
    for (const auto& r : a.resources) {
      const ResourceKind* kind = find_resource_kind(r.name);
      const mapping::Entity* entity = kind ? model.find(kind->entity) : nullptr;
      if (entity == nullptr) {
        std::string known;
        for (const auto& k : kKinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
        out.push_back({r.where.file, r.where.line, r.where.column, r.where.path, "unknown_resource",
                       "agreement '" + a.name + "': no resource named '" + r.name +
                           "' (known: " + known + ")"});
        continue;
      }
      for (const auto& mf : r.fields) check_field(mf, *entity, a.name, out);
    }
  }
  return out;
}

}  // namespace hub::agreements
