#pragma once
// The incident component at run time: it turns stored signals into incidents and is the one place
// that changes an incident, whether for a signal or for a responder.
//
// One thread follows the signals table by sequence number (cursor "incidents"). For each signal
// it asks grouping::decide what the signal does (attach, open, reopen, open linked), computes the
// severity with the configured policy (escalation only), names the roles of a new incident from
// its workflow and escalation policy, and saves every incident change of a batch, the signals'
// membership, the timeline events with their audit entries and the cursor in one transaction. A
// signal is applied exactly once, also across crashes.
//
// Responders act through the methods below. Every change — the follower's and a responder's —
// is read, decided and saved under one lock, so two changes to one incident never interleave.
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "incident/grouping.h"
#include "incident/response_metrics.h"
#include "model/incident.h"
#include "store/store.h"

namespace aiir::incident {

struct IncidentServiceOptions {
  // Signals read and applied per transaction.
  int batch_signals = 2048;
  // How often the store is looked at for signals nobody announced (notify), e.g. signals that
  // another process stored.
  core::UnixNanos poll = 200 * core::kNanosPerMilli;
  // Timeline detail lists at most this many signal ids per event; the count is always exact.
  std::size_t max_ids_per_event = 50;
  // Blast counters (distinct users, accounts, records per incident) kept in memory; beyond this
  // the least recently used is dropped and rebuilt from the store when needed again.
  std::size_t max_counters = 4096;
  // Fingerprints whose newest incidents are kept in memory; beyond, the memory is cleared and
  // refilled from the store as signals arrive.
  std::size_t max_fingerprints_cached = 20'000;
};

// Who does something, for the timeline and the audit log.
struct Actor {
  std::string id;    // API key id, or "system"
  std::string name;  // the key's name, for people reading the timeline
  std::string label() const;  // "name (id)", or "system"
};

// What a merge or split names.
struct SplitRequest {
  // Either: signals (by sequence number) to move out into a new incident...
  std::vector<std::int64_t> signals;
  // ...or an incident merged into this one earlier, to take out again.
  std::int64_t merged = 0;
  std::string title;  // for the new incident; default: the first moved signal's summary
};

struct IncidentServiceStats {
  std::int64_t cursor = 0;  // last signal applied
  std::uint64_t signals_applied = 0;
  std::uint64_t incidents_opened = 0;
  std::uint64_t incidents_reopened = 0;
  std::uint64_t escalations = 0;  // automatic severity raises
  std::uint64_t store_errors = 0;
};

class IncidentService {
 public:
  static constexpr const char* kCursor = "incidents";
  using ConfigSource = std::function<std::shared_ptr<const config::Config>()>;

  IncidentService(store::Store& store, const core::Clock& clock, ConfigSource config,
                  IncidentServiceOptions options = {});
  ~IncidentService();  // stop()
  IncidentService(const IncidentService&) = delete;
  IncidentService& operator=(const IncidentService&) = delete;

  // Reads the cursor (a store that never ran this starts after its newest signal: older signals
  // are history, not news) and starts the thread.
  core::Status start();
  void stop();
  // New signals were stored. Cheap; callable from any thread.
  void notify();
  // Blocks until every signal stored up to `signal_seq` has been applied, or `timeout` passed.
  bool wait_for(std::int64_t signal_seq, core::UnixNanos timeout);
  // Calls `ready` once (on the service's thread or the caller's) when a timeline event after
  // `after_seq` exists or at `deadline`, whichever is first. For long-polling watchers.
  void when_events_after(std::int64_t after_seq, core::UnixNanos deadline,
                         std::function<void()> ready);

  // --- responder actions --------------------------------------------------------------------
  // Each returns the incident as saved with the events the action made. Errors: kNotFound for
  // no such incident; kFailedPrecondition (the API's 409) for a transition the lifecycle does
  // not allow, naming the allowed ones, or an action on a closed or merged incident;
  // kInvalidArgument for a missing reason where one is required.
  core::Result<store::IncidentChange> transition(std::int64_t number, model::IncidentState to,
                                                 const Actor& actor, const std::string& reason);
  // Reason required. Either direction; automatic escalation continues from the new level.
  core::Result<store::IncidentChange> set_severity(std::int64_t number, model::Severity severity,
                                                   const Actor& actor, const std::string& reason);
  // Reason required.
  core::Result<store::IncidentChange> classify(std::int64_t number,
                                               model::Classification classification,
                                               const Actor& actor, const std::string& reason);
  // `who` must not be empty: a role is reassigned, never emptied (one named lead at all times).
  core::Result<store::IncidentChange> assign(std::int64_t number, model::IncidentRole role,
                                             const std::string& who, const Actor& actor,
                                             const std::string& reason);
  core::Result<store::IncidentChange> add_note(std::int64_t number, const std::string& text,
                                               const Actor& actor);
  // Merges `sources` into `target`: their signals count for the target from now on (and new
  // signals of their fingerprints attach to it), the target's blast radius is counted again over
  // all signals, its severity escalates to the highest, first/last seen widen. Each source keeps
  // its own timeline and signals and can be split out again. Returns the target's change.
  core::Result<store::IncidentChange> merge(std::int64_t target,
                                            const std::vector<std::int64_t>& sources,
                                            const Actor& actor, const std::string& reason);
  // Takes signals, or a merged incident, out of `number`. Moved signals open a new incident
  // (linked to this one); a merged incident becomes independent again. Both are counted again.
  // Returns the change of the incident that came out (new or formerly merged).
  core::Result<store::IncidentChange> split(std::int64_t number, const SplitRequest& request,
                                            const Actor& actor, const std::string& reason);

  // --- reading ------------------------------------------------------------------------------
  // Response metrics of incidents opened at or after `since`, by workflow and severity.
  core::Result<std::vector<ResponseSummary>> response_summary(core::UnixNanos since);
  IncidentServiceStats stats() const;
  // Prometheus families: follower progress, incidents by state/severity/classification, and
  // histograms of the four response times by workflow and severity.
  void render_metrics(std::string& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiir::incident
