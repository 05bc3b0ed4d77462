// Controls in the SQLite store: save and list, the version, lifted filtering, and the audit
// entries and timeline event a change writes in the same transaction.
#include <gtest/gtest.h>

#include "process.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::store {
namespace {

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;

model::Control control(const std::string& id, std::int64_t incident = 0) {
  model::Control c;
  c.id = id;
  c.workflow = "support-refunds";
  c.kind = model::ControlKind::kDisableTool;
  c.tool = "issue_refund";
  c.reason = "refunds issued twice";
  c.set_by = "Maya (key-1)";
  c.set_at = kStart;
  c.incident = incident;
  return c;
}

class ControlsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }

  std::int64_t save(const model::Control& c, const std::string& action) {
    auto version = store_->save_control({c, action, "Maya (key-1)", "refunds issued twice"});
    EXPECT_TRUE(version.ok()) << version.error().message();
    return version.ok() ? *version : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ControlsStoreTest, SavesListsAndCountsVersions) {
  EXPECT_EQ(store_->schema_version(), sqlite::latest_schema_version());
  EXPECT_EQ(*store_->controls_version(), 0);
  EXPECT_EQ(save(control("ctl-a"), "set"), 1);
  EXPECT_EQ(save(control("ctl-b"), "set"), 2);
  model::Control staged = control("ctl-a");
  staged.lift_percent = 25;
  EXPECT_EQ(save(staged, "stage"), 3);
  EXPECT_EQ(*store_->controls_version(), 3);

  auto listed = store_->list_controls(false);
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "ctl-a");  // keeps its place when changed
  EXPECT_EQ((*listed)[0].lift_percent, 25);
  EXPECT_EQ((*listed)[0].tool, "issue_refund");
  EXPECT_EQ((*listed)[1].id, "ctl-b");
}

TEST_F(ControlsStoreTest, ListsLiftedOnlyWhenAsked) {
  save(control("ctl-a"), "set");
  save(control("ctl-b"), "set");
  model::Control lifted = control("ctl-a");
  lifted.lift_percent = 100;
  lifted.lifted_at = kStart + 60 * core::kNanosPerSecond;
  save(lifted, "lift");

  auto in_force = store_->list_controls(false);
  ASSERT_TRUE(in_force.ok());
  ASSERT_EQ(in_force->size(), 1u);
  EXPECT_EQ((*in_force)[0].id, "ctl-b");
  auto all = store_->list_controls(true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "ctl-a");
  EXPECT_EQ((*all)[0].lifted_at, lifted.lifted_at);
}

TEST_F(ControlsStoreTest, WritesAnAuditEntryPerChange) {
  save(control("ctl-a"), "set");
  model::Control lifted = control("ctl-a");
  lifted.lifted_at = kStart + 1;
  save(lifted, "lift");
  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "control.set");
  EXPECT_EQ((*audit)[0].subject, "ctl-a");
  EXPECT_EQ((*audit)[0].actor, "Maya (key-1)");
  EXPECT_NE((*audit)[0].detail.find("refunds issued twice"), std::string::npos);
  EXPECT_EQ((*audit)[1].action, "control.lift");
  // A control without an incident has no timeline.
  EXPECT_TRUE(store_->incident_timeline(0, 0, 100)->empty());
}

TEST_F(ControlsStoreTest, ControlOfAnIncidentGoesOnItsTimeline) {
  save(control("ctl-a", 7), "set");
  auto timeline = store_->incident_timeline(7, 0, 100);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->size(), 1u);
  const model::TimelineEvent& event = (*timeline)[0];
  EXPECT_EQ(event.kind, model::TimelineKind::kControlChanged);
  EXPECT_EQ(event.incident, 7);
  EXPECT_EQ(event.actor, "Maya (key-1)");
  EXPECT_EQ(event.reason, "refunds issued twice");
  EXPECT_NE(event.summary.find("ctl-a"), std::string::npos);
  EXPECT_EQ(event.detail.at("control").as_string(), "ctl-a");

  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 2u);  // the control's, and the timeline event's
  EXPECT_EQ((*audit)[0].action, "control.set");
  EXPECT_EQ((*audit)[1].action, "incident.control_changed");
  EXPECT_EQ((*audit)[1].subject, "INC-7");
}

}  // namespace
}  // namespace aiir::store
