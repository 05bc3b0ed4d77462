#pragma once
// Authority rules: who may take which containment action on which workflows, written down before
// incident day (issue 6: "Nobody is sure who has authority to take the system offline").
//
// A rule covers some actions (control kinds such as pause or pin_version, and `lift`) on some
// workflows (by id, by risk tier, or all) and names who may take them: incident roles (matched
// against the incident's role holders), API key names and API roles. An action on a workflow that
// no rule covers is left to the route's role check: any key that may call the route may act.
// Pure: no store, no clock.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/control.h"
#include "model/incident.h"
#include "model/role.h"
#include "model/workflow.h"

namespace aiir::contain {

// Who is acting: the calling API key.
struct Actor {
  std::string key_id;
  std::string key_name;
  model::Role role = model::Role::kViewer;
};

// One entry of a `who:` list, as written in configuration:
//   incident_lead, business_owner, ...  whoever holds that role on the incident
//   key:alice                            the API key named (or with the id) alice
//   role:admin                           any API key with that role
struct Authorized {
  enum class Kind { kIncidentRole, kKey, kApiRole };
  Kind kind = Kind::kIncidentRole;
  model::IncidentRole incident_role = model::IncidentRole::kIncidentLead;
  std::string key;  // kKey
  model::Role api_role = model::Role::kAdmin;

  bool operator==(const Authorized&) const = default;
};

// nullopt for anything not of the three forms above (unknown role names included).
std::optional<Authorized> parse_authorized(std::string_view text);
// The configuration form: "incident_lead", "key:alice", "role:admin".
std::string to_string(const Authorized& who);

// The action names rules use: every control kind's name, and "lift".
inline constexpr std::string_view kLiftAction = "lift";
const std::vector<std::string>& action_names();
bool valid_action(std::string_view action);

struct AuthorityRule {
  std::vector<std::string> actions;    // action names; at least one
  std::vector<std::string> workflows;  // workflow ids; empty = not limited by id
  std::vector<int> risk_tiers;         // 1..4; empty = not limited by tier
  std::vector<Authorized> who;         // at least one
  std::string source_file;             // where it was written, for messages
  int source_line = 0;

  // The rule covers `action` on `workflow`: it names the action, and the workflow passes both
  // the id and the tier filter (each only when given).
  bool covers(std::string_view action, const model::Workflow& workflow) const;
};

struct AuthorityRules {
  std::vector<AuthorityRule> rules;
};

// Whether `actor` is one of `who` for `incident` (null: no incident, so no incident role holder
// can be matched). An incident role matches when the key's name equals, ignoring case and
// surrounding blanks, the holder's whole text, the name before " <", or the contact inside <>:
// keys named "Dana", "dana" and "dana@example.com" all hold "Dana <dana@example.com>". Name keys
// after the people (or contacts) that escalation policies and workflow owners name.
bool is_authorized(const std::vector<Authorized>& who, const Actor& actor,
                   const model::Incident* incident);

// Ok when `actor` may take `action` (an action name: a control kind's name or "lift") on
// `workflow`: no rule covers the action there, or one that does names the actor.
// Otherwise kPermissionDenied (HTTP 403) naming who may, e.g.
//   "pausing support-refunds needs the incident lead (maria) or the business owner (jon) or
//    key role admin; you are key 'bob' (responder)"
// An unknown action name is kInvalidArgument.
core::Status may_take(const AuthorityRules& rules, const Actor& actor, std::string_view action,
                      const model::Workflow& workflow, const model::Incident* incident);
core::Status may_take(const AuthorityRules& rules, const Actor& actor, model::ControlKind kind,
                      const model::Workflow& workflow, const model::Incident* incident);

// Ok when `actor` is one of `who`; otherwise the kPermissionDenied of may_take, for `doing`
// ("pinning a version of support-refunds"). For an approval that names its own approvers.
core::Status check_authorized(const std::vector<Authorized>& who, const Actor& actor,
                              const std::string& doing, const model::Incident* incident);

// "pausing support-refunds", "lifting a control on support-refunds".
std::string describe_action(std::string_view action, std::string_view workflow);

}  // namespace aiir::contain
