#include "model/risk_tier.h"

#include <algorithm>

namespace aiir::model {
namespace {

// Weights of the higher-risk signals. A signal that alone can cause customer harm or an
// irreversible loss weighs more than one that only widens exposure.
constexpr int kExternalWeight = 2;
constexpr int kPersonalOrRegulatedWeight = 2;
constexpr int kConfidentialWeight = 1;
constexpr int kDraftsWeight = 1;
constexpr int kActsWithApprovalWeight = 2;
constexpr int kActsAutonomouslyWeight = 3;
constexpr int kSideEffectToolWeight = 1;
constexpr int kIrreversibleToolWeight = 1;
constexpr int kCostlyWeight = 1;
constexpr int kIrreversibleWeight = 2;
constexpr int kImpactWeightCap = 2;  // several impacts say "material", not "more material"

// Score thresholds for tiers 2, 3 and 4.
constexpr int kTier2 = 1;
constexpr int kTier3 = 4;
constexpr int kTier4 = 9;

void add_capabilities(RiskTier& out, std::initializer_list<const char*> capabilities) {
  for (const char* c : capabilities) {
    if (std::find(out.required_capabilities.begin(), out.required_capabilities.end(), c) ==
        out.required_capabilities.end()) {
      out.required_capabilities.emplace_back(c);
    }
  }
}

}  // namespace

RiskTier derive_risk_tier(const Workflow& w) {
  RiskTier out;
  int score = 0;
  int floor = 1;
  const RiskProfile& r = w.risk;

  if (r.customer_exposure == CustomerExposure::kExternal) {
    score += kExternalWeight;
    out.reasons.emplace_back("customer-facing: answers, decisions or actions reach customers");
    add_capabilities(out, {"escalation path", "communication plan", "review queue"});
  }

  switch (r.data_sensitivity) {
    case DataSensitivity::kPersonal:
    case DataSensitivity::kRegulated:
      score += kPersonalOrRegulatedWeight;
      out.reasons.push_back(std::string("handles ") + std::string(to_string(r.data_sensitivity)) +
                            " data");
      add_capabilities(out, {"evidence controls", "redaction", "access limits", "retention policy"});
      break;
    case DataSensitivity::kConfidential:
      score += kConfidentialWeight;
      out.reasons.emplace_back("handles confidential data");
      add_capabilities(out, {"evidence controls", "access limits", "retention policy"});
      break;
    case DataSensitivity::kPublic:
    case DataSensitivity::kInternal:
      break;
  }

  switch (r.autonomy) {
    case Autonomy::kRecommends:
      break;
    case Autonomy::kDraftsForReview:
      score += kDraftsWeight;
      out.reasons.emplace_back("drafts output that a person reviews before use");
      add_capabilities(out, {"review queue"});
      break;
    case Autonomy::kActsWithApproval:
      score += kActsWithApprovalWeight;
      out.reasons.emplace_back("acts through tools after human approval");
      add_capabilities(out, {"kill switch", "approval gate", "rollback", "tool-level logging"});
      break;
    case Autonomy::kActsAutonomously:
      score += kActsAutonomouslyWeight;
      out.reasons.emplace_back("acts through tools without a person in the loop");
      add_capabilities(out, {"kill switch", "approval gate", "rollback", "tool-level logging"});
      break;
  }

  bool side_effect_tool = false;
  bool irreversible_tool = false;
  bool payment_tool = false;
  for (const auto& tool : w.tools) {
    if (tool.side_effect != SideEffect::kRead) side_effect_tool = true;
    if (tool.side_effect == SideEffect::kPayment) payment_tool = true;
    if (!tool.reversible && tool.side_effect != SideEffect::kRead) {
      if (!irreversible_tool) {
        out.reasons.push_back("tool '" + tool.name + "' (" + std::string(to_string(tool.side_effect)) +
                              ") cannot be undone");
      }
      irreversible_tool = true;
    }
  }
  if (side_effect_tool) {
    score += kSideEffectToolWeight;
    if (payment_tool) {
      out.reasons.emplace_back("can move money through a payment tool");
    } else {
      out.reasons.emplace_back("can write to systems or send external communications");
    }
    add_capabilities(out, {"kill switch", "tool-level logging"});
  }
  if (irreversible_tool) {
    score += kIrreversibleToolWeight;
    add_capabilities(out, {"human approval", "recovery plan"});
  }

  if (r.reversibility == Reversibility::kCostly) {
    score += kCostlyWeight;
    out.reasons.emplace_back("mistakes are costly to undo");
    add_capabilities(out, {"strict containment", "recovery plan"});
  } else if (r.reversibility == Reversibility::kIrreversible) {
    score += kIrreversibleWeight;
    out.reasons.emplace_back("mistakes cannot be undone");
    add_capabilities(out, {"strict containment", "human approval", "recovery plan"});
  }

  int impact = 0;
  std::string impacts;
  for (BusinessImpact b : r.business_impact) {
    if (b == BusinessImpact::kMinor) continue;
    ++impact;
    if (!impacts.empty()) impacts += ", ";
    impacts += to_string(b);
  }
  if (impact > 0) {
    score += std::min(impact, kImpactWeightCap);
    out.reasons.push_back("material business impact: " + impacts);
    add_capabilities(out, {"severity model", "executive escalation", "post-incident review"});
  }

  // Floors: some combinations are high-risk whatever else is true.
  if (r.regulatory.eu_ai_act_high_risk) {
    floor = 4;
    out.reasons.emplace_back("high-risk AI system under the EU AI Act");
    add_capabilities(out, {"serious-incident reporting", "evidence package"});
  }
  if (r.customer_exposure == CustomerExposure::kExternal &&
      (r.data_sensitivity == DataSensitivity::kPersonal ||
       r.data_sensitivity == DataSensitivity::kRegulated)) {
    floor = std::max(floor, 3);
  }
  if (r.autonomy == Autonomy::kActsAutonomously &&
      (irreversible_tool || r.reversibility == Reversibility::kIrreversible)) {
    floor = 4;
    out.reasons.emplace_back("autonomous and irreversible together: uncontrolled action is possible");
  }
  if (r.regulatory.personal_data && r.data_sensitivity != DataSensitivity::kPersonal &&
      r.data_sensitivity != DataSensitivity::kRegulated) {
    out.reasons.emplace_back("personal data is in regulatory scope");
    add_capabilities(out, {"redaction", "retention policy"});
  }

  // MISSION.md's rule: anything that can affect customers, money, sensitive data, systems of
  // record, regulated decisions or external communications needs a playbook first.
  if (r.customer_exposure == CustomerExposure::kExternal || side_effect_tool ||
      r.data_sensitivity >= DataSensitivity::kPersonal || r.regulatory.eu_ai_act_high_risk) {
    add_capabilities(out, {"incident playbook"});
  }

  int tier = score >= kTier4 ? 4 : score >= kTier3 ? 3 : score >= kTier2 ? 2 : 1;
  out.tier = std::max(tier, floor);
  if (out.reasons.empty()) {
    out.reasons.emplace_back("internal, low-sensitivity, recommends only, easy to correct");
  }
  return out;
}

}  // namespace aiir::model
