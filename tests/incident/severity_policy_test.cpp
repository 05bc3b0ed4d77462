// Severity: one case per row of MISSION.md's table, escalation as the blast radius grows, every
// mistake in a severity.yaml located, and the shipped example equal to the built-in default.
#include "incident/severity_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aiir::incident {
namespace {

using model::Autonomy;
using model::BusinessImpact;
using model::Category;
using model::Classification;
using model::CustomerExposure;
using model::DataSensitivity;
using model::Impact;
using model::Reversibility;
using model::Severity;

model::Workflow workflow(CustomerExposure exposure, DataSensitivity sensitivity, Autonomy autonomy,
                         Reversibility reversibility, std::vector<BusinessImpact> impacts = {}) {
  model::Workflow w;
  w.id = "wf";
  w.risk.customer_exposure = exposure;
  w.risk.data_sensitivity = sensitivity;
  w.risk.autonomy = autonomy;
  w.risk.reversibility = reversibility;
  w.risk.business_impact = std::move(impacts);
  return w;
}

// The workflows of the cases below.
const model::Workflow kInternalWiki =
    workflow(CustomerExposure::kInternal, DataSensitivity::kPublic, Autonomy::kRecommends,
             Reversibility::kEasy);
const model::Workflow kFaqBot = workflow(CustomerExposure::kExternal, DataSensitivity::kPublic,
                                         Autonomy::kDraftsForReview, Reversibility::kEasy);
const model::Workflow kSupportRefunds =
    workflow(CustomerExposure::kExternal, DataSensitivity::kPersonal, Autonomy::kActsWithApproval,
             Reversibility::kCostly, {BusinessImpact::kFinancial});
const model::Workflow kCrmAgent =
    workflow(CustomerExposure::kInternal, DataSensitivity::kPersonal, Autonomy::kActsAutonomously,
             Reversibility::kCostly, {BusinessImpact::kFinancial, BusinessImpact::kLegal});
const model::Workflow kTriageAssistant = [] {
  model::Workflow w =
      workflow(CustomerExposure::kExternal, DataSensitivity::kRegulated, Autonomy::kRecommends,
               Reversibility::kEasy, {BusinessImpact::kSafety});
  w.risk.regulatory.eu_ai_act_high_risk = true;
  return w;
}();

SeverityInputs inputs(const model::Workflow* w, Category category, Impact impact,
                      Classification classification = Classification::kAiIncident) {
  SeverityInputs in;
  in.workflow = w;
  in.category = category;
  in.impact = impact;
  in.classification = classification;
  in.signals = 1;
  in.distinct_users = 1;
  return in;
}

bool has_reason(const SeverityDecision& d, const std::string& words) {
  return std::any_of(d.reasons.begin(), d.reasons.end(),
                     [&](const std::string& r) { return r.find(words) != std::string::npos; });
}

SeverityDecision decide(const SeverityInputs& in) {
  return evaluate(default_severity_policy(), in);
}

// ---- MISSION.md's table, row by row -----------------------------------------------------------

TEST(SeverityTable, InternalQualityIssueWithNoSensitiveDataIsLow) {
  auto d = decide(inputs(&kInternalWiki, Category::kMisinformation, Impact::kLow,
                         Classification::kQualityIssue));
  EXPECT_EQ(d.severity, Severity::kLow);
  EXPECT_EQ(d.summary(), "low: internal only, no sensitive data, easy to correct");
}

TEST(SeverityTable, ContainedCustomerExposureWithReversibleActionIsMedium) {
  auto in = inputs(&kFaqBot, Category::kMisinformation, Impact::kMedium);
  in.distinct_users = 3;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kMedium);
  EXPECT_EQ(d.summary(), "medium: external customers");
}

TEST(SeverityTable, HighImpactSignalOnInternalLowRiskWorkflowIsMediumFromTheBaseline) {
  auto d = decide(inputs(&kInternalWiki, Category::kUnsafeOutput, Impact::kHigh));
  EXPECT_EQ(d.severity, Severity::kMedium);
  ASSERT_FALSE(d.reasons.empty());
  EXPECT_EQ(d.reasons.front(), "worst signal impact: high");
}

