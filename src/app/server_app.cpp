#include "app/server_app.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <functional>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "core/log.h"
#include "detect/detection_service.h"
#include "incident/incident_service.h"
#include "detect/hunt.h"
#include "http/key_service.h"
#include "contain/control_service.h"
#include "contain/drill_service.h"
#include "contain/instance_registry.h"
#include "contain/playbook_service.h"
#include "contain/review_service.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/routes.h"
#include "http/server.h"
#include "ingest/ingest_service.h"
#include "investigate/trace_reader.h"
#include "store/retention.h"
#include "store/span_writer.h"
#include "store/sqlite/sqlite_store.h"

namespace aiir::app {

struct ServerApp::Parts {
  ServeOptions options;
  const core::Clock* clock = nullptr;
  std::unique_ptr<http::ConfigHolder> config;
  std::unique_ptr<store::Store> store;
  // Turns stored signals into incidents; the one writer of incidents. Declared before detection,
  // which notifies it, so that it outlives detection.
  std::unique_ptr<incident::IncidentService> incidents;
  // Controls in force and the decisions answered from them.
  std::unique_ptr<contain::ControlService> controls;
  std::unique_ptr<contain::DecisionRecorder> decisions;
  // What each application instance has applied, and drills that time it (after controls: a
  // drill sets and lifts controls, so it goes first).
  std::unique_ptr<contain::InstanceRegistry> instances;
  std::unique_ptr<contain::DrillService> drills;
  // The human review queue; its rejections and SLA escalations wake the incident component.
  std::unique_ptr<contain::ReviewService> reviews;
  // Applies playbooks as incidents open (sets controls, so declared after them: stopped first).
  std::unique_ptr<contain::PlaybookService> playbooks;
  // Detection and hunts read the store; the writer (declared later, stopped first) wakes
  // detection after each commit.
  std::unique_ptr<detect::DetectionService> detection;
  std::unique_ptr<detect::HuntService> hunts;
  // Declared after the store: destroyed (stopped) before it. The writer after the ingest
  // service: it stops, running its last callbacks into the service, before the service goes.
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<store::SpanWriter> writer;
  std::unique_ptr<store::RetentionPurger> purger;
  std::unique_ptr<http::KeyService> keys;
  std::unique_ptr<investigate::TraceReader> traces;
  http::Metrics metrics;
  std::atomic<bool> ready{false};
  std::unique_ptr<http::Services> services;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Server> server;
  std::string admin_key_file;
  std::optional<std::string> bootstrap_key;
};

namespace {

// Applies command-line overrides on top of a loaded config.
void apply_overrides(config::Config& c, const ServeOptions& o) {
  if (o.data_dir) {
    auto dir = std::filesystem::absolute(*o.data_dir).lexically_normal();
    c.store.path = (dir / "aiir.db").string();
    c.auth.admin_key_file = (dir / "admin.key").string();
  }
  if (o.port) c.server.port = *o.port;
}

core::Result<std::shared_ptr<const config::Config>> load(const ServeOptions& o) {
  core::Diagnostics diags;
  auto loaded = config::load_config(o.config_dir, diags);
  if (!loaded) {
    return core::invalid("the configuration in '" + o.config_dir + "' is invalid:\n" +
                         diags.to_string() + "Run `aiir validate " + o.config_dir +
                         "` after fixing it.");
  }
  apply_overrides(*loaded, o);
  return std::shared_ptr<const config::Config>(
      std::make_shared<config::Config>(std::move(*loaded)));
}

// Writes the key so that only the owner can read it (0600), replacing an older file.
core::Status write_secret_file(const std::string& path, const std::string& secret) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return core::internal("cannot write the admin key file '" + path + "': " +
                          std::strerror(errno));
  }
  std::string line = secret + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return core::internal("cannot write the admin key file '" + path + "'");
  return {};
}

using Step = std::pair<const char*, std::function<core::Status()>>;

core::Status run_steps(const std::vector<Step>& steps) {
  for (const auto& [name, step] : steps) {
    auto began = std::chrono::steady_clock::now();
    core::Status status = step();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - began)
                  .count();
    if (!status.ok()) {
      spdlog::error("start-up step '{}' failed after {} ms", name, ms);
      return core::Error(status.error().code(),
                         std::string(name) + ": " + status.error().message());
    }
    spdlog::info("start-up step '{}' done in {} ms", name, ms);
  }
  return {};
}

}  // namespace

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {
  bootstrap_key_ = parts_->bootstrap_key;
  admin_key_file_ = parts_->admin_key_file;
}

