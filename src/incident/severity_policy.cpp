#include "incident/severity_policy.h"

#include <algorithm>
#include <string_view>

#include "core/yaml_reader.h"
#include "model/risk_tier.h"

namespace aiir::incident {
namespace {

using model::Severity;

// The placeholders a reason may use; filled by fill_reason.
const std::vector<std::string>& placeholder_names() {
  static const std::vector<std::string> names{
      "users",          "accounts",          "records",          "signals",
      "recurrences",    "workflow",          "category",         "impact",
      "classification", "customer_exposure", "data_sensitivity", "autonomy",
      "reversibility",  "business_impact",   "risk_tier",        "tool"};
  return names;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

// What evaluate works on: the inputs and the risk tier, derived at most once.
class Context {
 public:
  explicit Context(const SeverityInputs& in) : in_(in) {}
  const SeverityInputs& in() const { return in_; }
  const model::RiskProfile* risk() const { return in_.workflow ? &in_.workflow->risk : nullptr; }
  int risk_tier() {
    if (!tier_) tier_ = in_.workflow ? model::derive_risk_tier(*in_.workflow).tier : 0;
    return *tier_;
  }

 private:
  const SeverityInputs& in_;
  std::optional<int> tier_;
};

template <typename E>
bool any_of(const std::vector<E>& allowed, E value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool at_least(const std::optional<std::int64_t>& min, std::int64_t value) {
  return !min || value >= *min;
}

bool profile_holds(const SeverityRule& rule, Context& ctx) {
  bool uses_profile = !rule.customer_exposure.empty() || !rule.data_sensitivity.empty() ||
                      !rule.autonomy.empty() || !rule.reversibility.empty() ||
                      !rule.business_impact.empty() || rule.min_risk_tier ||
                      rule.eu_ai_act_high_risk;
  if (!uses_profile) return true;
  const model::RiskProfile* risk = ctx.risk();
  if (risk == nullptr) return false;  // nothing is known about an unknown workflow
  if (!any_of(rule.customer_exposure, risk->customer_exposure)) return false;
  if (!any_of(rule.data_sensitivity, risk->data_sensitivity)) return false;
  if (!any_of(rule.autonomy, risk->autonomy)) return false;
  if (!any_of(rule.reversibility, risk->reversibility)) return false;
  if (!rule.business_impact.empty() &&
      std::none_of(risk->business_impact.begin(), risk->business_impact.end(),
                   [&](model::BusinessImpact b) { return any_of(rule.business_impact, b); })) {
    return false;
  }
  if (rule.eu_ai_act_high_risk &&
      *rule.eu_ai_act_high_risk != risk->regulatory.eu_ai_act_high_risk) {
    return false;
  }
  if (rule.min_risk_tier && ctx.risk_tier() < *rule.min_risk_tier) return false;
  return true;
}

bool holds(const SeverityRule& rule, Context& ctx) {
  const SeverityInputs& in = ctx.in();
  if (!any_of(rule.category, in.category)) return false;
  if (!any_of(rule.classification, in.classification)) return false;
  if (rule.impact && in.impact < *rule.impact) return false;
  if (!at_least(rule.users_at_least, in.distinct_users)) return false;
  if (!at_least(rule.accounts_at_least, in.distinct_accounts)) return false;
  if (!at_least(rule.records_at_least, in.records_written)) return false;
  if (!at_least(rule.signals_at_least, in.signals)) return false;
  if (!at_least(rule.recurrences_at_least, in.recurrences)) return false;
  if (rule.irreversible_tool && *rule.irreversible_tool != in.irreversible_tool) return false;
  return profile_holds(rule, ctx);
}

std::string placeholder_value(std::string_view name, Context& ctx) {
  const SeverityInputs& in = ctx.in();
  const model::RiskProfile* risk = ctx.risk();
  auto profile = [&](auto value) {
    return risk ? std::string(model::to_string(value)) : std::string("unknown");
  };
  if (name == "users") return std::to_string(in.distinct_users);
  if (name == "accounts") return std::to_string(in.distinct_accounts);
  if (name == "records") return std::to_string(in.records_written);
  if (name == "signals") return std::to_string(in.signals);
  if (name == "recurrences") return std::to_string(in.recurrences);
  if (name == "workflow") return in.workflow ? in.workflow->id : "unknown workflow";
  if (name == "category") return std::string(model::to_string(in.category));
  if (name == "impact") return std::string(model::to_string(in.impact));
  if (name == "classification") return std::string(model::to_string(in.classification));
  if (name == "tool") {
    return in.irreversible_tool_name.empty() ? "a tool"
                                             : "tool '" + in.irreversible_tool_name + "'";
  }
  if (!risk) return "unknown";
  if (name == "customer_exposure") return profile(risk->customer_exposure);
  if (name == "data_sensitivity") return profile(risk->data_sensitivity);
  if (name == "autonomy") return profile(risk->autonomy);
  if (name == "reversibility") return profile(risk->reversibility);
  if (name == "business_impact") {
    std::string out;
    for (model::BusinessImpact b : risk->business_impact) {
      if (!out.empty()) out += ", ";
      out += model::to_string(b);
    }
    return out.empty() ? "none declared" : out;
  }
  if (name == "risk_tier") return std::to_string(ctx.risk_tier());
  return "{" + std::string(name) + "}";
}

// Replaces each {name} with its value; text outside braces is kept as written.
std::string fill_reason(std::string_view text, Context& ctx) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find('{', pos);
    std::size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out += text.substr(pos);
      break;
    }
    out += text.substr(pos, open - pos);
    out += placeholder_value(text.substr(open + 1, close - open - 1), ctx);
    pos = close + 1;
  }
  return out;
}

void add_reason(std::vector<std::string>& reasons, std::string reason) {
  if (reason.empty()) return;
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    reasons.push_back(std::move(reason));
  }
}

