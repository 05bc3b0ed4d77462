#include "cli/cli.h"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/context.h"
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

void add_incidents_commands(CLI::App& app, Context& ctx);  // incidents_command.cpp
void add_audit_commands(CLI::App& app, Context& ctx);      // audit_command.cpp

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
