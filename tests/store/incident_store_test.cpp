// Incidents in the SQLite store: numbers, updates, list filters, timelines, and the audit entry
// each timeline event gets in the same transaction.
#include <gtest/gtest.h>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::store {
namespace {

model::Incident incident(const std::string& workflow, const std::string& fingerprint,
                         core::UnixNanos opened) {
  model::Incident i;
  i.title = "Refund issued twice";
  i.workflow = workflow;
  i.fingerprint = fingerprint;
  i.detector = "duplicate-refund";
  i.category = model::Category::kToolMisuse;
  i.severity = model::Severity::kHigh;
  i.severity_reasons = {"refund tool is irreversible"};
  i.opened_at = opened;
  return i;
}

model::TimelineEvent event(model::TimelineKind kind, std::string summary, core::UnixNanos time) {
  model::TimelineEvent e;
  e.kind = kind;
  e.summary = std::move(summary);
  e.time = time;
  e.actor = "system";
  return e;
}

class IncidentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(IncidentStoreTest, NewIncidentsGetNumbersInOrderWithTheirTimelineAndAuditEntries) {
  auto first = store_->save_incident(
      {incident("support-refunds", "fp1", 100), {event(model::TimelineKind::kOpened, "opened", 100)}});
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->incident.number, 1);
  EXPECT_EQ(first->incident.id(), "INC-1");
  ASSERT_EQ(first->events.size(), 1u);
  EXPECT_GT(first->events[0].seq, 0);
  EXPECT_EQ(first->events[0].incident, 1);
  auto second = store_->save_incident({incident("crm-enrichment", "fp2", 200), {}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->incident.number, 2);

  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "incident.opened");
  EXPECT_EQ((*audit)[0].subject, "INC-1");
  EXPECT_EQ((*audit)[0].actor, "system");
}

TEST_F(IncidentStoreTest, ChangesUpdateTheIncidentAndAppendToItsTimeline) {
  auto saved = store_->save_incident(
      {incident("support-refunds", "fp1", 100), {event(model::TimelineKind::kOpened, "opened", 100)}});
  ASSERT_TRUE(saved.ok());
  model::Incident changed = saved->incident;
  ASSERT_TRUE(changed.transition(model::IncidentState::kAcknowledged, 150).ok());
  auto ack = event(model::TimelineKind::kStateChanged, "acknowledged", 150);
  ack.actor = "key-7";
  ack.reason = "on it";
  ASSERT_TRUE(store_->save_incident({changed, {ack}}).ok());

  auto read = store_->get_incident(1);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->state, model::IncidentState::kAcknowledged);
  EXPECT_EQ((*read)->acknowledged_at, 150);
  EXPECT_EQ((*read)->severity_reasons, std::vector<std::string>{"refund tool is irreversible"});

  auto timeline = store_->incident_timeline(1, 0, 100);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 2u);
  EXPECT_EQ((*timeline)[0].kind, model::TimelineKind::kOpened);
  EXPECT_EQ((*timeline)[1].kind, model::TimelineKind::kStateChanged);
  EXPECT_EQ((*timeline)[1].actor, "key-7");
  EXPECT_EQ((*timeline)[1].reason, "on it");
  auto later = store_->incident_timeline(1, (*timeline)[0].seq, 100);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->size(), 1u);

  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[1].action, "incident.state_changed");
  EXPECT_EQ((*audit)[1].actor, "key-7");
  EXPECT_EQ((*audit)[1].prev_hash, (*audit)[0].hash) << "chained";
  EXPECT_NE((*audit)[1].detail.find("on it"), std::string::npos);
}

TEST_F(IncidentStoreTest, LastTimelineSeqIsTheNewestEventOfAnyIncident) {
  auto none = store_->last_timeline_seq();
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_EQ(*none, 0) << "no events yet";

  const auto opened = [](core::UnixNanos at) {
    return event(model::TimelineKind::kOpened, "opened", at);
  };
  auto first = store_->save_incident({incident("support-refunds", "fp1", 100), {opened(100)}});
  ASSERT_TRUE(first.ok());
  auto second = store_->save_incident({incident("crm-enrichment", "fp2", 200), {opened(200)}});
  ASSERT_TRUE(second.ok());
  // A later event of the first incident: the end is the newest event, not the newest incident's.
  auto note = store_->save_incident(
      {first->incident, {event(model::TimelineKind::kNote, "refunds paused", 300)}});
  ASSERT_TRUE(note.ok());
  ASSERT_EQ(note->events.size(), 1u);

  auto last = store_->last_timeline_seq();
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, note->events[0].seq);
  EXPECT_GT(*last, second->events[0].seq);
  auto after_end = store_->incident_timeline(0, *last, 100);
  ASSERT_TRUE(after_end.ok());
  EXPECT_TRUE(after_end->empty()) << "nothing is after the end";

  // A change without events leaves the end where it was.
  ASSERT_TRUE(store_->save_incident({incident("support-refunds", "fp3", 400), {}}).ok());
  auto unchanged = store_->last_timeline_seq();
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, *last);
}

TEST_F(IncidentStoreTest, ListsFilterAndPageNewestFirst) {
  for (int i = 0; i < 5; ++i) {
    auto inc = incident(i % 2 == 0 ? "support-refunds" : "crm-enrichment", "fp" + std::to_string(i),
                        100 * i);
    if (i == 4) inc.severity = model::Severity::kCritical;
    ASSERT_TRUE(store_->save_incident({inc, {}}).ok());
  }
  IncidentQuery q;
  q.workflow = "support-refunds";
  auto page = store_->query_incidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 3u);
  EXPECT_EQ(page->incidents[0].number, 5);
  q = {};
  q.severity = model::Severity::kCritical;
  page = store_->query_incidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].number, 5);
  q = {};
  q.limit = 2;
  page = store_->query_incidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 2u);
  ASSERT_TRUE(page->next_cursor);
  q.before = page->next_cursor;
  page = store_->query_incidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 2u);
  EXPECT_EQ(page->incidents[0].number, 3);
  q = {};
  q.fingerprint = "fp2";
  page = store_->query_incidents(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->incidents.size(), 1u);
  EXPECT_EQ(page->incidents[0].number, 3);
}

}  // namespace
}  // namespace aiir::store
