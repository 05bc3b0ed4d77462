#include "contain/authority.h"

#include <algorithm>
#include <cctype>

#include "model/risk_tier.h"

namespace aiir::contain {
namespace {

constexpr std::string_view kKeyPrefix = "key:";
constexpr std::string_view kRolePrefix = "role:";

std::string lower_trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  std::string out(text.substr(first, last - first + 1));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The forms of a role holder a key's name may equal: the whole text, and for
// "Name <contact>" the name and the contact.
std::vector<std::string> holder_forms(const std::string& holder) {
  std::vector<std::string> forms{lower_trimmed(holder)};
  const auto open = holder.rfind('<');
  const auto close = holder.rfind('>');
  if (open != std::string::npos && close != std::string::npos && open < close) {
    forms.push_back(lower_trimmed(std::string_view(holder).substr(0, open)));
    forms.push_back(lower_trimmed(std::string_view(holder).substr(open + 1, close - open - 1)));
  }
  return forms;
}

const std::string* holder_of(const model::Incident* incident, model::IncidentRole role) {
  if (incident == nullptr) return nullptr;
  for (const auto& assignment : incident->roles) {
    if (assignment.role == role && !assignment.who.empty()) return &assignment.who;
  }
  return nullptr;
}

bool holds(const Actor& actor, const std::string& holder) {
  const std::string name = lower_trimmed(actor.key_name);
  if (name.empty()) return false;
  const auto forms = holder_forms(holder);
  return std::find(forms.begin(), forms.end(), name) != forms.end();
}

bool matches(const Authorized& who, const Actor& actor, const model::Incident* incident) {
  switch (who.kind) {
    case Authorized::Kind::kIncidentRole: {
      const std::string* holder = holder_of(incident, who.incident_role);
      return holder != nullptr && holds(actor, *holder);
    }
    case Authorized::Kind::kKey:
      return (!actor.key_name.empty() && actor.key_name == who.key) ||
             (!actor.key_id.empty() && actor.key_id == who.key);
    case Authorized::Kind::kApiRole: return actor.role == who.api_role;
  }
  return false;
}

// "the incident lead (maria)", "the incident lead (nobody named on INC-4)", "key 'alice'",
// "key role admin".
std::string describe(const Authorized& who, const model::Incident* incident) {
  switch (who.kind) {
    case Authorized::Kind::kIncidentRole: {
      std::string role(model::to_string(who.incident_role));
      std::replace(role.begin(), role.end(), '_', ' ');
      std::string out = "the " + role;
      if (incident == nullptr) return out + " (of the incident; none is named)";
      const std::string* holder = holder_of(incident, who.incident_role);
      return out + " (" + (holder != nullptr ? *holder : "nobody named on " + incident->id()) + ")";
    }
    case Authorized::Kind::kKey: return "key '" + who.key + "'";
    case Authorized::Kind::kApiRole:
      return "key role " + std::string(model::to_string(who.api_role));
  }
  return "";
}

std::string you_are(const Actor& actor) {
  std::string name = actor.key_name.empty() ? actor.key_id : actor.key_name;
  return "you are key '" + name + "' (" + std::string(model::to_string(actor.role)) + ")";
}

core::Error refused(const std::vector<Authorized>& who, const Actor& actor,
                    const std::string& doing, const model::Incident* incident) {
  std::string names;
  std::vector<std::string> seen;
  for (const auto& w : who) {
    std::string text = describe(w, incident);
    if (std::find(seen.begin(), seen.end(), text) != seen.end()) continue;
    seen.push_back(text);
    names += (names.empty() ? "" : " or ") + text;
  }
  if (names.empty()) names = "someone the authority rules name, and they name nobody";
  return core::Error(core::Code::kPermissionDenied,
                     doing + " needs " + names + "; " + you_are(actor));
}

}  // namespace

std::optional<Authorized> parse_authorized(std::string_view text) {
  Authorized who;
  if (text.substr(0, kKeyPrefix.size()) == kKeyPrefix) {
    who.kind = Authorized::Kind::kKey;
    who.key = std::string(text.substr(kKeyPrefix.size()));
    if (who.key.empty()) return std::nullopt;
    return who;
  }
  if (text.substr(0, kRolePrefix.size()) == kRolePrefix) {
    auto role = model::parse_role(text.substr(kRolePrefix.size()));
    if (!role) return std::nullopt;
    who.kind = Authorized::Kind::kApiRole;
    who.api_role = *role;
    return who;
  }
  auto role = model::parse_incident_role(text);
  if (!role) return std::nullopt;
  who.incident_role = *role;
  return who;
}

std::string to_string(const Authorized& who) {
  switch (who.kind) {
    case Authorized::Kind::kIncidentRole: return std::string(model::to_string(who.incident_role));
    case Authorized::Kind::kKey: return std::string(kKeyPrefix) + who.key;
    case Authorized::Kind::kApiRole:
      return std::string(kRolePrefix) + std::string(model::to_string(who.api_role));
  }
  return "";
}

const std::vector<std::string>& action_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, kind] : model::control_kind_names()) out.emplace_back(name);
    out.emplace_back(kLiftAction);
    return out;
  }();
  return names;
}