TEST(SeverityTable, CustomerHarmIsHigh) {
  auto d = decide(inputs(&kFaqBot, Category::kMisinformation, Impact::kHigh));
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "customer harm (misinformation, high impact)")) << d.summary();
}

TEST(SeverityTable, SensitiveDataExposureIsHigh) {
  auto d = decide(inputs(&kSupportRefunds, Category::kDataExposure, Impact::kMedium));
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "personal data exposed")) << d.summary();
}

TEST(SeverityTable, FinancialImpactThroughAnIrreversiblePaymentToolIsHigh) {
  auto in = inputs(&kSupportRefunds, Category::kToolMisuse, Impact::kMedium);
  in.distinct_users = 37;
  in.irreversible_tool = true;
  in.irreversible_tool_name = "issue_refund";
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_EQ(d.summary(),
            "high: external customers, personal data, the AI acts after human approval, mistakes "
            "are costly to undo, business impact: financial, tool 'issue_refund' cannot be undone, "
            "financial impact: tool_misuse in a workflow that moves money, 37 users affected");
}

TEST(SeverityTable, PolicyViolationRatedHighIsHigh) {
  auto d = decide(inputs(&kInternalWiki, Category::kPolicyViolation, Impact::kHigh));
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "policy violation"));
}

TEST(SeverityTable, RepeatedFailureAfterResolutionIsHigh) {
  auto in = inputs(&kInternalWiki, Category::kDrift, Impact::kMedium);
  in.recurrences = 2;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "repeated failure: came back 2 time(s) after being resolved"));
}

TEST(SeverityTable, SilentPatternOfWrongCrmUpdatesIsHighThoughNoEventWasDramatic) {
  // MISSION.md: fifty wrong CRM updates over two weeks.
  auto in = inputs(&kCrmAgent, Category::kMisinformation, Impact::kLow);
  in.signals = 50;
  in.records_written = 50;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "repeated failure: 50 signals"));
  EXPECT_TRUE(has_reason(d, "workflow corruption: 50 records written"));
}

TEST(SeverityTable, BroadHarmIsCritical) {
  auto in = inputs(&kFaqBot, Category::kMisinformation, Impact::kMedium);
  in.distinct_users = 140;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_EQ(d.summary(), "critical: external customers, 140 users affected, broad harm");
}

TEST(SeverityTable, ManyAccountsAffectedIsCritical) {
  auto in = inputs(&kFaqBot, Category::kMisinformation, Impact::kMedium);
  in.distinct_accounts = 60;
  EXPECT_EQ(decide(in).severity, Severity::kCritical);
}

TEST(SeverityTable, MajorDataExposureIsCritical) {
  auto in = inputs(&kSupportRefunds, Category::kDataExposure, Impact::kHigh);
  in.distinct_users = 64;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_TRUE(has_reason(d, "major data exposure")) << d.summary();
  EXPECT_TRUE(has_reason(d, "64 users affected"));
}

TEST(SeverityTable, IncidentOnRegulatedHighRiskSystemIsCritical) {
  auto d = decide(inputs(&kTriageAssistant, Category::kMisinformation, Impact::kMedium));
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_TRUE(has_reason(d, "high-risk AI system under the EU AI Act"));
  EXPECT_TRUE(has_reason(d, "regulated data"));
}

TEST(SeverityTable, SeriousSafetyIssueIsCritical) {
  auto w = kTriageAssistant;
  w.risk.regulatory.eu_ai_act_high_risk = false;
  auto d = decide(inputs(&w, Category::kUnsafeOutput, Impact::kHigh));
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_TRUE(has_reason(d, "serious safety issue"));
}

TEST(SeverityTable, UncontrolledAutonomousActionIsCritical) {
  auto in = inputs(&kCrmAgent, Category::kExcessiveAgency, Impact::kMedium);
  in.irreversible_tool = true;
  in.irreversible_tool_name = "sync_marketing_segment";
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_TRUE(has_reason(d, "uncontrolled autonomous action"));
  EXPECT_TRUE(has_reason(d, "tool 'sync_marketing_segment' cannot be undone"));
}

