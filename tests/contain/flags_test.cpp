// Controls read as OpenFeature flags: each flag under the control that sets it, reasons, staged
// lifts per targetingKey, pinned versus current versions, the bulk list, and unknown flags.
#include "contain/flags.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "contain/decision.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;
using model::Control;
using model::ControlKind;

constexpr core::UnixNanos kNow = 1'700'000'000LL * core::kNanosPerSecond;
constexpr std::string_view kWorkflow = "support-refunds";

std::vector<model::Workflow> inventory() {
  model::Workflow w;
  w.id = std::string(kWorkflow);
  w.tools = {{"lookup_order", model::SideEffect::kRead, true, ""},
             {"issue_refund", model::SideEffect::kPayment, false, ""}};
  w.versioned_parts = {
      {model::VersionedPartKind::kPrompt, "refund-agent", "v7", {"v5", "v6", "v7"}},
      {model::VersionedPartKind::kModel, "chat", "gpt-4.1", {"gpt-4o", "gpt-4.1"}},
      {model::VersionedPartKind::kModel, "embedder", "e3", {"e2", "e3"}}};
  model::Workflow other;
  other.id = "knowledge-assistant";
  other.tools = {{"search_wiki", model::SideEffect::kRead, true, ""}};
  return {w, other};
}

Control control(std::string id, ControlKind kind) {
  Control c;
  c.id = std::move(id);
  c.workflow = std::string(kWorkflow);
  c.kind = kind;
  c.reason = "refunds issued twice";
  c.set_by = "alice";
  c.set_at = kNow - core::kNanosPerSecond;
  return c;
}

struct Fixture {
  explicit Fixture(std::vector<Control> controls)
      : workflows(inventory()), snapshot(12, std::move(controls), workflows) {}
  std::vector<model::Workflow> workflows;
  ControlSnapshot snapshot;

  FlagEvaluation eval(std::string_view key, std::string targeting_key = "user-1",
                      json::object attributes = {}, core::UnixNanos now = kNow) const {
    FlagContext context{std::move(targeting_key), std::move(attributes)};
    auto result = evaluate_flag(snapshot, workflows, key, context, now);
    EXPECT_TRUE(result.ok()) << key << ": " << result.error().message();
    return result.ok() ? *result : FlagEvaluation{};
  }
  core::Result<FlagEvaluation> try_eval(std::string_view key) const {
    return evaluate_flag(snapshot, workflows, key, FlagContext{}, kNow);
  }
};

std::string key(std::string_view rest) { return std::string(kWorkflow) + "." + std::string(rest); }

TEST(Flags, WithoutControlsEveryKillSwitchIsOffAndStatic) {
  Fixture f({});
  for (const char* rest : {"paused", "force_review", "drill"}) {
    FlagEvaluation e = f.eval(key(rest));
    EXPECT_EQ(e.value, json::value(false)) << rest;
    EXPECT_EQ(e.variant, "off");
    EXPECT_EQ(e.reason, FlagReason::kStatic);
    EXPECT_TRUE(e.controls.empty());
    EXPECT_EQ(e.controls_version, 12);
  }
  for (const char* rest : {"tool.issue_refund.enabled", "source.orders-db.enabled",
                           "writes.enabled", "write.crm.enabled"}) {
    FlagEvaluation e = f.eval(key(rest));
    EXPECT_EQ(e.value, json::value(true)) << rest;
    EXPECT_EQ(e.variant, "on");
    EXPECT_EQ(e.reason, FlagReason::kStatic);
  }
  FlagEvaluation limits = f.eval(key("tool.issue_refund.limits"));
  EXPECT_EQ(limits.value, json::value(json::object{}));
  EXPECT_EQ(limits.variant, "unlimited");
}

