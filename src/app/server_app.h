#pragma once
// The running server: every component wired together and started in named steps.
//
// Start-up is an ordered list of steps (load config and set up logging, open store, load keys,
// bootstrap admin key, build routes, start HTTP); each is logged with its duration, and the first
// that fails stops start-up with its error. Used by `aiir serve`, `aiir demo` and the tests.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/router.h"
#include "http/services.h"

namespace aiir::app {

struct ServeOptions {
  std::string config_dir = ".";
  // Overrides aiir.yaml: the data directory holds the store (aiir.db) and the admin key file.
  std::optional<std::string> data_dir;
  std::optional<int> port;  // 0 = any free port
  bool log_to_stderr = true;
};

class ServerApp {
 public:
  ~ServerApp();

  // Runs every start-up step. On failure, whatever was started is stopped again.
  static core::Result<std::unique_ptr<ServerApp>> start(const ServeOptions& options,
                                                         const core::Clock& clock);

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  // The admin key created at first start, if this start created one (the demo uses it).
  const std::optional<std::string>& bootstrap_key() const { return bootstrap_key_; }
  const std::string& admin_key_file() const { return admin_key_file_; }
  // The route table being served (tests walk it to check authentication of every route).
  const http::Router& router() const;

  // Re-reads the config directory; keeps the running config when the new one is invalid.
  http::ReloadOutcome reload();
  // Graceful stop: readiness false, stop HTTP (in-flight requests finish), flush the store.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  struct Parts;
  explicit ServerApp(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
  std::optional<std::string> bootstrap_key_;
  std::string admin_key_file_;
  bool stopped_ = false;
};

}  // namespace aiir::app
