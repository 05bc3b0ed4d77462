// Playbook matching, field by field, and the control an action makes for an incident.
#include "contain/playbook.h"

#include <gtest/gtest.h>

#include "model/risk_tier.h"

namespace aiir::contain {
namespace {

using model::Category;
using model::Classification;
using model::Severity;

constexpr core::UnixNanos kNow = 1'790'000'000LL * core::kNanosPerSecond;

model::Workflow refunds() {
  model::Workflow w;
  w.id = "support-refunds";
  w.risk.customer_exposure = model::CustomerExposure::kExternal;
  w.risk.data_sensitivity = model::DataSensitivity::kPersonal;
  w.risk.autonomy = model::Autonomy::kActsWithApproval;
  w.risk.reversibility = model::Reversibility::kCostly;
  w.risk.business_impact = {model::BusinessImpact::kFinancial};
  w.tools = {{"issue_refund", model::SideEffect::kPayment, false, ""}};
  w.versioned_parts = {{model::VersionedPartKind::kPrompt, "refund-policy", "v7", {"v5", "v6", "v7"}}};
  w.containment = {model::ContainmentOption::kPause, model::ContainmentOption::kDisableTool,
                   model::ContainmentOption::kPinVersion};
  return w;
}

model::Workflow drafts() {
  model::Workflow w;
  w.id = "internal-drafts";
  return w;
}

model::Incident incident(Category category = Category::kToolMisuse,
                         Classification classification = Classification::kAiIncident,
                         Severity severity = Severity::kCritical) {
  model::Incident i;
  i.number = 7;
  i.workflow = "support-refunds";
  i.category = category;
  i.classification = classification;
  i.severity = severity;
  return i;
}

TEST(PlaybookMatch, AnEmptyMatchMatchesEveryIncident) {
  Playbook p;
  const auto w = refunds();
  EXPECT_TRUE(matches(p, incident(), &w));
  EXPECT_TRUE(matches(p, incident(), nullptr));
}

TEST(PlaybookMatch, WorkflowIdsMustNameTheIncidentsWorkflow) {
  Playbook p;
  p.match.workflows = {"support-refunds"};
  const auto w = refunds();
  const auto other = drafts();
  EXPECT_TRUE(matches(p, incident(), &w));
  EXPECT_FALSE(matches(p, incident(), &other));
  EXPECT_FALSE(matches(p, incident(), nullptr));
}

TEST(PlaybookMatch, RiskTierIsTheWorkflowsDerivedTier) {
  const auto w = refunds();
  const int tier = model::derive_risk_tier(w).tier;
  Playbook p;
  p.match.risk_tiers = {tier};
  EXPECT_TRUE(matches(p, incident(), &w));
  p.match.risk_tiers = {tier == 1 ? 2 : 1};
  EXPECT_FALSE(matches(p, incident(), &w));
}

TEST(PlaybookMatch, RiskProfileFieldsMustMatch) {
  const auto w = refunds();
  Playbook p;
  p.match.customer_exposure = {model::CustomerExposure::kExternal};
  EXPECT_TRUE(matches(p, incident(), &w));
  p.match.customer_exposure = {model::CustomerExposure::kInternal};
  EXPECT_FALSE(matches(p, incident(), &w));
  p.match.customer_exposure.clear();
  p.match.data_sensitivity = {model::DataSensitivity::kPersonal, model::DataSensitivity::kRegulated};
  EXPECT_TRUE(matches(p, incident(), &w));
  p.match.data_sensitivity = {model::DataSensitivity::kPublic};
  EXPECT_FALSE(matches(p, incident(), &w));
}

TEST(PlaybookMatch, CategoryIsTheIncidentsSignalCategory) {
  Playbook p;
  p.match.categories = {Category::kToolMisuse, Category::kDataExposure};
  const auto w = refunds();
  EXPECT_TRUE(matches(p, incident(Category::kDataExposure), &w));
  EXPECT_FALSE(matches(p, incident(Category::kMisinformation), &w));
}

TEST(PlaybookMatch, ClassificationMustBeListed) {
  Playbook p;
  p.match.classifications = {Classification::kAiIncident};
  const auto w = refunds();
  EXPECT_TRUE(matches(p, incident(Category::kToolMisuse, Classification::kAiIncident), &w));
  EXPECT_FALSE(matches(p, incident(Category::kToolMisuse, Classification::kNearMiss), &w));
}

TEST(PlaybookMatch, MinimumSeverityIsInclusive) {
  Playbook p;
  p.match.min_severity = Severity::kHigh;
  const auto w = refunds();
  const auto at = [&](Severity s) {
    return matches(p, incident(Category::kToolMisuse, Classification::kAiIncident, s), &w);
  };
  EXPECT_FALSE(at(Severity::kMedium));
  EXPECT_TRUE(at(Severity::kHigh));
  EXPECT_TRUE(at(Severity::kCritical));
}

TEST(PlaybookMatch, EveryGivenFieldMustMatch) {
  Playbook p;
  p.match.workflows = {"support-refunds"};
  p.match.categories = {Category::kToolMisuse};
  p.match.min_severity = Severity::kCritical;
  const auto w = refunds();
  EXPECT_TRUE(matches(p, incident(), &w));
  EXPECT_FALSE(matches(p, incident(Category::kToolMisuse, Classification::kAiIncident,
                                   Severity::kHigh), &w));
}

TEST(PlaybookAction, ControlCarriesIncidentWorkflowReasonAndExpiry) {
  Playbook p;
  p.id = "duplicate-refunds";
  p.title = "Duplicate refunds";
  PlaybookAction a;
  a.control.kind = model::ControlKind::kDisableTool;
  a.control.tool = "issue_refund";
  a.expires_after = 3600 * core::kNanosPerSecond;
  auto c = make_control(a, p, incident(), refunds(), kNow);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->workflow, "support-refunds");
  EXPECT_EQ(c->incident, 7);
  EXPECT_EQ(c->tool, "issue_refund");
  EXPECT_EQ(c->expires_at, kNow + 3600 * core::kNanosPerSecond);
  EXPECT_EQ(c->reason, "playbook duplicate-refunds (Duplicate refunds) on INC-7");
  EXPECT_EQ(playbook_actor(p), "playbook duplicate-refunds");
}

TEST(PlaybookAction, PreviousVersionRollsBackOneVersion) {
  Playbook p;
  p.id = "rollback";
  PlaybookAction a;
  a.control.kind = model::ControlKind::kPinVersion;
  a.control.part_name = "refund-policy";
  a.previous_version = true;
  a.reason = "roll back the refund prompt";
  auto c = make_control(a, p, incident(), refunds(), kNow);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->version, "v6");
  EXPECT_EQ(c->reason, "roll back the refund prompt");
  model::Control settable = *c;
  settable.id = "ctl-1";
  settable.set_by = "x";
  const model::Workflow w0 = refunds();
  EXPECT_TRUE(model::validate(settable, &w0).ok());

