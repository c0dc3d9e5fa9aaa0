// Adapters' schemas: the operations each declares are the ones it builds, and `check_references`
// holds a partner's options to its adapter's schema (name, type, range, required).
#include <gtest/gtest.h>

#include "hub/exchange/adapter.hpp"
#include "hub/exchange/config_check.hpp"

namespace {

using hub::exchange::AdapterCatalog;

// A test adapter with one option of each type.
class TypedAdapter final : public hub::exchange::Adapter {
 public:
  hub::Result<hub::http::Request> build(const hub::exchange::Query&) const override {
    return hub::make_error(hub::Errc::internal, "not called");
  }
};

const auto kTyped =
    hub::exchange::registration<TypedAdapter>("typed_test", {"lookup"},
                                              {hub::exchange::integer_option("page_size", 1, 100),
                                               hub::exchange::boolean_option("strict", "false"),
                                               hub::exchange::required_string_option("realm")});

hub::config::HubConfig with_options(std::map<std::string, std::string> options) {
  hub::config::HubConfig c;
  c.source_file = "hub.yaml";
  hub::config::PartnerEndpoint p;
  p.name = "partner";
  p.adapter = "typed_test";
  p.options = std::move(options);
  c.partners.push_back(p);
  c.positions["/partners/partner/options/page_size"] = {{7, 5}, {7, 16}};
  return c;
}

std::vector<std::string> codes(const hub::config::HubConfig& c) {
  std::vector<std::string> out;
  for (const auto& p : hub::exchange::check_references(c, nullptr)) out.push_back(p.code);
  return out;
}

TEST(AdapterSchema, OptionsThatFitAreAccepted) {
  EXPECT_TRUE(
      codes(with_options({{"realm", "x"}, {"page_size", "100"}, {"strict", "true"}})).empty());
}

TEST(AdapterSchema, AnOptionOfTheWrongTypeIsRefusedAtItsValue) {
  const auto problems = hub::exchange::check_references(
      with_options({{"realm", "x"}, {"page_size", "ten"}}), nullptr);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(),
            "hub.yaml:7:16: wrong_type: option 'page_size': expected an integer (at "
            "/partners/partner/options/page_size)");
  EXPECT_EQ(codes(with_options({{"realm", "x"}, {"strict", "yes"}})),
            std::vector<std::string>{"wrong_type"});
}

TEST(AdapterSchema, AnIntegerOutOfItsRangeIsRefused) {
  EXPECT_EQ(codes(with_options({{"realm", "x"}, {"page_size", "101"}})),
            std::vector<std::string>{"out_of_range"});
  EXPECT_EQ(codes(with_options({{"realm", "x"}, {"page_size", "0"}})),
            std::vector<std::string>{"out_of_range"});
}

TEST(AdapterSchema, AnUnknownOrAMissingRequiredOptionIsRefused) {
  EXPECT_EQ(codes(with_options({{"realm", "x"}, {"pagesize", "10"}})),
            std::vector<std::string>{"unknown_option"});
  EXPECT_EQ(codes(with_options({})), std::vector<std::string>{"missing_key"});
}

TEST(AdapterSchema, AnUnknownAdapterIsRefused) {
  auto c = with_options({});
  c.partners[0].adapter = "nobody";
  EXPECT_EQ(codes(c), std::vector<std::string>{"unknown_adapter"});
}

// Every shipped adapter builds each operation it declares, and refuses one it does not.
TEST(AdapterSchema, EveryAdapterBuildsExactlyTheOperationsItDeclares) {
  const auto& catalog = AdapterCatalog::instance();
  for (const auto& name : {"anrc", "dgct", "dgi", "dgsn", "ompic"}) {
    const auto* schema = catalog.schema(name);
    ASSERT_NE(schema, nullptr) << name;
    hub::config::PartnerEndpoint e;
    e.name = e.adapter = name;
    auto adapter = catalog.make(e);
    ASSERT_TRUE(adapter) << name;
    const std::map<std::string, std::string> params = {{"cnie", "BK123456"},
                                                       {"ice", "001234567000089"},
                                                       {"if", "1234567"},
                                                       {"rc", "12345"},
                                                       {"tribunal", "CASA"}};
    for (const auto& op : schema->operations) {
      auto req = (*adapter)->build({op, params, "IMMATRICULATION", "c-1"});
      EXPECT_TRUE(req) << name << " " << op << ": " << req.error().message;
    }
    EXPECT_FALSE((*adapter)->build({"no_such_operation", params, "IMMATRICULATION", "c-1"}))
        << name;
  }
}

// DGSN's options take their schema's defaults when conf/hub.yaml leaves them out.
TEST(AdapterSchema, DefaultsAreGivenToTheAdapter) {
  hub::config::PartnerEndpoint e;
  e.name = e.adapter = "dgsn";
  auto adapter = AdapterCatalog::instance().make(e);
  ASSERT_TRUE(adapter);
  auto req = (*adapter)->build({"identity", {{"cnie", "BK123456"}}, "IMMATRICULATION", "c-1"});
  ASSERT_TRUE(req);
  EXPECT_EQ(req->target(), "/ws/cnie/v2");
  EXPECT_NE(req->body().find("<cnie:Organisme>CNSS</cnie:Organisme>"), std::string::npos);
}

}  // namespace
