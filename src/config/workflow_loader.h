#pragma once
// Reading workflow definitions (workflows/*.yaml) into model::Workflow, with every mistake
// reported at its location and the cross-checks that make an inventory trustworthy: unique ids
// and service names, declared containment for workflows that can act, consistent versions.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "model/workflow.h"

namespace aiir::config {

// Reads one workflow mapping. Returns nullopt when it has errors (all of them reported).
std::optional<model::Workflow> read_workflow(const YAML::Node& node, const std::string& file,
                                             core::Diagnostics& diags);

// Reads a workflows file: either one workflow mapping, or `workflows:` with a list of them.
std::vector<model::Workflow> read_workflow_file(const std::string& path, core::Diagnostics& diags);

// Checks across files: duplicate ids and service names claimed by two workflows. Sorts by id.
void check_workflow_set(std::vector<model::Workflow>& workflows, core::Diagnostics& diags);

}  // namespace aiir::config
