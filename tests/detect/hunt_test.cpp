#include "detect/hunt.h"

#include <gtest/gtest.h>

#include "detect_test_util.h"
#include "store/sqlite/sqlite_store.h"
#include "process.h"

namespace aiir::detect {
namespace {

using namespace testing;

class HuntTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions options;
    options.path = dir_.file("aiir.db");
    auto store = store::open_sqlite_store(options);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    // One hour of traffic: a refund every minute, every tenth one large, with lookups between.
    std::vector<model::AiSpan> spans;
    for (int i = 0; i < 60; ++i) {
      const std::string amount = i % 10 == 0 ? "900" : "20";
      spans.push_back(tool_span("support-refunds", "abc" + std::to_string(i), 2 * i,
                                kT0 + i * kMinute, "issue_refund",
                                "{\"amount\":" + amount + "}"));
      spans.push_back(tool_span("support-refunds", "abc" + std::to_string(i), 2 * i + 1,
                                kT0 + i * kMinute + kSecond, "lookup_order", "{}"));
    }
    ASSERT_TRUE(store_->append_spans(spans).ok());
  }

  aiir::testing::TempDir dir_;
  core::ManualClock clock_{kT0 + 2 * 3600 * kSecond};
  std::unique_ptr<store::Store> store_;
  std::vector<model::Workflow> workflows_{workflow("support-refunds"), workflow("other")};
};

const char* kBigRefund = R"(
id: big-refund
description: Refund above the limit
category: excessive_agency
scope: {workflows: [support-refunds]}
match:
  all:
    - {field: tool.name, equals: issue_refund}
    - {field: tool.arguments.amount, gt: 500}
)";

TEST_F(HuntTest, FindsPastOccurrencesInTheRangeAndTagsThem) {
  HuntService hunts(*store_, clock_);
  HuntRequest request{"big-refund", kT0 + 5 * kMinute, kT0 + 3600 * kSecond, {}, "key-1"};
  HuntStatus status = hunts.run_now(request, detector_from_yaml(kBigRefund), workflows_);
  EXPECT_EQ(status.state, HuntState::kDone) << status.error;
  EXPECT_EQ(status.total_spans, 110) << "minutes 5..59, two spans each";
  EXPECT_EQ(status.signals, 5) << "minutes 10, 20, 30, 40, 50";
  EXPECT_EQ(status.judged_spans, 55) << "the store skipped spans of other tools unread";

  store::SignalQuery q;
  q.hunt_id = status.id;
  auto page = store_->query_signals(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->signals.size(), 5u);
  for (const auto& s : page->signals) {
    EXPECT_EQ(s.source, model::SignalSource::kHunt);
    EXPECT_EQ(s.hunt_id, status.id);
  }
  auto live = store_->query_signals(store::SignalQuery{});
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->signals.empty()) << "hunt findings stay out of the live signal list";
}

TEST_F(HuntTest, StatefulDetectorsStartWithEmptyWindowsAtFrom) {
  HuntService hunts(*store_, clock_);
  auto detector = detector_from_yaml(R"(
id: refund-burst
description: Ten refunds within ten minutes
category: excessive_agency
match: {field: tool.name, equals: issue_refund}
rate: {at_least: 10, within: 10m}
)");
  HuntStatus status = hunts.run_now({"refund-burst", kT0, kT0 + 3600 * kSecond, {}, ""}, detector,
                                    workflows_);
  EXPECT_EQ(status.state, HuntState::kDone);
  EXPECT_EQ(status.signals, 1) << "one refund a minute keeps the count at 10..11: one episode";
}

TEST_F(HuntTest, RunsInTheBackgroundWithProgressAndRefusesBadRequests) {
  HuntService hunts(*store_, clock_);
  auto detector = detector_from_yaml(kBigRefund);
  auto bad = hunts.start({"big-refund", kT0, kT0, {}, ""}, detector, workflows_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), core::Code::kInvalidArgument);

  auto started = hunts.start({"big-refund", kT0, kT0 + 3600 * kSecond, {}, ""}, detector,
                             workflows_);
  ASSERT_TRUE(started.ok());
  std::optional<HuntStatus> status;
  for (int i = 0; i < 500; ++i) {
    status = hunts.get(started->id);
    if (status && status->state != HuntState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, HuntState::kDone);
  EXPECT_EQ(status->signals, 6);
  EXPECT_EQ(to_json(*status).at("progress").as_double(), 1.0);
  EXPECT_EQ(hunts.list().size(), 1u);

  HuntStatus outside = hunts.run_now({"big-refund", kT0, kT0 + kSecond, {"other"}, ""}, detector,
                                     workflows_);
  EXPECT_EQ(outside.state, HuntState::kFailed);
  EXPECT_NE(outside.error.find("not in the scope"), std::string::npos) << outside.error;
}

}  // namespace
}  // namespace aiir::detect
