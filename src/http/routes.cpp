#include "http/routes.h"

#include "http/handlers/handlers.h"

namespace aiir::http {

using model::Role;

std::vector<Route> build_routes(Services& s) {
  // Roles that may read the inventory and other non-sensitive views.
  const std::vector<Role> readers{Role::kResponder, Role::kReviewer, Role::kLegal, Role::kViewer};
  const std::vector<Role> any_key{Role::kResponder, Role::kReviewer, Role::kLegal,
                                  Role::kViewer,    Role::kIngest,   Role::kApp};

  std::vector<Route> routes;
  auto add = [&routes](std::string method, std::string pattern, std::vector<Role> roles,
                       std::string summary, Handler handler) {
    routes.push_back(Route{std::move(method), std::move(pattern), std::move(roles), false,
                           std::move(summary), std::move(handler)});
  };
  auto add_public = [&routes](std::string method, std::string pattern, std::string summary,
                              Handler handler) {
    routes.push_back(
        Route{std::move(method), std::move(pattern), {}, true, std::move(summary), std::move(handler)});
  };

  // System.
  add_public("GET", "/healthz", "liveness: the process answers", handlers::healthz());
  add_public("GET", "/readyz", "readiness: started and not shutting down", handlers::readyz(s));
  add("GET", "/v1/version", any_key, "server version and build", handlers::version());
  add("GET", "/v1/whoami", any_key, "the calling key's id, name and role", handlers::whoami());
  add("GET", "/metrics", {Role::kResponder, Role::kViewer}, "Prometheus metrics",
      handlers::metrics(s));

  // Keys (admin only).
  add("GET", "/v1/keys", {}, "list API keys (never their secrets)", handlers::list_keys(s));
  add("POST", "/v1/keys", {}, "create an API key; the secret is in this response only",
      handlers::create_key(s));
  add("DELETE", "/v1/keys/{id}", {}, "revoke an API key", handlers::revoke_key(s));

  // Configuration.
  add("POST", "/v1/admin/reload", {}, "reload the config directory", handlers::reload(s));

  // Evidence in: OTLP/HTTP from OpenTelemetry exporters and Collectors.
  add("POST", "/v1/traces", {Role::kIngest}, "OTLP traces (protobuf or JSON, gzip)",
      handlers::export_traces(s));
  add("POST", "/v1/logs", {Role::kIngest}, "OTLP logs: GenAI content events joined to their spans",
      handlers::export_logs(s));

  // Workflow inventory.
  add("GET", "/v1/workflows", readers, "the workflow inventory with risk tiers",
      handlers::list_workflows(s));
  add("GET", "/v1/workflows/{id}", readers, "one workflow with its risk tier and reasons",
      handlers::get_workflow(s));

  // Traces: what the AI saw, retrieved, generated, called, changed and approved.
  add("GET", "/v1/traces/{trace_id}", readers, "one trace, every step in order",
      handlers::get_trace(s));
  add("GET", "/v1/spans", readers, "search spans by workflow, time, kind, subject, version",
      handlers::search_spans(s));

  // Detection: signals from detectors, people and monitoring; detectors and retro-hunts.
  add("GET", "/v1/signals", readers, "signals, newest first; filter by detector, workflow, ...",
      handlers::list_signals(s));
  add("GET", "/v1/signals/{id}", readers, "one signal", handlers::get_signal(s));
  add("POST", "/v1/signals", {Role::kIngest}, "report a signal (user report, complaint, monitor)",
      handlers::report_signal(s));
  add("POST", "/v1/signals/alertmanager", {Role::kIngest},
      "Prometheus Alertmanager webhook: each alert becomes a signal",
      handlers::alertmanager_webhook(s));
  add("GET", "/v1/detectors", readers, "the detector set with each detector's counters",
      handlers::list_detectors(s));
  add("GET", "/v1/detectors/{id}", readers, "one detector", handlers::get_detector(s));
  add("POST", "/v1/detectors/{id}/hunt", {Role::kResponder},
      "run a detector over stored spans of a time range (retro-hunt)", handlers::start_hunt(s));
  add("GET", "/v1/hunts", readers, "retro-hunts with their progress", handlers::list_hunts(s));
  add("GET", "/v1/hunts/{id}", readers, "one retro-hunt's progress and outcome",
      handlers::get_hunt(s));

  // Incidents: signals grouped into something a responder deals with, its lifecycle and timeline.
  // The literal routes come before /v1/incidents/{id}: the router takes the first match.
  add("GET", "/v1/incidents", readers, "incidents, newest first; filter by state, severity, ...",
      handlers::list_incidents(s));
  add("GET", "/v1/incidents/metrics", readers,
      "response times (detect, acknowledge, contain, resolve) by workflow and severity",
      handlers::incident_metrics(s));
  add("GET", "/v1/timeline", readers,
      "every incident's timeline events after a sequence number; long-polls with wait",
      handlers::timeline_feed(s));
  add("GET", "/v1/incidents/{id}", readers, "one incident with its timeline",
      handlers::get_incident(s));
  add("GET", "/v1/incidents/{id}/timeline", readers, "an incident's timeline, oldest first",
      handlers::incident_timeline(s));
  add("GET", "/v1/incidents/{id}/signals", readers, "the signals that belong to an incident",
      handlers::incident_signals(s));
  const std::vector<Role> actions{Role::kResponder};
  using model::IncidentState;
  for (const auto& [verb, to] : {std::pair{"acknowledge", IncidentState::kAcknowledged},
                                 std::pair{"contain", IncidentState::kContained},
                                 std::pair{"resolve", IncidentState::kResolved},
                                 std::pair{"close", IncidentState::kClosed},
                                 std::pair{"reopen", IncidentState::kOpen}}) {
    add("POST", std::string("/v1/incidents/{id}/") + verb, actions,
        std::string(verb) + " an incident (optional reason)", handlers::transition_incident(s, to));
  }
  add("POST", "/v1/incidents/{id}/severity", actions, "change the severity, with a reason",
      handlers::set_incident_severity(s));
  add("POST", "/v1/incidents/{id}/classification", actions,
      "change the classification, with a reason", handlers::classify_incident(s));
  add("POST", "/v1/incidents/{id}/assign", actions, "name who takes a role",
      handlers::assign_incident_role(s));
  add("POST", "/v1/incidents/{id}/notes", actions, "add a note to the timeline",
      handlers::add_incident_note(s));
  add("POST", "/v1/incidents/{id}/merge", actions, "merge other incidents into this one",
      handlers::merge_incidents(s));
  add("POST", "/v1/incidents/{id}/split", actions,
      "move signals, or a merged incident, out of this one", handlers::split_incident(s));

  // Containment: the decision the application asks for before it acts, the controls in force,
  // and the decisions kept as evidence.
  add("POST", "/v1/decide", {Role::kApp},
      "allow, deny, review or degrade an action of the application, from the controls in force",
      handlers::decide(s));
  std::vector<Role> control_readers = readers;
  control_readers.push_back(Role::kApp);
  add("GET", "/v1/controls", control_readers, "the controls in force (include_lifted=true: all)",
      handlers::list_controls(s));
  add("POST", "/v1/controls", actions,
      "set a control: pause, force_review, disable_tool, narrow_tool, pin_version, block_source, "
      "stop_writes",
      handlers::set_control(s));
  add("POST", "/v1/controls/{id}/lift", actions,
      "lift a control, fully or for a percentage of traffic (staged), with a reason",
      handlers::lift_control(s));
  add("GET", "/v1/decisions", readers, "decisions answered to the application, newest first",
      handlers::list_decisions(s));
  // The change stream and what each application instance has applied (docs/control-stream.md).
  const std::vector<Role> stream_readers{Role::kApp, Role::kResponder, Role::kViewer};
  add("GET", "/v1/controls/stream", stream_readers,
      "server-sent events: the controls in force now and at every change (workflow, instance)",
      handlers::controls_stream(s));
  add("POST", "/v1/controls/applied", {Role::kApp},
      "an application instance reports the controls version it has applied (heartbeat)",
      handlers::controls_applied(s));
  add("GET", "/v1/controls/instances", stream_readers,
      "application instances: workflows, connected, applied version, last seen",
      handlers::controls_instances(s));
  add("POST", "/v1/drills", {Role::kResponder},
      "drill: set a drill control, time how long every live instance takes to apply it, lift it",
      handlers::start_drill(s));
  add("GET", "/v1/drills", {Role::kResponder, Role::kViewer}, "drill results, newest first",
      handlers::list_drills(s));
  add("GET", "/v1/drills/{id}", {Role::kResponder, Role::kViewer}, "one drill result",
      handlers::get_drill(s));

  // OpenFeature Remote Evaluation Protocol: the controls as flags for any OpenFeature SDK.
  const std::vector<Role> flag_readers{Role::kApp, Role::kResponder, Role::kViewer};
  add("POST", "/ofrep/v1/evaluate/flags/{key}", flag_readers,
      "OFREP: evaluate one flag (<workflow>.paused, .tool.<name>.enabled, ...)",
      handlers::ofrep_evaluate_flag(s));
  add("POST", "/ofrep/v1/evaluate/flags", flag_readers,
      "OFREP: evaluate every flag (ETag / If-None-Match)", handlers::ofrep_evaluate_flags(s));

  // The human review queue: the application submits what it holds and waits; reviewers decide.
  add("POST", "/v1/reviews", {Role::kApp},
      "hold an output or tool call for human review (Idempotency-Key honoured)",
      handlers::submit_review(s));
  add("GET", "/v1/reviews", {Role::kReviewer, Role::kResponder, Role::kViewer},
      "the review queue (state=pending by default), overdue first, with evidence counts",
      handlers::list_reviews(s));
  add("GET", "/v1/reviews/{id}", {Role::kApp, Role::kReviewer, Role::kResponder},
      "one review item with its evidence; long-polls for the decision with wait",
      handlers::get_review(s));
  for (auto verdict : {contain::ReviewVerdict::kApprove, contain::ReviewVerdict::kReject,
                       contain::ReviewVerdict::kEdit}) {
    const std::string verb(contain::to_string(verdict));
    add("POST", "/v1/reviews/{id}/" + verb, {Role::kReviewer},
        verb + " a held output" +
            (verdict == contain::ReviewVerdict::kApprove ? " (optional reason)"
             : verdict == contain::ReviewVerdict::kReject ? ", with a reason (a near-miss signal)"
                                                          : ": the text to send and a reason"),
        handlers::decide_review(s, verdict));
  }

  // Playbooks: what happens when an incident of a kind opens; actions awaiting approval by the
  // people the authority rules name, and each role's checklist.
  add("GET", "/v1/playbooks", {Role::kResponder, Role::kViewer},
      "the playbooks loaded, with their match, actions and checklists",
      handlers::list_playbooks(s));
  add("GET", "/v1/incidents/{id}/approvals", {Role::kResponder, Role::kViewer},
      "the actions its playbooks proposed, pending or decided", handlers::list_approvals(s));
  add("POST", "/v1/incidents/{id}/approvals/{approval}/approve", actions,
      "approve a proposed action (only someone the approval names; 403 says who may)",
      handlers::approve_approval(s));
  add("POST", "/v1/incidents/{id}/approvals/{approval}/refuse", actions,
      "refuse a proposed action, with a reason", handlers::refuse_approval(s));
  add("GET", "/v1/incidents/{id}/checklists", {Role::kResponder, Role::kViewer},
      "the tasks its playbooks give each incident role, with the role's holder",
      handlers::incident_checklists(s));

  // Routes with a {name} segment where literal siblings exist (/v1/controls/stream, ...) come
  // last: the router takes the first match.
  add("GET", "/v1/controls/{id}", control_readers, "one control, lifted or in force",
      handlers::get_control(s));

  return routes;
}

}  // namespace aiir::http