  auto w = refunds();
  w.versioned_parts[0].versions = {"v7"};
  auto none = make_control(a, p, incident(), w, kNow);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("no version before the current one (v7)"),
            std::string::npos);
}

TEST(PlaybookJson, ListsMatchActionsApproversAndChecklists) {
  Playbook p;
  p.id = "duplicate-refunds";
  p.match.workflows = {"support-refunds"};
  p.match.min_severity = Severity::kCritical;
  PlaybookAction a;
  a.control.kind = model::ControlKind::kPinVersion;
  a.control.part_name = "refund-policy";
  a.previous_version = true;
  a.approvers = {*parse_authorized("business_owner")};
  p.approval = {a};
  p.checklists = {{model::IncidentRole::kLegal, {"Check refund regulations"}}};
  auto o = to_json(p);
  EXPECT_EQ(o.at("match").at("min_severity"), "critical");
  const auto& approval = o.at("approval").as_array().at(0).as_object();
  EXPECT_EQ(approval.at("version"), "previous");
  EXPECT_EQ(approval.at("approvers").as_array().at(0), "business_owner");
  EXPECT_FALSE(approval.contains("set_by"));
  EXPECT_EQ(o.at("checklists").at("legal").as_array().at(0), "Check refund regulations");
}

}  // namespace
}  // namespace aiir::contain
