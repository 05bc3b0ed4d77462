#include "detect/detection_service.h"

#include <gtest/gtest.h>

#include <future>

#include "detect_test_util.h"
#include "store/span_writer.h"
#include "store/sqlite/sqlite_store.h"
#include "process.h"

namespace aiir::detect {
namespace {

using namespace testing;

const char* kBurst = R"(
id: refund-burst
description: Three refunds within an hour
category: excessive_agency
group_by: [account_id]
match: {field: tool.name, equals: issue_refund}
rate: {at_least: 3, within: 1h}
)";

const char* kEveryRefund = R"(
id: every-refund
description: A refund
category: tool_misuse
match: {field: tool.name, equals: issue_refund}
)";

class DetectionServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> open() {
    store::SqliteOptions options;
    options.path = dir_.file("aiir.db");
    auto store = store::open_sqlite_store(options);
    EXPECT_TRUE(store.ok());
    return std::move(*store);
  }
  std::shared_ptr<const DetectorSet> detectors() {
    auto set = DetectorSet::compile({detector_from_yaml(kBurst), detector_from_yaml(kEveryRefund)},
                                    {workflow("support-refunds")});
    EXPECT_TRUE(set.ok());
    return *set;
  }
  void store_refunds(store::Store& store, int first, int count) {
    std::vector<model::AiSpan> spans;
    for (int i = first; i < first + count; ++i) {
      spans.push_back(tool_span("support-refunds", "abc" + std::to_string(i), i,
                                kT0 + i * kMinute, "issue_refund", "{}"));
    }
    ASSERT_TRUE(store.append_spans(spans).ok());
  }
  std::vector<model::Signal> signals(store::Store& store, const std::string& detector) {
    store::SignalQuery q;
    q.detector = detector;
    q.limit = 1000;
    auto page = store.query_signals(q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->signals : std::vector<model::Signal>{};
  }

  aiir::testing::TempDir dir_;
  core::ManualClock clock_{kT0};
};

TEST_F(DetectionServiceTest, JudgesNewSpansAndStoresTheirSignals) {
  auto store = open();
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  store_refunds(*store, 0, 4);
  ASSERT_TRUE(service.wait_for(4, 10 * kSecond));
  EXPECT_EQ(signals(*store, "every-refund").size(), 4u);
  auto burst = signals(*store, "refund-burst");
  ASSERT_EQ(burst.size(), 1u);
  EXPECT_EQ(burst[0].span_seq, 3);
  EXPECT_EQ(burst[0].id(), "sig-" + std::to_string(burst[0].seq));
  EXPECT_EQ(service.stats().spans_judged, 4u);
  auto cursor = store->read_cursor(DetectionService::kCursor);
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->value_or(-1), 4);
}

TEST_F(DetectionServiceTest, EachSpanIsJudgedOnceAcrossRestarts) {
  {
    auto store = open();
    DetectionService service(*store, clock_, detectors());
    ASSERT_TRUE(service.start().ok());
    store_refunds(*store, 0, 2);
    ASSERT_TRUE(service.wait_for(2, 10 * kSecond));
    service.stop();
    // Stored while detection was down.
    store_refunds(*store, 2, 3);
  }
  auto store = open();
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  ASSERT_TRUE(service.wait_for(5, 10 * kSecond));
  EXPECT_EQ(signals(*store, "every-refund").size(), 5u) << "no span judged twice or skipped";
  auto burst = signals(*store, "refund-burst");
  ASSERT_EQ(burst.size(), 1u)
      << "the window held two refunds before the restart; the third completes it";
  EXPECT_EQ(burst[0].span_seq, 3);
  EXPECT_EQ(service.stats().spans_replayed, 2u);
}

TEST_F(DetectionServiceTest, SignalsStoredBeforeACrashAreNotStoredAgain) {
  auto store = open();
  store_refunds(*store, 0, 3);
  // A crash after the signals of spans 1..3 were stored but, say, by an older build that kept
  // the cursor elsewhere: judging the spans again must not duplicate their signals.
  {
    Engine engine(detectors());
    std::vector<model::Signal> out;
    auto spans = store->read_spans_after(0, 10);
    ASSERT_TRUE(spans.ok());
    for (const auto& s : *spans) engine.evaluate(s.span, s.seq, kT0, out);
    ASSERT_TRUE(store->commit_signals(out, DetectionService::kCursor, 0).ok());
  }
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  ASSERT_TRUE(service.wait_for(3, 10 * kSecond));
  EXPECT_EQ(signals(*store, "every-refund").size(), 3u);
  EXPECT_EQ(signals(*store, "refund-burst").size(), 1u);
  EXPECT_EQ(service.stats().signals_duplicate, 4u) << "three refunds and the burst they made";
  EXPECT_EQ(service.stats().signals_stored, 0u);
}

TEST_F(DetectionServiceTest, AStoreThatNeverRanDetectionStartsAtItsNewestSpan) {
  auto store = open();
  store_refunds(*store, 0, 3);
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  store_refunds(*store, 3, 1);
  ASSERT_TRUE(service.wait_for(4, 10 * kSecond));
  EXPECT_EQ(signals(*store, "every-refund").size(), 1u)
      << "history is for retro-hunts, not for a flood of old signals";
}

