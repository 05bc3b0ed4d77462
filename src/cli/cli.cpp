#include "cli/cli.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/context.h"
#include "cli/json_util.h"
#include "core/version.h"

namespace aiir::cli {

HttpClient Context::client() const {
  std::string k = key;
  if (k.empty()) {
    if (std::ifstream in(key_file); in) std::getline(in, k);
  }
  return HttpClient(server, k);
}

int report_failure(const core::Error& error) {
  std::cerr << "aiir: " << error.message() << "\n";
  return 1;
}

int report_failure(const ClientResponse& response) {
  std::cerr << "aiir: the server answered " << response.status << ": " << problem_detail(response)
            << "\n";
  return 1;
}

bool print_json(const Context& ctx, const ClientResponse& response) {
  if (ctx.json) std::cout << response.body << "\n";
  return ctx.json;
}

std::optional<boost::json::object> get_answer(const Context& ctx, const std::string& target,
                                              int& status) {
  status = 1;
  auto client = ctx.client();
  auto r = client.get(target);
  if (!r.ok()) {
    report_failure(r.error());
    return std::nullopt;
  }
  if (r->status != 200) {
    report_failure(*r);
    return std::nullopt;
  }
  status = 0;
  if (print_json(ctx, *r)) return std::nullopt;
  boost::json::value body = parse_body(r->body);
  return body.is_object() ? std::move(body.get_object()) : boost::json::object();
}

int run(int argc, char** argv) {
  CLI::App app{"aiir: incident response for production AI workflows"};
  app.set_version_flag("--version", std::string(core::kVersion) + " (" + core::kGitCommit + ")");
  app.require_subcommand(1);

  Context ctx;
  if (const char* env = std::getenv("AIIR_SERVER")) ctx.server = env;
  if (const char* env = std::getenv("AIIR_API_KEY")) ctx.key = env;
  app.add_option("--server", ctx.server, "aiir server URL (env AIIR_SERVER)")
      ->capture_default_str();
  app.add_option("--key", ctx.key, "API key (env AIIR_API_KEY; prefer the env or a key file)");
  app.add_option("--key-file", ctx.key_file, "file holding the API key when none is given")
      ->capture_default_str();
  app.add_flag("--json", ctx.json, "machine-readable JSON output");

  add_serve_command(app, ctx);
  add_validate_command(app, ctx);
  add_keys_commands(app, ctx);
  add_workflows_commands(app, ctx);
  add_admin_commands(app, ctx);
  add_traces_commands(app, ctx);
  add_signals_commands(app, ctx);
  add_detectors_commands(app, ctx);
  add_hunt_commands(app, ctx);
  add_incidents_commands(app, ctx);
  add_controls_commands(app, ctx);
  add_approvals_commands(app, ctx);
  add_drill_command(app, ctx);
  add_reviews_commands(app, ctx);
  add_audit_commands(app, ctx);
  add_demo_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return ctx.action ? ctx.action() : 2;
}

}  // namespace aiir::cli
