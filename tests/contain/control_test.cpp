// Controls: names, the JSON form and back, and validate() refusing what cannot be set on a
// workflow with a message that says what to change.
#include "model/control.h"

#include <gtest/gtest.h>

#include "model/incident.h"

namespace aiir::model {
namespace {

constexpr core::UnixNanos kSetAt = 1'700'000'000LL * core::kNanosPerSecond;

Workflow refunds() {
  Workflow w;
  w.id = "support-refunds";
  w.tools = {{"issue_refund", SideEffect::kPayment, false, ""}, {"lookup_order", SideEffect::kRead}};
  w.versioned_parts = {{VersionedPartKind::kPrompt, "refund-agent", "v7", {"v5", "v6", "v7"}}};
  w.containment = {ContainmentOption::kPause,      ContainmentOption::kForceReview,
                   ContainmentOption::kDisableTool, ContainmentOption::kNarrowTool,
                   ContainmentOption::kPinVersion,  ContainmentOption::kBlockSource,
                   ContainmentOption::kStopWrites};
  return w;
}

Control control(ControlKind kind) {
  Control c;
  c.id = "ctl-1";
  c.workflow = "support-refunds";
  c.kind = kind;
  c.reason = "refunds issued twice";
  c.set_by = "alice";
  c.set_at = kSetAt;
  c.incident = 42;
  return c;
}

void expect_same(const Control& a, const Control& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.workflow, b.workflow);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.tool, b.tool);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.part_kind, b.part_kind);
  EXPECT_EQ(a.part_name, b.part_name);
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.limits.size(), b.limits.size());
  for (std::size_t i = 0; i < a.limits.size(); ++i) {
    EXPECT_EQ(a.limits[i].argument, b.limits[i].argument);
    EXPECT_EQ(a.limits[i].max, b.limits[i].max);
    EXPECT_EQ(a.limits[i].allowed, b.limits[i].allowed);
  }
  EXPECT_EQ(a.when, b.when);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.set_by, b.set_by);
  EXPECT_EQ(a.set_at, b.set_at);
  EXPECT_EQ(a.incident, b.incident);
  EXPECT_EQ(a.expires_at, b.expires_at);
  EXPECT_EQ(a.lift_percent, b.lift_percent);
  EXPECT_EQ(a.lifted_at, b.lifted_at);
}

TEST(ControlKind, NamesRoundTripAndMatchTheContainmentOptions) {
  // Every containment option has its kind, in the same order; the drill comes last and needs none.
  ASSERT_EQ(control_kind_names().size(), ContainmentOption_names().size() + 1);
  ASSERT_EQ(control_kind_names().size(), kControlKindCount);
  for (std::size_t i = 0; i < control_kind_names().size(); ++i) {
    const auto& [name, kind] = control_kind_names()[i];
    EXPECT_EQ(parse_control_kind(name), kind);
    EXPECT_EQ(to_string(kind), name);
    if (kind == ControlKind::kDrill) {
      EXPECT_EQ(containment_option(kind), std::nullopt);
    } else {
      ASSERT_TRUE(containment_option(kind).has_value());
      EXPECT_EQ(to_string(*containment_option(kind)), name);
    }
  }
  EXPECT_EQ(parse_control_kind("Pause"), std::nullopt);
  EXPECT_EQ(parse_control_kind(""), std::nullopt);
}

TEST(ControlJson, NarrowToolRoundTripsWithLimitsExpiryAndLift) {
  Control c = control(ControlKind::kNarrowTool);
  c.tool = "issue_refund";
  c.limits = {{"amount", 100.0, {}}, {"customer.segment", std::nullopt, {"smb", "consumer"}}};
  c.expires_at = kSetAt + 3600 * core::kNanosPerSecond;
  c.lift_percent = 25;
  boost::json::object o = to_json(c);
  EXPECT_EQ(o.at("kind"), "narrow_tool");
  EXPECT_EQ(o.at("incident"), "INC-42");
  EXPECT_FALSE(o.contains("source"));
  auto back = control_from_json(o);
  ASSERT_TRUE(back.ok()) << back.error().message();
  expect_same(c, *back);
}

