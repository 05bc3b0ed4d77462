#pragma once
// Runs the playbooks (contain/playbook.h) at run time.
//
// One thread follows every incident's timeline (from its end at start). When an incident opens,
// recurs, or its severity or classification changes, the playbooks are matched against it and
// its workflow in the current configuration. Each playbook that matches runs once per incident:
//  - a playbook_matched timeline event, and the playbook's classification (IncidentService);
//  - each automatic action set as a control through ControlService (set_by "playbook <id>", the
//    incident's number on it), within a second of the incident opening;
//  - each action that needs approval stored as an approval record (kind "approval", state
//    pending) with an approval_requested event, until someone allowed approves or refuses it.
// A run is remembered in a record (kind "playbook_run", id "INC-7/<playbook>"), written before
// its first action and completed after the last, so a restart neither repeats a finished run nor
// loses an interrupted one: at start, and for a run found unfinished, what is missing is applied
// (an automatic action counts as applied when the incident has a control the playbook set with
// the same kind and target, lifted or not).
//
// Thread-safe: runs, approvals and refusals are serialized by one mutex.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "contain/approval.h"
#include "contain/authority.h"
#include "contain/control_service.h"
#include "contain/playbook.h"
#include "core/clock.h"
#include "core/result.h"
#include "incident/incident_service.h"
#include "store/store.h"

namespace aiir::contain {

// The record of one playbook's run on one incident (approvals: contain/approval.h).
inline constexpr const char* kPlaybookRunRecord = "playbook_run";

// One task of an incident's checklist, with where it comes from.
struct ChecklistItem {
  model::IncidentRole role = model::IncidentRole::kIncidentLead;
  std::string who;  // the incident's holder of the role; "" when nobody holds it
  std::string task;
  std::string playbook;
};

struct PlaybookServiceOptions {
  // How often the timeline is read when nothing woke the service (events the incident component
  // saves wake it at once).
  core::UnixNanos poll = 200 * core::kNanosPerMilli;
  // Open incidents matched again at start, so that one opened while the server was down, or a
  // run a crash interrupted, is not missed. Newest first.
  int catch_up_incidents = 200;
};

struct PlaybookServiceStats {
  std::int64_t cursor = 0;  // last timeline event read
  std::uint64_t runs = 0;   // playbooks applied to an incident
  std::uint64_t controls_set = 0;
  std::uint64_t approvals_requested = 0;
  std::uint64_t failures = 0;  // actions that could not be applied, store errors
};

class PlaybookService {
 public:
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

  // `incidents` may be null (no waking, no classification); `controls` must outlive this.
  PlaybookService(store::Store& store, const core::Clock& clock, ConfigSource config,
                  ControlService& controls, incident::IncidentService* incidents,
                  PlaybookServiceOptions options = {});
  ~PlaybookService();  // stop()
  PlaybookService(const PlaybookService&) = delete;
  PlaybookService& operator=(const PlaybookService&) = delete;

  // Starts following the timeline at its current end; the thread first matches open incidents
  // again (options.catch_up_incidents).
  core::Status start();
  void stop();

  // Matches the playbooks against incident `number` now and runs those that match and have not
  // run on it yet. What the thread does for each relevant event.
  core::Status evaluate(std::int64_t number);

  // The incident's approvals, oldest first. kNotFound for no such incident.
  core::Result<std::vector<Approval>> approvals(std::int64_t incident);
  // Approves a pending approval of `incident`: the actor must be one of its approvers (or, for
  // one that names none, allowed by the authority rules) — else kPermissionDenied naming who may.
  // Then sets its control (set_by the actor) and records approval_granted. kNotFound for an
  // unknown approval; kFailedPrecondition for one decided already (naming by whom). When the
  // control cannot be set, the approval is recorded as failed and the error returned.
  core::Result<Approval> approve(std::int64_t incident, const std::string& approval,
                                 const Actor& actor, const std::string& reason);
  // Refuses it: reason required (kInvalidArgument); records approval_refused. Refusing needs the
  // same authority as approving: saying no to a containment action is that decision too.
  core::Result<Approval> refuse(std::int64_t incident, const std::string& approval,
                                const Actor& actor, const std::string& reason);
  // The tasks of every playbook that ran on the incident, in role order, with each role's holder.
  core::Result<std::vector<ChecklistItem>> checklists(std::int64_t incident);

  PlaybookServiceStats stats() const;

 private:
  void run();
  bool step();  // false when there was nothing to read
  void catch_up();
  void wait_for_events();
  core::Status run_playbook(const Playbook& playbook, const model::Incident& incident,
                            const model::Workflow* workflow);  // mu_ held
  core::Result<Approval> decide(std::int64_t incident, const std::string& approval,
                                const Actor& actor, const std::string& reason, bool approve);

  store::Store& store_;
  const core::Clock& clock_;
  ConfigSource config_;
  ControlService& controls_;
  incident::IncidentService* incidents_;
  PlaybookServiceOptions options_;

  std::mutex mu_;  // serializes runs and decisions
  // Shared with when_events_after callbacks, which may outlive this object.
  struct Wake;
  std::shared_ptr<Wake> wake_;
  std::thread thread_;
  mutable std::mutex stats_mu_;
  PlaybookServiceStats stats_;  // GUARDED_BY(stats_mu_)
};

}  // namespace aiir::contain