// ---------------------------------------------------------------------------------------------
// Reading severity.yaml

using core::join_names;
using core::MapReader;
using core::names_of;
using core::report;

// A condition listing values ("any of"); a single value is a one-element list.
template <typename E>
std::vector<E> read_any_of(MapReader& r, const std::string& key,
                           const std::vector<std::pair<std::string_view, E>>& options) {
  std::vector<E> out;
  YAML::Node node = r.node(key);
  if (!node.IsDefined()) return out;
  std::vector<YAML::Node> items;
  if (node.IsScalar()) {
    items.push_back(node);
  } else if (node.IsSequence()) {
    for (const auto& item : node) items.push_back(item);
    if (items.empty()) {
      report(r.diagnostics(), r.file(), node,
             "when." + key +
                 " is an empty list, which never holds; list at least one value or "
                 "leave the condition out");
    }
  } else {
    report(r.diagnostics(), r.file(), node, "when." + key + " must be a value or a list of values");
    return out;
  }
  const std::vector<std::string> names = names_of(options);
  for (const auto& item : items) {
    std::optional<E> value;
    if (item.IsScalar()) {
      for (const auto& [name, v] : options) {
        if (name == item.Scalar()) value = v;
      }
    }
    if (!value) {
      std::string message = "when." + key + ": ";
      message += item.IsScalar() ? "'" + item.Scalar() + "' is not allowed" : "expected a value";
      message += "; use one of: " + join_names(names);
      if (item.IsScalar()) {
        std::string guess = core::closest_match(item.Scalar(), names);
        if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
      }
      report(r.diagnostics(), r.file(), item, std::move(message));
      continue;
    }
    if (std::find(out.begin(), out.end(), *value) == out.end()) out.push_back(*value);
  }
  return out;
}

// Reports each {placeholder} in a reason that evaluate would not fill.
void check_placeholders(const std::string& reason, const YAML::Node& node, const std::string& file,
                        core::Diagnostics& diags) {
  std::size_t pos = 0;
  while ((pos = reason.find('{', pos)) != std::string::npos) {
    std::size_t close = reason.find('}', pos);
    if (close == std::string::npos) {
      report(diags, file, node, "reason: '{' without a closing '}'");
      return;
    }
    std::string name = reason.substr(pos + 1, close - pos - 1);
    const auto& known = placeholder_names();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string message = "reason: unknown placeholder {" + name + "}";
      std::string guess = core::closest_match(name, known);
      message +=
          guess.empty() ? "; use one of: " + join_names(known) : "; did you mean {" + guess + "}?";
      report(diags, file, node, std::move(message));
    }
    pos = close + 1;
  }
}

constexpr std::int64_t kMaxCount = 1'000'000'000;