TEST_F(DetectionServiceTest, SpansHandedOverByTheWriterAreNotReadBack) {
  auto store = open();
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  store::SpanWriterOptions options;
  options.on_commit = [&service](std::vector<store::StoredSpan>&& spans) {
    service.offer(std::move(spans));
  };
  store::SpanWriter writer(*store, options);
  for (int i = 0; i < 5; ++i) {
    std::promise<core::Status> done;
    auto committed = done.get_future();
    std::vector<model::AiSpan> spans{tool_span("support-refunds", "abc" + std::to_string(i), i,
                                               kT0 + i * kMinute, "issue_refund", "{}")};
    ASSERT_TRUE(writer.submit(std::move(spans), {}, [&done](core::Status s) {
                        done.set_value(s);
                      }).ok());
    ASSERT_TRUE(committed.get().ok());
  }
  ASSERT_TRUE(service.wait_for(5, 10 * kSecond));
  writer.stop();
  EXPECT_EQ(signals(*store, "every-refund").size(), 5u);
  EXPECT_EQ(signals(*store, "refund-burst").size(), 1u);
  const auto stats = service.stats();
  EXPECT_EQ(stats.spans_from_memory + stats.spans_from_store, 5u);
  // A tick may read a span back in the moment between its commit and its handover; most are
  // taken from memory.
  EXPECT_GE(stats.spans_from_memory, 1u);
}

// Content that instrumentations send as log records (POST /v1/logs) joins its span in the store;
// a detector that scans content must see it whichever arrives first.
TEST_F(DetectionServiceTest, ContentSentAsLogRecordsIsScannedWhicheverArrivesFirst) {
  auto store = open();
  auto set = DetectorSet::compile({detector_from_yaml(R"(
id: card-in-answer
description: A card number in an answer
category: data_exposure
match: {scan: {in: [output], find: [card]}}
)")},
                                  {workflow("support-refunds")});
  ASSERT_TRUE(set.ok());
  DetectionService service(*store, clock_, *set);
  ASSERT_TRUE(service.start().ok());
  const auto answer = [](const std::string& trace) {
    store::SpanContent c;
    c.trace_id = llm_span("support-refunds", trace, 1, kT0, "").trace_id;
    c.span_id = llm_span("support-refunds", trace, 1, kT0, "").span_id;
    c.time = kT0;
    c.output_messages.push_back({"assistant", "Your card 4111 1111 1111 1111 was refunded.", {}});
    return c;
  };
  // Span first, content later: the span is judged without content, then again with it.
  auto first = llm_span("support-refunds", "aaa1", 1, kT0, "");
  first.output_messages.clear();
  ASSERT_TRUE(store->append_spans({first}).ok());
  ASSERT_TRUE(service.wait_for(1, 10 * kSecond));
  EXPECT_EQ(signals(*store, "card-in-answer").size(), 0u);
  ASSERT_TRUE(store->append_span_content({answer("aaa1")}).ok());
  ASSERT_TRUE(service.wait_for_content(1, 10 * kSecond));
  EXPECT_EQ(signals(*store, "card-in-answer").size(), 1u);

  // Content first, span later: judging the span fetches its content.
  ASSERT_TRUE(store->append_span_content({answer("bbb2")}).ok());
  ASSERT_TRUE(service.wait_for_content(2, 10 * kSecond));
  auto second = llm_span("support-refunds", "bbb2", 1, kT0, "");
  second.output_messages.clear();
  ASSERT_TRUE(store->append_spans({second}).ok());
  ASSERT_TRUE(service.wait_for(2, 10 * kSecond));
  auto found = signals(*store, "card-in-answer");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].trace_id, second.trace_id);
  EXPECT_EQ(found[0].observed.at("matches").at("card").as_int64(), 1);

  // More content for the first span: its signal is not made again.
  ASSERT_TRUE(store->append_span_content({answer("aaa1")}).ok());
  ASSERT_TRUE(service.wait_for_content(3, 10 * kSecond));
  EXPECT_EQ(signals(*store, "card-in-answer").size(), 2u);
}

TEST_F(DetectionServiceTest, ReloadSwapsTheDetectorSet) {
  auto store = open();
  DetectionService service(*store, clock_, detectors());
  ASSERT_TRUE(service.start().ok());
  auto only_every = DetectorSet::compile({detector_from_yaml(kEveryRefund)},
                                         {workflow("support-refunds")});
  ASSERT_TRUE(only_every.ok());
  service.replace(*only_every);
  store_refunds(*store, 0, 3);
  ASSERT_TRUE(service.wait_for(3, 10 * kSecond));
  EXPECT_EQ(signals(*store, "refund-burst").size(), 0u);
  EXPECT_EQ(signals(*store, "every-refund").size(), 3u);
  std::string metrics;
  service.render_metrics(metrics);
  EXPECT_NE(metrics.find("aiir_detector_signals_total{detector=\"every-refund\"} 3"),
            std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace aiir::detect
