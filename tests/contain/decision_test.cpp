// The decision behind POST /v1/decide: each control against each kind of action, precedence when
// several apply, narrowed tools, expiry, staged lifts, pins, and what an unknown workflow or a
// malformed action gets.
#include "contain/decision.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace aiir::contain {
namespace {

using model::Control;
using model::ControlKind;

constexpr core::UnixNanos kNow = 1'700'000'000LL * core::kNanosPerSecond;
constexpr std::string_view kWorkflow = "support-refunds";
// One of each kind of action.
const std::vector<std::string> kActions{"llm", "tool:issue_refund", "retrieve:wiki", "write:crm",
                                        "output"};

model::Workflow workflow(model::PauseFallback::Kind fallback = model::PauseFallback::Kind::kError,
                         std::string message = "") {
  model::Workflow w;
  w.id = std::string(kWorkflow);
  w.pause_fallback = {fallback, std::move(message)};
  return w;
}

Control control(std::string id, ControlKind kind) {
  Control c;
  c.id = std::move(id);
  c.workflow = std::string(kWorkflow);
  c.kind = kind;
  c.reason = "refunds issued twice";
  c.set_by = "alice";
  c.set_at = kNow - core::kNanosPerSecond;
  c.incident = 42;
  return c;
}

Control tool_control(std::string id, ControlKind kind, std::string tool) {
  Control c = control(std::move(id), kind);
  c.tool = std::move(tool);
  return c;
}

ControlSnapshot snapshot(std::vector<Control> controls, model::Workflow w = workflow()) {
  std::vector<model::Workflow> workflows{std::move(w)};
  return ControlSnapshot(7, std::move(controls), workflows);
}

DecideRequest request(std::string action, boost::json::object attributes = {},
                      std::string user = "user-1") {
  DecideRequest r;
  r.workflow = std::string(kWorkflow);
  r.action = std::move(action);
  r.attributes = std::move(attributes);
  r.user_id = std::move(user);
  return r;
}

Decision decide_ok(const ControlSnapshot& s, const DecideRequest& r, core::UnixNanos now = kNow) {
  auto d = decide(s, r, now);
  EXPECT_TRUE(d.ok()) << d.error().message();
  return d.ok() ? *d : Decision{};
}

// The verdict for each of kActions, in order.
std::vector<Verdict> verdicts(const ControlSnapshot& s) {
  std::vector<Verdict> out;
  for (const auto& action : kActions) out.push_back(decide_ok(s, request(action)).verdict);
  return out;
}

using V = Verdict;

TEST(Decide, WithoutControlsEverythingIsAllowedWithoutReasons) {
  auto s = snapshot({});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kAllow, V::kAllow, V::kAllow, V::kAllow}));
  Decision d = decide_ok(s, request("output"));
  EXPECT_TRUE(d.reasons.empty());
  EXPECT_TRUE(d.controls.empty());
  EXPECT_EQ(d.controls_version, 7);
}

TEST(Decide, PauseDeniesEveryActionAndOutputFollowsTheFallback) {
  using Kind = model::PauseFallback::Kind;
  auto error = snapshot({control("p", ControlKind::kPause)}, workflow(Kind::kError));
  EXPECT_EQ(verdicts(error), (std::vector<V>{V::kDeny, V::kDeny, V::kDeny, V::kDeny, V::kDeny}));

  auto queue = snapshot({control("p", ControlKind::kPause)}, workflow(Kind::kHumanQueue));
  EXPECT_EQ(verdicts(queue), (std::vector<V>{V::kDeny, V::kDeny, V::kDeny, V::kDeny, V::kReview}));

  auto canned = snapshot({control("p", ControlKind::kPause)},
                         workflow(Kind::kCannedMessage, "We are looking into refunds."));
  EXPECT_EQ(verdicts(canned),
            (std::vector<V>{V::kDeny, V::kDeny, V::kDeny, V::kDeny, V::kDegrade}));
  Decision d = decide_ok(canned, request("output"));
  EXPECT_EQ(d.fallback_message, "We are looking into refunds.");
  EXPECT_EQ(d.controls, (std::vector<std::string>{"p"}));
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0],
            "workflow paused: output replaced by the workflow's fallback message "
            "(control p, INC-42, set by alice: refunds issued twice)");
  EXPECT_TRUE(decide_ok(canned, request("llm")).fallback_message.empty());
}

