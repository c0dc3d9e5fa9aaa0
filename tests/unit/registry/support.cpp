#include "unit/registry/support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>

namespace hub::registry::testing {

Result<Outcome> run(boost::asio::awaitable<Result<Outcome>> op) {
  boost::asio::io_context ioc;
  std::optional<Result<Outcome>> out;
  boost::asio::co_spawn(
      ioc, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); },
      boost::asio::detached);
  ioc.run();
  return std::move(*out);
}

Caller agent(std::string key) {
  Caller c;
  c.principal = "agency-casa-anfa";
  c.correlation_id = "corr-client";
  c.idempotency_key = std::move(key);
  c.request_hash = "h";
  return c;
}

Caller supervisor(std::string key) {
  Caller c = agent(std::move(key));
  c.principal = "hub-admin";
  c.may_override = true;
  return c;
}

json::Doc body_of(const Result<Outcome>& a) {
  json::Doc d = json::object();
  if (a) d.CopyFrom(a->view, d.GetAllocator());
  return d;
}

std::string text_of(const Result<Outcome>& a) {
  return a ? json::dump(a->view) : "error: " + a.error().message;
}

void RegistryTest::SetUp() {
  db_ = std::make_unique<hub::testing::TestDatabase>(GetParam());
  if (!db_->available()) GTEST_SKIP() << db_->skip_reason();
  auto s = store::open(db_->options());
  ASSERT_TRUE(s) << s.error().message;
  store_ = std::move(*s);
  registry_ = std::make_unique<Registry>(*store_, facts_, clock_);
}

std::string RegistryTest::register_person(const std::string& cnie, const std::string& category) {
  auto r = run(registry_->register_insured(
      R"({"cnie":")" + cnie + R"(","category":")" + category + R"(","rib":")" + kRib + "\"}",
      agent()));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return "";
  return json::text(body_of(r), "/immatriculation").value_or("");
}

}  // namespace hub::registry::testing
