// Decisions kept as evidence: what each recording mode keeps, that the writer stores them in
// batches off the caller's path and at stop, and that a full queue drops (and counts) instead of
// blocking the application.
#include "contain/decision_recorder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::contain {
namespace {

using namespace std::chrono_literals;
using Mode = config::DecisionConfig::Record;

constexpr core::UnixNanos kNow = 1'790'000'000LL * core::kNanosPerSecond;

DecideRequest refund(const std::string& trace) {
  DecideRequest r;
  r.workflow = "support-refunds";
  r.action = "tool:issue_refund";
  r.trace_id = trace;
  r.user_id = "u-1";
  r.attributes = {{"arguments", {{"amount", 40}}}};
  return r;
}

Decision answer(Verdict verdict) {
  Decision d;
  d.verdict = verdict;
  if (verdict != Verdict::kAllow) {
    d.reasons = {"tool 'issue_refund' disabled"};
    d.controls = {"ctl-1"};
  }
  d.controls_version = 4;
  return d;
}

class DecisionRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }

  std::vector<store::DecisionRecord> stored() {
    auto page = store_->query_decisions({.limit = 1000});
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->decisions : std::vector<store::DecisionRecord>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DecisionRecorderTest, SampledKeepsEveryStopAndAShareOfAllows) {
  DecisionRecorder recorder(*store_);
  recorder.configure({Mode::kSampled, 0.1});
  recorder.start();
  for (int i = 0; i < 2000; ++i) recorder.offer(refund("a"), answer(Verdict::kAllow), "", kNow);
  for (int i = 0; i < 30; ++i) recorder.offer(refund("d"), answer(Verdict::kDeny), "pod-2", kNow);
  recorder.offer(refund("r"), answer(Verdict::kReview), "", kNow);
  recorder.stop();

  int allows = 0, denies = 0, reviews = 0;
  for (const auto& d : stored()) {
    allows += d.verdict == "allow";
    denies += d.verdict == "deny";
    reviews += d.verdict == "review";
  }
  EXPECT_EQ(denies, 30);
  EXPECT_EQ(reviews, 1);
  EXPECT_GT(allows, 120);  // 10% of 2000 is 200; a fair draw stays well inside these bounds
  EXPECT_LT(allows, 280);
  auto stats = recorder.stats();
  EXPECT_EQ(stats.decided[static_cast<int>(Verdict::kAllow)], 2000);
  EXPECT_EQ(stats.decided[static_cast<int>(Verdict::kDeny)], 30);
  EXPECT_EQ(stats.recorded, allows + denies + reviews);
}

TEST_F(DecisionRecorderTest, AllKeepsEverythingWithTheRequestAndTheAnswer) {
  DecisionRecorder recorder(*store_);
  recorder.configure({Mode::kAll, 0});
  recorder.start();
  recorder.offer(refund("t-1"), answer(Verdict::kDeny), "pod-7", kNow);
  recorder.offer(refund("t-2"), answer(Verdict::kAllow), "", kNow + 1);
  recorder.stop();
  auto decisions = stored();
  ASSERT_EQ(decisions.size(), 2u);
  const auto& deny = decisions[1];  // newest first
  EXPECT_EQ(deny.trace_id, "t-1");
  EXPECT_EQ(deny.instance, "pod-7");
  EXPECT_EQ(deny.workflow, "support-refunds");
  EXPECT_EQ(deny.action, "tool:issue_refund");
  EXPECT_EQ(deny.controls_version, 4);
  EXPECT_EQ(deny.time, kNow);
  EXPECT_EQ(deny.body.at("controls").as_array().at(0).as_string(), "ctl-1");
  EXPECT_EQ(deny.body.at("attributes").at("arguments").at("amount").as_int64(), 40);
  EXPECT_EQ(deny.body.at("user").as_string(), "u-1");
}

TEST_F(DecisionRecorderTest, NoneKeepsNothingButStillCounts) {
  DecisionRecorder recorder(*store_);
  recorder.configure({Mode::kNone, 1});
  recorder.start();
  recorder.offer(refund("t"), answer(Verdict::kDeny), "", kNow);
  recorder.stop();
  EXPECT_TRUE(stored().empty());
  EXPECT_EQ(recorder.stats().decided[static_cast<int>(Verdict::kDeny)], 1);
}

TEST_F(DecisionRecorderTest, WritesWhileRunningWithoutWaitingForStop) {
  DecisionRecorder recorder(*store_, {.flush_interval = 20ms});
  recorder.configure({Mode::kAll, 0});
  recorder.start();
  recorder.offer(refund("live"), answer(Verdict::kDeny), "", kNow);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (stored().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(stored().size(), 1u);
  recorder.stop();
}

TEST_F(DecisionRecorderTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  // Not started: nothing drains the queue, so the fourth decision finds it full.
  DecisionRecorder recorder(*store_, {.max_queued = 3});
  recorder.configure({Mode::kAll, 0});
  for (int i = 0; i < 5; ++i) recorder.offer(refund("t"), answer(Verdict::kDeny), "", kNow);
  EXPECT_EQ(recorder.stats().dropped, 2);
  std::string metrics;
  recorder.render_metrics(metrics);
  EXPECT_NE(metrics.find("aiir_decisions_dropped_total 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("aiir_decisions_total{decision=\"deny\"} 5"), std::string::npos);
  recorder.start();
  recorder.stop();  // what was queued is written at stop
  EXPECT_EQ(stored().size(), 3u);
}

}  // namespace
}  // namespace aiir::contain