TEST(Decide, ForceReviewHoldsOutputsOnly) {
  auto s = snapshot({control("r", ControlKind::kForceReview)});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kAllow, V::kAllow, V::kAllow, V::kReview}));
}

TEST(Decide, ForceReviewWithConditionsHoldsOnlyMatchingOutputs) {
  Control c = control("r", ControlKind::kForceReview);
  c.when = {{"account_segment", "enterprise"}, {"account_segment", "public_sector"},
            {"region", "eu"}};
  auto s = snapshot({c});
  auto verdict = [&](boost::json::object attributes) {
    return decide_ok(s, request("output", std::move(attributes))).verdict;
  };
  EXPECT_EQ(verdict({{"account_segment", "enterprise"}, {"region", "eu"}}), V::kReview);
  EXPECT_EQ(verdict({{"account_segment", "public_sector"}, {"region", "eu"}}), V::kReview);
  EXPECT_EQ(verdict({{"account_segment", "smb"}, {"region", "eu"}}), V::kAllow);
  EXPECT_EQ(verdict({{"account_segment", "enterprise"}, {"region", "us"}}), V::kAllow);
  EXPECT_EQ(verdict({{"account_segment", "enterprise"}}), V::kAllow);
}

TEST(Decide, ForceReviewMatchesNumbersAndTheRequestsAccount) {
  Control tier = control("r", ControlKind::kForceReview);
  tier.when = {{"tier", "3"}};
  auto s = snapshot({tier});
  EXPECT_EQ(decide_ok(s, request("output", {{"tier", 3}})).verdict, V::kReview);
  EXPECT_EQ(decide_ok(s, request("output", {{"tier", 2}})).verdict, V::kAllow);

  Control account = control("a", ControlKind::kForceReview);
  account.when = {{"account", "acme"}};
  auto by_account = snapshot({account});
  DecideRequest r = request("output");
  r.account_id = "acme";
  EXPECT_EQ(decide_ok(by_account, r).verdict, V::kReview);
  r.account_id = "globex";
  EXPECT_EQ(decide_ok(by_account, r).verdict, V::kAllow);
}

TEST(Decide, DisableToolDeniesThatToolOnly) {
  auto s = snapshot({tool_control("d", ControlKind::kDisableTool, "issue_refund")});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kDeny, V::kAllow, V::kAllow, V::kAllow}));
  EXPECT_EQ(decide_ok(s, request("tool:lookup_order")).verdict, V::kAllow);
  Decision d = decide_ok(s, request("tool:issue_refund"));
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0],
            "tool 'issue_refund' disabled (control d, INC-42, set by alice: refunds issued twice)");
}

TEST(Decide, ALiftedControlNoLongerApplies) {
  Control lifted = tool_control("d", ControlKind::kDisableTool, "issue_refund");
  lifted.lift_percent = 100;
  lifted.lifted_at = kNow - 1;
  auto s = snapshot({lifted});
  EXPECT_EQ(s.control_count(), 0u);
  EXPECT_EQ(decide_ok(s, request("tool:issue_refund")).verdict, V::kAllow);
}

TEST(Decide, BlockSourceDeniesRetrievalFromThatSourceOnly) {
  Control c = control("b", ControlKind::kBlockSource);
  c.source = "wiki";
  auto s = snapshot({c});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kAllow, V::kDeny, V::kAllow, V::kAllow}));
  EXPECT_EQ(decide_ok(s, request("retrieve:kb")).verdict, V::kAllow);
}

TEST(Decide, StopWritesDegradesWritesToItsTargetOrToAll) {
  Control crm = control("w", ControlKind::kStopWrites);
  crm.target = "crm";
  auto s = snapshot({crm});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kAllow, V::kAllow, V::kDegrade, V::kAllow}));
  EXPECT_EQ(decide_ok(s, request("write:ledger")).verdict, V::kAllow);

  auto all = snapshot({control("w", ControlKind::kStopWrites)});
  Decision d = decide_ok(all, request("write:ledger"));
  EXPECT_EQ(d.verdict, V::kDegrade);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0].rfind("all writes stopped: do not write; record it as would-have-written",
                               0),
            0u);
}

