#pragma once
// The incident settings of a configuration directory, beside aiir.yaml: severity.yaml (how bad an
// incident is, docs/severity.md) and escalation.yaml (who answers for it, docs/configuration.md).
// Both files are optional; a fresh setup has neither and runs on the shipped severity default
// with incidents led by the workflows' owners.

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "incident/roles.h"
#include "incident/severity_policy.h"
#include "model/workflow.h"

namespace aiir::config {

// `directory`/severity.yaml when it exists, else incident::default_severity_policy(). A file with
// errors records them in `diags` and returns the default (the caller refuses the configuration
// on any error, so the default never silently stands in for a broken file).
incident::SeverityPolicy load_severity_policy(const std::string& directory,
                                              core::Diagnostics& diags);

// `directory`/escalation.yaml, sorted by name. nullopt when the file does not exist; an empty
// list when it has errors (recorded in `diags`; references are then not worth checking).
std::optional<std::vector<incident::EscalationPolicy>> load_escalation_policies(
    const std::string& directory, core::Diagnostics& diags);

// Each workflow's `escalation_policy:` names one of `policies`; an unknown name is reported at
// the workflow's escalation_policy line, with the closest defined name as a suggestion.
// `escalation_file` names the file in messages. Only called when escalation.yaml exists: before
// anyone has written one, workflows may already name the policies they will use, and refusing
// them would make a first setup depend on a file it does not need yet.
void check_escalation_references(const std::vector<model::Workflow>& workflows,
                                 const std::vector<incident::EscalationPolicy>& policies,
                                 const std::string& escalation_file, core::Diagnostics& diags);

}  // namespace aiir::config
