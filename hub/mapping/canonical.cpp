#include "hub/mapping/canonical.hpp"

#include "hub/mapping/yaml_source.hpp"

#include <algorithm>

namespace hub::mapping {

namespace {

struct TypeName {
  std::string_view name;
  FieldType type;
};

constexpr TypeName kTypes[] = {
    {"string", FieldType::string},    {"date", FieldType::date},
    {"enum", FieldType::enumeration}, {"integer", FieldType::integer},
    {"decimal", FieldType::decimal},  {"boolean", FieldType::boolean},
    {"cnie", FieldType::cnie},        {"ice", FieldType::ice},
    {"if", FieldType::fiscal_id},     {"rc", FieldType::rc},
    {"rib", FieldType::rib},          {"object", FieldType::object},
    {"array", FieldType::array},
};

std::vector<std::string_view> type_names() {
  std::vector<std::string_view> out;
  for (const auto& t : kTypes) out.push_back(t.name);
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void load_field(Reporter& r, Entity& entity, const std::string& name, const YAML::Node& spec) {
  Reporter::Key k(r, name);
  CanonicalField f;
  f.name = name;
  f.pos = pos_of(spec);
  std::optional<std::string> type_name;
  if (spec.IsScalar()) {
    type_name = spec.Scalar();
  } else if (spec.IsMap()) {
    type_name = scalar(spec["type"]);
    for (const auto& kv : spec) {
      const std::string key = kv.first.Scalar();
      if (key == "type" || key == "description") continue;
      if (key == "partial") {
        f.partial = kv.second.Scalar() == "true";
      } else if (key == "personal") {
        f.personal = kv.second.Scalar() == "true";
      } else if (key == "values" && kv.second.IsSequence()) {
        for (const auto& v : kv.second) f.values.push_back(v.Scalar());
      } else if (key == "of" && kv.second.IsScalar()) {
        f.of = kv.second.Scalar();
      } else {
        r.error(kv.first, "unknown_key", "'" + key + "' is not a field property");
      }
    }
  }
  if (!type_name) {
    r.error(spec, "missing_key", "a field needs a type");
    return;
  }
  auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                         [&](const TypeName& t) { return t.name == *type_name; });
  if (it == std::end(kTypes)) {
    std::string hint = closest(*type_name, type_names());
    r.error(spec, "unknown_type",
            "'" + *type_name + "' is not a type" +
                (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    return;
  }
  f.type = it->type;
  if (f.type == FieldType::enumeration && f.values.empty())
    r.error(spec, "missing_key", "an enum needs its values");
  if ((f.type == FieldType::object || f.type == FieldType::array) && f.of.empty())
    r.error(spec, "missing_key", "an object or array needs 'of: <entity>'");
  entity.fields.push_back(std::move(f));
}

}  // namespace

std::string_view name_of(FieldType t) {
  for (const auto& n : kTypes)
    if (n.type == t) return n.name;
  return "?";
}

bool is_identifier(FieldType t) {
  return t == FieldType::cnie || t == FieldType::ice || t == FieldType::fiscal_id ||
         t == FieldType::rc || t == FieldType::rib;
}

bool CanonicalField::allows(std::string_view v) const {
  return std::find(values.begin(), values.end(), v) != values.end();
}

const CanonicalField* Entity::find(std::string_view field) const {
  for (const auto& f : fields)
    if (f.name == field) return &f;
  return nullptr;
}

const Entity* CanonicalModel::find(std::string_view name) const {
  auto it = entities_.find(name);
  return it == entities_.end() ? nullptr : it->second.get();
}

CanonicalModel CanonicalModel::load(const std::filesystem::path& dir, Diagnostics& diags) {
  CanonicalModel model;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty())
    diags.push_back({dir.string(), {}, "no_canonical_model", "", "no canonical *.yaml here"});

  for (const auto& file : files) {
    auto doc = load_yaml(file, diags);
    if (!doc) continue;
    Reporter r(file.string(), diags);
    YAML::Node entities = (*doc)["entities"];
    if (!entities || !entities.IsMap()) {
      r.error(*doc, "missing_key", "a canonical file holds 'entities: {name: {fields: ...}}'");
      continue;
    }
    Reporter::Key k(r, "entities");
    for (const auto& kv : entities) {
      const std::string name = kv.first.Scalar();
      Reporter::Key ke(r, name);
      if (model.entities_.count(name)) {
        r.error(kv.first, "duplicate_entity", "entity '" + name + "' is declared twice");
        continue;
      }
      auto entity = std::make_unique<Entity>();
      entity->name = name;
      entity->file = file.string();
      entity->pos = pos_of(kv.first);
      YAML::Node fields = kv.second["fields"];
      if (!fields || !fields.IsMap()) {
        r.error(kv.second, "missing_key", "an entity needs 'fields'");
        continue;
      }
      Reporter::Key kf(r, "fields");
      for (const auto& fkv : fields) load_field(r, *entity, fkv.first.Scalar(), fkv.second);
      model.entities_.emplace(name, std::move(entity));
    }
  }
  // Resolve object/array element types once every file is read.
  for (auto& [name, entity] : model.entities_) {
    for (auto& f : entity->fields) {
      if (f.of.empty()) continue;
      f.entity = model.find(f.of);
      if (!f.entity)
        diags.push_back({entity->file, f.pos, "unknown_entity",
                         "entities." + name + ".fields." + f.name,
                         "no entity named '" + f.of + "'"});
    }
  }
  return model;
}

std::string closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (auto c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace hub::mapping
