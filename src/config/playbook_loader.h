#pragma once
// Reading playbooks (playbooks/*.yaml) and authority rules (authority.yaml) into their contain::
// types, with every mistake reported at its location (file:line:column) and a suggestion for a
// misspelt name. Both read after the workflows, which they refer to: a reference to a workflow the
// inventory lacks, a control kind it does not declare or a tool it does not have is an error here,
// not a surprise on incident day. See docs/playbooks.md for the formats.

#include <optional>
#include <string>
#include <vector>

#include "contain/authority.h"
#include "contain/playbook.h"
#include "core/diagnostics.h"
#include "model/workflow.h"

namespace aiir::config {

// Reads a playbooks file: one playbook mapping, or `playbooks:` with a list of them. Playbooks
// with errors are left out (their errors reported). An empty file defines none.
std::vector<contain::Playbook> read_playbook_file(const std::string& path,
                                                  const std::vector<model::Workflow>& workflows,
                                                  core::Diagnostics& diags);
// Same, for text already in memory; `file` names it in diagnostics and in source_file.
std::vector<contain::Playbook> read_playbooks_text(const std::string& text,
                                                   const std::string& file,
                                                   const std::vector<model::Workflow>& workflows,
                                                   core::Diagnostics& diags);

// Checks across files: ids are unique (a repeat names the first definition). Sorts by id.
void check_playbook_set(std::vector<contain::Playbook>& playbooks, core::Diagnostics& diags);

// Reads authority.yaml:
//
//   authority:
//     - actions: [pause, disable_tool, lift]
//       workflows: [support-refunds]       # or risk_tiers: [3, 4]; neither = every workflow
//       who: [incident_lead, business_owner, key:alice, role:admin]
//
// nullopt when it has any error (all reported).
std::optional<contain::AuthorityRules> read_authority_file(
    const std::string& path, const std::vector<model::Workflow>& workflows,
    core::Diagnostics& diags);
std::optional<contain::AuthorityRules> read_authority_text(
    const std::string& text, const std::string& file,
    const std::vector<model::Workflow>& workflows, core::Diagnostics& diags);

}  // namespace aiir::config
