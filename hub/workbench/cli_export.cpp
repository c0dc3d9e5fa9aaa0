#include "hub/workbench/cli_export.hpp"

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "hub/config/config.hpp"
#include "hub/workbench/versions.hpp"

namespace hub::workbench {
namespace {

constexpr const char* kUsage = R"(Usage: cnss-hub mapping export --config FILE DIR
  Writes the store's published set (the latest version of each mapping, with its golden cases,
  and of each code table) to DIR in the layout of mappings/, with the configuration's
  canonical/.
  Exit status: 0 written, 1 store or file error, 2 usage or invalid configuration.
)";

int fail(const std::string& what) {
  std::fprintf(stderr, "cnss-hub mapping export: %s\n", what.c_str());
  return 1;
}

// Copies canonical/ beside the exported mappings (unless DIR is the folder itself), and tables/
// when the store holds no code table (a set stored before they were versioned).
bool copy_model(const std::filesystem::path& from, const std::filesystem::path& to,
                bool with_tables) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::equivalent(from, to, ec)) return true;
  for (const char* sub : {"canonical", "tables"}) {
    if (std::string_view(sub) == "tables" && !with_tables) continue;
    fs::create_directories(to / sub, ec);
    fs::copy(from / sub, to / sub,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return false;
  }
  return true;
}

}  // namespace

int run_export_cli(int argc, char** argv) {
  std::string config_file, dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (dir.empty() && !a.starts_with("-")) {
      dir = argv[i];
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (config_file.empty() || dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto loaded = config::load_hub_config(config_file, true);
  if (!loaded.config) {
    for (const auto& p : loaded.problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    return 2;
  }
  const auto& c = *loaded.config;
  auto st = store::open({c.store.engine, c.store.path, c.store.url, 1});
  if (!st) return fail(st.error().message);
  auto latest = latest_versions(**st);
  if (!latest) return fail(latest.error().message);
  if (latest->empty())
    return fail(
        "the store holds no published mapping (hub.mappings_from: store seeds it at the first "
        "start)");
  std::vector<MappingFiles> files;
  bool tables = false;
  for (const auto& v : *latest) {
    files.push_back(v.files);
    tables = tables || v.files.is_table();
  }
  if (!c.mappings_dir.empty() && !copy_model(c.mappings_dir, dir, !tables))
    return fail("cannot copy canonical/ to " + dir);
  if (auto w = write_mapping_files(dir, files); !w) return fail(w.error().message);
  for (const auto& v : *latest)
    std::printf("%s\tversion %lld\t%s\n", v.meta.mapping.c_str(),
                static_cast<long long>(v.meta.version), v.files.file.c_str());
  return 0;
}

}  // namespace hub::workbench
