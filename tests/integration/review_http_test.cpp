// The human review queue on the real binary: the application submits a held output and
// long-polls while a reviewer, who sees the evidence from the stored trace, approves it; a
// rejection shows up as a near-miss signal without the output's text; submissions are validated
// and decisions are final and role-checked.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "server_fixture.h"

namespace aiir {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::kDeadline;
using testing::text;
using testing::trace_id;

constexpr const char* kOutput = "Your refund of 40 EUR for order A-1 is on its way.";

class ReviewHttpTest : public testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    app_ = create_key("app", "support-bot");
    reviewer_ = create_key("reviewer", "dana");
  }

  json::object parse(const cli::ClientResponse& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }

  std::string submission(int trace, const std::string& output = kOutput,
                         const std::string& workflow = "support-refunds") {
    return json::serialize(json::object{{"workflow", workflow},
                                        {"trace_id", trace_id(trace)},
                                        {"action", "output"},
                                        {"output", output},
                                        {"evidence", {{"ticket", "Z-9"}}}});
  }

  // Submits and returns the new item's id ("" after a failed expectation).
  std::string submit(int trace, const std::string& output = kOutput) {
    auto r = send(app_, "POST", "/v1/reviews", submission(trace, output));
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("location"), "/v1/reviews/" + text(parse(r), "id"));
    return text(parse(r), "id");
  }

  std::string app_;
  std::string reviewer_;
};

TEST_F(ReviewHttpTest, AppLongPollsWhileAReviewerApprovesWithTheEvidenceBeside) {
  auto exported = send(ingest_, "POST", "/v1/traces",
                       testing::otlp_export({{trace_id(1), testing::span_id(1), "acct-1", "A-1",
                                              40}}));
  ASSERT_EQ(exported.status, 200) << exported.body;
  const std::string id = submit(1);
  ASSERT_FALSE(id.empty());

  // The application waits for the decision on its own connection.
  const std::string url = url_;
  const std::string app = app_;
  auto began = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async, [url, app, id] {
    cli::HttpClient client(url, app);
    return client.get("/v1/reviews/" + id + "?wait=20");
  });

  // The reviewer finds it in the queue and sees the evidence from the trace beside the output.
  auto queue = parse(send(reviewer_, "GET", "/v1/reviews?workflow=support-refunds"));
  ASSERT_TRUE(queue.contains("reviews")) << json::serialize(queue);
  ASSERT_EQ(queue["reviews"].as_array().size(), 1u);
  EXPECT_EQ(text(queue["reviews"].as_array()[0], "id"), id);
  json::object item;
  ASSERT_TRUE(testing::eventually(
      [&] {
        item = parse(send(reviewer_, "GET", "/v1/reviews/" + id));
        return item.contains("evidence") && text(item["evidence"], "trace") == "stored";
      },
      kDeadline))
      << json::serialize(item);
  EXPECT_EQ(text(item, "output"), kOutput);
  EXPECT_EQ(text(item["submitted_evidence"], "ticket"), "Z-9");
  const auto& calls = item["evidence"].as_object()["tool_calls"].as_array();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(text(calls[0], "tool"), "issue_refund");
  EXPECT_EQ(calls[0].as_object().at("arguments").as_object().at("amount").to_number<int>(), 40);

  // Still waiting: nothing is decided yet.
  EXPECT_EQ(waiting.wait_for(200ms), std::future_status::timeout);
  auto approved = send(reviewer_, "POST", "/v1/reviews/" + id + "/approve",
                       R"({"reason":"matches the refund policy"})");
  ASSERT_EQ(approved.status, 200) << approved.body;

  ASSERT_EQ(waiting.wait_for(kDeadline), std::future_status::ready);
  auto answer = waiting.get();
  ASSERT_TRUE(answer.ok()) << answer.error().message();
  ASSERT_EQ(answer->status, 200) << answer->body;
  auto decided = parse(*answer);
  EXPECT_EQ(text(decided, "state"), "approved");
  EXPECT_EQ(text(decided, "output"), kOutput);
  EXPECT_NE(text(decided["decision"], "by").find("dana"), std::string::npos);
  EXPECT_FALSE(decided.contains("evidence"));  // the application gets the decision, not the trace
  EXPECT_LT(std::chrono::steady_clock::now() - began, 15s);

  // Final: a second decision is refused, naming the first.
  auto again = send(reviewer_, "POST", "/v1/reviews/" + id + "/reject", R"({"reason":"no"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("approved"), std::string::npos);
}

