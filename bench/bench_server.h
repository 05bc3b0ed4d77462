#pragma once
// The real aiir server, started in the benchmark's own process (app::ServerApp) on a temporary
// config directory holding the support-refunds example workflow, on an ephemeral loopback port,
// with the default server settings (one I/O thread per core, decisions sampled as evidence).
// Benchmarks drive it over HTTP like any client; failures throw, since a benchmark that cannot
// set up has nothing to report.

#include <boost/json.hpp>

#include <memory>
#include <string>

#include "cli/http_client.h"
#include "core/clock.h"

namespace aiir::app {
class ServerApp;
}

namespace aiir::bench {

class BenchServer {
 public:
  BenchServer();  // throws std::runtime_error when the server does not start
  ~BenchServer();
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  int port() const;
  std::string base_url() const;
  const std::string& admin_key() const { return admin_key_; }

  // A new key of `role`; its secret.
  std::string create_key(const std::string& role, const std::string& name);
  // POST /v1/controls with the admin key; the new control's id.
  std::string set_control(const boost::json::object& control);
  // POST /v1/controls/{id}/lift (fully) with the admin key.
  void lift_control(const std::string& id);
  // One request with `key`; throws when the server cannot be reached.
  cli::ClientResponse call(const std::string& key, const std::string& method,
                           const std::string& path, const std::string& body = "");

 private:
  std::string dir_;
  core::SystemClock clock_;
  std::unique_ptr<app::ServerApp> app_;
  std::string admin_key_;
  std::unique_ptr<cli::HttpClient> admin_;  // one keep-alive connection for set-up calls
};

}  // namespace aiir::bench
