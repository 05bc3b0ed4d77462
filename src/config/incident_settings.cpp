#include "config/incident_settings.h"

#include <algorithm>
#include <filesystem>

#include "core/yaml_reader.h"

namespace aiir::config {
namespace {

namespace fs = std::filesystem;

// The path of `name` in `directory` when it is there. A directory or unreadable entry of that
// name counts as present, so that reading it reports the problem instead of silently ignoring it.
std::optional<std::string> present(const std::string& directory, const char* name) {
  std::error_code ec;
  fs::path path = fs::path(directory) / name;
  if (!fs::exists(path, ec)) return std::nullopt;
  return path.string();
}

}  // namespace

incident::SeverityPolicy load_severity_policy(const std::string& directory,
                                              core::Diagnostics& diags) {
  auto path = present(directory, "severity.yaml");
  if (!path) return incident::default_severity_policy();
  if (auto policy = incident::read_severity_policy(*path, diags)) return std::move(*policy);
  return incident::default_severity_policy();
}

std::optional<std::vector<incident::EscalationPolicy>> load_escalation_policies(
    const std::string& directory, core::Diagnostics& diags) {
  auto path = present(directory, "escalation.yaml");
  if (!path) return std::nullopt;
  if (auto policies = incident::read_escalation_policies(*path, diags)) return policies;
  return std::vector<incident::EscalationPolicy>{};
}

void check_escalation_references(const std::vector<model::Workflow>& workflows,
                                 const std::vector<incident::EscalationPolicy>& policies,
                                 const std::string& escalation_file, core::Diagnostics& diags) {
  std::vector<std::string> names;
  for (const auto& p : policies) names.push_back(p.name);
  for (const auto& w : workflows) {
    if (w.escalation_policy.empty()) continue;
    if (std::find(names.begin(), names.end(), w.escalation_policy) != names.end()) continue;
    std::string message = "workflow '" + w.id + "': escalation_policy '" + w.escalation_policy +
                          "' is not defined in " + escalation_file;
    std::string guess = core::closest_match(w.escalation_policy, names);
    if (!guess.empty()) {
      message += "; did you mean '" + guess + "'?";
    } else if (names.empty()) {
      message += ", which defines no policies";
    } else {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      message += " (defined: " + known + ")";
    }
    const int line = w.escalation_policy_line > 0 ? w.escalation_policy_line : w.source_line;
    diags.add(w.source_file, line, 0, std::move(message));
  }
}

}  // namespace aiir::config
