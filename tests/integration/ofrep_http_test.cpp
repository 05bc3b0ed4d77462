// OFREP on the real binary: an application key reads support-refunds' kill switches as flags,
// sees a pause and a disabled tool as soon as a responder sets them (and the pause gone once
// lifted), a staged lift answers each targetingKey as /v1/decide does, the bulk answer carries an
// ETag that changes with the controls and the inventory and answers 304 while nothing changed,
// and errors come in OFREP's shapes (which providers parse) with the route's roles enforced.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "server_fixture.h"

namespace aiir {
namespace {

namespace json = boost::json;
using testing::text;

constexpr const char* kUser = R"({"context": {"targetingKey": "user-1"}})";

class OfrepHttpTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    app_ = create_key("app", "refunds-app");
  }

  // POSTs an evaluation with the app key; the parsed body (null when it is empty).
  json::value evaluate(const std::string& flag, const std::string& body = kUser,
                       int expected_status = 200) {
    auto r = send(app_, "POST", "/ofrep/v1/evaluate/flags/" + flag, body);
    EXPECT_EQ(r.status, expected_status) << flag << ": " << r.body;
    return r.body.empty() ? json::value() : json::parse(r.body);
  }

  // Sets a control as the responder; its id.
  std::string set_control(const std::string& fields) {
    auto r = send(responder_, "POST", "/v1/controls",
                  R"({"workflow": "support-refunds", "reason": "refunds issued twice", )" + fields +
                      "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? text(json::parse(r.body), "id") : "";
  }

  cli::ClientResponse bulk(const std::string& body, const std::string& if_none_match = "") {
    cli::HttpClient client(url_, app_);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!if_none_match.empty()) headers.emplace_back("If-None-Match", if_none_match);
    auto r = client.request("POST", "/ofrep/v1/evaluate/flags", body, "application/json", headers);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : cli::ClientResponse{};
  }

  std::string app_;
};

TEST_F(OfrepHttpTest, AppSeesAPauseAndADisabledToolAsSoonAsTheyAreSetAndThePauseGoneWhenLifted) {
  json::value before = evaluate("support-refunds.paused");
  EXPECT_EQ(before.at("key"), "support-refunds.paused");
  EXPECT_EQ(before.at("value"), false);
  EXPECT_EQ(before.at("reason"), "STATIC");
  EXPECT_EQ(before.at("variant"), "off");
  EXPECT_EQ(evaluate("support-refunds.tool.issue_refund.enabled").at("value"), true);
  EXPECT_EQ(evaluate("support-refunds.prompt.version").at("value"), "v7");

  std::string pause = set_control(R"("kind": "pause")");
  std::string disable = set_control(R"("kind": "disable_tool", "tool": "issue_refund")");
  json::value paused = evaluate("support-refunds.paused");
  EXPECT_EQ(paused.at("value"), true);
  EXPECT_EQ(paused.at("reason"), "TARGETING_MATCH");
  EXPECT_EQ(paused.at("metadata").at("controls"), json::value(pause));
  EXPECT_GE(paused.at("metadata").at("controls_version").to_number<std::int64_t>(), 2);
  json::value tool = evaluate("support-refunds.tool.issue_refund.enabled");
  EXPECT_EQ(tool.at("value"), false);
  EXPECT_EQ(tool.at("metadata").at("controls"), json::value(disable));
  EXPECT_EQ(evaluate("support-refunds.tool.lookup_order.enabled").at("value"), true);

  auto lifted = send(responder_, "POST", "/v1/controls/" + pause + "/lift",
                     R"({"reason": "duplicate refunds fixed"})");
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(evaluate("support-refunds.paused").at("value"), false);
  EXPECT_EQ(evaluate("support-refunds.tool.issue_refund.enabled").at("value"), false);
}

TEST_F(OfrepHttpTest, PinsAndNarrowedToolsReadAsVersionAndLimits) {
  std::string pin = set_control(
      R"("kind": "pin_version", "part_kind": "prompt", "part_name": "refund-policy", )"
      R"("version": "v6")");
  set_control(R"("kind": "narrow_tool", "tool": "issue_refund",
                 "limits": [{"argument": "amount", "max": 50}])");
  json::value version = evaluate("support-refunds.prompt.refund-policy.version");
  EXPECT_EQ(version.at("value"), "v6");
  EXPECT_EQ(version.at("variant"), "v6");
  EXPECT_EQ(version.at("metadata").at("controls"), json::value(pin));
  EXPECT_EQ(evaluate("support-refunds.model.version").at("value"), "gpt-4o-2024-08-06");
  EXPECT_EQ(json::serialize(evaluate("support-refunds.tool.issue_refund.limits").at("value")),
            R"({"amount":{"max":50}})");
}

