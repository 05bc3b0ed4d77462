// The control service against a real SQLite store: setting a control changes decisions at once,
// staged and full lifts, a restart finds the same controls and version, validation, and the
// audit trail.
#include "contain/control_service.h"

#include <gtest/gtest.h>

#include <memory>

#include "process.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::contain {
namespace {

using model::ContainmentOption;
using model::ControlKind;

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr const char* kActor = "Maya (key-1)";

model::Workflow refunds() {
  model::Workflow w;
  w.id = "support-refunds";
  w.tools = {{"issue_refund", model::SideEffect::kPayment, false, ""},
             {"lookup_order", model::SideEffect::kRead}};
  w.containment = {ContainmentOption::kPause, ContainmentOption::kDisableTool};
  return w;
}

model::Control disable_refunds() {
  model::Control c;
  c.workflow = "support-refunds";
  c.kind = ControlKind::kDisableTool;
  c.tool = "issue_refund";
  c.reason = "refunds issued twice";
  return c;
}

DecideRequest refund_call(std::string user) {
  DecideRequest r;
  r.workflow = "support-refunds";
  r.action = "tool:issue_refund";
  r.user_id = std::move(user);
  return r;
}

class ControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = std::make_shared<config::Config>();
    config_->workflows = {refunds()};
    open();
  }

  void open() {
    service_.reset();
    store_.reset();
    auto store = store::open_sqlite_store({dir_.file("aiir.db")});
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    service_ = std::make_unique<ControlService>(*store_, clock_, [this] { return config_; });
    auto started = service_->start();
    ASSERT_TRUE(started.ok()) << started.error().message();
  }

  Verdict verdict(const DecideRequest& request) {
    auto decision = service_->decide(request);
    EXPECT_TRUE(decision.ok()) << decision.error().message();
    return decision.ok() ? decision->verdict : Verdict::kAllow;
  }

  testing::TempDir dir_;
  core::ManualClock clock_{kStart};
  std::shared_ptr<config::Config> config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ControlService> service_;
};

TEST_F(ControlServiceTest, SetDeniesAtOnce) {
  EXPECT_EQ(verdict(refund_call("u1")), Verdict::kAllow);
  EXPECT_EQ(service_->snapshot()->version(), 0);

  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->id.rfind("ctl-", 0), 0u);
  EXPECT_EQ(set->id.size(), 4u + 12u);
  EXPECT_EQ(set->set_at, kStart);
  EXPECT_EQ(set->set_by, kActor);

  EXPECT_EQ(service_->snapshot()->version(), 1);
  auto decision = service_->decide(refund_call("u1"));
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->verdict, Verdict::kDeny);
  EXPECT_EQ(decision->controls, std::vector<std::string>{set->id});
  EXPECT_EQ(decision->controls_version, 1);
  ASSERT_EQ(service_->list(false).size(), 1u);
}

TEST_F(ControlServiceTest, StagedLiftPassesItsShare) {
  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok());
  auto staged = service_->lift(set->id, 50, kActor, "fix deployed, watching");
  ASSERT_TRUE(staged.ok()) << staged.error().message();
  EXPECT_EQ(staged->lift_percent, 50);
  EXPECT_EQ(staged->lifted_at, 0);
  EXPECT_EQ(service_->snapshot()->version(), 2);

  int allowed = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string user = "user-" + std::to_string(i);
    const bool lifted = lift_bucket(set->id, user) < 50;
    EXPECT_EQ(verdict(refund_call(user)), lifted ? Verdict::kAllow : Verdict::kDeny) << user;
    allowed += lifted ? 1 : 0;
  }
  EXPECT_GT(allowed, 0);
  EXPECT_LT(allowed, 200);
}

TEST_F(ControlServiceTest, FullLiftAllowsAgain) {
  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok());
  clock_.advance(core::kNanosPerSecond);
  auto lifted = service_->lift(set->id, 100, kActor, "fix verified");
  ASSERT_TRUE(lifted.ok()) << lifted.error().message();
  EXPECT_EQ(lifted->lifted_at, kStart + core::kNanosPerSecond);
  EXPECT_EQ(verdict(refund_call("u1")), Verdict::kAllow);
  EXPECT_EQ(service_->snapshot()->control_count(), 0u);
  EXPECT_TRUE(service_->list(false).empty());
  ASSERT_EQ(service_->list(true).size(), 1u);

  auto again = service_->lift(set->id, 100, kActor, "again");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::Code::kFailedPrecondition);
}

