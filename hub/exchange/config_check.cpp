#include "hub/exchange/config_check.hpp"

#include <charconv>

#include "hub/exchange/adapter.hpp"

namespace hub::exchange {
namespace {

using Problems = std::vector<config::Problem>;

bool parses_as_integer(const std::string& text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end && !text.empty();
}

const char* type_name(OptionSpec::Type t) {
  switch (t) {
    case OptionSpec::Type::integer:
      return "an integer";
    case OptionSpec::Type::boolean:
      return "true or false";
    case OptionSpec::Type::string:
      break;
  }
  return "a string";
}

// One option's value against its spec; nullopt when it fits.
std::optional<std::pair<std::string, std::string>> misfit(const OptionSpec& spec,
                                                          const std::string& value) {
  using T = OptionSpec::Type;
  if (spec.type == T::boolean && value != "true" && value != "false") {
    return std::pair{"wrong_type", "expected " + std::string(type_name(spec.type))};
  }
  if (spec.type != T::integer) return std::nullopt;
  std::int64_t n = 0;
  if (!parses_as_integer(value, n)) {
    return std::pair{"wrong_type", "expected " + std::string(type_name(spec.type))};
  }
  if ((spec.min != 0 || spec.max != 0) && (n < spec.min || n > spec.max)) {
    return std::pair{"out_of_range", "must be between " + std::to_string(spec.min) + " and " +
                                         std::to_string(spec.max)};
  }
  return std::nullopt;
}

void check_options(const config::HubConfig& c, const config::PartnerEndpoint& p,
                   const AdapterSchema& schema, Problems& out) {
  const std::string base = "/partners/" + p.name + "/options";
  for (const auto& [name, value] : p.options) {
    const OptionSpec* spec = schema.option(name);
    if (spec == nullptr) {
      std::string known;
      for (const auto& o : schema.options) known += (known.empty() ? "" : ", ") + o.name;
      out.push_back(c.problem_at(base + "/" + name, true, "unknown_option",
                                 "adapter '" + p.adapter + "' has no option '" + name +
                                     "' (its options: " + (known.empty() ? "none" : known) + ")"));
    } else if (auto bad = misfit(*spec, value)) {
      out.push_back(c.problem_at(base + "/" + name, false, bad->first,
                                 "option '" + name + "': " + bad->second));
    }
  }
  for (const auto& o : schema.options) {
    if (o.required && !p.options.contains(o.name)) {
      out.push_back(c.problem_at(base, true, "missing_key",
                                 "adapter '" + p.adapter + "' requires option '" + o.name + "'"));
    }
  }
}

void check_partners(const config::HubConfig& c, Problems& out) {
  const auto& catalog = AdapterCatalog::instance();
  for (const auto& p : c.partners) {
    const AdapterSchema* schema = catalog.schema(p.adapter);
    if (schema != nullptr) {
      check_options(c, p, *schema, out);
      continue;
    }
    std::string known;
    for (const auto& n : catalog.names()) known += (known.empty() ? "" : ", ") + n;
    out.push_back(c.problem_at("/partners/" + p.name + "/adapter", false, "unknown_adapter",
                               "no adapter named '" + p.adapter + "' (known: " + known + ")"));
  }
}

const config::PartnerEndpoint* partner_named(const config::HubConfig& c, const std::string& name) {
  for (const auto& p : c.partners) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void check_mapping(const config::HubConfig& c, const mapping::Snapshot* mappings,
                   const std::string& id, const std::string& path, Problems& out) {
  if (mappings == nullptr || id.empty() || mappings->find(id)) return;
  out.push_back(
      c.problem_at(path, false, "unknown_mapping", "no mapping '" + id + "' in hub.mappings_dir"));
}

void check_recipes(const config::HubConfig& c, const mapping::Snapshot* mappings, Problems& out) {
  for (const auto& [name, recipe] : c.exchange.recipes) {
    for (std::size_t i = 0; i < recipe.steps.size(); ++i) {
      const auto& st = recipe.steps[i];
      const std::string path = "/exchange/recipes/" + name + "/steps/" + std::to_string(i);
      const auto* partner = partner_named(c, st.partner);  // an unknown one: config.cpp says so
      const auto* schema = partner ? AdapterCatalog::instance().schema(partner->adapter) : nullptr;
      if (schema != nullptr && !schema->has_operation(st.operation)) {
        std::string known;
        for (const auto& op : schema->operations) known += (known.empty() ? "" : ", ") + op;
        out.push_back(c.problem_at(path + "/operation", false, "unknown_operation",
                                   "adapter '" + partner->adapter + "' has no operation '" +
                                       st.operation + "' (its operations: " + known + ")"));
      }
      check_mapping(c, mappings, st.mapping, path + "/mapping", out);
    }
  }
}

}  // namespace

std::vector<config::Problem> check_references(const config::HubConfig& c,
                                              const mapping::Snapshot* mappings) {
  Problems out;
  check_partners(c, out);
  check_recipes(c, mappings, out);
  for (const auto& s : c.events.sources) {
    check_mapping(c, mappings, s.mapping, "/events/sources/" + s.partner + "/mapping", out);
  }
  return out;
}

std::string problems_text(const std::vector<config::Problem>& problems) {
  std::string text;
  for (const auto& p : problems) text += p.to_string() + "\n";
  return text;
}

}  // namespace hub::exchange
