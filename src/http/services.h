#pragma once
// What the REST handlers call. Handlers hold no business logic: they parse, call one of these,
// and render. Built by app/ (which owns every object referenced here).

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "contain/control_service.h"
#include "contain/drill_service.h"
#include "contain/instance_registry.h"
#include "contain/decision_recorder.h"
#include "contain/playbook_service.h"
#include "contain/review_service.h"
#include "core/clock.h"
#include "core/result.h"
#include "detect/detection_service.h"
#include "detect/hunt.h"
#include "http/key_service.h"
#include "http/metrics.h"
#include "incident/incident_service.h"
#include "ingest/ingest_service.h"
#include "investigate/trace_reader.h"
#include "store/store.h"

namespace aiir::http {

// The running configuration, swapped atomically on reload. Readers take a snapshot.
class ConfigHolder {
 public:
  explicit ConfigHolder(std::shared_ptr<const config::Config> initial)
      : current_(std::move(initial)) {}
  std::shared_ptr<const config::Config> get() const { return current_.load(); }
  void set(std::shared_ptr<const config::Config> next) { current_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const config::Config>> current_;
};

struct ReloadOutcome {
  bool applied = false;
  std::string summary;                   // "3 workflows" or why it was refused
  std::vector<std::string> diagnostics;  // file:line:column: message
};

struct Services {
  store::Store& store;
  const core::Clock& clock;
  KeyService& keys;
  Metrics& metrics;
  ConfigHolder& config;
  investigate::TraceReader& traces;
  // OTLP ingest; null only in tests that build routes without a writer.
  ingest::IngestService* ingest;
  // Live detection and retro-hunts; null in tests that build routes without them.
  detect::DetectionService* detection;
  detect::HuntService* hunts;
  // Incidents: the one place that changes them; null in tests that build routes without it.
  incident::IncidentService* incidents;
  // Re-reads the config directory; keeps the running config when the new one is invalid.
  std::function<ReloadOutcome()> reload;
  // False until start-up has finished and while shutting down.
  const std::atomic<bool>& ready;

  // Containment, set by app/ after construction (each may be null in tests that build routes
  // without it; its routes then answer 503).
  contain::ControlService* controls = nullptr;
  contain::InstanceRegistry* instances = nullptr;  // what each app instance has applied
  contain::DrillService* drills = nullptr;         // aiir drill: time a control's propagation
  contain::DecisionRecorder* decisions = nullptr;  // keeps decide's answers as evidence
  contain::ReviewService* reviews = nullptr;       // the human review queue
  contain::PlaybookService* playbooks = nullptr;   // approvals and checklists of playbooks
};

}  // namespace aiir::http