ServerApp::~ServerApp() { stop(std::chrono::seconds(2)); }

core::Result<std::unique_ptr<ServerApp>> ServerApp::start(const ServeOptions& options,
                                                         const core::Clock& clock) {
  auto p = std::make_unique<Parts>();
  p->options = options;
  p->clock = &clock;
  Parts& parts = *p;

  std::vector<Step> steps{
      {"load config",
       [&]() -> core::Status {
         auto loaded = load(parts.options);
         if (!loaded.ok()) return core::Status(loaded.error());
         parts.config = std::make_unique<http::ConfigHolder>(*loaded);
         // In the same step, so that even this step's own log line has the configured format
         // (a JSON-lines consumer must not meet one text line first).
         auto c = parts.config->get();
         spdlog::level::level_enum level = spdlog::level::info;
         core::parse_log_level(c->log.level, level);
         if (parts.options.log_to_stderr) core::init_logging(c->log.format, level);
         return core::Status();
       }},
      {"open store",
       [&]() -> core::Status {
         auto c = parts.config->get();
         store::SqliteOptions so;
         so.path = c->resolve(c->store.path);
         auto opened = store::open_sqlite_store(so);
         if (!opened.ok()) return core::Status(opened.error());
         parts.store = std::move(*opened);
         spdlog::info("store: sqlite at {} (schema version {})", so.path,
                      parts.store->schema_version());
         return core::Status();
       }},
      {"load keys",
       [&]() -> core::Status {
         parts.keys = std::make_unique<http::KeyService>(*parts.store, *parts.clock);
         return parts.keys->load();
       }},
      {"bootstrap admin key",
       [&]() -> core::Status {
         auto c = parts.config->get();
         parts.admin_key_file = c->resolve(c->auth.admin_key_file);
         auto created = parts.keys->bootstrap_admin();
         if (!created.ok()) return core::Status(created.error());
         if (!*created) return core::Status();
         AIIR_RETURN_IF_ERROR(write_secret_file(parts.admin_key_file, (*created)->secret));
         parts.bootstrap_key = (*created)->secret;
         spdlog::warn(
             "the store had no API key: created admin key '{}' and wrote it to {} (mode 0600). "
             "Keep it safe; create narrower keys with `aiir keys create`.",
             (*created)->key.id, parts.admin_key_file);
         return core::Status();
       }},
      {"start incidents",
       [&]() -> core::Status {
         http::ConfigHolder* config = parts.config.get();
         parts.incidents = std::make_unique<incident::IncidentService>(
             *parts.store, *parts.clock, [config] { return config->get(); });
         AIIR_RETURN_IF_ERROR(parts.incidents->start());
         incident::IncidentService* incidents = parts.incidents.get();
         parts.metrics.add_collector(
             [incidents](std::string& out) { incidents->render_metrics(out); });
         return core::Status();
       }},
      {"start controls",
       [&]() -> core::Status {
         http::ConfigHolder* config = parts.config.get();
         parts.controls = std::make_unique<contain::ControlService>(
             *parts.store, *parts.clock, [config] { return config->get(); });
         AIIR_RETURN_IF_ERROR(parts.controls->start());
         parts.decisions = std::make_unique<contain::DecisionRecorder>(*parts.store);
         parts.decisions->configure(config->get()->decisions);
         parts.decisions->start();
         contain::DecisionRecorder* decisions = parts.decisions.get();
         parts.metrics.add_collector(
             [decisions](std::string& out) { decisions->render_metrics(out); });
         return core::Status();
       }},
      {"start playbooks",
       [&]() -> core::Status {
         http::ConfigHolder* config = parts.config.get();
         parts.playbooks = std::make_unique<contain::PlaybookService>(
             *parts.store, *parts.clock, [config] { return config->get(); }, *parts.controls,
             parts.incidents.get());
         return parts.playbooks->start();
       }},
      {"start instances and drills",
       [&]() -> core::Status {
         parts.instances = std::make_unique<contain::InstanceRegistry>(*parts.clock);
         parts.drills = std::make_unique<contain::DrillService>(
             *parts.controls, *parts.instances, *parts.store, *parts.clock);
         return parts.drills->start();
       }},
      {"start reviews",
       [&]() -> core::Status {
         http::ConfigHolder* config = parts.config.get();
         contain::ReviewServiceOptions review_options;
         incident::IncidentService* incidents = parts.incidents.get();
         review_options.on_signals = [incidents] { incidents->notify(); };
         parts.reviews = std::make_unique<contain::ReviewService>(
             *parts.store, *parts.clock, [config] { return config->get(); }, review_options);
         AIIR_RETURN_IF_ERROR(parts.reviews->start());
         contain::ReviewService* reviews = parts.reviews.get();
         parts.metrics.add_collector([reviews](std::string& out) { reviews->render_metrics(out); });
         return core::Status();
       }},
      {"start detection",
       [&]() -> core::Status {
         detect::DetectionOptions detection_options;
         incident::IncidentService* incidents = parts.incidents.get();
         detection_options.on_signals = [incidents] { incidents->notify(); };
         parts.detection = std::make_unique<detect::DetectionService>(
             *parts.store, *parts.clock, parts.config->get()->detector_set, detection_options);
         AIIR_RETURN_IF_ERROR(parts.detection->start());
         parts.hunts = std::make_unique<detect::HuntService>(*parts.store, *parts.clock);
         detect::DetectionService* detection = parts.detection.get();
         parts.metrics.add_collector(
             [detection](std::string& out) { detection->render_metrics(out); });
         return core::Status();
       }},
      {"start span writer and retention",
       [&]() -> core::Status {
         store::SpanWriterOptions writer_options;
         detect::DetectionService* detection = parts.detection.get();
         writer_options.on_commit = [detection](std::vector<store::StoredSpan>&& spans) {
           detection->offer(std::move(spans));
         };
         parts.writer = std::make_unique<store::SpanWriter>(*parts.store, writer_options);
         http::ConfigHolder* holder = parts.config.get();
         parts.ingest = std::make_unique<ingest::IngestService>([holder] { return holder->get(); },
                                                                *parts.writer);
         parts.purger = std::make_unique<store::RetentionPurger>(
             *parts.store, *parts.clock,
             [holder] {
               std::vector<store::RetentionRule> rules;
               for (const auto& w : holder->get()->workflows) {
                 rules.push_back({w.id, w.retention_days});
               }
               // Spans no workflow claimed are kept for the default period.
               rules.push_back({"", model::Workflow{}.retention_days});
               return rules;
             },
             store::RetentionOptions{});
         parts.purger->start();
         ingest::IngestService* ingest = parts.ingest.get();
         store::SpanWriter* writer = parts.writer.get();
         parts.metrics.add_collector([ingest, writer](std::string& out) {
           ingest->render_metrics(out);
           auto stats = writer->stats();
           out += "# HELP aiir_span_writer_queued_bytes Spans waiting for the next group commit.\n"
                  "# TYPE aiir_span_writer_queued_bytes gauge\naiir_span_writer_queued_bytes " +
                  std::to_string(stats.queued_bytes) + "\n";
           out += "# HELP aiir_span_writer_commits_total Group commits.\n"
                  "# TYPE aiir_span_writer_commits_total counter\naiir_span_writer_commits_total " +
                  std::to_string(stats.commits) + "\n";
           out += "# HELP aiir_span_writer_duplicate_spans_total Spans received again (exporter "
                  "retries) and stored once.\n"
                  "# TYPE aiir_span_writer_duplicate_spans_total counter\n"
                  "aiir_span_writer_duplicate_spans_total " +
                  std::to_string(stats.duplicate_spans) + "\n";
         });
         return core::Status();
       }},
      {"build routes",
       [&]() -> core::Status {
         std::vector<model::Role> raw_roles;
         for (const auto& name : parts.config->get()->auth.raw_content_roles) {
           if (auto role = model::parse_role(name)) raw_roles.push_back(*role);
         }
         parts.traces = std::make_unique<investigate::TraceReader>(*parts.store, *parts.clock,
                                                                    std::move(raw_roles));
         parts.services = std::make_unique<http::Services>(http::Services{
             *parts.store, *parts.clock, *parts.keys, parts.metrics, *parts.config,
             *parts.traces, parts.ingest.get(), parts.detection.get(), parts.hunts.get(),
             parts.incidents.get(),
             [] { return http::ReloadOutcome{}; },
             parts.ready});
         parts.services->controls = parts.controls.get();
         parts.services->instances = parts.instances.get();
         parts.services->drills = parts.drills.get();
         parts.services->decisions = parts.decisions.get();
         parts.services->reviews = parts.reviews.get();
         parts.services->playbooks = parts.playbooks.get();
         parts.router = std::make_unique<http::Router>(http::build_routes(*parts.services));
         return core::Status();
       }},
      {"start http",
       [&]() -> core::Status {
         auto c = parts.config->get();
         http::ServerOptions so;
         so.address = c->server.listen_address;
         so.port = c->server.port;
         so.max_body_bytes = c->server.max_body_bytes;
         so.header_timeout = std::chrono::seconds(c->server.header_timeout_seconds);
         so.read_timeout = std::chrono::seconds(c->server.read_timeout_seconds);
         so.idle_timeout = std::chrono::seconds(c->server.idle_timeout_seconds);
         so.threads = c->server.threads > 0
                          ? c->server.threads
                          : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
         parts.server =
             std::make_unique<http::Server>(so, *parts.router, *parts.keys, parts.metrics);
         AIIR_RETURN_IF_ERROR(parts.server->start());
         if (!c->server.port_file.empty()) {
           std::ofstream(c->resolve(c->server.port_file)) << parts.server->port() << "\n";
         }
         spdlog::info("listening on http://{}:{}", so.address, parts.server->port());
         return core::Status();
       }},
  };
  AIIR_RETURN_IF_ERROR(run_steps(steps));

  auto app = std::unique_ptr<ServerApp>(new ServerApp(std::move(p)));
  ServerApp* self = app.get();
  app->parts_->services->reload = [self] { return self->reload(); };
  app->parts_->ready = true;
  spdlog::info("ready: {} workflows in the inventory", app->parts_->config->get()->workflows.size());
  return app;
}

