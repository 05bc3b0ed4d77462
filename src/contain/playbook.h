#pragma once
// Playbooks (playbooks/*.yaml, docs/playbooks.md): what to do when an incident of a certain kind
// opens, decided before it does. A playbook matches an incident and its workflow; on a match its
// automatic containment actions are applied at once, the actions that need approval are proposed
// to the people allowed to approve them, and each incident role gets its checklist.
// Pure: matching and turning an action into a control read no store and no clock.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "contain/authority.h"
#include "core/clock.h"
#include "core/result.h"
#include "model/control.h"
#include "model/incident.h"
#include "model/signal.h"
#include "model/workflow.h"

namespace aiir::contain {

// What a playbook applies to. Every field that is given must match; an empty list (or no
// minimum) does not limit.
struct PlaybookMatch {
  std::vector<std::string> workflows;  // workflow ids
  std::vector<int> risk_tiers;         // the workflow's derived risk tier (model/risk_tier.h)
  std::vector<model::CustomerExposure> customer_exposure;  // the workflow's risk profile
  std::vector<model::DataSensitivity> data_sensitivity;
  std::vector<model::Category> categories;            // the incident's signal category
  std::vector<model::Classification> classifications;  // the incident's classification
  std::optional<model::Severity> min_severity;         // the incident's severity at least this
};

// A containment action a playbook takes (or proposes): a control without the parts that only
// exist once it is set (id, who set it, when, the incident).
struct PlaybookAction {
  // kind and the kind-specific fields (tool, source, target, part_kind/part_name/version,
  // limits, when) as in model::Control. workflow is left empty: it is the incident's.
  model::Control control;
  // pin_version only: pin the version before the one in production (the inventory's versions
  // list, oldest first) — a rollback that needs no editing when the current version moves.
  bool previous_version = false;
  core::UnixNanos expires_after = 0;  // the control expires this long after it is set; 0 = never
  std::string reason;                 // the control's reason; default names the playbook
  std::vector<Authorized> approvers;  // approval actions only: who may approve (at least one)
  int source_line = 0;                // where it was written, for messages
};

// The tasks of one incident role.
struct Checklist {
  model::IncidentRole role = model::IncidentRole::kIncidentLead;
  std::vector<std::string> tasks;
};

struct Playbook {
  std::string id;  // [a-z0-9][a-z0-9-]*, unique
  std::string title;
  std::string description;
  PlaybookMatch match;
  // Set on the incident when it matches, when given (a duplicate refund is an AI incident, not
  // a quality issue, whatever the detector said).
  std::optional<model::Classification> classification;
  std::vector<PlaybookAction> automatic;  // applied at once
  std::vector<PlaybookAction> approval;   // proposed; applied once someone allowed approves
  std::vector<Checklist> checklists;      // in model::IncidentRole order, one per role
  std::string source_file;
  int source_line = 0;
};

// Whether `playbook` applies to `incident` about `workflow` (null when the inventory does not
// know the incident's workflow: then only playbooks without workflow conditions can match).
bool matches(const Playbook& playbook, const model::Incident& incident,
             const model::Workflow* workflow);

// The control `action` of `playbook` sets for `incident` at `now`: the incident's workflow and
// number, a reason naming the playbook unless the action gives one, an expiry when it has one,
// and for a previous-version pin the version before the current one. set_by and id are left for
// ControlService::set. kInvalidArgument when the workflow has no version before the current one.
core::Result<model::Control> make_control(const PlaybookAction& action, const Playbook& playbook,
                                          const model::Incident& incident,
                                          const model::Workflow& workflow, core::UnixNanos now);

// "playbook <id>": who the service acts as, for controls' set_by and the timeline.
std::string playbook_actor(const Playbook& playbook);

// The API's JSON forms (GET /v1/playbooks, the approval records' action).
boost::json::object to_json(const PlaybookAction& action);
boost::json::object to_json(const Playbook& playbook);

}  // namespace aiir::contain