// ---- Classification caps, unknown workflows ---------------------------------------------------

TEST(SeverityCaps, NearMissIsCappedAtMediumAndSaysSo) {
  auto in =
      inputs(&kCrmAgent, Category::kExcessiveAgency, Impact::kCritical, Classification::kNearMiss);
  in.irreversible_tool = true;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kMedium);
  EXPECT_TRUE(has_reason(d, "uncontrolled autonomous action"));  // the context stays visible
  EXPECT_EQ(d.reasons.back(), "capped at medium for a near_miss");
}

TEST(SeverityCaps, QualityIssueThatKeepsComingBackGoesPastItsCap) {
  auto in = inputs(&kInternalWiki, Category::kMisinformation, Impact::kLow,
                   Classification::kQualityIssue);
  in.recurrences = 2;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(d, "the same problem keeps coming back"));
  EXPECT_FALSE(has_reason(d, "capped at"));
}

TEST(SeverityCaps, QualityIssueWithinItsCapIsNotMarkedCapped) {
  auto d = decide(
      inputs(&kFaqBot, Category::kMisinformation, Impact::kMedium, Classification::kQualityIssue));
  EXPECT_EQ(d.severity, Severity::kMedium);
  EXPECT_FALSE(has_reason(d, "capped at"));
}

TEST(SeverityUnknownWorkflow, UncertaintyCountsAgainstIt) {
  auto d = decide(
      inputs(nullptr, Category::kPromptInjection, Impact::kLow, Classification::kSecurityEvent));
  EXPECT_EQ(d.severity, Severity::kMedium);
  EXPECT_EQ(d.summary(), "medium: unknown workflow: its risk cannot be weighed");
}

TEST(SeverityUnknownWorkflow, ProfileRulesNeverHoldButBlastRadiusRulesDo) {
  auto in = inputs(nullptr, Category::kDataExposure, Impact::kMedium);
  in.distinct_users = 150;
  auto d = decide(in);
  EXPECT_EQ(d.severity, Severity::kCritical);
  EXPECT_FALSE(has_reason(d, "data exposed"));
  EXPECT_TRUE(has_reason(d, "broad harm"));
}

// ---- Escalation -------------------------------------------------------------------------------

TEST(SeverityEscalation, GrowingBlastRadiusEscalatesAndNeverLowers) {
  auto in = inputs(&kFaqBot, Category::kMisinformation, Impact::kMedium);
  in.distinct_users = 3;
  SeverityDecision current = decide(in);
  EXPECT_EQ(current.severity, Severity::kMedium);

  in.distinct_users = 37;
  current = escalate(current, decide(in));
  EXPECT_EQ(current.severity, Severity::kHigh);
  EXPECT_TRUE(has_reason(current, "37 users affected"));

  in.distinct_users = 140;
  current = escalate(current, decide(in));
  EXPECT_EQ(current.severity, Severity::kCritical);
  EXPECT_TRUE(has_reason(current, "140 users affected"));

  // A later evaluation that comes out lower (here: fewer users counted after a merge) does not
  // lower it, and the reasons stay those of the decision that set it.
  in.distinct_users = 5;
  SeverityDecision kept = escalate(current, decide(in));
  EXPECT_EQ(kept, current);
}

TEST(SeverityEscalation, TieTakesTheLatestReasons) {
  SeverityDecision before{Severity::kHigh, {"37 users affected"}};
  SeverityDecision after{Severity::kHigh, {"52 users affected"}};
  EXPECT_EQ(escalate(before, after).reasons, after.reasons);
}

TEST(SeverityDecisionSummary, ListsSeverityThenReasons) {
  EXPECT_EQ((SeverityDecision{Severity::kLow, {}}).summary(), "low");
  EXPECT_EQ((SeverityDecision{Severity::kHigh, {"a", "b"}}).summary(), "high: a, b");
}

// ---- severity.yaml ----------------------------------------------------------------------------