std::optional<SeverityRule> read_rule(const YAML::Node& item, const std::string& file,
                                      core::Diagnostics& diags) {
  // A list item left empty (`- ~`, or a `-` with nothing after it): MapReader would read it as an
  // empty mapping of its own making and report the missing keys with no line to point at.
  if (item.IsNull()) {
    report(diags, file, item, "rule is empty; give it when, at_least and reason");
    return std::nullopt;
  }
  MapReader r(item, file, diags, "rule");
  if (!r.valid()) return std::nullopt;
  const std::size_t errors_before = diags.size();
  SeverityRule rule;
  YAML::Node when = r.node("when", /*required=*/true);
  auto at_least = r.choice("at_least", model::severity_names(), /*required=*/true);
  auto capped = r.boolean("capped");
  auto reason = r.string("reason", /*required=*/true);
  r.finish();
  if (when.IsDefined()) {
    MapReader w(when, file, diags, "when");
    if (w.valid()) {
      rule.customer_exposure = read_any_of(w, "customer_exposure", model::CustomerExposure_names());
      rule.data_sensitivity = read_any_of(w, "data_sensitivity", model::DataSensitivity_names());
      rule.autonomy = read_any_of(w, "autonomy", model::Autonomy_names());
      rule.reversibility = read_any_of(w, "reversibility", model::Reversibility_names());
      rule.business_impact = read_any_of(w, "business_impact", model::BusinessImpact_names());
      if (auto v = w.integer("min_risk_tier", 1, 4)) rule.min_risk_tier = static_cast<int>(*v);
      rule.eu_ai_act_high_risk = w.boolean("eu_ai_act_high_risk");
      rule.category = read_any_of(w, "category", model::category_names());
      rule.classification = read_any_of(w, "classification", model::classification_names());
      rule.impact = w.choice("impact", model::impact_names());
      rule.users_at_least = w.integer("users_at_least", 0, kMaxCount);
      rule.accounts_at_least = w.integer("accounts_at_least", 0, kMaxCount);
      rule.records_at_least = w.integer("records_at_least", 0, kMaxCount);
      rule.signals_at_least = w.integer("signals_at_least", 0, kMaxCount);
      rule.recurrences_at_least = w.integer("recurrences_at_least", 0, kMaxCount);
      rule.irreversible_tool = w.boolean("irreversible_tool");
      w.finish();
      // A rule that always holds is almost always a mistake (a misspelt condition that finish()
      // reported); the baseline is the place for a floor.
      if (when.size() == 0) {
        report(diags, file, when, "when: name at least one condition; use baseline for a floor");
      }
    }
  }
  if (reason) check_placeholders(*reason, item["reason"], file, diags);
  if (diags.size() != errors_before || !at_least || !reason) return std::nullopt;
  rule.at_least = *at_least;
  if (capped) rule.capped = *capped;
  rule.reason = *reason;
  return rule;
}

void read_baseline(MapReader& parent, SeverityPolicy& policy) {
  YAML::Node node = parent.node("baseline", /*required=*/true);
  if (!node.IsDefined()) return;
  MapReader r(node, parent.file(), parent.diagnostics(), "baseline");
  if (!r.valid()) return;
  for (const auto& [name, impact] : model::impact_names()) {
    if (auto v = r.choice(std::string(name), model::severity_names(), /*required=*/true)) {
      policy.baseline[static_cast<std::size_t>(impact)] = *v;
    }
  }
  r.finish();
}

void read_caps(MapReader& parent, SeverityPolicy& policy) {
  YAML::Node node = parent.node("caps");
  if (!node.IsDefined()) return;
  MapReader r(node, parent.file(), parent.diagnostics(), "caps");
  if (!r.valid()) return;
  for (const auto& [name, classification] : model::classification_names()) {
    if (auto v = r.choice(std::string(name), model::severity_names())) {
      policy.caps.emplace_back(classification, *v);
    }
  }
  r.finish();
}

void read_rules(MapReader& parent, SeverityPolicy& policy) {
  YAML::Node node = parent.node("rules", /*required=*/true);
  if (!node.IsDefined()) return;
  if (!node.IsSequence()) {
    report(parent.diagnostics(), parent.file(), node,
           "rules must be a list of {when: {...}, at_least: ..., reason: ...}");
    return;
  }
  for (const auto& item : node) {
    if (auto rule = read_rule(item, parent.file(), parent.diagnostics())) {
      policy.rules.push_back(std::move(*rule));
    }
  }
}

std::optional<SeverityPolicy> read_policy(const YAML::Node& root, const std::string& file,
                                          core::Diagnostics& diags) {
  const std::size_t errors_before = diags.size();
  MapReader r(root, file, diags, "severity policy");
  if (!r.valid()) return std::nullopt;
  SeverityPolicy policy;
  read_baseline(r, policy);
  policy.unknown_workflow = r.choice("unknown_workflow", model::severity_names());
  read_caps(r, policy);
  read_rules(r, policy);
  r.finish();
  if (diags.size() != errors_before) return std::nullopt;
  return policy;
}

}  // namespace

std::string SeverityDecision::summary() const {
  std::string out(model::to_string(severity));
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    out += i == 0 ? ": " : ", ";
    out += reasons[i];
  }
  return out;
}

