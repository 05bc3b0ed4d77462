#include <gtest/gtest.h>

#include <future>

#include "process.h"
#include "store/retention.h"
#include "store/span_writer.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::store {
namespace {

model::AiSpan make_span(const std::string& trace, const std::string& span, core::UnixNanos start) {
  model::AiSpan s;
  s.trace_id = trace;
  s.span_id = span;
  s.name = "chat";
  s.kind = model::SpanKind::kLlm;
  s.start_time = start;
  s.end_time = start + 1000;
  s.workflow = "support-refunds";
  s.registered = true;
  s.user_id = "user-1";
  s.prompt_version = "v7";
  s.input_messages.push_back({"user", "where is my order?", {}});
  s.attributes.push_back({"segment", "\"enterprise\""});
  s.attributes.push_back({"attempt", "2"});
  return s;
}

std::string trace_id(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

std::string span_id(int n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016x", n);
  return buf;
}

class SpanStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(*opened);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SpanStoreTest, TraceComesBackWholeInStartOrder) {
  auto child = make_span(trace_id(1), span_id(2), 2000);
  child.parent_span_id = span_id(1);
  child.kind = model::SpanKind::kTool;
  child.tool_name = "issue_refund";
  child.tool_arguments = R"({"amount":42})";
  ASSERT_TRUE(store_->append_spans({child, make_span(trace_id(1), span_id(1), 1000)}).ok());
  auto trace = store_->get_trace(trace_id(1));
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->size(), 2u);
  EXPECT_EQ((*trace)[0].span_id, span_id(1));
  EXPECT_EQ((*trace)[1].tool_name, "issue_refund");
  EXPECT_EQ((*trace)[1].tool_arguments, R"({"amount":42})");
  EXPECT_EQ((*trace)[0].input_messages.at(0).content, "where is my order?");
  EXPECT_EQ((*trace)[0].attributes.size(), 2u);
}

TEST_F(SpanStoreTest, ASpanSentTwiceIsStoredOnce) {
  auto span = make_span(trace_id(1), span_id(1), 1000);
  EXPECT_EQ(*store_->append_spans({span}), 1);
  EXPECT_EQ(*store_->append_spans({span, make_span(trace_id(1), span_id(2), 1)}), 1);
  EXPECT_EQ(store_->get_trace(trace_id(1))->size(), 2u);
}

TEST_F(SpanStoreTest, LogRecordContentIsMergedIntoItsSpanWhicheverArrivesFirst) {
  SpanContent early{trace_id(1), span_id(1), 10, {{"user", "hello", {}}}, {}};
  ASSERT_TRUE(store_->append_span_content({early}).ok());
  auto span = make_span(trace_id(1), span_id(1), 1000);
  span.input_messages.clear();
  ASSERT_TRUE(store_->append_spans({span}).ok());
  SpanContent late{trace_id(1), span_id(1), 20, {}, {{"assistant", "hi there", {{"lookup", "{}"}}}}};
  ASSERT_TRUE(store_->append_span_content({late}).ok());
  auto trace = store_->get_trace(trace_id(1));
  ASSERT_EQ(trace->size(), 1u);
  ASSERT_EQ((*trace)[0].input_messages.size(), 1u);
  EXPECT_EQ((*trace)[0].input_messages[0].content, "hello");
  ASSERT_EQ((*trace)[0].output_messages.size(), 1u);
  EXPECT_EQ((*trace)[0].output_messages[0].tool_calls.at(0).first, "lookup");
}

TEST_F(SpanStoreTest, QueryFiltersAndPagesNewestFirst) {
  std::vector<model::AiSpan> spans;
  for (int i = 0; i < 25; ++i) {
    auto s = make_span(trace_id(i), span_id(i), 1000 + i);
    s.user_id = i % 2 == 0 ? "even" : "odd";
    if (i == 7) s.attributes[0].json_value = "\"smb\"";
    spans.push_back(s);
  }
  ASSERT_TRUE(store_->append_spans(spans).ok());

  SpanQuery q;
  q.user_id = "even";
  q.limit = 5;
  auto page1 = store_->query_spans(q);
  ASSERT_TRUE(page1.ok()) << page1.error().message();
  ASSERT_EQ(page1->spans.size(), 5u);
  EXPECT_EQ(page1->spans[0].span_id, span_id(24));
  ASSERT_TRUE(page1->next_cursor);
  std::set<std::string> seen;
  for (auto& s : page1->spans) seen.insert(s.span_id);
  q.before = page1->next_cursor;
  while (true) {
    auto page = store_->query_spans(q);
    ASSERT_TRUE(page.ok());
    for (auto& s : page->spans) {
      EXPECT_EQ(s.user_id, "even");
      EXPECT_TRUE(seen.insert(s.span_id).second);
    }
    if (!page->next_cursor) break;
    q.before = page->next_cursor;
  }
  EXPECT_EQ(seen.size(), 13u);

  SpanQuery by_attr;
  by_attr.attributes.emplace_back("segment", "\"smb\"");
  auto smb = store_->query_spans(by_attr);
  ASSERT_TRUE(smb.ok()) << smb.error().message();
  ASSERT_EQ(smb->spans.size(), 1u);
  EXPECT_EQ(smb->spans[0].span_id, span_id(7));

  SpanQuery numeric;
  numeric.attributes.emplace_back("attempt", "2");
  EXPECT_EQ(store_->query_spans(numeric)->spans.size(), 25u);

  SpanQuery window;
  window.from = 1010;
  window.to = 1015;
  EXPECT_EQ(store_->query_spans(window)->spans.size(), 5u);
}

