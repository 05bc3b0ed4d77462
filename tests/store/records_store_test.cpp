// Containment's documents and decision records in the SQLite store: upsert by (kind, id) keeping
// the creation order, filters and paging, the audit entry and timeline event a change writes in
// the same transaction, and decisions filtered by workflow, trace and verdict.
#include <gtest/gtest.h>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::store {
namespace {

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;

Record review(const std::string& id, const std::string& state, std::int64_t incident = 0) {
  Record r;
  r.kind = "review";
  r.id = id;
  r.workflow = "support-refunds";
  r.state = state;
  r.incident = incident;
  r.time = kStart;
  r.body = {{"output", "Your refund of $40 is on its way."}};
  return r;
}

class RecordsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }

  Record save(RecordChange change) {
    auto stored = store_->save_record(change);
    EXPECT_TRUE(stored.ok()) << stored.error().message();
    return stored.ok() ? *stored : Record{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(RecordsStoreTest, ReplacesByKindAndIdKeepingItsPlace) {
  Record first = save({review("rev-1", "pending")});
  Record second = save({review("rev-2", "pending")});
  EXPECT_LT(first.seq, second.seq);

  Record decided = review("rev-1", "approved");
  decided.body["decision"] = "approved by Ana";
  Record again = save({decided, "approve", "Ana (key-2)", "matches the policy"});
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(again.state, "approved");
  EXPECT_EQ(again.body.at("decision").as_string(), "approved by Ana");

  auto got = store_->get_record("review", "rev-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->state, "approved");
  EXPECT_FALSE(store_->get_record("approval", "rev-1")->has_value());  // kinds are separate
}

TEST_F(RecordsStoreTest, FiltersByStateWorkflowIncidentAndPagesNewestFirst) {
  for (int i = 0; i < 5; ++i) save({review("rev-" + std::to_string(i), i % 2 ? "pending" : "approved")});
  save({review("rev-inc", "pending", 7)});

  auto pending = store_->query_records({"review", "", {"pending"}, 0, 2});
  ASSERT_TRUE(pending.ok()) << pending.error().message();
  ASSERT_EQ(pending->records.size(), 2u);
  EXPECT_EQ(pending->records[0].id, "rev-inc");
  EXPECT_EQ(pending->records[1].id, "rev-3");
  ASSERT_TRUE(pending->next_cursor.has_value());
  auto rest = store_->query_records({"review", "", {"pending"}, 0, 2, pending->next_cursor});
  ASSERT_EQ(rest->records.size(), 1u);
  EXPECT_EQ(rest->records[0].id, "rev-1");
  EXPECT_FALSE(rest->next_cursor.has_value());

  auto of_incident = store_->query_records({"review", "", {}, 7});
  ASSERT_EQ(of_incident->records.size(), 1u);
  EXPECT_EQ(of_incident->records[0].id, "rev-inc");
  EXPECT_EQ(store_->query_records({"review", "crm-agent"})->records.size(), 0u);
  EXPECT_EQ(store_->query_records({"review", "", {"pending", "approved"}})->records.size(), 6u);
  EXPECT_FALSE(store_->query_records({""}).ok());  // a kind is required
}

TEST_F(RecordsStoreTest, WritesTheAuditEntryAndTimelineEventInTheSameTransaction) {
  RecordChange change{review("rev-9", "rejected", 4), "reject", "Ana (key-2)", "wrong amount"};
  model::TimelineEvent event;
  event.incident = 4;
  event.kind = model::TimelineKind::kReview;
  event.summary = "Held output rejected";
  change.event = event;
  save(change);

  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);  // the record's entry and the event's
  EXPECT_EQ((*audit)[0].action, "review.reject");
  EXPECT_EQ((*audit)[0].subject, "rev-9");
  EXPECT_EQ((*audit)[0].actor, "Ana (key-2)");
  EXPECT_NE((*audit)[0].detail.find("wrong amount"), std::string::npos);

  auto timeline = store_->incident_timeline(4, 0, 10);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 1u);
  EXPECT_EQ((*timeline)[0].kind, model::TimelineKind::kReview);
  EXPECT_EQ((*timeline)[0].actor, "Ana (key-2)");
  EXPECT_EQ((*timeline)[0].time, kStart);
}

TEST_F(RecordsStoreTest, NoActionMeansNoAuditEntry) {
  save({review("rev-quiet", "pending")});
  EXPECT_TRUE(store_->list_audit(0, 100)->empty());
}

TEST_F(RecordsStoreTest, AppendsAndQueriesDecisions) {
  std::vector<DecisionRecord> batch;
  for (int i = 0; i < 10; ++i) {
    DecisionRecord d;
    d.time = kStart + i;
    d.workflow = i < 6 ? "support-refunds" : "crm-agent";
    d.action = "tool:issue_refund";
    d.verdict = i % 3 == 0 ? "deny" : "allow";
    d.trace_id = i == 4 ? "trace-4" : "";
    d.instance = "pod-1";
    d.controls_version = 3;
    d.body = {{"reasons", boost::json::array{"tool 'issue_refund' disabled"}}};
    batch.push_back(d);
  }
  ASSERT_TRUE(store_->append_decisions(batch).ok());
  EXPECT_TRUE(store_->append_decisions({}).ok());

  auto refunds = store_->query_decisions({"support-refunds"});
  ASSERT_TRUE(refunds.ok()) << refunds.error().message();
  EXPECT_EQ(refunds->decisions.size(), 6u);
  EXPECT_EQ(refunds->decisions[0].time, kStart + 5);  // newest first
  auto traced = store_->query_decisions({"", "trace-4"});
  ASSERT_EQ(traced->decisions.size(), 1u);
  EXPECT_EQ(traced->decisions[0].instance, "pod-1");
  EXPECT_EQ(traced->decisions[0].controls_version, 3);
  EXPECT_EQ(traced->decisions[0].body.at("reasons").as_array().size(), 1u);
  EXPECT_EQ(store_->query_decisions({"", "", "deny"})->decisions.size(), 4u);
  DecisionQuery recent;
  recent.since = kStart + 8;
  EXPECT_EQ(store_->query_decisions(recent)->decisions.size(), 2u);
}

}  // namespace
}  // namespace aiir::store
