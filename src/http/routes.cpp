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

  return routes;
}

}  // namespace aiir::http