SeverityDecision evaluate(const SeverityPolicy& policy, const SeverityInputs& in) {
  Context ctx(in);
  SeverityDecision out;

  // The floor before any rule: the baseline, or the unknown-workflow floor if that is higher.
  Severity floor = policy.baseline[static_cast<std::size_t>(in.impact)];
  std::string floor_reason = "worst signal impact: " + std::string(model::to_string(in.impact));
  if (in.workflow == nullptr && policy.unknown_workflow && *policy.unknown_workflow > floor) {
    floor = *policy.unknown_workflow;
    floor_reason = "unknown workflow: its risk cannot be weighed";
  }

  std::optional<Severity> cap;
  for (const auto& [classification, level] : policy.caps) {
    if (classification == in.classification) cap = level;
  }

  Severity from_capped = floor;  // the floor and capped rules, before the cap
  Severity from_uncapped = Severity::kLow;
  std::optional<Severity> rules_reach;  // the highest level a rule that held reaches, capped
  for (const SeverityRule& rule : policy.rules) {
    if (!holds(rule, ctx)) continue;
    Severity& level = rule.capped ? from_capped : from_uncapped;
    level = std::max(level, rule.at_least);
    Severity reach = rule.capped && cap ? std::min(rule.at_least, *cap) : rule.at_least;
    rules_reach = std::max(rules_reach.value_or(reach), reach);
    add_reason(out.reasons, fill_reason(rule.reason, ctx));
  }
  const bool cap_lowered = cap && from_capped > *cap;
  out.severity = std::max(cap_lowered ? *cap : from_capped, from_uncapped);

  // Say what set the final level when no rule's reason does.
  if (cap_lowered && from_uncapped < out.severity) {
    add_reason(out.reasons, "capped at " + std::string(model::to_string(*cap)) + " for a " +
                                std::string(model::to_string(in.classification)));
  } else if (!rules_reach || *rules_reach < out.severity) {
    out.reasons.insert(out.reasons.begin(), floor_reason);
  }
  return out;
}

SeverityDecision escalate(const SeverityDecision& current, const SeverityDecision& computed) {
  return computed.severity >= current.severity ? computed : current;
}

std::optional<SeverityPolicy> read_severity_policy_text(const std::string& text,
                                                        const std::string& file,
                                                        core::Diagnostics& diags) {
  auto root = core::load_yaml_text(text, file, diags);
  if (!root) return std::nullopt;
  return read_policy(*root, file, diags);
}

std::optional<SeverityPolicy> read_severity_policy(const std::string& path,
                                                   core::Diagnostics& diags) {
  auto root = core::load_yaml_file(path, diags);
  if (!root) return std::nullopt;
  return read_policy(*root, path, diags);
}

// ---------------------------------------------------------------------------------------------
// The shipped default. examples/severity.yaml is this policy written out, with a comment per
// rule; a test holds the two equal.

namespace {

using When = SeverityRule;

// Appends a rule: its severity and reason first, so that the default reads as a table.
template <typename Conditions>
void add(SeverityPolicy& p, Severity at_least, const char* reason, Conditions conditions) {
  SeverityRule rule;
  conditions(rule);
  rule.at_least = at_least;
  rule.reason = reason;
  p.rules.push_back(std::move(rule));
}

}  // namespace

