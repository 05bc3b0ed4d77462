#include "contain/playbook.h"

#include <algorithm>

#include "model/risk_tier.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;

// An empty list does not limit; otherwise the value must be in it.
template <typename T>
bool allows(const std::vector<T>& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

template <typename T>
json::array names(const std::vector<T>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(model::to_string(v));
  return out;
}

}  // namespace

bool matches(const Playbook& playbook, const model::Incident& incident,
             const model::Workflow* workflow) {
  const PlaybookMatch& m = playbook.match;
  if (!allows(m.categories, incident.category)) return false;
  if (!allows(m.classifications, incident.classification)) return false;
  if (m.min_severity && incident.severity < *m.min_severity) return false;
  const bool needs_workflow = !m.workflows.empty() || !m.risk_tiers.empty() ||
                              !m.customer_exposure.empty() || !m.data_sensitivity.empty();
  if (!needs_workflow) return true;
  if (workflow == nullptr) return false;
  if (!allows(m.workflows, workflow->id)) return false;
  if (!allows(m.customer_exposure, workflow->risk.customer_exposure)) return false;
  if (!allows(m.data_sensitivity, workflow->risk.data_sensitivity)) return false;
  // Last: deriving the tier is the one condition that costs more than a comparison.
  return m.risk_tiers.empty() || allows(m.risk_tiers, model::derive_risk_tier(*workflow).tier);
}

std::string playbook_actor(const Playbook& playbook) { return "playbook " + playbook.id; }

core::Result<model::Control> make_control(const PlaybookAction& action, const Playbook& playbook,
                                          const model::Incident& incident,
                                          const model::Workflow& workflow, core::UnixNanos now) {
  model::Control control = action.control;
  control.workflow = workflow.id;
  control.incident = incident.number;
  control.reason = !action.reason.empty()
                       ? action.reason
                       : "playbook " + playbook.id +
                             (playbook.title.empty() ? "" : " (" + playbook.title + ")") +
                             " on " + incident.id();
  if (action.expires_after > 0) control.expires_at = now + action.expires_after;
  if (action.previous_version) {
    for (const auto& part : workflow.versioned_parts) {
      if (part.kind != control.part_kind || part.name != control.part_name) continue;
      auto current = std::find(part.versions.begin(), part.versions.end(), part.current);
      if (current == part.versions.end() || current == part.versions.begin()) {
        return core::invalid("playbook " + playbook.id + ": " +
                             std::string(model::to_string(part.kind)) + " '" + part.name +
                             "' of workflow '" + workflow.id +
                             "' has no version before the current one (" + part.current +
                             ") to roll back to");
      }
      control.version = *(current - 1);
      return control;
    }
    return core::invalid("playbook " + playbook.id + ": workflow '" + workflow.id +
                         "' has no versioned part " +
                         std::string(model::to_string(control.part_kind)) + " '" +
                         control.part_name + "'");
  }
  return control;
}

json::object to_json(const PlaybookAction& action) {
  json::object o = model::to_json(action.control);
  // What exists only once a control is set is not part of an action.
  for (const char* key : {"id", "workflow", "set_by", "set_at", "lift_percent", "reason"}) {
    o.erase(key);
  }
  if (action.previous_version) o["version"] = "previous";
  if (!action.reason.empty()) o["reason"] = action.reason;
  if (action.expires_after > 0) {
    o["expires_after_seconds"] = action.expires_after / core::kNanosPerSecond;
  }
  if (!action.approvers.empty()) {
    json::array approvers;
    for (const auto& who : action.approvers) approvers.emplace_back(to_string(who));
    o["approvers"] = std::move(approvers);
  }
  return o;
}

json::object to_json(const Playbook& playbook) {
  json::object match;
  const PlaybookMatch& m = playbook.match;
  if (!m.workflows.empty()) match["workflows"] = json::value_from(m.workflows);
  if (!m.risk_tiers.empty()) match["risk_tiers"] = json::value_from(m.risk_tiers);
  if (!m.customer_exposure.empty()) match["customer_exposure"] = names(m.customer_exposure);
  if (!m.data_sensitivity.empty()) match["data_sensitivity"] = names(m.data_sensitivity);
  if (!m.categories.empty()) match["categories"] = names(m.categories);
  if (!m.classifications.empty()) match["classifications"] = names(m.classifications);
  if (m.min_severity) match["min_severity"] = model::to_string(*m.min_severity);

  json::array automatic;
  for (const auto& a : playbook.automatic) automatic.push_back(to_json(a));
  json::array approval;
  for (const auto& a : playbook.approval) approval.push_back(to_json(a));
  json::object checklists;
  for (const auto& c : playbook.checklists) {
    checklists[model::to_string(c.role)] = json::value_from(c.tasks);
  }
  json::object o{{"id", playbook.id}};
  if (!playbook.title.empty()) o["title"] = playbook.title;
  if (!playbook.description.empty()) o["description"] = playbook.description;
  o["match"] = std::move(match);
  if (playbook.classification) o["classification"] = model::to_string(*playbook.classification);
  o["automatic"] = std::move(automatic);
  o["approval"] = std::move(approval);
  o["checklists"] = std::move(checklists);
  if (!playbook.source_file.empty()) {
    o["source"] = playbook.source_file + ":" + std::to_string(playbook.source_line);
  }
  return o;
}

}  // namespace aiir::contain
