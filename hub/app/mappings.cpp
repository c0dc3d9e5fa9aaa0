// Where the served mappings come from (hub.mappings_from), and the mapping workbench's wiring
// (docs/workbench.md).
#include "hub/app/app.hpp"
#include "hub/core/log.hpp"
#include "hub/workbench/files.hpp"
#include "hub/workbench/published.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::app {
namespace {

Error folder_invalid(const std::string& dir, const mapping::LoadReport& report) {
  return make_error(Errc::internal,
                    "the mappings in " + dir + " do not compile or fail their cases:\n" +
                        workbench::problems_text(report),
                    "mappings_invalid");
}

}  // namespace

Result<void> App::load_mappings() {
  if (config_.mappings_from == "files") {
    auto report = mappings_->reload();
    if (report.ok()) return {};
    return folder_invalid(config_.mappings_dir, report);
  }
  // The store's published set; the folder seeds a store that holds none yet, once it has passed
  // the checks a publication passes (a broken seed would keep every node from starting).
  auto published = workbench::set_version(*store_);
  if (!published) return published.error();
  if (*published == 0) {
    auto report = mapping::load_mapping_set(config_.mappings_dir);
    if (!report.ok()) return folder_invalid(config_.mappings_dir, report);
  }
  auto files = workbench::read_mapping_files(config_.mappings_dir);
  if (!files) return files.error();
  auto seeded = workbench::seed_if_empty(*store_, *files, "configuration", node_->clock().now_ms());
  if (!seeded) return seeded.error();
  if (*seeded)
    log::info("mappings seeded into the store", {{"mappings", std::to_string(files->size())}});
  follower_ = std::make_unique<workbench::Follower>(*store_, *mappings_, config_.mappings_dir,
                                                    config_.workbench.poll);
  auto loaded = follower_->poll_once();
  if (!loaded) return loaded.error();
  return {};
}

void App::make_workbench() {
  sample_ = std::make_unique<workbench::AnswerSample>(config_.workbench.replay_sample);
  auto keep = [s = sample_.get()](std::string_view mapping, std::string_view body) {
    s->keep(mapping, body);
  };
  broker_->observe_answers(keep);
  if (events_) events_->observe_payloads(keep);
  workbench::WorkbenchParts parts;
  parts.store = store_.get();
  parts.base = config_.mappings_dir;
  parts.catalog = mappings_.get();
  parts.sample = sample_.get();
  parts.now_ms = [c = &node_->clock()] { return c->now_ms(); };
  if (follower_) parts.served = [f = follower_.get()] { return f->served(); };
  parts.publishing = follower_ != nullptr;
  workbench_ = std::make_unique<workbench::Workbench>(std::move(parts));
  workbench_pool_ = std::make_unique<registry::StorePool>(1);
}

}  // namespace hub::app
