#include "detect/engine.h"

#include <gtest/gtest.h>

#include "detect_test_util.h"

namespace aiir::detect {
namespace {

using namespace testing;

std::shared_ptr<const DetectorSet> set_of(const std::vector<std::string>& yamls,
                                          std::vector<model::Workflow> workflows = {
                                              workflow("support-refunds"),
                                              workflow("wiki-helper",
                                                       model::CustomerExposure::kInternal)}) {
  std::vector<Detector> detectors;
  for (const auto& y : yamls) detectors.push_back(detector_from_yaml(y));
  auto set = DetectorSet::compile(std::move(detectors), workflows);
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message());
  return *set;
}

const char* kBigRefund = R"(
id: big-refund
description: Refund above the limit
category: excessive_agency
impact: high
scope: {customer_exposure: external}
group_by: [account_id]
match:
  all:
    - {field: kind, equals: tool}
    - {field: tool.name, equals: issue_refund}
    - {field: tool.arguments.amount, gt: 500}
)";

TEST(Engine, StatelessDetectorFiresOncePerMatchingSpanWithItsEvidence) {
  Engine engine(set_of({kBigRefund}));
  std::vector<model::Signal> out;
  auto small = tool_span("support-refunds", "t1", 1, kT0, "issue_refund", R"({"amount":40})");
  auto big = tool_span("support-refunds", "t2", 2, kT0 + kSecond, "issue_refund",
                       R"({"amount":900,"order_id":"A-7"})");
  engine.evaluate(small, 1, kT0, out);
  engine.evaluate(big, 2, kT0 + 2 * kSecond, out);
  ASSERT_EQ(out.size(), 1u);
  const model::Signal& s = out[0];
  EXPECT_EQ(s.detector, "big-refund");
  EXPECT_EQ(s.workflow, "support-refunds");
  EXPECT_EQ(s.category, model::Category::kExcessiveAgency);
  EXPECT_EQ(s.owasp, "LLM06:2025");
  EXPECT_EQ(s.impact, model::Impact::kHigh);
  EXPECT_EQ(s.trace_id, big.trace_id);
  EXPECT_EQ(s.span_id, big.span_id);
  EXPECT_EQ(s.span_seq, 2);
  EXPECT_EQ(s.account_id, "acct-1");
  EXPECT_EQ(s.event_time, big.start_time);
  EXPECT_EQ(s.detected_at, kT0 + 2 * kSecond);
  EXPECT_EQ(s.group, (std::vector<std::pair<std::string, std::string>>{{"account_id", "acct-1"}}));
  EXPECT_EQ(s.fingerprint, model::signal_fingerprint("big-refund", "support-refunds", s.group));
  EXPECT_EQ(s.observed.at("fields").at("tool.arguments.amount").as_double(), 900.0);
  EXPECT_EQ(s.dedup_key, "d:big-refund:" + big.trace_id + ":" + big.span_id);
  EXPECT_EQ(engine.counters(0).evaluations.load(), 2u);
  EXPECT_EQ(engine.counters(0).matches.load(), 1u);
  EXPECT_EQ(engine.counters(0).signals.load(), 1u);
}