const SeverityPolicy& default_severity_policy() {
  using model::Autonomy;
  using model::BusinessImpact;
  using model::Category;
  using model::Classification;
  using model::CustomerExposure;
  using model::DataSensitivity;
  using model::Impact;
  using model::Reversibility;
  static const SeverityPolicy policy = [] {
    SeverityPolicy p;
    // A detector's impact is how bad one occurrence would be if real; the workflow and the blast
    // radius decide the rest, so the baseline starts one step lower for medium and above.
    p.baseline = {Severity::kLow, Severity::kLow, Severity::kMedium, Severity::kHigh};
    p.unknown_workflow = Severity::kMedium;
    p.caps = {{Classification::kQualityIssue, Severity::kMedium},
              {Classification::kNearMiss, Severity::kMedium}};
    // low: internal-only, no sensitive data, easy to correct.
    add(p, Severity::kLow, "internal only, no sensitive data, easy to correct", [](When& w) {
      w.customer_exposure = {CustomerExposure::kInternal};
      w.data_sensitivity = {DataSensitivity::kPublic, DataSensitivity::kInternal};
      w.reversibility = {Reversibility::kEasy};
    });
    // medium: contained customer exposure, sensitive data in scope, an AI that acts, mistakes
    // that are not easy to undo, limited business impact.
    add(p, Severity::kMedium, "external customers",
        [](When& w) { w.customer_exposure = {CustomerExposure::kExternal}; });
    add(p, Severity::kMedium, "{data_sensitivity} data", [](When& w) {
      w.data_sensitivity = {DataSensitivity::kConfidential, DataSensitivity::kPersonal,
                            DataSensitivity::kRegulated};
    });
    add(p, Severity::kMedium, "the AI acts after human approval",
        [](When& w) { w.autonomy = {Autonomy::kActsWithApproval}; });
    add(p, Severity::kMedium, "the AI acts without a person in the loop",
        [](When& w) { w.autonomy = {Autonomy::kActsAutonomously}; });
    add(p, Severity::kMedium, "mistakes are costly to undo",
        [](When& w) { w.reversibility = {Reversibility::kCostly}; });
    add(p, Severity::kMedium, "mistakes cannot be undone",
        [](When& w) { w.reversibility = {Reversibility::kIrreversible}; });
    add(p, Severity::kMedium, "business impact: {business_impact}", [](When& w) {
      w.business_impact = {BusinessImpact::kFinancial, BusinessImpact::kLegal,
                           BusinessImpact::kSafety, BusinessImpact::kReputational};
    });
    // high: customer harm, sensitive data exposure, financial impact, policy violation,
    // repeated failure, workflow corruption.
    add(p, Severity::kHigh, "customer harm ({category}, {impact} impact)", [](When& w) {
      w.customer_exposure = {CustomerExposure::kExternal};
      w.impact = Impact::kHigh;
    });
    add(p, Severity::kHigh, "{data_sensitivity} data exposed", [](When& w) {
      w.data_sensitivity = {DataSensitivity::kPersonal, DataSensitivity::kRegulated};
      w.category = {Category::kDataExposure};
    });
    add(p, Severity::kHigh, "{tool} cannot be undone", [](When& w) { w.irreversible_tool = true; });
    add(p, Severity::kHigh, "financial impact: {category} in a workflow that moves money",
        [](When& w) {
          w.business_impact = {BusinessImpact::kFinancial};
          w.category = {Category::kToolMisuse, Category::kExcessiveAgency};
        });
    add(p, Severity::kHigh, "policy violation", [](When& w) {
      w.category = {Category::kPolicyViolation};
      w.impact = Impact::kHigh;
    });
    add(p, Severity::kHigh, "{impact}-impact signal on a tier {risk_tier} workflow", [](When& w) {
      w.min_risk_tier = 4;
      w.impact = Impact::kHigh;
    });
    add(p, Severity::kHigh,
        "repeated failure: came back {recurrences} time(s) after being resolved",
        [](When& w) { w.recurrences_at_least = 1; });
    add(p, Severity::kHigh, "the same problem keeps coming back", [](When& w) {
      w.classification = {Classification::kQualityIssue, Classification::kNearMiss};
      w.recurrences_at_least = 2;
      w.capped = false;
    });
    add(p, Severity::kHigh, "repeated failure: {signals} signals",
        [](When& w) { w.signals_at_least = 10; });
    add(p, Severity::kHigh, "workflow corruption: {records} records written",
        [](When& w) { w.records_at_least = 10; });
    add(p, Severity::kHigh, "{users} users affected", [](When& w) { w.users_at_least = 10; });
    add(p, Severity::kHigh, "{accounts} accounts affected",
        [](When& w) { w.accounts_at_least = 10; });
    // critical: broad harm, major data exposure, serious safety issue, regulated high-risk
    // system, uncontrolled autonomous action.
    add(p, Severity::kCritical, "broad harm", [](When& w) { w.users_at_least = 100; });
    add(p, Severity::kCritical, "broad harm", [](When& w) { w.accounts_at_least = 50; });
    add(p, Severity::kCritical, "major data exposure", [](When& w) {
      w.data_sensitivity = {DataSensitivity::kPersonal, DataSensitivity::kRegulated};
      w.category = {Category::kDataExposure};
      w.users_at_least = 50;
    });
    add(p, Severity::kCritical, "serious safety issue", [](When& w) {
      w.business_impact = {BusinessImpact::kSafety};
      w.impact = Impact::kHigh;
    });
    add(p, Severity::kCritical, "high-risk AI system under the EU AI Act", [](When& w) {
      w.eu_ai_act_high_risk = true;
      w.classification = {Classification::kAiIncident, Classification::kSecurityEvent};
    });
    add(p, Severity::kCritical, "uncontrolled autonomous action", [](When& w) {
      w.autonomy = {Autonomy::kActsAutonomously};
      w.irreversible_tool = true;
    });
    return p;
  }();
  return policy;
}

}  // namespace aiir::incident
