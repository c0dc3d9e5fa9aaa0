// Three real cnss-hub nodes on one PostgreSQL, behind a real HAProxy in TCP mode, with the real
// simulators (tests/integration/cluster). PostgreSQL itself is reached through the same HAProxy
// (its "pg" frontend), so that a test can make it unreachable and bring it back.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "support/haproxy_process.hpp"
#include "support/hub_process.hpp"
#include "support/json_reply.hpp"
#include "support/pki.hpp"
#include "support/sim_process.hpp"
#include "support/tls_client.hpp"
#include "unit/store/engines.hpp"

namespace testing_support {

class ClusterTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    if (!HaproxyProcess::available()) GTEST_SKIP() << "haproxy is not installed (scripts/setup.sh)";
    db_ = std::make_unique<hub::testing::TestDatabase>("postgresql");
    if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
    std::smatch m;
    const std::string base = std::getenv("CNSS_TEST_PG_URL");
    ASSERT_TRUE(std::regex_search(base, m, std::regex("port=([0-9]+)"))) << base;
    sim_ = std::make_unique<SimProcess>();
    dir_ = temp_dir("cnss-cluster-test");
    clock_file_ = dir_ + "/clock-days";
    set_day(0);
    for (int i = 0; i < kNodes; ++i) {
      internal_[i] = free_port();
      partners_[i] = free_port();
    }
    admin_pem_ = pem_bundle(dir_, pki("clients/admin.crt"), pki("clients/admin.key"));
    lb_ = std::make_unique<HaproxyProcess>(std::vector<HaproxyFrontend>{
        {"internal", {internal_.begin(), internal_.end()}, admin_pem_, ""},
        {"partners", {partners_.begin(), partners_.end()}, "", "internal"},
        {"pg", {static_cast<unsigned short>(std::stoi(m[1]))}, "", ""}});
    // The nodes reach PostgreSQL through HAProxy (later keywords of a libpq string win).
    const std::string url =
        db_->pg_url() + " host=127.0.0.1 port=" + std::to_string(lb_->port("pg"));
    for (int i = 0; i < kNodes; ++i) {
      HubOptions& o = options_[i];
      o.mappings = true;
      o.partners_yaml = partners_for_sim(sim_->ports(), "", 3000);
      o.exchange_yaml = default_exchange_yaml(8000);
      o.store_yaml = store_yaml("postgresql", "", url);
      o.internal_port = internal_[i];
      o.partners_port = partners_[i];
      o.extra_yaml = "testing:\n  clock_offset_file: " + clock_file_ + "\n";
    }
    // Every node signs its journal entries' identifier hashes with the same key (one HMAC for one
    // identifier, whichever node asked): node 1 makes it, the others get a copy.
    start(0);
    for (int i = 1; i < kNodes; ++i) {
      options_[i].dir = temp_dir("cnss-hub-test");
      std::filesystem::create_directories(options_[i].dir + "/data");
      std::filesystem::copy_file(nodes_[0]->dir() + "/data/audit.key",
                                 options_[i].dir + "/data/audit.key");
      start(i);
    }
  }

  // On failure, what each node last logged (and whether it is still running).
  void TearDown() override {
    if (!HasFailure()) return;
    for (int i = 0; i < kNodes; ++i) {
      if (!nodes_[i]) continue;
      const auto lines = nodes_[i]->process().lines();
      const auto status = nodes_[i]->process().wait_exit(std::chrono::milliseconds(0));
      std::cerr << "node " << i + 1
                << (status ? " (exited, wait status " + std::to_string(*status) + ")" : "")
                << ", last lines:\n";
      for (std::size_t k = lines.size() > 15 ? lines.size() - 15 : 0; k < lines.size(); ++k) {
        std::cerr << "  " << lines[k].substr(0, 400) << "\n";
      }
    }
  }

  // Starts node i (again, after a kill: the same folder, ports and database).
  void start(int i) {
    nodes_[i] = std::make_unique<HubProcess>(options_[i]);
    options_[i].dir = nodes_[i]->dir();
  }

  // The simulated clock of every node: `days` ahead of today (hub/cluster/offset_clock.hpp).
  void set_day(int days) {
    const std::string tmp = clock_file_ + ".tmp";
    std::ofstream(tmp) << days << "\n";
    std::filesystem::rename(tmp, clock_file_);
  }

  // A call through HAProxy's internal frontend, as the agency.
  Reply call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& key = "") {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
    if (!key.empty()) h.emplace_back("Idempotency-Key", key);
    auto setup = client("agency");
    setup.timeout = std::chrono::seconds(20);
    return reply_of(https_request(lb_->port("internal"), setup, method, target, body, h));
  }

  // Rows of a query on the test database (each row's columns joined by '|').
  std::vector<std::string> sql(const std::string& query) {
    PGconn* c = PQconnectdb(db_->pg_url().c_str());
    PGresult* r = PQexec(c, query.c_str());
    std::vector<std::string> rows;
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(c) << query;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string row;
      for (int j = 0; j < PQnfields(r); ++j)
        row += (j ? "|" : "") + std::string(PQgetvalue(r, i, j));
      rows.push_back(row);
    }
    PQclear(r);
    PQfinish(c);
    return rows;
  }

  std::unique_ptr<hub::testing::TestDatabase> db_;
  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<HaproxyProcess> lb_;
  std::string dir_;
  std::string clock_file_;
  std::string admin_pem_;
  std::array<unsigned short, kNodes> internal_{};
  std::array<unsigned short, kNodes> partners_{};
  std::array<HubOptions, kNodes> options_;
  std::array<std::unique_ptr<HubProcess>, kNodes> nodes_;
};

}  // namespace testing_support