constexpr const char* kMinimal =
    "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
    "rules:\n"
    "  - when: {users_at_least: 5, category: [bias]}\n"
    "    at_least: high\n"
    "    reason: \"{users} people treated unfairly\"\n";

TEST(SeverityPolicyFile, MinimalPolicyReadsAndDecides) {
  core::Diagnostics diags;
  auto policy = read_severity_policy_text(kMinimal, "severity.yaml", diags);
  ASSERT_TRUE(policy) << diags.to_string();
  EXPECT_TRUE(policy->caps.empty());
  EXPECT_FALSE(policy->unknown_workflow);
  auto in = inputs(&kInternalWiki, Category::kBias, Impact::kLow);
  in.distinct_users = 8;
  EXPECT_EQ(evaluate(*policy, in).summary(), "high: 8 people treated unfairly");
  in.category = Category::kDrift;
  EXPECT_EQ(evaluate(*policy, in).summary(), "low: worst signal impact: low");
}

std::string errors_of(const std::string& yaml) {
  core::Diagnostics diags;
  auto policy = read_severity_policy_text(yaml, "severity.yaml", diags);
  EXPECT_FALSE(policy) << "expected an error in:\n" << yaml;
  return diags.to_string();
}

TEST(SeverityPolicyFile, MisspeltConditionIsLocatedWithSuggestion) {
  std::string errors = errors_of(
      "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
      "rules:\n"
      "  - when: {users_atleast: 5}\n"
      "    at_least: high\n"
      "    reason: users\n");
  EXPECT_NE(errors.find("severity.yaml:3:12: unknown key 'users_atleast' in when; did you mean "
                        "'users_at_least'?"),
            std::string::npos)
      << errors;
}