TEST_F(ReviewHttpTest, LongPollAnswersPendingWhenTheWaitEnds) {
  const std::string id = submit(2);
  auto began = std::chrono::steady_clock::now();
  auto r = send(app_, "GET", "/v1/reviews/" + id + "?wait=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(text(parse(r), "state"), "pending");
  EXPECT_GE(std::chrono::steady_clock::now() - began, 900ms);
}

TEST_F(ReviewHttpTest, RejectionAppearsAsANearMissSignal) {
  const std::string id = submit(3, "We will refund 4,000 EUR right away, no questions.");
  auto rejected = send(reviewer_, "POST", "/v1/reviews/" + id + "/reject",
                       R"({"reason":"promises an amount above the policy limit"})");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(text(parse(rejected), "state"), "rejected");

  json::object page;
  ASSERT_TRUE(testing::eventually(
      [&] {
        page = get_json("/v1/signals?detector=human-review");
        return page.contains("signals") && !page["signals"].as_array().empty();
      },
      kDeadline));
  const auto& signal = page["signals"].as_array()[0];
  EXPECT_EQ(text(signal, "category"), "near_miss");
  EXPECT_EQ(text(signal, "workflow"), "support-refunds");
  EXPECT_EQ(text(signal, "trace_id"), trace_id(3));
  EXPECT_NE(text(signal, "summary").find("above the policy limit"), std::string::npos);
  EXPECT_EQ(json::serialize(signal).find("4,000 EUR"), std::string::npos);
}

TEST_F(ReviewHttpTest, SubmissionsAreValidatedAndRolesChecked) {
  auto unknown = send(app_, "POST", "/v1/reviews", submission(4, kOutput, "billing"));
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.body.find("billing"), std::string::npos);

  auto missing = send(app_, "POST", "/v1/reviews",
                      R"({"workflow":"support-refunds","trace_id":")" + trace_id(4) +
                          R"(","action":"output"})");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find("'output' is required"), std::string::npos);

  auto misspelt =
      send(app_, "POST", "/v1/reviews", R"({"workflow":"support-refunds","outptu":"x"})");
  EXPECT_EQ(misspelt.status, 400);
  EXPECT_NE(misspelt.body.find("outptu"), std::string::npos);

  const std::string id = submit(4);
  // The application may not decide its own output, nor a viewer submit one.
  EXPECT_EQ(send(app_, "POST", "/v1/reviews/" + id + "/approve").status, 403);
  EXPECT_EQ(send(viewer_, "POST", "/v1/reviews", submission(4)).status, 403);
  auto no_reason = send(reviewer_, "POST", "/v1/reviews/" + id + "/reject", "{}");
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_NE(no_reason.body.find("'reason' is required"), std::string::npos);

  // A viewer sees that something waits, not what.
  auto listed = send(viewer_, "GET", "/v1/reviews");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(id), std::string::npos);
  EXPECT_EQ(listed.body.find(kOutput), std::string::npos);

  // The same Idempotency-Key gives the same item.
  cli::HttpClient client(url_, app_);
  auto first = client.request("POST", "/v1/reviews", submission(5), "application/json",
                              {{"Idempotency-Key", "msg-5"}});
  auto second = client.request("POST", "/v1/reviews", submission(5), "application/json",
                               {{"Idempotency-Key", "msg-5"}});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(text(parse(*first), "id"), text(parse(*second), "id"));
}

}  // namespace
}  // namespace aiir