TEST(ControlJson, LiftedAtRoundTripsAndIsOmittedWhileInForce) {
  Control c = control(ControlKind::kPause);
  EXPECT_FALSE(to_json(c).contains("lifted_at"));
  c.lift_percent = 100;
  c.lifted_at = kSetAt + 60 * core::kNanosPerSecond;
  boost::json::object o = to_json(c);
  EXPECT_TRUE(o.contains("lifted_at"));
  auto back = control_from_json(o);
  ASSERT_TRUE(back.ok()) << back.error().message();
  expect_same(c, *back);
}

TEST(ControlJson, EveryKindRoundTripsItsOwnMembers) {
  Control pin = control(ControlKind::kPinVersion);
  pin.part_kind = VersionedPartKind::kModel;
  pin.part_name = "gpt";
  pin.version = "2024-05";
  Control review = control(ControlKind::kForceReview);
  review.when = {{"account_segment", "enterprise"}, {"account_segment", "public_sector"},
                 {"region", "eu"}};
  Control block = control(ControlKind::kBlockSource);
  block.source = "wiki";
  Control writes = control(ControlKind::kStopWrites);
  writes.target = "crm";
  Control disable = control(ControlKind::kDisableTool);
  disable.tool = "issue_refund";
  Control pause = control(ControlKind::kPause);
  pause.incident = 0;
  for (const Control& c : {pin, review, block, writes, disable, pause}) {
    SCOPED_TRACE(to_string(c.kind));
    auto back = control_from_json(boost::json::parse(boost::json::serialize(to_json(c))).as_object());
    ASSERT_TRUE(back.ok()) << back.error().message();
    expect_same(c, *back);
  }
}

TEST(ControlJson, ReadsABareIncidentNumberAndASingleWhenValue) {
  auto o = boost::json::parse(R"({"id": "c", "kind": "force_review", "incident": 7,
                                  "when": {"account_segment": "enterprise"}})").as_object();
  auto c = control_from_json(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->incident, 7);
  ASSERT_EQ(c->when.size(), 1u);
  EXPECT_EQ(c->when[0], (std::pair<std::string, std::string>{"account_segment", "enterprise"}));
}

