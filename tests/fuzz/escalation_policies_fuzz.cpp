// Hostile bytes as an escalation.yaml, through read_escalation_policies_text and, for each policy
// that comes back, initial_roles. Nothing may crash or throw. The reader keeps its contract:
// policies and no diagnostic, or nullopt and at least one; every diagnostic names the file and a
// line of it (line 0 only for a document with nothing in it, which concerns the whole file).
// What it accepts is what incidents rely on: every policy of the file with every role it gives
// (a repeated key must be an error, not a person silently dropped), unique well-formed names in
// order, each policy naming somebody, at most one person per role, nobody blank; and an incident
// opened under any of them names each role at most once, always with a lead.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "config_fuzz_support.h"
#include "core/diagnostics.h"
#include "core/yaml_reader.h"
#include "incident/roles.h"
#include "model/incident.h"
#include "model/workflow.h"

namespace {

using namespace aiir;
using fuzz::check_diagnostics;
using fuzz::fail;
using fuzz::line_count;
using incident::EscalationPolicy;

// Real escalation files are a few KiB; larger inputs only slow the search down. yaml-cpp refuses
// documents nested too deep with an exception, which load_yaml_text reports as a syntax error.
constexpr std::size_t kMaxInputBytes = 64 * 1024;
constexpr char kFile[] = "escalation.yaml";

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool valid_name(const std::string& name) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || !lower_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '-'; });
}

// In model::IncidentRole order, so at most one per role; nobody blank.
void check_assignments(const std::vector<model::RoleAssignment>& roles, const char* what,
                       const std::string& input, const std::string& name) {
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (blank(roles[i].who)) fail(what, input, name + ": a role names nobody");
    if (i > 0 && roles[i - 1].role >= roles[i].role) {
      fail(what, input,
           name + ": role '" + std::string(model::to_string(roles[i].role)) +
               "' repeated or out of order");
    }
  }
}

const model::Workflow& owned_workflow() {
  static const model::Workflow w = [] {
    model::Workflow w;
    w.id = "support-refunds";
    w.business_owner = {"Dana Whitfield", "dana@example.com"};
    w.technical_owner = {"Support AI team", "#support-ai-oncall"};
    return w;
  }();
  return w;
}

void check_policy(const EscalationPolicy& p, const std::string& input) {
  if (p.name.empty()) fail("a policy without a name", input, "");
  if (!valid_name(p.name)) fail("a policy with a malformed name", input, p.name);
  if (p.source_file != kFile) fail("source_file is not the file", input, p.source_file);
  if (p.source_line < 1 || p.source_line > line_count(input)) {
    fail("source_line outside the file", input, p.name + ":" + std::to_string(p.source_line));
  }
  if (p.roles.empty()) fail("a policy that names nobody", input, p.name);
  check_assignments(p.roles, "policy roles", input, p.name);
  for (const model::RoleAssignment& a : p.roles) {
    if (p.who(a.role) != a.who) fail("who() disagrees with roles", input, p.name);
  }

  // Opening an incident under the policy, with and without a workflow.
  const model::Workflow* workflows[] = {nullptr, &owned_workflow()};
  for (const model::Workflow* w : workflows) {
    const std::vector<model::RoleAssignment> roles = incident::initial_roles(w, &p);
    check_assignments(roles, "initial_roles", input, p.name);
    if (roles.empty() || roles.front().role != model::IncidentRole::kIncidentLead) {
      fail("initial_roles without an incident lead", input, p.name);
    }
    for (const model::RoleAssignment& a : p.roles) {
      auto it = std::find_if(roles.begin(), roles.end(),
                             [&](const model::RoleAssignment& r) { return r.role == a.role; });
      if (it == roles.end() || it->who != a.who) {
        fail("initial_roles does not name the policy's person", input,
             p.name + "." + std::string(model::to_string(a.role)));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  std::optional<std::vector<EscalationPolicy>> policies =
      incident::read_escalation_policies_text(input, kFile, diags);
  if (policies.has_value() != diags.empty()) {
    fail(policies ? "policies came back with diagnostics" : "nullopt without a diagnostic", input,
         diags.to_string());
  }
  check_diagnostics(diags, input, kFile);
  if (!policies) return 0;
  // Every key of an accepted policy is a role that reached it: nothing dropped on the way.
  core::Diagnostics ignored;
  const YAML::Node root = *core::load_yaml_text(input, kFile, ignored);
  const YAML::Node& map = root;
  std::size_t defined = 0;
  for (const auto& entry : map["policies"]) {
    ++defined;
    const std::string name = entry.first.Scalar();
    auto it = std::find_if(policies->begin(), policies->end(),
                           [&](const EscalationPolicy& p) { return p.name == name; });
    if (it == policies->end()) fail("a policy in the file did not come back", input, name);
    if (it->roles.size() != entry.second.size()) {
      fail("a policy came back with fewer roles than the file gives it", input, name);
    }
  }
  if (defined != policies->size()) {
    fail("policies came back that the file does not define", input, "");
  }
  for (std::size_t i = 0; i < policies->size(); ++i) {
    check_policy((*policies)[i], input);
    if (i > 0 && !((*policies)[i - 1].name < (*policies)[i].name)) {
      fail("policies not sorted by unique name", input, (*policies)[i].name);
    }
  }
  return 0;
}