const http::Router& ServerApp::router() const { return *parts_->router; }

int ServerApp::port() const { return parts_->server->port(); }

std::string ServerApp::base_url() const {
  return "http://" + parts_->config->get()->server.listen_address + ":" + std::to_string(port());
}

http::ReloadOutcome ServerApp::reload() {
  http::ReloadOutcome outcome;
  core::Diagnostics diags;
  auto loaded = config::load_config(parts_->options.config_dir, diags);
  if (!loaded) {
    for (const auto& d : diags.items()) outcome.diagnostics.push_back(d.to_string());
    outcome.summary = std::to_string(diags.size()) + " error(s); the running configuration is kept";
    spdlog::error("reload refused: {}", outcome.summary);
    for (const auto& d : outcome.diagnostics) spdlog::error("  {}", d);
    return outcome;
  }
  apply_overrides(*loaded, parts_->options);
  // Listening address, port and store location are fixed for the life of the process.
  auto running = parts_->config->get();
  loaded->server = running->server;
  loaded->store = running->store;
  outcome.applied = true;
  outcome.summary = std::to_string(loaded->workflows.size()) + " workflows, " +
                    std::to_string(loaded->detectors.size()) + " detectors loaded";
  parts_->config->set(std::make_shared<config::Config>(std::move(*loaded)));
  parts_->detection->replace(parts_->config->get()->detector_set);
  parts_->controls->config_changed();
  parts_->decisions->configure(parts_->config->get()->decisions);
  spdlog::info("reload applied: {}", outcome.summary);
  return outcome;
}

void ServerApp::stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  parts_->ready = false;
  spdlog::info("shutting down: finishing in-flight requests (up to {} ms)", grace.count());
  // First, so that long-polling watchers (aiir incidents watch) are answered now rather than
  // holding the grace period; actions still work without the follower thread.
  parts_->incidents->stop();
  // Matches no more incidents; approvals through the API still work until the server stops.
  if (parts_->playbooks) parts_->playbooks->stop();
  // Likewise applications long-polling for a review decision (answered with the item pending).
  if (parts_->reviews) parts_->reviews->stop();
  // Running drills finish now (lifted, stored as interrupted) and answer their callers while the
  // server still writes; open change streams are closed by the server's stop at once.
  if (parts_->drills) parts_->drills->stop();
  parts_->server->stop(grace);
  // Requests that were answered are committed; commit whatever else is queued, then stop.
  parts_->writer->stop();
  parts_->purger->stop();
  parts_->hunts->stop();
  parts_->detection->stop();
  parts_->decisions->stop();  // writes the decisions still queued
  if (auto flushed = parts_->store->flush(); !flushed.ok()) {
    spdlog::error("store flush at shutdown failed: {}", flushed.error().message());
  }
  spdlog::info("stopped");
}

}  // namespace aiir::app