TEST(ControlJson, RefusesAMissingOrUnknownKindRatherThanDefaultingToPause) {
  auto missing = control_from_json(boost::json::object{{"id", "c"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("missing kind"), std::string::npos);
  auto unknown = control_from_json(boost::json::object{{"kind", "stop"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown kind 'stop'"), std::string::npos);
  EXPECT_NE(unknown.error().message().find("stop_writes"), std::string::npos);
}

TEST(ControlJson, RefusesWronglyTypedLimitsAndWhen) {
  auto bad_max = boost::json::parse(
      R"({"kind": "narrow_tool", "limits": [{"argument": "amount", "max": "100"}]})");
  auto r = control_from_json(bad_max.as_object());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("max must be a number"), std::string::npos);
  auto bad_when = boost::json::parse(R"({"kind": "force_review", "when": {"tier": [1]}})");
  EXPECT_FALSE(control_from_json(bad_when.as_object()).ok());
}

TEST(ControlValidate, AcceptsOneOfEachKindOnAWorkflowThatDeclaresThem) {
  Workflow w = refunds();
  Control disable = control(ControlKind::kDisableTool);
  disable.tool = "issue_refund";
  Control narrow = control(ControlKind::kNarrowTool);
  narrow.tool = "issue_refund";
  narrow.limits = {{"amount", 100.0, {}}};
  Control pin = control(ControlKind::kPinVersion);
  pin.part_name = "refund-agent";
  pin.version = "v6";
  Control block = control(ControlKind::kBlockSource);
  block.source = "wiki";
  for (const Control& c : {control(ControlKind::kPause), control(ControlKind::kForceReview),
                           disable, narrow, pin, block, control(ControlKind::kStopWrites)}) {
    SCOPED_TRACE(to_string(c.kind));
    auto status = validate(c, &w);
    EXPECT_TRUE(status.ok()) << status.error().message();
  }
}

TEST(ControlValidate, APauseNeedsNoDeclaredFallback) {
  Workflow w = refunds();
  ASSERT_EQ(w.pause_fallback.kind, PauseFallback::Kind::kError);
  EXPECT_TRUE(validate(control(ControlKind::kPause), &w).ok());
}

// The message of validate(c, w), which must fail with `code`.
std::string refusal(const Control& c, const Workflow* w, core::Code code = core::Code::kInvalidArgument) {
  auto status = validate(c, w);
  if (status.ok()) return "(accepted)";
  EXPECT_EQ(status.error().code(), code);
  return status.error().message();
}

TEST(ControlValidate, RefusesAnUnknownWorkflow) {
  EXPECT_EQ(refusal(control(ControlKind::kPause), nullptr, core::Code::kNotFound),
            "control 'ctl-1': workflow 'support-refunds' is not in the inventory");
}

TEST(ControlValidate, RefusesAToolTheWorkflowDoesNotDeclare) {
  Workflow w = refunds();
  Control c = control(ControlKind::kDisableTool);
  c.tool = "send_email";
  EXPECT_EQ(refusal(c, &w),
            "control 'ctl-1': workflow 'support-refunds' declares no tool 'send_email' "
            "(declared: issue_refund, lookup_order)");
}

TEST(ControlValidate, RefusesAVersionTheWorkflowDoesNotKnow) {
  Workflow w = refunds();
  Control c = control(ControlKind::kPinVersion);
  c.part_name = "refund-agent";
  c.version = "v9";
  EXPECT_EQ(refusal(c, &w),
            "control 'ctl-1': version 'v9' of prompt 'refund-agent' is not one workflow "
            "'support-refunds' knows (known: v5, v6, v7)");
  c.part_kind = VersionedPartKind::kModel;
  c.version = "v6";
  EXPECT_EQ(refusal(c, &w),
            "control 'ctl-1': workflow 'support-refunds' has no versioned part model "
            "'refund-agent'");
}

TEST(ControlValidate, RefusesAKindTheWorkflowDoesNotDeclare) {
  Workflow w = refunds();
  w.containment = {ContainmentOption::kPause};
  Control c = control(ControlKind::kBlockSource);
  c.source = "wiki";
  EXPECT_EQ(refusal(c, &w),
            "control 'ctl-1': workflow 'support-refunds' does not declare containment "
            "'block_source' (declared: pause)");
}

TEST(ControlValidate, RefusesANarrowToolWithoutUsableLimits) {
  Workflow w = refunds();
  Control c = control(ControlKind::kNarrowTool);
  c.tool = "issue_refund";
  EXPECT_NE(refusal(c, &w).find("needs at least one argument limit"), std::string::npos);
  c.limits = {{"amount", std::nullopt, {}}};
  EXPECT_NE(refusal(c, &w).find("argument 'amount' sets neither max nor allowed"),
            std::string::npos);
  c.limits = {{"", 5.0, {}}};
  EXPECT_NE(refusal(c, &w).find("does not name its argument"), std::string::npos);
}

TEST(ControlValidate, RefusesMissingProvenanceBadLiftAndExpiryBeforeSetting) {
  Workflow w = refunds();
  Control c = control(ControlKind::kPause);
  c.reason.clear();
  EXPECT_NE(refusal(c, &w).find("needs a reason"), std::string::npos);
  c = control(ControlKind::kPause);
  c.set_by.clear();
  EXPECT_NE(refusal(c, &w).find("needs set_by"), std::string::npos);
  c = control(ControlKind::kPause);
  c.lift_percent = 101;
  EXPECT_EQ(refusal(c, &w), "control 'ctl-1': lift_percent is 101; it must be within 0..100");
  c = control(ControlKind::kPause);
  c.expires_at = c.set_at;
  EXPECT_NE(refusal(c, &w).find("expires_at must be after set_at"), std::string::npos);
  c = control(ControlKind::kPause);
  c.workflow = "other";
  EXPECT_NE(refusal(c, &w).find("is for workflow 'other'"), std::string::npos);
}

}  // namespace
}  // namespace aiir::model
