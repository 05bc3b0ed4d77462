#pragma once
// What every client command shares: where the server is, which key to use, output format, and
// how it asks the server and reports a failure.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <functional>
#include <optional>
#include <string>

#include "cli/http_client.h"

namespace aiir::cli {

struct Context {
  std::string server = "http://127.0.0.1:8080";  // --server, or AIIR_SERVER
  std::string key;                               // --key, or AIIR_API_KEY, or --key-file
  std::string key_file = "data/admin.key";       // read when no key is given otherwise
  bool json = false;                             // --json: machine-readable output
  // The command selected on the command line; returns the exit status.
  std::function<int()> action;

  // A client for the configured server and key.
  HttpClient client() const;
};

// Prints the error of a failed request (or of a non-2xx answer) to stderr; returns exit status 1.
int report_failure(const core::Error& error);
int report_failure(const ClientResponse& response);

// Prints the answer's body as it came when --json was given; true when it did, so that the
// caller renders text only otherwise.
bool print_json(const Context& ctx, const ClientResponse& response);

// GETs `target` for a command that renders the answer as text. Returns the answer's JSON object
// to render, or nullopt when the command is done already: --json printed the answer as it came
// (`status` 0), or the request failed and was reported (`status` 1).
std::optional<boost::json::object> get_answer(const Context& ctx, const std::string& target,
                                              int& status);

// Commands the demo reuses.
int list_workflows(const Context& ctx);
int show_trace(const Context& ctx, const std::string& id, bool raw);
int show_workflow(const Context& ctx, const std::string& id);
int list_workflow_signals(const Context& ctx, const std::string& workflow);
int list_workflow_incidents(const Context& ctx, const std::string& workflow);
int show_incident(const Context& ctx, const std::string& id);
// POSTs /v1/incidents/{id}/{action} ("acknowledge", "resolve", ...) with an optional reason.
int act_on_incident(const Context& ctx, const std::string& id, const std::string& action,
                    const std::string& reason);

// `aiir controls disable-tool|pause|... WORKFLOW NAME --reason R --incident I` as a call (`name`:
// the tool, source, or part=version the kind needs; "" for none); 0 on success.
int set_workflow_control(const Context& ctx, const std::string& workflow, std::string_view kind,
                         const std::string& name, const std::string& reason,
                         const std::string& incident);
// `aiir controls list --workflow WORKFLOW`.
int list_workflow_controls(const Context& ctx, const std::string& workflow);

// `aiir audit verify --store FILE`: prints the outcome; 0 when the chain is intact.
int verify_audit_file(const std::string& store_path);

// Each file registers its commands on `app`; the chosen one sets `ctx.action`.
void add_serve_command(CLI::App& app, Context& ctx);
void add_validate_command(CLI::App& app, Context& ctx);
void add_keys_commands(CLI::App& app, Context& ctx);
void add_workflows_commands(CLI::App& app, Context& ctx);
void add_admin_commands(CLI::App& app, Context& ctx);
void add_traces_commands(CLI::App& app, Context& ctx);
void add_demo_command(CLI::App& app, Context& ctx);
void add_signals_commands(CLI::App& app, Context& ctx);
void add_hunt_commands(CLI::App& app, Context& ctx);
void add_detectors_commands(CLI::App& app, Context& ctx);
void add_incidents_commands(CLI::App& app, Context& ctx);
void add_audit_commands(CLI::App& app, Context& ctx);
void add_controls_commands(CLI::App& app, Context& ctx);
void add_approvals_commands(CLI::App& app, Context& ctx);
void add_drill_command(CLI::App& app, Context& ctx);
void add_reviews_commands(CLI::App& app, Context& ctx);

}  // namespace aiir::cli
