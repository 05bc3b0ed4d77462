#pragma once
// The whole configuration of a server: aiir.yaml plus the workflows/ and detectors/ folders and
// the incident settings (severity.yaml, escalation.yaml) beside it.
//
// Each field states its meaning, default and trade-off; `aiir validate` and docs/configuration.md
// are written from these. Loading collects every error with its location and keeps going.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "contain/authority.h"
#include "contain/playbook.h"
#include "core/diagnostics.h"
#include "core/log.h"
#include "detect/detector.h"
#include "incident/roles.h"
#include "incident/severity_policy.h"
#include "model/workflow.h"

namespace aiir::detect {
class DetectorSet;
}  // namespace aiir::detect

namespace aiir::config {

struct ServerConfig {
  // Address to listen on. Loopback by default: exposing aiir beyond the host is a decision to make
  // explicitly (and put TLS in front of it).
  std::string listen_address = "127.0.0.1";
  // 0 picks a free port (tests, demo); the chosen port is logged and written to `port_file`.
  int port = 8080;
  // If set, the bound port is written here once listening (lets scripts find an ephemeral port).
  std::string port_file;
  // Largest request body accepted (after decompression for gzip). Bigger bodies get 413.
  // OTLP exporters batch to a few MB; 16 MiB leaves room without letting one client exhaust memory.
  std::int64_t max_body_bytes = 16 * 1024 * 1024;
  // A client must finish sending its request headers within this many seconds (slowloris guard).
  int header_timeout_seconds = 10;
  // And the whole request (headers and body) within this many seconds.
  int read_timeout_seconds = 30;
  // An idle keep-alive connection is closed after this many seconds.
  int idle_timeout_seconds = 60;
  // I/O threads. 0 = one per core. More threads than cores only adds contention.
  int threads = 0;
};

enum class StoreBackend { kSqlite };

struct StoreConfig {
  StoreBackend backend = StoreBackend::kSqlite;
  // SQLite file; relative paths are relative to the directory aiir.yaml is in.
  std::string path = "data/aiir.db";
};

struct LogConfig {
  core::LogFormat format = core::LogFormat::kText;
  std::string level = "info";
};

struct AuthConfig {
  // Where the first admin key is written on first start with an empty store (mode 0600).
  // Relative to the directory aiir.yaml is in.
  std::string admin_key_file = "data/admin.key";
  // Roles allowed to read raw (unredacted) AI content. Every raw read writes an audit entry.
  std::vector<std::string> raw_content_roles = {"legal", "admin"};
};

// Which answers of POST /v1/decide are kept as evidence (docs/containment.md): `decisions:` in
// aiir.yaml. Recording happens off the answer's path, in batches.
struct DecisionConfig {
  enum class Record { kAll, kSampled, kNone };
  // all: every decision; sampled: every deny, review and degrade, and `sample_rate` of the
  // allows (the allows are the bulk, and what was stopped is the evidence that matters);
  // none: nothing (the answer still carries the controls that decided).
  Record record = Record::kSampled;
  double sample_rate = 0.01;
};

// The human review queue (docs/reviews.md): `reviews:` in aiir.yaml.
struct ReviewConfig {
  // A held output is due this many minutes after submission; an overdue one is escalated (marked,
  // listed first, and raised as a review-sla signal). Shorter catches a stalled queue sooner but
  // pages people for ordinary backlogs; the application's user waits meanwhile.
  int sla_minutes = 30;
  // Per-workflow SLAs (`workflows: {support-refunds: {sla_minutes: 10}}`); each key must be a
  // workflow of the inventory.
  std::map<std::string, int> workflow_sla_minutes;
  // Largest output text a submission may hold, in bytes; the arguments and the application's
  // evidence may each be as large again. Bigger submissions get 413.
  std::int64_t max_output_bytes = 256 * 1024;

  // The SLA of `workflow`, in minutes.
  int sla_for(const std::string& workflow) const {
    auto it = workflow_sla_minutes.find(workflow);
    return it != workflow_sla_minutes.end() ? it->second : sla_minutes;
  }
};

struct Config {
  std::string directory;  // the folder aiir.yaml was read from (absolute)
  ServerConfig server;
  StoreConfig store;
  LogConfig log;
  AuthConfig auth;
  ReviewConfig reviews;
  DecisionConfig decisions;
  std::vector<model::Workflow> workflows;  // sorted by id
  // Detectors from detectors/*.yaml (docs/detectors.md), disabled ones included; sorted by id.
  std::vector<detect::Detector> detectors;
  // `detectors` compiled for evaluation, once, at load (the server and reload use it as is).
  std::shared_ptr<const detect::DetectorSet> detector_set;
  // How bad an incident is (docs/severity.md): severity.yaml when the folder has one, which then
  // replaces the shipped default entirely; otherwise incident::default_severity_policy().
  incident::SeverityPolicy severity_policy = incident::default_severity_policy();
  // Who answers for an incident, from escalation.yaml (docs/configuration.md); sorted by name.
  // Empty without the file: incidents are then led by the workflows' owners. While the file is
  // absent, workflows' `escalation_policy:` references are not checked (a fresh setup has none
  // yet); once it exists, each reference must name a policy in it.
  std::vector<incident::EscalationPolicy> escalation_policies;
  // What to do when an incident of a kind opens, from playbooks/*.yaml (docs/playbooks.md);
  // sorted by id. Empty without the folder.
  std::vector<contain::Playbook> playbooks;
  // Who may take which containment action on which workflows, from authority.yaml
  // (docs/playbooks.md). Without the file no rule applies: any key whose role may call a
  // containment route may act on every workflow.
  contain::AuthorityRules authority;

  const model::Workflow* find_workflow(std::string_view id) const;
  const detect::Detector* find_detector(std::string_view id) const;
  // The policy named `name`, or null (also for "").
  const incident::EscalationPolicy* find_escalation_policy(std::string_view name) const;
  // The workflow whose service_names contain `service_name`, if any.
  const model::Workflow* workflow_for_service(std::string_view service_name) const;
  // A path from the config, made absolute against `directory`.
  std::string resolve(const std::string& path) const;
};

// Loads `directory`/aiir.yaml (optional: defaults apply when absent), every
// `directory`/workflows/*.yaml and *.yml, every `directory`/detectors/*.yaml and *.yml (both
// folders optional), `directory`/severity.yaml and escalation.yaml (both optional), every
// `directory`/playbooks/*.yaml and *.yml and `directory`/authority.yaml (optional). Returns
// nullopt when any error was recorded.
std::optional<Config> load_config(const std::string& directory, core::Diagnostics& diags);

}  // namespace aiir::config
