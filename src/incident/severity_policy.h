#pragma once
// The severity of an incident, computed from what is known about it: the workflow's risk profile,
// the signals' category and impact, the blast radius so far, recurrence and the tools involved.
//
// A policy is a baseline (the worst signal impact mapped to a starting severity) plus ordered
// rules. Each rule names conditions that must all hold and the severity it raises the incident to
// at least. Classification caps (a quality issue or near miss stays at or below a level) apply to
// every rule that does not say `capped: false`. The decision keeps its reasons in words a
// responder reads ("high: external customers, personal data, 37 users affected").
//
// The shipped default follows the low / medium / high / critical table of MISSION.md; a
// configuration directory may replace it with severity.yaml (docs/severity.md, and
// examples/severity.yaml, which is the default written out).
//
// Severity only rises: as the blast radius grows the incident is evaluated again and `escalate`
// keeps the higher of the old and new decision.
//
// Everything here is pure and thread-compatible; a policy is immutable once read.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostics.h"
#include "model/incident.h"
#include "model/signal.h"
#include "model/workflow.h"

namespace aiir::incident {

// What the incident component knows when it (re)computes severity.
struct SeverityInputs {
  const model::Workflow* workflow = nullptr;  // null for an unknown workflow; not owned
  model::Category category = model::Category::kPolicyViolation;  // of the signals
  model::Impact impact = model::Impact::kMedium;                 // the worst impact seen
  model::Classification classification = model::Classification::kAiIncident;
  // Blast radius so far.
  std::int64_t distinct_users = 0;
  std::int64_t distinct_accounts = 0;
  std::int64_t records_written = 0;
  std::int64_t signals = 0;        // signals grouped so far
  std::int64_t recurrences = 0;    // times it recurred after being resolved
  bool irreversible_tool = false;  // a tool with `reversible: false` was involved
  // Its name, for reasons ("tool 'issue_refund' cannot be undone"); may be empty.
  std::string irreversible_tool_name;
};

struct SeverityDecision {
  model::Severity severity = model::Severity::kLow;
  // Every rule that held, in policy order, with numbers filled in; then the cap, if one applied.
  // When no rule reached the final severity, the baseline's reason comes first.
  std::vector<std::string> reasons;

  // "high: external customers, personal data, 37 users affected"; "low" without reasons.
  std::string summary() const;
  bool operator==(const SeverityDecision&) const = default;
};

// One rule. Every condition given must hold; an empty list or nullopt is not checked. Conditions
// on the workflow's profile (customer_exposure .. eu_ai_act_high_risk) never hold for an unknown
// workflow. Lists mean "any of".
struct SeverityRule {
  std::vector<model::CustomerExposure> customer_exposure;
  std::vector<model::DataSensitivity> data_sensitivity;
  std::vector<model::Autonomy> autonomy;
  std::vector<model::Reversibility> reversibility;
  std::vector<model::BusinessImpact> business_impact;  // the workflow declares any of them
  std::optional<int> min_risk_tier;                    // model::derive_risk_tier, 1..4
  std::optional<bool> eu_ai_act_high_risk;
  std::vector<model::Category> category;
  std::vector<model::Classification> classification;
  std::optional<model::Impact> impact;  // the worst impact is at least this
  std::optional<std::int64_t> users_at_least;
  std::optional<std::int64_t> accounts_at_least;
  std::optional<std::int64_t> records_at_least;
  std::optional<std::int64_t> signals_at_least;
  std::optional<std::int64_t> recurrences_at_least;
  std::optional<bool> irreversible_tool;

  model::Severity at_least = model::Severity::kLow;
  // False: the classification cap does not limit this rule (a near miss that keeps coming back).
  bool capped = true;
  // Words for the decision; placeholders such as {users} are filled in (docs/severity.md).
  std::string reason;

  bool operator==(const SeverityRule&) const = default;
};

struct SeverityPolicy {
  // Starting severity by the worst signal impact, indexed by model::Impact.
  std::array<model::Severity, 4> baseline{model::Severity::kLow, model::Severity::kMedium,
                                          model::Severity::kHigh, model::Severity::kCritical};
  // Floor for an incident about no known workflow: its risk cannot be weighed, so uncertainty
  // counts against it. nullopt: no floor.
  std::optional<model::Severity> unknown_workflow;
  // The highest severity each listed classification reaches through capped rules and baseline.
  std::vector<std::pair<model::Classification, model::Severity>> caps;
  std::vector<SeverityRule> rules;

  bool operator==(const SeverityPolicy&) const = default;
};

// The shipped default, following MISSION.md's table (docs/severity.md lists it).
const SeverityPolicy& default_severity_policy();

// Reads a severity.yaml. The file is the whole policy: nothing is inherited from the default.
// Every error goes to `diags` located file:line:column, with a suggestion for a misspelt key or
// value; returns nullopt when there was any.
std::optional<SeverityPolicy> read_severity_policy(const std::string& path,
                                                   core::Diagnostics& diags);
// Same, for text already in memory; `file` names it in diagnostics.
std::optional<SeverityPolicy> read_severity_policy_text(const std::string& text,
                                                        const std::string& file,
                                                        core::Diagnostics& diags);

// Computes the severity of an incident now. Never fails.
SeverityDecision evaluate(const SeverityPolicy& policy, const SeverityInputs& in);

// Escalation only: the higher of the two. On a tie the computed one wins, so that the reasons
// carry the latest numbers; a lower computed severity leaves `current` as it was.
SeverityDecision escalate(const SeverityDecision& current, const SeverityDecision& computed);

}  // namespace aiir::incident
