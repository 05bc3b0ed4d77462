#include <csignal>
#include <iostream>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "app/server_app.h"
#include "cli/context.h"
#include "core/clock.h"

namespace aiir::cli {
namespace {

struct ServeArgs {
  std::string config_dir = ".";
  std::string data_dir;
  int port = -1;
};

// Runs the server until SIGTERM or SIGINT; SIGHUP reloads the configuration.
int serve(const ServeArgs& args) {
  // Block the signals in every thread (the server's threads inherit this mask) and take them
  // synchronously here, so no handler runs in an arbitrary thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  app::ServeOptions options;
  options.config_dir = args.config_dir;
  if (!args.data_dir.empty()) options.data_dir = args.data_dir;
  if (args.port >= 0) options.port = args.port;

  core::SystemClock clock;
  auto started = app::ServerApp::start(options, clock);
  if (!started.ok()) {
    std::cerr << "aiir serve: " << started.error().message() << "\n";
    return 1;
  }
  auto& server = *started;
  while (true) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading configuration");
      server->reload();
      continue;
    }
    spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    server->stop();
    return 0;
  }
}

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "run the aiir server");
  cmd->add_option("--config", args->config_dir, "directory with aiir.yaml and workflows/")
      ->capture_default_str();
  cmd->add_option("--data", args->data_dir,
                  "data directory for the store and admin key (overrides aiir.yaml)");
  cmd->add_option("--port", args->port, "port to listen on (0 = any free port)");
  cmd->callback([&ctx, args] { ctx.action = [args] { return serve(*args); }; });
}

}  // namespace aiir::cli