TEST(Decide, PinVersionNeverDeniesAndCarriesThePinnedVersionOnEveryAction) {
  Control prompt = control("pin-1", ControlKind::kPinVersion);
  prompt.part_name = "refund-agent";
  prompt.version = "v6";
  Control model = control("pin-2", ControlKind::kPinVersion);
  model.part_kind = model::VersionedPartKind::kModel;
  model.part_name = "gpt";
  model.version = "2024-05";
  auto s = snapshot({prompt, model});
  EXPECT_EQ(verdicts(s), (std::vector<V>{V::kAllow, V::kAllow, V::kAllow, V::kAllow, V::kAllow}));
  for (const auto& action : kActions) {
    Decision d = decide_ok(s, request(action));
    EXPECT_EQ(d.pinned, (std::vector<std::pair<std::string, std::string>>{
                            {"prompt:refund-agent", "v6"}, {"model:gpt", "2024-05"}}));
    EXPECT_EQ(d.controls, (std::vector<std::string>{"pin-1", "pin-2"}));
  }
}

TEST(Decide, ALaterPinOfThePartReplacesTheEarlierOne) {
  Control old_pin = control("pin-old", ControlKind::kPinVersion);
  old_pin.part_name = "refund-agent";
  old_pin.version = "v5";
  Control new_pin = old_pin;
  new_pin.id = "pin-new";
  new_pin.version = "v6";
  new_pin.set_at = old_pin.set_at + 1;
  auto s = snapshot({new_pin, old_pin});
  Decision d = decide_ok(s, request("llm"));
  EXPECT_EQ(d.pinned, (std::vector<std::pair<std::string, std::string>>{
                          {"prompt:refund-agent", "v6"}}));
}

TEST(Decide, TheStrictestVerdictWinsAndEveryApplyingControlIsListed) {
  using Kind = model::PauseFallback::Kind;
  Control pin = control("pin", ControlKind::kPinVersion);
  pin.part_name = "refund-agent";
  pin.version = "v6";
  Control stop = control("stop", ControlKind::kStopWrites);
  auto s = snapshot({control("pause", ControlKind::kPause), control("review", ControlKind::kForceReview),
                     pin, stop},
                    workflow(Kind::kCannedMessage, "Back soon."));
  // Output: pause (degrade, canned message) and force_review (review) → review.
  Decision output = decide_ok(s, request("output"));
  EXPECT_EQ(output.verdict, V::kReview);
  EXPECT_EQ(output.controls, (std::vector<std::string>{"pause", "review", "pin"}));
  EXPECT_EQ(output.reasons.size(), 3u);
  // Write: pause (deny) beats stop_writes (degrade).
  Decision write = decide_ok(s, request("write:crm"));
  EXPECT_EQ(write.verdict, V::kDeny);
  EXPECT_EQ(write.controls, (std::vector<std::string>{"pause", "pin", "stop"}));
  EXPECT_EQ(write.pinned.size(), 1u);
}

TEST(Decide, DisableBeatsAnAllowingNarrowOnTheSameTool) {
  Control narrow = tool_control("n", ControlKind::kNarrowTool, "issue_refund");
  narrow.limits = {{"amount", 100.0, {}}};
  auto s = snapshot({narrow, tool_control("d", ControlKind::kDisableTool, "issue_refund")});
  Decision d = decide_ok(s, request("tool:issue_refund", {{"amount", 20}}));
  EXPECT_EQ(d.verdict, V::kDeny);
  EXPECT_EQ(d.controls, (std::vector<std::string>{"d", "n"}));
}

TEST(Decide, VerdictsAreOrderedByPrecedence) {
  EXPECT_LT(V::kAllow, V::kDegrade);
  EXPECT_LT(V::kDegrade, V::kReview);
  EXPECT_LT(V::kReview, V::kDeny);
}

