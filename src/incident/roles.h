#pragma once
// Who answers for an incident. Every incident names its roles when it opens (MISSION.md: "named
// roles, not 'we'll pull people in'"): the business owner and engineering from the workflow's
// owners, the rest from the workflow's escalation policy (escalation.yaml, docs/configuration.md).
// There is one named incident lead at all times.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "model/incident.h"
#include "model/workflow.h"

namespace aiir::incident {

// A named set of people per role, that workflows refer to by name (`escalation_policy:`).
struct EscalationPolicy {
  std::string name;  // [a-z0-9][a-z0-9-]*
  // At most one per role, in model::IncidentRole order.
  std::vector<model::RoleAssignment> roles;
  std::string source_file;  // where it was defined, for messages
  int source_line = 0;

  // The person named for `role`, or "" when the policy names none.
  std::string who(model::IncidentRole role) const;
};

// The incident lead when neither the policy nor the workflow names anyone: an incident is never
// without a lead, and this value says plainly that someone has to take it.
inline constexpr std::string_view kUnassignedLead = "unassigned (no owner configured)";

// The roles an incident about `workflow` starts with (either argument may be null):
//  - business_owner ← the workflow's business owner; engineering ← its technical owner
//    ("Name <contact>", or whichever of the two is set);
//  - every role the escalation policy names, which wins over the workflow for the same role;
//  - incident_lead ← the policy's, else the technical owner, else the business owner, else
//    kUnassignedLead.
// In model::IncidentRole order, roles nobody fills left out; incident_lead always present.
std::vector<model::RoleAssignment> initial_roles(const model::Workflow* workflow,
                                                 const EscalationPolicy* policy);

// Reads escalation.yaml:
//
//   policies:
//     support-ai-oncall:
//       incident_lead: "pager:support-ai"
//       security: "security-oncall@example.com"
//       legal: "legal@example.com"
//
// Every error goes to `diags` as file:line:column with a suggestion for a misspelt role; returns
// nullopt when there was any. Sorted by name.
std::optional<std::vector<EscalationPolicy>> read_escalation_policies(const std::string& path,
                                                                      core::Diagnostics& diags);
// Same, for text already in memory; `file` names it in diagnostics and in source_file.
std::optional<std::vector<EscalationPolicy>> read_escalation_policies_text(
    const std::string& text, const std::string& file, core::Diagnostics& diags);

}  // namespace aiir::incident