TEST(Engine, ScopeAndKindDecideWhichSpansADetectorSees) {
  Engine engine(set_of({kBigRefund}));
  std::vector<model::Signal> out;
  // An internal workflow is outside `customer_exposure: external`.
  engine.evaluate(tool_span("wiki-helper", "t1", 1, kT0, "issue_refund", R"({"amount":900})"), 1,
                  kT0, out);
  // An unregistered workflow is seen only by detectors that ask for it.
  auto unknown = tool_span("shadow-bot", "t2", 2, kT0, "issue_refund", R"({"amount":900})");
  unknown.registered = false;
  engine.evaluate(unknown, 2, kT0, out);
  // An LLM span is skipped by kind without evaluating the detector at all.
  engine.evaluate(llm_span("support-refunds", "t3", 3, kT0, "hello"), 3, kT0, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(engine.counters(0).evaluations.load(), 0u);
}

TEST(Engine, DuplicateActionWithinTheWindow) {
  Engine engine(set_of({R"(
id: duplicate-refund
description: Same order refunded twice
category: tool_misuse
match: {field: tool.name, equals: issue_refund}
duplicate: {key: [tool.arguments.order_id], within: 10m}
)"}));
  std::vector<model::Signal> out;
  engine.evaluate(tool_span("support-refunds", "t1", 1, kT0, "issue_refund", R"({"order_id":"A-1"})"), 1, kT0, out);
  engine.evaluate(tool_span("support-refunds", "t2", 2, kT0 + kMinute, "issue_refund", R"({"order_id":"A-2"})"), 2, kT0, out);
  EXPECT_TRUE(out.empty());
  engine.evaluate(tool_span("support-refunds", "t3", 3, kT0 + 10 * kMinute, "issue_refund", R"({"order_id":"A-1"})"), 3, kT0, out);
  ASSERT_EQ(out.size(), 1u) << "exactly 10 minutes apart is inside the window";
  EXPECT_EQ(out[0].observed.at("occurrences").as_int64(), 2);
  EXPECT_EQ(out[0].observed.at("key").at("tool.arguments.order_id").as_string(), "A-1");
  // A-2 again, but 10 minutes and 1 ns later: outside.
  engine.evaluate(tool_span("support-refunds", "t4", 4, kT0 + 11 * kMinute + 1, "issue_refund", R"({"order_id":"A-2"})"), 4, kT0, out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Engine, RateFiresOncePerEpisodePerGroup) {
  Engine engine(set_of({R"(
id: refund-burst
description: Three refunds for one account within an hour
category: excessive_agency
group_by: [account_id]
match: {field: tool.name, equals: issue_refund}
rate: {at_least: 3, within: 1h}
)"}));
  std::vector<model::Signal> out;
  for (int i = 0; i < 5; ++i) {
    engine.evaluate(tool_span("support-refunds", "t" + std::to_string(i), i, kT0 + i * kMinute,
                              "issue_refund", "{}"),
                    i + 1, kT0, out);
  }
  ASSERT_EQ(out.size(), 1u) << "the 3rd refund starts the episode; the 4th and 5th are in it";
  EXPECT_EQ(out[0].observed.at("count").as_int64(), 3);
  auto other = tool_span("support-refunds", "u", 9, kT0, "issue_refund", "{}");
  other.account_id = "acct-2";
  engine.evaluate(other, 10, kT0, out);
  EXPECT_EQ(out.size(), 1u) << "another account has its own window";
}

TEST(Engine, RatioNeedsTheMinimumCount) {
  Engine engine(set_of({R"(
id: error-rate
description: Tool errors above 20%
category: availability
match: {field: kind, equals: tool}
ratio: {of: {field: status, equals: error}, above: 0.2, min_count: 10, within: 15m}
)"}));
  std::vector<model::Signal> out;
  // 3 errors in the first 5 spans (60%), but fewer than 10 spans: no signal yet.
  for (int i = 0; i < 10; ++i) {
    auto s = tool_span("support-refunds", "t" + std::to_string(i), i, kT0 + i * kSecond,
                       "lookup_order", "{}");
    if (i < 3) s.status = model::SpanStatus::kError;
    engine.evaluate(s, i + 1, kT0, out);
    if (i < 9) {
      EXPECT_TRUE(out.empty()) << "span " << i;
    }
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].observed.at("hits").as_int64(), 3);
  EXPECT_EQ(out[0].observed.at("total").as_int64(), 10);
}

TEST(Engine, DriftAfterAPromptVersionChange) {
  Engine engine(set_of({R"(
id: prompt-drift
description: Refusals rose after a prompt change
category: drift
match: {field: kind, equals: llm}
drift:
  version: prompt_version
  of: {field: finish_reasons, equals: content_filter}
  factor: 2
  min_count: 20
)"}));
  std::vector<model::Signal> out;
  std::int64_t seq = 0;
  auto emit = [&](const std::string& version, int n, int refusals, core::UnixNanos from) {
    for (int i = 0; i < n; ++i) {
      auto s = llm_span("support-refunds", "t", static_cast<int>(seq), from + i * kSecond, "ok");
      s.prompt_version = version;
      if (i < refusals) s.finish_reasons = {"content_filter"};
      engine.evaluate(s, ++seq, kT0, out);
    }
  };
  emit("v6", 40, 2, kT0);  // 5%
  emit("v7", 19, 19, kT0 + kMinute);
  EXPECT_TRUE(out.empty()) << "19 spans under v7 is below min_count";
  emit("v7", 1, 0, kT0 + 2 * kMinute);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].observed.at("version").as_string(), "v7");
  EXPECT_EQ(out[0].observed.at("previous_version").as_string(), "v6");
  EXPECT_EQ(out[0].observed.at("previous_total").as_int64(), 40);
}

TEST(Engine, NearMissCountsRejectedReviews) {
  Engine engine(set_of({R"(
id: near-misses
description: Reviewers keep rejecting outputs
category: near_miss
match: {field: kind, equals: review}
near_miss: {at_least: 3, within: 1h}
)"}));
  std::vector<model::Signal> out;
  const char* decisions[] = {"rejected", "approved", "rejected", "edited", "rejected"};
  for (int i = 0; i < 5; ++i) {
    auto s = tool_span("support-refunds", "r" + std::to_string(i), i, kT0 + i * kMinute, "", "");
    s.kind = model::SpanKind::kReview;
    s.review_decision = decisions[i];
    engine.evaluate(s, i + 1, kT0, out);
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].span_seq, 5) << "the third rejection";
}

const char* kRefundWithoutApproval = R"(
id: refund-without-approval
description: Refund with no approved review before it
category: excessive_agency
match: {field: tool.name, equals: issue_refund}
absence:
  missing: {field: review.decision, equals: approved}
  grace: 30s
)";

model::AiSpan approval(const std::string& trace, core::UnixNanos start) {
  auto s = tool_span("support-refunds", trace, 7, start, "", "");
  s.kind = model::SpanKind::kReview;
  s.review_decision = "approved";
  return s;
}

TEST(Engine, AbsenceWaitsForItsGraceThenFires) {
  Engine engine(set_of({kRefundWithoutApproval}));
  std::vector<model::Signal> out;
  // Trace a: approved, then refunded. Trace b: refunded, approval exported late but started
  // before. Trace c: refunded with no approval at all.
  engine.evaluate(approval("a", kT0), 1, kT0, out);
  engine.evaluate(tool_span("support-refunds", "a", 1, kT0 + kSecond, "issue_refund", "{}"), 2, kT0, out);
  engine.evaluate(tool_span("support-refunds", "b", 1, kT0 + kSecond, "issue_refund", "{}"), 3, kT0, out);
  engine.evaluate(tool_span("support-refunds", "c", 1, kT0 + kSecond, "issue_refund", "{}"), 4, kT0, out);
  engine.evaluate(approval("b", kT0), 5, kT0 + 5 * kSecond, out);
  engine.tick(kT0 + 29 * kSecond, out);
  EXPECT_TRUE(out.empty()) << "within the grace";
  engine.tick(kT0 + 31 * kSecond, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].span_seq, 4);
  EXPECT_EQ(out[0].trace_id.substr(0, 1), "c");
  engine.tick(kT0 + 90 * kSecond, out);
  EXPECT_EQ(out.size(), 1u) << "fired once";
}

TEST(Engine, ReplayRebuildsWindowsWithoutSignals) {
  const char* burst = R"(
id: refund-burst
description: Three refunds within an hour
category: excessive_agency
match: {field: tool.name, equals: issue_refund}
rate: {at_least: 3, within: 1h}
)";
  auto set = set_of({burst, kBigRefund});
  Engine engine(set);
  std::vector<model::Signal> out;
  engine.replay(tool_span("support-refunds", "t1", 1, kT0, "issue_refund", R"({"amount":900})"), 1, kT0);
  engine.replay(tool_span("support-refunds", "t2", 2, kT0 + kMinute, "issue_refund", "{}"), 2, kT0);
  EXPECT_EQ(engine.counters(0).matches.load(), 0u) << "replayed spans were counted before";
  engine.evaluate(tool_span("support-refunds", "t3", 3, kT0 + 2 * kMinute, "issue_refund", "{}"), 3, kT0, out);
  ASSERT_EQ(out.size(), 1u) << "the third refund completes a window that started before";
  EXPECT_EQ(out[0].detector, "refund-burst");
}

TEST(Engine, HuntEnginesTagSignalsAndDrainAbsenceChecks) {
  Engine engine(set_of({kRefundWithoutApproval}),
                EngineOptions{model::SignalSource::kHunt, "hunt-abc"});
  std::vector<model::Signal> out;
  engine.evaluate(tool_span("support-refunds", "c", 1, kT0, "issue_refund", "{}"), 9, kT0, out);
  engine.drain(kT0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].source, model::SignalSource::kHunt);
  EXPECT_EQ(out[0].hunt_id, "hunt-abc");
  EXPECT_EQ(out[0].dedup_key.rfind("h:hunt-abc:refund-without-approval:", 0), 0u);
}

TEST(Engine, ContentScannersReportWhatTheyFound) {
  Engine engine(set_of({R"(
id: pii-in-output
description: Personal data in an answer to a customer
category: data_exposure
match:
  all:
    - {field: kind, equals: llm}
    - {scan: {in: [output], find: [pii, secrets], allow: ["*@example.com"]}}
)"}));
  std::vector<model::Signal> out;
  engine.evaluate(llm_span("support-refunds", "a", 1, kT0, "Write to help@example.com"), 1, kT0, out);
  EXPECT_TRUE(out.empty()) << "allowed address";
  engine.evaluate(llm_span("support-refunds", "b", 1, kT0,
                           "The card 4111 1111 1111 1111 belongs to jane@acme.io"),
                  2, kT0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].observed.at("matches").at("card").as_int64(), 1);
  EXPECT_EQ(out[0].observed.at("matches").at("email").as_int64(), 1);
  EXPECT_EQ(out[0].owasp, "LLM02:2025");
}

}  // namespace
}  // namespace aiir::detect