class NarrowTool : public ::testing::Test {
 protected:
  NarrowTool() {
    Control c = tool_control("n", ControlKind::kNarrowTool, "issue_refund");
    c.limits = {{"amount", 100.0, {}}, {"segment", std::nullopt, {"smb", "consumer"}}};
    snapshot_ = snapshot({c});
  }
  Decision call(boost::json::object arguments) {
    return decide_ok(snapshot_, request("tool:issue_refund", std::move(arguments)));
  }
  // The reason without its provenance.
  static std::string effect(const Decision& d) {
    if (d.reasons.size() != 1) return "(" + std::to_string(d.reasons.size()) + " reasons)";
    return d.reasons[0].substr(0, d.reasons[0].find(" (control "));
  }
  ControlSnapshot snapshot_;
};

TEST_F(NarrowTool, ACallInsideTheLimitsIsAllowed) {
  Decision d = call({{"amount", 100}, {"segment", "smb"}});
  EXPECT_EQ(d.verdict, V::kAllow);
  EXPECT_EQ(effect(d), "tool 'issue_refund' narrowed: call within the limits");
  EXPECT_EQ(call({{"amount", 99.5}, {"segment", "consumer"}}).verdict, V::kAllow);
  EXPECT_EQ(call({{"amount", "42"}, {"segment", "consumer"}}).verdict, V::kAllow);
}

TEST_F(NarrowTool, AnAmountOverTheMaxIsDeniedNamingArgumentValueAndLimit) {
  Decision d = call({{"amount", 250}, {"segment", "smb"}});
  EXPECT_EQ(d.verdict, V::kDeny);
  EXPECT_EQ(effect(d),
            "tool 'issue_refund' narrowed: argument 'amount' is 250, over the limit of at most 100");
  EXPECT_EQ(effect(call({{"amount", 100.5}, {"segment", "smb"}})),
            "tool 'issue_refund' narrowed: argument 'amount' is 100.5, over the limit of at most "
            "100");
}

TEST_F(NarrowTool, AValueOutsideTheAllowedOnesIsDenied) {
  Decision d = call({{"amount", 10}, {"segment", "enterprise"}});
  EXPECT_EQ(d.verdict, V::kDeny);
  EXPECT_EQ(effect(d),
            "tool 'issue_refund' narrowed: argument 'segment' is \"enterprise\", not one of "
            "[smb, consumer]");
}

TEST_F(NarrowTool, ANonNumericValueForAMaxIsDenied) {
  Decision d = call({{"amount", "lots"}, {"segment", "smb"}});
  EXPECT_EQ(d.verdict, V::kDeny);
  EXPECT_EQ(effect(d),
            "tool 'issue_refund' narrowed: argument 'amount' is \"lots\", not a number; limit: "
            "at most 100");
  EXPECT_EQ(call({{"amount", true}, {"segment", "smb"}}).verdict, V::kDeny);
}

TEST_F(NarrowTool, AMissingArgumentCannotBeShownInsideAndIsDenied) {
  Decision d = call({{"segment", "smb"}});
  EXPECT_EQ(d.verdict, V::kDeny);
  EXPECT_EQ(effect(d),
            "tool 'issue_refund' narrowed: argument 'amount' is missing; limit: at most 100");
}

TEST_F(NarrowTool, EveryViolationIsNamed) {
  Decision d = call({{"amount", 500}, {"segment", "enterprise"}});
  EXPECT_EQ(effect(d),
            "tool 'issue_refund' narrowed: argument 'amount' is 500, over the limit of at most "
            "100; argument 'segment' is \"enterprise\", not one of [smb, consumer]");
}

TEST_F(NarrowTool, ArgumentsAreReadFromTheArgumentsObjectWhenThereIsOne) {
  boost::json::object attributes{{"arguments", {{"amount", 500}, {"segment", "smb"}}},
                                 {"amount", 1}};
  EXPECT_EQ(call(attributes).verdict, V::kDeny);
}

TEST_F(NarrowTool, OtherToolsAreNotNarrowed) {
  EXPECT_EQ(decide_ok(snapshot_, request("tool:lookup_order", {{"amount", 1000}})).verdict,
            V::kAllow);
}