TEST_F(OfrepHttpTest, AStagedLiftAnswersEachTargetingKeyAsDecideDoes) {
  std::string pause = set_control(R"("kind": "pause")");
  auto staged = send(responder_, "POST", "/v1/controls/" + pause + "/lift",
                     R"({"percent": 50, "reason": "let half the users back in"})");
  ASSERT_EQ(staged.status, 200) << staged.body;
  int lifted = 0;
  for (int i = 0; i < 20; ++i) {
    std::string user = "user-" + std::to_string(i);
    json::value flag = evaluate("support-refunds.paused",
                                R"({"context": {"targetingKey": ")" + user + "\"}}");
    EXPECT_EQ(flag.at("reason"), "SPLIT");
    auto decided = send(app_, "POST", "/v1/decide",
                        R"({"workflow": "support-refunds", "action": "llm", "user": ")" + user +
                            "\"}");
    ASSERT_EQ(decided.status, 200) << decided.body;
    bool denied = text(json::parse(decided.body), "decision") == "deny";
    EXPECT_EQ(flag.at("value").as_bool(), denied) << user;
    if (!denied) ++lifted;
  }
  EXPECT_GT(lifted, 0);
  EXPECT_LT(lifted, 20);
}

TEST_F(OfrepHttpTest, BulkETagChangesWithTheControlsAndTheInventoryAnd304sOtherwise) {
  auto first = bulk(kUser);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string etag = first.header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  json::value body = json::parse(first.body);
  bool has_paused = false;
  for (const auto& flag : body.at("flags").as_array()) {
    if (flag.at("key") == "support-refunds.paused") has_paused = flag.at("value") == false;
  }
  EXPECT_TRUE(has_paused) << first.body;

  auto unchanged = bulk(kUser, etag);
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty());
  EXPECT_EQ(unchanged.header("ETag"), etag);
  EXPECT_EQ(bulk(kUser, "\"other\", W/" + etag).status, 304);
  EXPECT_EQ(bulk(kUser, "\"other\"").status, 200);

  set_control(R"("kind": "block_source", "source": "orders-db")");
  auto changed = bulk(kUser, etag);
  ASSERT_EQ(changed.status, 200);
  EXPECT_NE(changed.header("ETag"), etag);
  EXPECT_NE(changed.body.find("support-refunds.source.orders-db.enabled"), std::string::npos);

  // The inventory is part of the answer: a new current prompt version changes the tag too.
  std::string before_reload = changed.header("ETag");
  const std::string workflow_file = dir_.file("config/workflows/support-refunds.yaml");
  std::string yaml = testing::read_file(workflow_file);
  auto at = yaml.find("current: v7");
  ASSERT_NE(at, std::string::npos);
  testing::write_file(workflow_file, yaml.replace(at, 11, "current: v6"));
  auto reload = send(admin_, "POST", "/v1/admin/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  auto reloaded = bulk(kUser, before_reload);
  ASSERT_EQ(reloaded.status, 200);
  EXPECT_NE(reloaded.header("ETag"), before_reload);
  EXPECT_EQ(evaluate("support-refunds.prompt.version").at("value"), "v6");

  auto one = bulk(R"({"context": {"targetingKey": "u", "workflow": "support-refunds"}})");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(bulk(R"({"context": {"workflow": "nobody"}})").status, 400);
}

TEST_F(OfrepHttpTest, ErrorsComeInOfrepsShapes) {
  json::value missing = evaluate("support-refunds.nothing", kUser, 404);
  EXPECT_EQ(missing.at("key"), "support-refunds.nothing");
  EXPECT_EQ(missing.at("errorCode"), "FLAG_NOT_FOUND");
  EXPECT_FALSE(text(missing, "errorDetails").empty());
  EXPECT_EQ(evaluate("nobody.paused", kUser, 404).at("errorCode"), "FLAG_NOT_FOUND");
  EXPECT_EQ(evaluate("support-refunds.paused", "{not json", 400).at("errorCode"), "PARSE_ERROR");
  EXPECT_EQ(evaluate("support-refunds.paused", R"({"context": 3})", 400).at("errorCode"),
            "INVALID_CONTEXT");
  EXPECT_EQ(evaluate("support-refunds.paused", R"({"context": {"targetingKey": 5}})", 400)
                .at("errorCode"),
            "INVALID_CONTEXT");
  // No context at all is an empty one.
  EXPECT_EQ(evaluate("support-refunds.paused", "{}").at("value"), false);

  auto bad_bulk = bulk("[1]");
  EXPECT_EQ(bad_bulk.status, 400);
  EXPECT_EQ(text(json::parse(bad_bulk.body), "errorCode"), "PARSE_ERROR");
}

TEST_F(OfrepHttpTest, AppResponderAndViewerKeysMayReadFlagsOthersMayNot) {
  const std::string path = "/ofrep/v1/evaluate/flags/support-refunds.paused";
  EXPECT_EQ(send(viewer_, "POST", path, kUser).status, 200);
  EXPECT_EQ(send(responder_, "POST", path, kUser).status, 200);
  EXPECT_EQ(send(ingest_, "POST", path, kUser).status, 403);
  EXPECT_EQ(send("", "POST", path, kUser).status, 401);
}

}  // namespace
}  // namespace aiir
