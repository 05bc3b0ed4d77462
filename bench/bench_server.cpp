#include "bench_server.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "app/server_app.h"

namespace aiir::bench {

namespace json = boost::json;

BenchServer::BenchServer() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "aiir-bench-server-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory under " +
                             std::filesystem::temp_directory_path().string());
  }
  dir_ = pattern;
  const std::filesystem::path config = std::filesystem::path(dir_) / "config";
  std::filesystem::create_directories(config / "workflows");
  std::ofstream(config / "aiir.yaml") << "server: {listen_address: 127.0.0.1, port: 0}\n"
                                         "store: {path: ../data/aiir.db}\n"
                                         "auth: {admin_key_file: ../data/admin.key}\n";
  std::filesystem::copy(std::string(AIIR_SOURCE_DIR) + "/examples/workflows/support-refunds.yaml",
                        config / "workflows" / "support-refunds.yaml");

  // The server's own log lines (start-up steps, one per control set) would drown the figures.
  spdlog::set_level(spdlog::level::err);
  app::ServeOptions options;
  options.config_dir = config.string();
  options.log_to_stderr = false;
  auto started = app::ServerApp::start(options, clock_);
  if (!started.ok()) throw std::runtime_error("aiir did not start: " + started.error().message());
  app_ = std::move(*started);
  if (!app_->bootstrap_key()) throw std::runtime_error("aiir created no admin key on first start");
  admin_key_ = *app_->bootstrap_key();
  admin_ = std::make_unique<cli::HttpClient>(base_url(), admin_key_);
}

BenchServer::~BenchServer() {
  admin_.reset();
  if (app_) app_->stop(std::chrono::seconds(2));
  app_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

int BenchServer::port() const { return app_->port(); }

std::string BenchServer::base_url() const { return app_->base_url(); }

cli::ClientResponse BenchServer::call(const std::string& key, const std::string& method,
                                      const std::string& path, const std::string& body) {
  cli::HttpClient* client = admin_.get();
  std::unique_ptr<cli::HttpClient> other;
  if (key != admin_key_) {
    other = std::make_unique<cli::HttpClient>(base_url(), key);
    client = other.get();
  }
  auto answer = client->request(method, path, body);
  if (!answer.ok()) {
    throw std::runtime_error(method + " " + path + " failed: " + answer.error().message());
  }
  return std::move(*answer);
}

std::string BenchServer::create_key(const std::string& role, const std::string& name) {
  json::object body{{"role", role}, {"name", name}};
  auto answer = call(admin_key_, "POST", "/v1/keys", json::serialize(body));
  if (answer.status != 201) {
    throw std::runtime_error("creating a " + role + " key was refused (" +
                             std::to_string(answer.status) + "): " + answer.body);
  }
  return std::string(json::parse(answer.body).at("secret").as_string());
}

std::string BenchServer::set_control(const json::object& control) {
  auto answer = call(admin_key_, "POST", "/v1/controls", json::serialize(control));
  if (answer.status != 201) {
    throw std::runtime_error("setting a control was refused (" + std::to_string(answer.status) +
                             "): " + answer.body);
  }
  return std::string(json::parse(answer.body).at("id").as_string());
}

void BenchServer::lift_control(const std::string& id) {
  auto answer = call(admin_key_, "POST", "/v1/controls/" + id + "/lift",
                     R"({"reason":"benchmark: change measured"})");
  if (answer.status != 200) {
    throw std::runtime_error("lifting control " + id + " was refused (" +
                             std::to_string(answer.status) + "): " + answer.body);
  }
}

}  // namespace aiir::bench
