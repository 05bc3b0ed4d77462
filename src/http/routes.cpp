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

  return routes;
}

}  // namespace aiir::http