TEST(Decide, NarrowLimitsFollowDottedPathsIntoNestedArguments) {
  Control c = tool_control("n", ControlKind::kNarrowTool, "issue_refund");
  c.limits = {{"refund.amount", 100.0, {}}};
  auto s = snapshot({c});
  auto verdict = [&](int amount) {
    boost::json::object refund{{"amount", amount}};
    return decide_ok(s, request("tool:issue_refund", {{"refund", refund}})).verdict;
  };
  EXPECT_EQ(verdict(50), V::kAllow);
  EXPECT_EQ(verdict(150), V::kDeny);
}

TEST(Decide, AControlStopsApplyingWhenItExpires) {
  Control c = control("p", ControlKind::kPause);
  c.expires_at = kNow + core::kNanosPerSecond;
  auto s = snapshot({c});
  EXPECT_EQ(decide_ok(s, request("llm"), kNow).verdict, V::kDeny);
  EXPECT_EQ(decide_ok(s, request("llm"), c.expires_at - 1).verdict, V::kDeny);
  Decision expired = decide_ok(s, request("llm"), c.expires_at);
  EXPECT_EQ(expired.verdict, V::kAllow);
  EXPECT_TRUE(expired.controls.empty());
}

// How many of 10,000 users a staged lift lets through.
int lifted_users(const ControlSnapshot& s) {
  int lifted = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (decide_ok(s, request("llm", {}, "user-" + std::to_string(i))).verdict == V::kAllow) {
      ++lifted;
    }
  }
  return lifted;
}

TEST(StagedLift, LetsThroughAboutTheGivenShareOfUsers) {
  for (int percent : {0, 10, 25, 50, 90, 100}) {
    SCOPED_TRACE(percent);
    Control c = control("p", ControlKind::kPause);
    c.lift_percent = percent;
    int lifted = lifted_users(snapshot({c}));
    // Binomial: the standard deviation is at most 50 users; 3% is six of them.
    EXPECT_NEAR(lifted, percent * 100, 300);
    if (percent == 0) {
      EXPECT_EQ(lifted, 0);
    }
    if (percent == 100) {
      EXPECT_EQ(lifted, 10'000);
    }
  }
}

TEST(StagedLift, TheSameUserAlwaysGetsTheSameAnswerAndRaisingOnlyLiftsMore) {
  Control c = control("p", ControlKind::kPause);
  c.lift_percent = 30;
  auto at30 = snapshot({c});
  c.lift_percent = 60;
  auto at60 = snapshot({c});
  for (int i = 0; i < 1000; ++i) {
    DecideRequest r = request("llm", {}, "user-" + std::to_string(i));
    Verdict first = decide_ok(at30, r).verdict;
    EXPECT_EQ(decide_ok(at30, r).verdict, first);
    if (first == V::kAllow) {
      EXPECT_EQ(decide_ok(at60, r).verdict, V::kAllow);
    }
  }
}

TEST(StagedLift, TheKeyIsTheUserElseTheAccountElseTheTrace) {
  DecideRequest by_user = request("llm", {}, "u");
  by_user.account_id = "a";
  DecideRequest by_account = request("llm", {}, "");
  by_account.account_id = "u";
  DecideRequest by_trace = request("llm", {}, "");
  by_trace.trace_id = "u";
  for (int percent = 1; percent < 100; ++percent) {
    Control c = control("p", ControlKind::kPause);
    c.lift_percent = percent;
    auto s = snapshot({c});
    Verdict expected = lift_bucket("p", "u") < percent ? V::kAllow : V::kDeny;
    EXPECT_EQ(decide_ok(s, by_user).verdict, expected);
    EXPECT_EQ(decide_ok(s, by_account).verdict, expected);
    EXPECT_EQ(decide_ok(s, by_trace).verdict, expected);
  }
}

TEST(StagedLift, ARequestWithoutAnyKeyStaysContainedUntilTheLiftIsComplete) {
  Control c = control("p", ControlKind::kPause);
  c.lift_percent = 99;
  EXPECT_EQ(decide_ok(snapshot({c}), request("llm", {}, "")).verdict, V::kDeny);
  c.lift_percent = 100;
  EXPECT_EQ(decide_ok(snapshot({c}), request("llm", {}, "")).verdict, V::kAllow);
}

TEST(StagedLift, BucketsDependOnTheControlSoLiftsSpreadOverDifferentUsers) {
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string user = "user-" + std::to_string(i);
    if (lift_bucket("ctl-a", user) == lift_bucket("ctl-b", user)) ++same;
  }
  EXPECT_LT(same, 50);  // about 10 expected by chance
}

