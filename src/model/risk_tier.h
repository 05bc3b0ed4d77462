#pragma once
// The risk tier of a workflow, derived from its risk profile by the readiness decision framework
// of MISSION.md: each higher-risk signal (customer exposure, data sensitivity, autonomy,
// reversibility, business impact, regulation) adds weight, and some alone set a floor.
//
//   tier 1  internal, low sensitivity, recommends only: log and monitor
//   tier 2  one higher-risk signal: owner notification, evidence preservation
//   tier 3  customer-facing or sensitive or acting: playbook, review queue, kill switch required
//   tier 4  acts on money/systems of record irreversibly, or regulated high-risk: strictest controls
//
// The reasons list every signal that contributed, in words a business owner reads.

#include <string>
#include <vector>

#include "model/workflow.h"

namespace aiir::model {

struct RiskTier {
  int tier = 1;  // 1 (lowest) .. 4
  std::vector<std::string> reasons;
  // Capabilities the framework requires before this workflow earns more autonomy.
  std::vector<std::string> required_capabilities;
};

RiskTier derive_risk_tier(const Workflow& workflow);

}  // namespace aiir::model
