#include "incident/roles.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/yaml_reader.h"

namespace aiir::incident {
namespace {

using core::line_of;
using core::MapReader;
using core::report;

std::size_t index_of(model::IncidentRole role) { return static_cast<std::size_t>(role); }

// "Name <contact>", or whichever of the two is set: responders need both who it is and how to
// reach them, but half an owner is still better than none.
std::string person(const model::Owner& owner) {
  if (owner.name.empty()) return owner.contact;
  if (owner.contact.empty()) return owner.name;
  return owner.name + " <" + owner.contact + ">";
}

bool valid_policy_name(const std::string& name) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || !lower_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '-'; });
}

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// One policy: `name` is already checked. nullopt when it has errors (all reported).
std::optional<EscalationPolicy> read_policy(const std::string& name, const YAML::Node& key,
                                            const YAML::Node& value, const std::string& file,
                                            core::Diagnostics& diags) {
  const std::size_t errors_before = diags.size();
  const std::string what = "policy '" + name + "'";
  // A policy that names nobody is almost always an unfinished edit; MapReader would read it as
  // an empty mapping and let it pass.
  if (value.IsNull() || (value.IsMap() && value.size() == 0)) {
    report(diags, file, value.IsNull() ? key : value,
           what + " names nobody; give at least one role, e.g. incident_lead: \"pager:team\"");
    return std::nullopt;
  }
  MapReader r(value, file, diags, what);
  if (!r.valid()) return std::nullopt;
  EscalationPolicy policy;
  policy.name = name;
  policy.source_file = file;
  policy.source_line = line_of(key);
  auto empty_role = [&](const YAML::Node& at, const std::string& role) {
    report(diags, file, at,
           what + "." + role + " is empty; name a person or contact, or leave the role out");
  };
  // A null value (`legal:`) reads as absent in MapReader; here it is a role left half written.
  // Reported at the key: yaml-cpp places a null value at the token after it. (A role given twice
  // is reported by MapReader, as every repeated key is.)
  std::set<std::string> seen;
  for (const auto& entry : value) {
    const std::string role = entry.first.Scalar();
    if (!model::parse_incident_role(role) || !seen.insert(role).second) continue;
    if (entry.second.IsNull()) empty_role(entry.first, role);
  }
  const YAML::Node& map = value;
  for (const auto& [role_name, role] : model::incident_role_names()) {
    const std::string key_name(role_name);
    auto who = r.string(key_name);
    if (!who) continue;
    if (blank(*who)) {
      empty_role(map[key_name], key_name);
      continue;
    }
    policy.roles.push_back({role, *who});
  }
  r.finish();  // a misspelt role: "unknown key 'secuirty' in policy 'x'; did you mean 'security'?"
  if (diags.size() != errors_before) return std::nullopt;
  return policy;
}

std::optional<std::vector<EscalationPolicy>> read_policies(const YAML::Node& root,
                                                           const std::string& file,
                                                           core::Diagnostics& diags) {
  const std::size_t errors_before = diags.size();
  MapReader r(root, file, diags, "escalation.yaml");
  if (!r.valid()) return std::nullopt;
  YAML::Node policies = r.node("policies", /*required=*/true);
  r.finish();
  if (policies.IsDefined() && !policies.IsMap()) {
    report(diags, file, policies,
           "policies must be a mapping of policy name to roles, e.g. support-ai-oncall: "
           "{incident_lead: \"pager:support-ai\"}");
  }
  if (diags.size() != errors_before) return std::nullopt;

  std::vector<EscalationPolicy> out;
  std::map<std::string, int> first_line;  // yaml-cpp keeps repeated keys; a repeat is an error
  for (const auto& entry : policies) {
    const YAML::Node& key = entry.first;
    const std::string name = key.IsScalar() ? key.Scalar() : "";
    if (!valid_policy_name(name)) {
      report(diags, file, key,
             "policy name '" + name +
                 "' must be lowercase letters, digits and '-', starting with a letter or digit");
      continue;
    }
    auto [it, inserted] = first_line.emplace(name, line_of(key));
    if (!inserted) {
      report(diags, file, key,
             "policy '" + name + "' is defined twice (first at line " + std::to_string(it->second) +
                 "); names must be unique");
      continue;
    }
    if (auto policy = read_policy(name, key, entry.second, file, diags)) {
      out.push_back(std::move(*policy));
    }
  }
  if (diags.size() != errors_before) return std::nullopt;
  std::sort(out.begin(), out.end(),
            [](const EscalationPolicy& a, const EscalationPolicy& b) { return a.name < b.name; });
  return out;
}

}  // namespace

std::string EscalationPolicy::who(model::IncidentRole role) const {
  for (const auto& assignment : roles) {
    if (assignment.role == role) return assignment.who;
  }
  return "";
}

std::vector<model::RoleAssignment> initial_roles(const model::Workflow* workflow,
                                                 const EscalationPolicy* policy) {
  using model::IncidentRole;
  std::vector<std::string> who(model::incident_role_names().size());  // by IncidentRole
  std::string technical;
  std::string business;
  if (workflow != nullptr) {
    business = person(workflow->business_owner);
    technical = person(workflow->technical_owner);
    who[index_of(IncidentRole::kBusinessOwner)] = business;
    who[index_of(IncidentRole::kEngineering)] = technical;
  }
  if (policy != nullptr) {
    // The policy is the deliberate on-call arrangement; the owners are who the workflow was
    // built by, so the policy wins where both name someone.
    for (const auto& assignment : policy->roles) {
      if (!assignment.who.empty()) who[index_of(assignment.role)] = assignment.who;
    }
  }
  std::string& lead = who[index_of(IncidentRole::kIncidentLead)];
  if (lead.empty()) lead = !technical.empty() ? technical : business;
  if (lead.empty()) lead = kUnassignedLead;

  std::vector<model::RoleAssignment> out;
  for (const auto& [name, role] : model::incident_role_names()) {
    if (!who[index_of(role)].empty()) out.push_back({role, who[index_of(role)]});
  }
  return out;
}

std::optional<std::vector<EscalationPolicy>> read_escalation_policies(const std::string& path,
                                                                      core::Diagnostics& diags) {
  auto root = core::load_yaml_file(path, diags);
  if (!root) return std::nullopt;
  return read_policies(*root, path, diags);
}

std::optional<std::vector<EscalationPolicy>> read_escalation_policies_text(
    const std::string& text, const std::string& file, core::Diagnostics& diags) {
  auto root = core::load_yaml_text(text, file, diags);
  if (!root) return std::nullopt;
  return read_policies(*root, file, diags);
}

}  // namespace aiir::incident