TEST(Decide, AnUnknownWorkflowIsAllowedSayingNoControlsApply) {
  auto s = snapshot({control("p", ControlKind::kPause)});
  DecideRequest r = request("tool:issue_refund");
  r.workflow = "marketing-copy";
  Decision d = decide_ok(s, r);
  EXPECT_EQ(d.verdict, V::kAllow);
  EXPECT_EQ(d.reasons,
            (std::vector<std::string>{"no controls apply: workflow 'marketing-copy' is not known "
                                      "to aiir"}));
  EXPECT_TRUE(d.controls.empty());
  EXPECT_EQ(d.controls_version, 7);
}

TEST(Decide, AnEmptySnapshotKnowsNoWorkflow) {
  Decision d = decide_ok(ControlSnapshot(), request("output"));
  EXPECT_EQ(d.verdict, V::kAllow);
  EXPECT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.controls_version, 0);
}

TEST(Decide, ControlsOnAWorkflowMissingFromTheInventoryStillApply) {
  std::vector<model::Workflow> none;
  ControlSnapshot s(3, {control("p", ControlKind::kPause)}, none);
  Decision d = decide_ok(s, request("output"));
  EXPECT_EQ(d.verdict, V::kDeny);  // no declared fallback: error
}

TEST(Decide, AMalformedActionIsAnError) {
  auto s = snapshot({});
  for (std::string action : {"", "tool", "tool:", "llm:gpt", "output:x", "Tool:x", "delete:crm"}) {
    SCOPED_TRACE(action);
    auto d = decide(s, request(action), kNow);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code(), core::Code::kInvalidArgument);
    EXPECT_NE(d.error().message().find("expected llm, output, tool:<name>"), std::string::npos);
  }
  auto unknown = decide(s, request("delete:crm"), kNow);
  EXPECT_EQ(unknown.error().message(),
            "action 'delete:crm' is not one aiir knows; expected llm, output, tool:<name>, "
            "retrieve:<source> or write:<target>");
}

TEST(ParseAction, ReadsEachFormAndKeepsTheName) {
  auto tool = parse_action("tool:issue_refund");
  ASSERT_TRUE(tool.ok());
  EXPECT_EQ(tool->kind, ActionKind::kTool);
  EXPECT_EQ(tool->name, "issue_refund");
  EXPECT_EQ(parse_action("retrieve:kb:eu")->name, "kb:eu");
  EXPECT_EQ(parse_action("write:crm")->kind, ActionKind::kWrite);
  EXPECT_EQ(parse_action("llm")->kind, ActionKind::kLlm);
  EXPECT_EQ(parse_action("output")->kind, ActionKind::kOutput);
  EXPECT_TRUE(parse_action("output")->name.empty());
}

TEST(DecisionJson, CarriesVerdictReasonsControlsPinsFallbackAndVersion) {
  Decision d;
  d.verdict = V::kDegrade;
  d.reasons = {"workflow paused"};
  d.controls = {"p"};
  d.pinned = {{"prompt:refund-agent", "v6"}};
  d.fallback_message = "Back soon.";
  d.controls_version = 12;
  EXPECT_EQ(boost::json::serialize(to_json(d)),
            R"({"decision":"degrade","reasons":["workflow paused"],"controls":["p"],)"
            R"("pinned":{"prompt:refund-agent":"v6"},"fallback_message":"Back soon.",)"
            R"("controls_version":12})");
  EXPECT_FALSE(to_json(Decision{}).contains("fallback_message"));
  EXPECT_EQ(to_string(V::kReview), "review");
}

}  // namespace
}  // namespace aiir::contain