TEST_F(ControlServiceTest, RestartFindsTheSameControlsAndVersion) {
  auto a = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(a.ok());
  model::Control pause = disable_refunds();
  pause.kind = ControlKind::kPause;
  pause.tool.clear();
  auto b = service_->set(pause, kActor);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(service_->lift(b->id, 100, kActor, "not needed").ok());
  ASSERT_TRUE(service_->lift(a->id, 30, kActor, "staging").ok());
  const std::int64_t version = service_->snapshot()->version();
  EXPECT_EQ(version, 4);

  open();
  auto snapshot = service_->snapshot();
  EXPECT_EQ(snapshot->version(), version);
  EXPECT_EQ(snapshot->control_count(), 1u);
  auto in_force = service_->list(false);
  ASSERT_EQ(in_force.size(), 1u);
  EXPECT_EQ(in_force[0].id, a->id);
  EXPECT_EQ(in_force[0].lift_percent, 30);
  // Changes after the restart continue the version.
  ASSERT_TRUE(service_->lift(a->id, 100, kActor, "done").ok());
  EXPECT_EQ(service_->snapshot()->version(), version + 1);
}

TEST_F(ControlServiceTest, RefusesWhatValidationRefuses) {
  model::Control unknown = disable_refunds();
  unknown.workflow = "no-such-workflow";
  auto r1 = service_->set(unknown, kActor);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code(), core::Code::kNotFound);

  model::Control undeclared = disable_refunds();
  undeclared.kind = ControlKind::kStopWrites;  // the workflow does not declare stop_writes
  auto r2 = service_->set(undeclared, kActor);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), core::Code::kInvalidArgument);

  model::Control no_reason = disable_refunds();
  no_reason.reason.clear();
  EXPECT_EQ(service_->set(no_reason, kActor).error().code(), core::Code::kInvalidArgument);

  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok());
  auto reasonless = service_->lift(set->id, 100, kActor, "");
  ASSERT_FALSE(reasonless.ok());
  EXPECT_EQ(reasonless.error().code(), core::Code::kInvalidArgument);
  EXPECT_NE(reasonless.error().message().find("reason"), std::string::npos);
  EXPECT_EQ(service_->lift(set->id, 0, kActor, "x").error().code(),
            core::Code::kInvalidArgument);
  EXPECT_EQ(service_->lift("ctl-000000000000", 100, kActor, "x").error().code(),
            core::Code::kNotFound);
  // Nothing refused was stored or counted.
  EXPECT_EQ(service_->snapshot()->version(), 1);
  EXPECT_EQ(service_->list(true).size(), 1u);
}

TEST_F(ControlServiceTest, AuditsSetAndLift) {
  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(service_->lift(set->id, 20, kActor, "staging").ok());
  ASSERT_TRUE(service_->lift(set->id, 100, kActor, "fixed").ok());
  auto audit = store_->list_audit(0, 100);
  ASSERT_TRUE(audit.ok());
  std::vector<std::string> actions;
  for (const auto& entry : *audit) {
    EXPECT_EQ(entry.subject, set->id);
    EXPECT_EQ(entry.actor, kActor);
    actions.push_back(entry.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"control.set", "control.stage", "control.lift"}));
}

TEST_F(ControlServiceTest, ConfigChangeRebuildsTheSnapshot) {
  auto set = service_->set(disable_refunds(), kActor);
  ASSERT_TRUE(set.ok());
  config_ = std::make_shared<config::Config>();  // the workflow left the inventory
  service_->config_changed();
  auto snapshot = service_->snapshot();
  EXPECT_EQ(snapshot->version(), 1);
  ASSERT_NE(snapshot->find("support-refunds"), nullptr);
  EXPECT_FALSE(snapshot->find("support-refunds")->in_inventory);
  // Stopping something never depends on the inventory.
  EXPECT_EQ(verdict(refund_call("u1")), Verdict::kDeny);
}

}  // namespace
}  // namespace aiir::contain