TEST_F(SpanStoreTest, PurgeRemovesOldSpansButNeverThoseUnderLegalHold) {
  ASSERT_TRUE(store_->append_spans({make_span(trace_id(1), span_id(1), 100),
                                    make_span(trace_id(2), span_id(2), 100),
                                    make_span(trace_id(3), span_id(3), 5000)})
                  .ok());
  EXPECT_EQ(*store_->set_legal_hold(trace_id(2), true), 1);
  std::int64_t total = 0;
  while (true) {
    auto deleted = store_->purge_spans("support-refunds", 1000, 1);
    ASSERT_TRUE(deleted.ok());
    if (*deleted == 0) break;
    total += *deleted;
  }
  EXPECT_EQ(total, 1);
  EXPECT_TRUE(store_->get_trace(trace_id(1))->empty());
  EXPECT_EQ(store_->get_trace(trace_id(2))->size(), 1u);
  EXPECT_EQ(store_->get_trace(trace_id(3))->size(), 1u);
}

TEST_F(SpanStoreTest, WriterCompletesEachRequestAfterItsSpansAreStored) {
  SpanWriter writer(*store_, {});
  std::vector<std::future<core::Status>> done;
  for (int r = 0; r < 20; ++r) {
    std::vector<model::AiSpan> batch;
    for (int i = 0; i < 50; ++i) batch.push_back(make_span(trace_id(r), span_id(i), i));
    auto promise = std::make_shared<std::promise<core::Status>>();
    done.push_back(promise->get_future());
    ASSERT_TRUE(writer.submit(std::move(batch), {}, [promise, this, r](core::Status s) {
      // At completion the spans must already be readable.
      EXPECT_EQ(store_->get_trace(trace_id(r))->size(), 50u);
      promise->set_value(s);
    }).ok());
  }
  for (auto& f : done) EXPECT_TRUE(f.get().ok());
  auto stats = writer.stats();
  EXPECT_EQ(stats.committed_spans, 1000u);
  EXPECT_LE(stats.commits, 20u);
}

TEST_F(SpanStoreTest, WriterRefusesWhenItsQueueIsFullAndQueuesNothing) {
  SpanWriterOptions options;
  options.max_queued_bytes = 1;  // one request at a time may wait
  SpanWriter writer(*store_, options);
  std::promise<void> entered;
  std::promise<void> release;
  auto gate = release.get_future().share();
  // The first request's completion holds the writer thread, so what comes next must wait.
  ASSERT_TRUE(writer.submit({make_span(trace_id(1), span_id(1), 1)}, {},
                            [&entered, gate](core::Status) {
                              entered.set_value();
                              gate.wait();
                            }).ok());
  entered.get_future().wait();
  ASSERT_TRUE(writer.submit({make_span(trace_id(2), span_id(2), 1)}, {}, [](core::Status) {}).ok());
  auto refused = writer.submit({make_span(trace_id(3), span_id(3), 1)}, {}, [](core::Status) {
    ADD_FAILURE() << "a refused request must never complete";
  });
  release.set_value();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), core::Code::kResourceExhausted);
  writer.stop();
  EXPECT_EQ(store_->get_trace(trace_id(2))->size(), 1u);
  EXPECT_TRUE(store_->get_trace(trace_id(3))->empty());
  EXPECT_EQ(writer.stats().rejected_requests, 1u);
}

TEST_F(SpanStoreTest, AuditEntriesChainByHash) {
  model::AuditEntry e;
  e.time = 5;
  e.actor = "k1";
  e.action = "span.raw_read";
  e.subject = "trace:abc";
  e.detail = "{}";
  auto first = store_->append_audit(e);
  auto second = store_->append_audit(e);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->seq, 1);
  EXPECT_EQ(first->prev_hash, std::string(64, '0'));
  EXPECT_EQ(second->prev_hash, first->hash);
  EXPECT_NE(second->hash, first->hash);
  auto listed = store_->list_audit(0, 10);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].hash, second->hash);
}

}  // namespace
}  // namespace aiir::store

namespace aiir::store {
namespace {

TEST(Retention, PurgesPerWorkflowInSmallBatchesAndKeepsHeldAndRecentSpans) {
  testing::TempDir dir;
  auto store = open_sqlite_store({dir.file("aiir.db")});
  ASSERT_TRUE(store.ok());
  constexpr core::UnixNanos kDay = 86400 * core::kNanosPerSecond;
  core::ManualClock clock(100 * kDay);
  std::vector<model::AiSpan> spans;
  for (int i = 0; i < 30; ++i) {
    auto s = make_span(trace_id(i), span_id(i), (i < 20 ? 50 : 95) * kDay);  // 20 old, 10 recent
    s.workflow = i % 2 == 0 ? "support-refunds" : "knowledge-assistant";
    spans.push_back(s);
  }
  ASSERT_TRUE((*store)->append_spans(spans).ok());
  ASSERT_EQ(*(*store)->set_legal_hold(trace_id(0), true), 1);
  RetentionOptions options;
  options.batch = 3;
  options.pause = std::chrono::milliseconds(0);
  RetentionPurger purger(**store, clock,
                         [] {
                           return std::vector<RetentionRule>{{"support-refunds", 30},
                                                             {"knowledge-assistant", 365}};
                         },
                         options);
  auto deleted = purger.run_once();
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 9);  // 10 old support-refunds spans, one under legal hold
  EXPECT_EQ((*store)->get_trace(trace_id(0))->size(), 1u);
  EXPECT_TRUE((*store)->get_trace(trace_id(2))->empty());
  EXPECT_EQ((*store)->get_trace(trace_id(1))->size(), 1u);   // 365-day workflow keeps it
  EXPECT_EQ((*store)->get_trace(trace_id(22))->size(), 1u);  // recent
}

}  // namespace
}  // namespace aiir::store