TEST(Flags, PauseSetsPausedWithTheControlThatDecidedIt) {
  Fixture f({control("ctl-p", ControlKind::kPause)});
  FlagEvaluation e = f.eval(key("paused"));
  EXPECT_EQ(e.value, json::value(true));
  EXPECT_EQ(e.variant, "on");
  EXPECT_EQ(e.reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(e.controls, (std::vector<std::string>{"ctl-p"}));
  // A pause is only a pause: tools read their own switch (the application checks paused first).
  EXPECT_EQ(f.eval(key("tool.issue_refund.enabled")).value, json::value(true));
  EXPECT_EQ(f.eval("knowledge-assistant.paused").value, json::value(false));
}

TEST(Flags, AnExpiredControlNoLongerSetsItsFlag) {
  Control c = control("ctl-p", ControlKind::kPause);
  c.expires_at = kNow;
  Fixture f({c});
  EXPECT_EQ(f.eval(key("paused"), "user-1", {}, kNow - 1).value, json::value(true));
  FlagEvaluation after = f.eval(key("paused"), "user-1", {}, kNow);
  EXPECT_EQ(after.value, json::value(false));
  EXPECT_EQ(after.reason, FlagReason::kStatic);
}

TEST(Flags, ForceReviewFollowsItsConditionsOnTheContext) {
  Control c = control("ctl-r", ControlKind::kForceReview);
  c.when = {{"account_segment", "enterprise"}};
  Fixture f({c});
  FlagEvaluation hit = f.eval(key("force_review"), "u", {{"account_segment", "enterprise"}});
  EXPECT_EQ(hit.value, json::value(true));
  EXPECT_EQ(hit.reason, FlagReason::kTargetingMatch);
  FlagEvaluation miss = f.eval(key("force_review"), "u", {{"account_segment", "smb"}});
  EXPECT_EQ(miss.value, json::value(false));
  EXPECT_EQ(miss.reason, FlagReason::kStatic);
}

TEST(Flags, DisabledToolIsNotEnabledAndOtherToolsAre) {
  Control c = control("ctl-t", ControlKind::kDisableTool);
  c.tool = "issue_refund";
  Fixture f({c});
  FlagEvaluation e = f.eval(key("tool.issue_refund.enabled"));
  EXPECT_EQ(e.value, json::value(false));
  EXPECT_EQ(e.variant, "off");
  EXPECT_EQ(e.reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(e.controls, (std::vector<std::string>{"ctl-t"}));
  EXPECT_EQ(f.eval(key("tool.lookup_order.enabled")).value, json::value(true));
}

TEST(Flags, NarrowedToolShowsTheTightestLimitsOfEveryNarrowing) {
  Control a = control("ctl-a", ControlKind::kNarrowTool);
  a.tool = "issue_refund";
  a.limits = {{"amount", 500.0, {}}, {"segment", std::nullopt, {"smb", "consumer"}}};
  Control b = control("ctl-b", ControlKind::kNarrowTool);
  b.tool = "issue_refund";
  b.set_at += 1;
  b.limits = {{"amount", 120.5, {}}, {"segment", std::nullopt, {"consumer", "enterprise"}}};
  Fixture f({a, b});
  FlagEvaluation e = f.eval(key("tool.issue_refund.limits"));
  EXPECT_EQ(e.value,
            json::parse(R"({"amount": {"max": 120.5}, "segment": {"allowed": ["consumer"]}})"));
  EXPECT_EQ(e.variant, "narrowed");
  EXPECT_EQ(e.reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(e.controls, (std::vector<std::string>{"ctl-a", "ctl-b"}));
  // Narrowed is not disabled.
  EXPECT_EQ(f.eval(key("tool.issue_refund.enabled")).value, json::value(true));

  Fixture whole({a});
  EXPECT_EQ(json::serialize(whole.eval(key("tool.issue_refund.limits")).value),
            R"({"amount":{"max":500},"segment":{"allowed":["smb","consumer"]}})");
}

TEST(Flags, BlockedSourceIsNotEnabledByName) {
  Control c = control("ctl-s", ControlKind::kBlockSource);
  c.source = "orders-db";
  Fixture f({c});
  EXPECT_EQ(f.eval(key("source.orders-db.enabled")).value, json::value(false));
  EXPECT_EQ(f.eval(key("source.orders-db.enabled")).reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(f.eval(key("source.wiki.enabled")).value, json::value(true));
}

TEST(Flags, StoppedWritesToOneTargetLeaveTheOthersAndAllWritesEnabled) {
  Control c = control("ctl-w", ControlKind::kStopWrites);
  c.target = "crm";
  Fixture f({c});
  EXPECT_EQ(f.eval(key("write.crm.enabled")).value, json::value(false));
  EXPECT_EQ(f.eval(key("write.billing.enabled")).value, json::value(true));
  EXPECT_EQ(f.eval(key("writes.enabled")).value, json::value(true));
}

TEST(Flags, StoppedWritesToEveryTargetStopEachTargetToo) {
  Fixture f({control("ctl-w", ControlKind::kStopWrites)});
  FlagEvaluation all = f.eval(key("writes.enabled"));
  EXPECT_EQ(all.value, json::value(false));
  EXPECT_EQ(all.controls, (std::vector<std::string>{"ctl-w"}));
  EXPECT_EQ(f.eval(key("write.billing.enabled")).value, json::value(false));
}

TEST(Flags, DrillIsOnWhileADrillControlIsInForce) {
  Fixture f({control("ctl-d", ControlKind::kDrill)});
  FlagEvaluation e = f.eval(key("drill"));
  EXPECT_EQ(e.value, json::value(true));
  EXPECT_EQ(e.reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(e.controls, (std::vector<std::string>{"ctl-d"}));
  EXPECT_EQ(f.eval(key("paused")).value, json::value(false));
}

TEST(Flags, VersionsAreCurrentUntilPinnedAndThenThePin) {
  Fixture none({});
  FlagEvaluation current = none.eval(key("prompt.version"));
  EXPECT_EQ(current.value, json::value("v7"));
  EXPECT_EQ(current.variant, "v7");
  EXPECT_EQ(current.reason, FlagReason::kStatic);
  EXPECT_EQ(none.eval(key("prompt.refund-agent.version")).value, json::value("v7"));
  EXPECT_EQ(none.eval(key("model.embedder.version")).value, json::value("e3"));

  Control pin = control("ctl-v", ControlKind::kPinVersion);
  pin.part_kind = model::VersionedPartKind::kPrompt;
  pin.part_name = "refund-agent";
  pin.version = "v5";
  Control later = pin;
  later.id = "ctl-v2";
  later.version = "v6";
  later.set_at += 1;
  Fixture pinned({pin, later});
  FlagEvaluation e = pinned.eval(key("prompt.version"));
  EXPECT_EQ(e.value, json::value("v6"));  // the later pin of the same part wins, as in decide
  EXPECT_EQ(e.variant, "v6");
  EXPECT_EQ(e.reason, FlagReason::kTargetingMatch);
  EXPECT_EQ(e.controls, (std::vector<std::string>{"ctl-v", "ctl-v2"}));
  EXPECT_EQ(pinned.eval(key("model.chat.version")).value, json::value("gpt-4.1"));
}

TEST(Flags, AStagedLiftSplitsContextsByTargetingKeyAsDecideDoes) {
  Control c = control("ctl-p", ControlKind::kPause);
  c.lift_percent = 40;
  Fixture f({c});
  int lifted = 0;
  for (int i = 0; i < 200; ++i) {
    std::string user = "user-" + std::to_string(i);
    FlagEvaluation e = f.eval(key("paused"), user);
    bool expect_lifted = lift_bucket("ctl-p", user) < 40;
    EXPECT_EQ(e.value, json::value(!expect_lifted)) << user;
    EXPECT_EQ(e.reason, FlagReason::kSplit) << user;
    DecideRequest r{std::string(kWorkflow), "llm", {}, user, "", ""};
    EXPECT_EQ(decide(f.snapshot, r, kNow)->verdict == Verdict::kDeny, !expect_lifted);
    if (expect_lifted) ++lifted;
  }
  EXPECT_GT(lifted, 40);
  EXPECT_LT(lifted, 120);
  // The same user keeps the same answer.
  EXPECT_EQ(f.eval(key("paused"), "user-7").value, f.eval(key("paused"), "user-7").value);
  // Without a targetingKey the control stays in force: strict is safe.
  FlagEvaluation anonymous = f.eval(key("paused"), "");
  EXPECT_EQ(anonymous.value, json::value(true));
  EXPECT_EQ(anonymous.reason, FlagReason::kTargetingMatch);
}

TEST(Flags, UnknownFlagsWorkflowsToolsAndPartsAreNotFound) {
  Fixture f({});
  for (const char* bad : {"paused", "support-refunds", "support-refunds.nothing",
                          "nobody.paused", "support-refunds.tool.shell.enabled",
                          "support-refunds.tool..enabled", "support-refunds.prompt.other.version",
                          "support-refunds.retrieval_index.version",
                          "support-refunds.query.version"}) {
    auto r = f.try_eval(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), core::Code::kNotFound) << bad;
  }
  // Two model parts: the short key names both qualified keys.
  auto ambiguous = f.try_eval(key("model.version"));
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().message().find("support-refunds.model.chat.version"),
            std::string::npos);
  auto tool = f.try_eval(key("tool.shell.enabled"));
  EXPECT_NE(tool.error().message().find("lookup_order, issue_refund"), std::string::npos);
}

TEST(Flags, AWorkflowOnlyAControlNamesStillAnswers) {
  Control c = control("ctl-p", ControlKind::kPause);
  c.workflow = "retired-bot";
  Fixture f({c});
  EXPECT_EQ(f.eval("retired-bot.paused").value, json::value(true));
}

TEST(Flags, BulkListsEveryFlagOfEveryWorkflowInOrder) {
  Control block = control("ctl-s", ControlKind::kBlockSource);
  block.source = "orders-db";
  Control stop = control("ctl-w", ControlKind::kStopWrites);
  stop.target = "crm";
  std::vector<model::Workflow> workflows = inventory();
  ControlSnapshot snapshot(3, {block, stop}, workflows);
  auto all = evaluate_all_flags(snapshot, workflows, FlagContext{"u", {}}, kNow);
  ASSERT_TRUE(all.ok()) << all.error().message();
  std::vector<std::string> keys;
  for (const auto& e : *all) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "knowledge-assistant.paused",
                      "knowledge-assistant.force_review",
                      "knowledge-assistant.drill",
                      "knowledge-assistant.tool.search_wiki.enabled",
                      "knowledge-assistant.tool.search_wiki.limits",
                      "knowledge-assistant.writes.enabled",
                      "support-refunds.paused",
                      "support-refunds.force_review",
                      "support-refunds.drill",
                      "support-refunds.tool.lookup_order.enabled",
                      "support-refunds.tool.lookup_order.limits",
                      "support-refunds.tool.issue_refund.enabled",
                      "support-refunds.tool.issue_refund.limits",
                      "support-refunds.source.orders-db.enabled",
                      "support-refunds.writes.enabled",
                      "support-refunds.write.crm.enabled",
                      "support-refunds.prompt.version",
                      "support-refunds.prompt.refund-agent.version",
                      "support-refunds.model.chat.version",
                      "support-refunds.model.embedder.version",
                  }));
  // Each bulk answer is the single answer.
  for (const auto& e : *all) {
    auto single = evaluate_flag(snapshot, workflows, e.key, FlagContext{"u", {}}, kNow);
    ASSERT_TRUE(single.ok()) << e.key;
    EXPECT_EQ(json::serialize(to_json(*single)), json::serialize(to_json(e)));
  }

  auto one = evaluate_all_flags(snapshot, workflows, FlagContext{}, kNow, "knowledge-assistant");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 6u);
  auto unknown = evaluate_all_flags(snapshot, workflows, FlagContext{}, kNow, "nobody");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), core::Code::kNotFound);
}

TEST(Flags, JsonIsOfrepsEvaluationSuccess) {
  Control c = control("ctl-a", ControlKind::kPause);
  Control d = control("ctl-b", ControlKind::kPause);
  d.set_at += 1;
  Fixture f({c, d});
  EXPECT_EQ(json::serialize(to_json(f.eval(key("paused")))),
            R"({"key":"support-refunds.paused","value":true,"reason":"TARGETING_MATCH",)"
            R"("variant":"on","metadata":{"controls_version":12,"controls":"ctl-a,ctl-b"}})");
  Fixture none({});
  EXPECT_EQ(json::serialize(to_json(none.eval(key("drill")))),
            R"({"key":"support-refunds.drill","value":false,"reason":"STATIC",)"
            R"("variant":"off","metadata":{"controls_version":12}})");
}

}  // namespace
}  // namespace aiir::contain