bool valid_action(std::string_view action) {
  const auto& names = action_names();
  return std::find(names.begin(), names.end(), action) != names.end();
}

bool AuthorityRule::covers(std::string_view action, const model::Workflow& workflow) const {
  if (std::find(actions.begin(), actions.end(), action) == actions.end()) return false;
  if (!workflows.empty() &&
      std::find(workflows.begin(), workflows.end(), workflow.id) == workflows.end()) {
    return false;
  }
  if (!risk_tiers.empty()) {
    const int tier = model::derive_risk_tier(workflow).tier;
    if (std::find(risk_tiers.begin(), risk_tiers.end(), tier) == risk_tiers.end()) return false;
  }
  return true;
}

bool is_authorized(const std::vector<Authorized>& who, const Actor& actor,
                   const model::Incident* incident) {
  return std::any_of(who.begin(), who.end(),
                     [&](const Authorized& w) { return matches(w, actor, incident); });
}

std::string describe_action(std::string_view action, std::string_view workflow) {
  std::string w(workflow);
  if (action == "pause") return "pausing " + w;
  if (action == "force_review") return "forcing review of " + w;
  if (action == "disable_tool") return "disabling a tool of " + w;
  if (action == "narrow_tool") return "narrowing a tool of " + w;
  if (action == "pin_version") return "pinning a version of " + w;
  if (action == "block_source") return "blocking a retrieval source of " + w;
  if (action == "stop_writes") return "stopping writes of " + w;
  if (action == "drill") return "running a drill on " + w;
  if (action == kLiftAction) return "lifting a control on " + w;
  return std::string(action) + " on " + w;
}

core::Status check_authorized(const std::vector<Authorized>& who, const Actor& actor,
                              const std::string& doing, const model::Incident* incident) {
  if (is_authorized(who, actor, incident)) return core::Status::Ok();
  return refused(who, actor, doing, incident);
}

core::Status may_take(const AuthorityRules& rules, const Actor& actor, std::string_view action,
                      const model::Workflow& workflow, const model::Incident* incident) {
  if (!valid_action(action)) {
    std::string names;
    for (const auto& n : action_names()) names += (names.empty() ? "" : ", ") + n;
    return core::invalid("unknown containment action '" + std::string(action) +
                         "' (actions: " + names + ")");
  }
  std::vector<Authorized> who;
  bool covered = false;
  for (const auto& rule : rules.rules) {
    if (!rule.covers(action, workflow)) continue;
    covered = true;
    if (is_authorized(rule.who, actor, incident)) return core::Status::Ok();
    who.insert(who.end(), rule.who.begin(), rule.who.end());
  }
  if (!covered) return core::Status::Ok();
  return refused(who, actor, describe_action(action, workflow.id), incident);
}

core::Status may_take(const AuthorityRules& rules, const Actor& actor, model::ControlKind kind,
                      const model::Workflow& workflow, const model::Incident* incident) {
  return may_take(rules, actor, model::to_string(kind), workflow, incident);
}

}  // namespace aiir::contain
