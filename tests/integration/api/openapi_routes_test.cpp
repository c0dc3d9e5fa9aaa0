// Every route the hub serves is described in docs/openapi/, and every described operation is
// served. The routes are read from the routers the hub builds (hub::api::App, started on a test
// configuration that gives both listeners every interface), not from file names; the
// descriptions are read from every docs/openapi/*.yaml: same path (parameter names aside), same
// method, same role (the operation's `mutualTLS` security requirement). An operation marked
// `x-not-served: <why>` is described ahead of its code, and must not be served yet.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "hub/api/app.hpp"
#include "hub/config/config.hpp"
#include "support/hub_process.hpp"
#include "support/pki.hpp"

namespace ts = testing_support;
namespace fs = std::filesystem;

namespace {

// "/v1/insured/{number}" and "/v1/insured/{immatriculation}" are the same path.
std::string normal_path(const std::string& p) {
  return std::regex_replace(p, std::regex(R"(\{[^}]*\})"), "{}");
}

// A served route's described path: the pages' assets are served one exact route per built file,
// named by Vite with their content hash, and web.yaml describes them as /assets/{file}.
std::string served_path(const std::string& pattern) {
  return pattern.starts_with("/assets/") ? "/assets/{}" : normal_path(pattern);
}

struct Described {
  std::string file;
  std::string role;        // "" : any known principal
  std::string not_served;  // x-not-served: why; "" when served
};
using Key = std::pair<std::string, std::string>;  // method (upper case), normal path

// The role an operation's security requirement names: {mutualTLS: [role]}; the document's
// `security` when the operation has none.
std::string role_of(const YAML::Node& op, const YAML::Node& doc) {
  const YAML::Node security = op["security"] ? op["security"] : doc["security"];
  if (!security || !security.IsSequence() || security.size() == 0) return "<no security>";
  const YAML::Node roles = security[0]["mutualTLS"];
  if (!roles || !roles.IsSequence()) return "<not mutualTLS>";
  if (roles.size() == 0) return "";
  return roles.size() == 1 ? roles[0].as<std::string>() : "<several roles>";
}

// Every operation of every description; a file that is not YAML is a problem in `problems`.
std::map<Key, std::vector<Described>> read_descriptions(std::vector<std::string>& problems) {
  std::map<Key, std::vector<Described>> out;
  for (const auto& f : fs::directory_iterator(ts::source_dir() + "/docs/openapi")) {
    if (f.path().extension() != ".yaml") continue;
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(f.path().string());
    } catch (const YAML::Exception& e) {
      problems.push_back(f.path().filename().string() + ": " + e.what());
      continue;
    }
    for (const auto& path : doc["paths"]) {
      for (const auto& op : path.second) {
        std::string method = op.first.as<std::string>();
        // HEAD and OPTIONS are the router's own, on every path (operations.yaml says how).
        if (method != "get" && method != "put" && method != "post" && method != "patch" &&
            method != "delete") {
          continue;
        }
        for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        Described d{f.path().filename().string(), role_of(op.second, doc), ""};
        if (op.second["x-not-served"]) d.not_served = op.second["x-not-served"].as<std::string>();
        out[{method, normal_path(path.first.as<std::string>())}].push_back(d);
      }
    }
  }
  return out;
}

class OpenApiRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = ts::temp_dir("cnss-openapi-routes");
    ts::HubOptions o;
    o.mappings = true;  // the registration and partner interfaces need the mappings
    // The recipes' partners, never called: the routes only need them configured.
    o.exchange_yaml = ts::default_exchange_yaml();
    std::map<std::string, unsigned short> partners;
    const std::regex partner(R"(partner: (\w+))");
    for (std::sregex_iterator m(o.exchange_yaml.begin(), o.exchange_yaml.end(), partner), end;
         m != end; ++m) {
      partners[(*m)[1]] = 1;
    }
    o.partners_yaml = ts::partners_for_sim(partners);
    // The web interface serves a pages folder: one page and one asset, as Vite builds them.
    o.web_dir = dir + "/web";
    std::filesystem::create_directories(o.web_dir + "/agency");
    std::filesystem::create_directories(o.web_dir + "/assets");
    std::ofstream(o.web_dir + "/agency/index.html") << "<!doctype html><title>Agence</title>";
    std::ofstream(o.web_dir + "/assets/agency-Bx12_z.js") << "console.log('page')";
    const std::string file = dir + "/hub.yaml";
    std::ofstream(file) << ts::hub_test_config(dir, o);
    auto loaded = hub::config::load_hub_config(file, true);
    ASSERT_TRUE(loaded.config) << loaded.problems.front().to_string();
    // Every interface on both listeners: whatever a configuration may serve.
    for (auto& l : loaded.config->listeners) l.interfaces = hub::config::interface_names();
    app_ = new hub::api::App(std::move(*loaded.config));
    auto started = app_->start();
    ASSERT_TRUE(started) << started.error().message;
    routes_ = app_->routes();
    described_ = read_descriptions(problems_);
  }
  static void TearDownTestSuite() {
    delete app_;
    app_ = nullptr;
  }

  static hub::api::App* app_;
  static std::map<std::string, std::vector<hub::http::RouteInfo>> routes_;
  static std::map<Key, std::vector<Described>> described_;
  static std::vector<std::string> problems_;
};
hub::api::App* OpenApiRoutes::app_ = nullptr;
std::map<std::string, std::vector<hub::http::RouteInfo>> OpenApiRoutes::routes_;
std::map<Key, std::vector<Described>> OpenApiRoutes::described_;
std::vector<std::string> OpenApiRoutes::problems_;

TEST_F(OpenApiRoutes, EveryDescriptionIsYaml) {
  for (const auto& p : problems_) ADD_FAILURE() << p;
}

TEST_F(OpenApiRoutes, BothListenersServeEveryInterface) {
  ASSERT_EQ(routes_.size(), 2u);
  for (const auto& [listener, routes] : routes_) {
    std::set<std::string> prefixes;
    for (const auto& r : routes) prefixes.insert(r.pattern.substr(0, r.pattern.find('/', 1)));
    // ops, registration (prefill and the registry), partner, admin.
    for (const char* p : {"/healthz", "/readyz", "/metrics", "/v1", "/partner", "/admin"}) {
      EXPECT_TRUE(prefixes.contains(p)) << listener << " serves nothing under " << p;
    }
  }
}

TEST_F(OpenApiRoutes, EveryServedRouteIsDescribedWithItsRole) {
  std::size_t checked = 0;
  for (const auto& [listener, routes] : routes_) {
    for (const auto& r : routes) {
      ++checked;
      auto it = described_.find({r.method, served_path(r.pattern)});
      if (it == described_.end()) {
        ADD_FAILURE() << listener << " serves " << r.method << " " << r.pattern
                      << ", described in no docs/openapi file";
        continue;
      }
      ASSERT_EQ(it->second.size(), 1u)
          << r.method << " " << r.pattern << " is described twice: " << it->second[0].file << ", "
          << it->second[1].file;
      const auto& d = it->second.front();
      EXPECT_EQ(d.role, r.role) << r.method << " " << r.pattern << " in " << d.file
                                << ": the security requirement names another role";
      EXPECT_TRUE(d.not_served.empty())
          << r.method << " " << r.pattern << " is served: remove x-not-served in " << d.file;
    }
  }
  EXPECT_GT(checked, 40u);
}

TEST_F(OpenApiRoutes, EveryDescribedOperationIsServedOrSaysWhyNot) {
  std::set<Key> served;
  for (const auto& [listener, routes] : routes_) {
    for (const auto& r : routes) served.insert({r.method, served_path(r.pattern)});
  }
  for (const auto& [key, descriptions] : described_) {
    for (const auto& d : descriptions) {
      if (!d.not_served.empty()) continue;  // checked above: not served yet
      EXPECT_TRUE(served.contains(key))
          << d.file << " describes " << key.first << " " << key.second
          << ", which no listener serves (mark it `x-not-served: <why>` if it is ahead)";
    }
  }
}

}  // namespace
