// Hostile bytes as a severity.yaml, through read_severity_policy_text and, when a policy comes
// back, evaluate over a few fixed incidents. Nothing may crash or throw. The reader keeps its
// contract: a policy and no diagnostic, or nullopt and at least one; every diagnostic names the
// file and a line of it (line 0 only for a document with nothing in it, which concerns the whole
// file). A policy that loads decides: its reasons are non-empty, with every {placeholder} filled,
// at most one per rule plus the baseline's or the cap's, and a growing blast radius never lowers
// the severity.
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
#include "incident/severity_policy.h"
#include "model/incident.h"
#include "model/signal.h"
#include "model/workflow.h"

namespace {

using namespace aiir;
using fuzz::check_diagnostics;
using fuzz::fail;
using incident::SeverityInputs;

// Real policies are a few KiB; larger inputs only slow the search down. yaml-cpp refuses
// documents nested too deep with an exception, which load_yaml_text reports as a syntax error.
constexpr std::size_t kMaxInputBytes = 64 * 1024;
constexpr char kFile[] = "severity.yaml";

model::Workflow make_workflow(const char* id, model::CustomerExposure exposure,
                              model::DataSensitivity sensitivity, model::Autonomy autonomy,
                              model::Reversibility reversibility,
                              std::vector<model::BusinessImpact> impacts, bool high_risk) {
  model::Workflow w;
  w.id = id;
  w.name = id;
  w.risk.customer_exposure = exposure;
  w.risk.data_sensitivity = sensitivity;
  w.risk.autonomy = autonomy;
  w.risk.reversibility = reversibility;
  w.risk.business_impact = std::move(impacts);
  w.risk.regulatory.eu_ai_act_high_risk = high_risk;
  return w;
}

// A low-risk internal workflow and a customer-facing one that moves money on its own.
const model::Workflow& internal_wiki() {
  static const model::Workflow w =
      make_workflow("internal-wiki", model::CustomerExposure::kInternal,
                    model::DataSensitivity::kPublic, model::Autonomy::kRecommends,
                    model::Reversibility::kEasy, {}, false);
  return w;
}

const model::Workflow& support_refunds() {
  static const model::Workflow w = make_workflow(
      "support-refunds", model::CustomerExposure::kExternal, model::DataSensitivity::kRegulated,
      model::Autonomy::kActsAutonomously, model::Reversibility::kIrreversible,
      {model::BusinessImpact::kFinancial, model::BusinessImpact::kSafety}, true);
  return w;
}

// The fixed incidents: every classification (caps), an unknown workflow (its floor, profile
// rules that never hold) and both workflows, small and large blast radius.
std::vector<SeverityInputs> fixed_inputs() {
  std::vector<SeverityInputs> out;
  const model::Workflow* workflows[] = {nullptr, &internal_wiki(), &support_refunds()};
  const model::Classification classifications[] = {
      model::Classification::kQualityIssue, model::Classification::kNearMiss,
      model::Classification::kAiIncident, model::Classification::kSecurityEvent};
  int n = 0;
  for (const model::Workflow* w : workflows) {
    for (model::Classification c : classifications) {
      SeverityInputs in;
      in.workflow = w;
      in.classification = c;
      in.category = n % 2 == 0 ? model::Category::kDataExposure : model::Category::kToolMisuse;
      in.impact = static_cast<model::Impact>(n % 4);
      in.irreversible_tool = n % 3 == 0;
      in.irreversible_tool_name = n % 2 == 0 ? "issue_refund" : "";
      ++n;
      out.push_back(in);
    }
  }
  return out;
}

// The same incident grown: more users, accounts, records, signals and recurrences.
SeverityInputs grown(SeverityInputs in) {
  in.distinct_users = 2'000'000'000;
  in.distinct_accounts = 2'000'000'000;
  in.records_written = 2'000'000'000;
  in.signals = 2'000'000'000;
  in.recurrences = 2'000'000'000;
  return in;
}

void check_decision(const incident::SeverityPolicy& policy, const incident::SeverityDecision& d,
                    const std::string& input) {
  if (d.reasons.size() > policy.rules.size() + 1) {
    fail("more reasons than rules and a floor", input, d.summary());
  }
  for (const std::string& reason : d.reasons) {
    if (reason.empty()) fail("an empty reason", input, d.summary());
    // The fixed inputs contain no braces, so any left in a reason is an unfilled placeholder.
    if (reason.find('{') != std::string::npos) fail("a placeholder left unfilled", input, reason);
  }
  if (!(incident::escalate(d, d) == d)) fail("escalate(d, d) is not d", input, d.summary());
  const std::string summary = d.summary();
  if (summary.rfind(std::string(model::to_string(d.severity)), 0) != 0) {
    fail("summary does not start with the severity", input, summary);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  core::Diagnostics diags;
  std::optional<incident::SeverityPolicy> policy =
      incident::read_severity_policy_text(input, kFile, diags);
  if (policy.has_value() != diags.empty()) {
    fail(policy ? "a policy came back with diagnostics" : "nullopt without a diagnostic", input,
         diags.to_string());
  }
  check_diagnostics(diags, input, kFile);
  if (!policy) return 0;

  static const std::vector<SeverityInputs> inputs = fixed_inputs();
  for (const SeverityInputs& in : inputs) {
    const incident::SeverityDecision small = incident::evaluate(*policy, in);
    check_decision(*policy, small, input);
    const incident::SeverityDecision large = incident::evaluate(*policy, grown(in));
    check_decision(*policy, large, input);
    // Count conditions are all "at least": a larger blast radius can only hold more rules.
    if (large.severity < small.severity) {
      fail("a larger blast radius lowered the severity", input,
           small.summary() + " -> " + large.summary());
    }
  }
  return 0;
}
