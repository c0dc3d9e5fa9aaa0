#include "hub/feed/mask.hpp"

#include "hub/partner/records.hpp"

#include <algorithm>

namespace hub::feed {
namespace {

// Each feed kind's identifying field, the one its change's `id` is, with a value of its form.
struct IdField {
  std::string_view kind, field, sample;
};
constexpr IdField kIdFields[] = {{"person", "cnie", "BK123456"},
                                 {"insured", "immatriculation", "100000018"},
                                 {"family", "immatriculation", "100000018"},
                                 {"employer", "affiliation_number", "1000005"}};

bool mask_serves_id(std::string_view kind, const agreements::FieldMask& mask) {
  for (const auto& id : kIdFields) {
    if (id.kind != kind) continue;
    auto probe =
        mask.apply("{\"" + std::string(id.field) + "\":\"" + std::string(id.sample) + "\"}");
    return probe &&
           std::find(probe->fields.begin(), probe->fields.end(), id.field) != probe->fields.end();
  }
  return false;
}

}  // namespace

Result<ConsumerMasks> ConsumerMasks::of(const std::vector<agreements::Agreement>& set,
                                        std::string_view principal,
                                        std::shared_ptr<const mapping::Snapshot> mappings,
                                        std::chrono::sys_days today) {
  std::map<std::string, std::vector<agreements::MaskField>, std::less<>> fields;
  for (const auto& a : set) {
    if (a.principal != principal || !a.in_force(today)) continue;
    for (const auto& r : a.resources) {
      const auto* kind = agreements::find_resource_kind(r.name);
      if (kind == nullptr || !kind->feed) continue;
      auto& f = fields[r.name];
      f.insert(f.end(), r.fields.begin(), r.fields.end());
    }
  }
  if (fields.empty()) {
    return make_error(Errc::forbidden,
                      "no agreement in force lets " + std::string(principal) +
                          " read the change feed (a resource person, insured, family or employer)",
                      "no_agreement");
  }
  ConsumerMasks out;
  for (const auto& [name, listed] : fields) {
    const auto* kind = agreements::find_resource_kind(name);
    const mapping::Entity* entity = mappings ? mappings->model().find(kind->entity) : nullptr;
    if (entity == nullptr) continue;  // no canonical entity: nothing of the kind is served
    auto mask = agreements::FieldMask::compile(listed, *entity);
    if (mask_serves_id(name, mask)) out.ids_.insert(name);
    out.masks_.emplace(name, std::move(mask));
  }
  out.mappings_ = std::move(mappings);
  return out;
}

std::optional<std::string> ConsumerMasks::state(std::string_view kind,
                                                std::string_view state_json) const {
  const auto mask = masks_.find(kind);
  if (mask == masks_.end()) return std::nullopt;
  const auto record = partner::feed_record(kind, state_json);
  if (!record) return std::string("{}");
  auto masked = mask->second.apply(*record);
  return masked ? std::move(masked->json) : std::string("{}");
}

}  // namespace hub::feed