TEST(SeverityPolicyFile, MisspeltValueInListIsLocatedWithSuggestion) {
  std::string errors = errors_of(
      "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
      "rules:\n"
      "  - when:\n"
      "      data_sensitivity: [personal, regulatd]\n"
      "    at_least: high\n"
      "    reason: sensitive\n");
  EXPECT_NE(errors.find("severity.yaml:4:36: when.data_sensitivity: 'regulatd' is not allowed"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("(did you mean 'regulated'?)"), std::string::npos) << errors;
}

TEST(SeverityPolicyFile, EverySortOfMistakeIsReportedAtOnce) {
  std::string errors = errors_of(
      "baseline: {low: low, medium: medium, high: hihg}\n"  // 1: bad value, missing key
      "unknown_workflow: severe\n"                          // 2
      "caps: {near_mis: medium}\n"                          // 3
      "rules:\n"                                            // 4
      "  - when: {category: data_exposure}\n"               // 5
      "    at_least: critcal\n"                             // 6
      "    reason: \"{user} people\"\n"                     // 7
      "  - when: {}\n"                                      // 8
      "    at_least: low\n"                                 // 9
      "    reason: nothing\n"                               // 10
      "  - when: {min_risk_tier: 7, impact: severe}\n"      // 11
      "    at_least: low\n"                                 // 12
      "    reason: tier\n"                                  // 13
      "  - when: {autonomy: []}\n"                          // 14
      "    at_lest: low\n"                                  // 15
      "    reason: empty\n");                               // 16
  for (const char* expected : {
           "severity.yaml:1:44: baseline.high: 'hihg' is not allowed",
           "(did you mean 'high'?)",
           "severity.yaml:1:11: baseline: missing required key 'critical'",
           "severity.yaml:2:19: severity policy.unknown_workflow: 'severe' is not allowed",
           "severity.yaml:3:8: unknown key 'near_mis' in caps; did you mean 'near_miss'?",
           "severity.yaml:6:15: rule.at_least: 'critcal' is not allowed",
           "(did you mean 'critical'?)",
           "severity.yaml:7:13: reason: unknown placeholder {user}; did you mean {users}?",
           "severity.yaml:8:11: when: name at least one condition",
           "severity.yaml:11:27: when.min_risk_tier is 7; it must be between 1 and 4",
           "severity.yaml:11:38: when.impact: 'severe' is not allowed",
           "severity.yaml:14:22: when.autonomy is an empty list",
           "severity.yaml:15:5: unknown key 'at_lest' in rule; did you mean 'at_least'?",
       }) {
    EXPECT_NE(errors.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n"
                                                        << errors;
  }
}

TEST(SeverityPolicyFile, RulesMustBeAList) {
  std::string errors = errors_of(
      "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
      "rules: {when: {users_at_least: 1}}\n");
  EXPECT_NE(errors.find("severity.yaml:2:8: rules must be a list"), std::string::npos) << errors;
}

// Found while fuzzing (corpus/severity_policy/empty-rule.yaml): an empty list item read as an
// empty mapping, and its missing keys were reported without a line.
TEST(SeverityPolicyFile, EmptyRuleIsLocated) {
  std::string errors = errors_of(
      "baseline: {low: low, medium: medium, high: high, critical: critical}\n"
      "rules:\n"
      "  - ~\n"
      "  - when: {users_at_least: 1}\n"
      "    at_least: high\n"
      "    reason: users\n");
  EXPECT_NE(errors.find("severity.yaml:3:5: rule is empty; give it when, at_least and reason"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("severity.yaml: "), std::string::npos) << errors;
  EXPECT_EQ(errors.find("missing required key"), std::string::npos) << errors;
}

TEST(SeverityPolicyFile, SyntaxErrorAndMissingFileAreReported) {
  EXPECT_NE(errors_of("rules: [\n").find("severity.yaml:"), std::string::npos);
  core::Diagnostics diags;
  EXPECT_FALSE(read_severity_policy("/nonexistent/severity.yaml", diags));
  EXPECT_NE(diags.to_string().find("/nonexistent/severity.yaml"), std::string::npos);
}

// ---- The shipped example is the default -------------------------------------------------------

SeverityPolicy read_example() {
  core::Diagnostics diags;
  auto policy =
      read_severity_policy(std::string(AIIR_SOURCE_DIR) + "/examples/severity.yaml", diags);
  EXPECT_TRUE(policy) << diags.to_string();
  return policy.value_or(SeverityPolicy{});
}

TEST(SeverityDefault, ExampleFileReadsAsTheDefaultRuleForRule) {
  SeverityPolicy example = read_example();
  const SeverityPolicy& builtin = default_severity_policy();
  EXPECT_EQ(example.baseline, builtin.baseline);
  EXPECT_EQ(example.unknown_workflow, builtin.unknown_workflow);
  EXPECT_EQ(example.caps, builtin.caps);
  ASSERT_EQ(example.rules.size(), builtin.rules.size());
  for (std::size_t i = 0; i < builtin.rules.size(); ++i) {
    EXPECT_EQ(example.rules[i], builtin.rules[i])
        << "rule " << i << ": " << builtin.rules[i].reason;
  }
}

TEST(SeverityDefault, ExampleFileDecidesLikeTheDefault) {
  SeverityPolicy example = read_example();
  const std::vector<const model::Workflow*> workflows{
      nullptr, &kInternalWiki, &kFaqBot, &kSupportRefunds, &kCrmAgent, &kTriageAssistant};
  int cases = 0;
  for (const model::Workflow* w : workflows) {
    for (const auto& [category_name, category] : model::category_names()) {
      for (const auto& [impact_name, impact] : model::impact_names()) {
        for (const auto& [class_name, classification] : model::classification_names()) {
          for (std::int64_t users : {0, 10, 50, 99, 100, 150}) {
            for (bool irreversible : {false, true}) {
              SeverityInputs in = inputs(w, category, impact, classification);
              in.distinct_users = users;
              in.distinct_accounts = users / 2;
              in.records_written = users / 4;
              in.signals = users / 5;
              in.recurrences = users / 50;
              in.irreversible_tool = irreversible;
              ASSERT_EQ(evaluate(example, in), decide(in))
                  << (w ? w->id : "unknown") << " " << category_name << " " << impact_name << " "
                  << class_name << " users=" << users;
              ++cases;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 4000);
}

}  // namespace
}  // namespace aiir::incident
