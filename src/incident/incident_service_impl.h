#pragma once
// IncidentService's private parts, shared by its two source files: incident_service.cpp (the
// follower of signals and what both share) and incident_actions.cpp (responder actions, reading
// and metrics). Not for other components.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "incident/grouping.h"
#include "incident/incident_service.h"
#include "incident/response_metrics.h"
#include "incident/severity_policy.h"

namespace aiir::incident {

// What the service keeps per incident in memory: its distinct subjects, and an irreversible tool
// any of its signals involved (both feed the severity policy).
struct Counted {
  BlastCounter subjects;
  std::string irreversible_tool;
  std::uint64_t used = 0;  // for least-recently-used eviction
};

// One incident being changed within a batch or an action.
struct Pending {
  model::Incident incident;
  model::Incident before;  // as stored before this change; empty for a new incident
  std::vector<model::TimelineEvent> events;
  std::vector<std::int64_t> signals;  // attached in this change
  std::vector<std::string> attached_ids;
  std::string attach_summary;  // attach()'s line for the latest signal
  bool is_new = false;
};

struct IncidentService::Impl {
  Impl(store::Store& s, const core::Clock& c, ConfigSource cfg, IncidentServiceOptions o)
      : store(s), clock(c), config(std::move(cfg)), options(o) {}

  store::Store& store;
  const core::Clock& clock;
  ConfigSource config;
  IncidentServiceOptions options;
  ResponseHistograms histograms;

  // Serializes every change to incidents: read, decide, save.
  std::mutex change_mu;
  std::map<std::int64_t, Counted> counters;  // GUARDED_BY(change_mu), by incident number
  std::uint64_t use_clock = 0;               // GUARDED_BY(change_mu)
  std::int64_t cursor = 0;                   // GUARDED_BY(change_mu)
  // The newest incidents of each fingerprint as stored (newest first, at most
  // kNewestPerFingerprint), so that grouping a signal reads no store. Every incident change
  // passes this service and updates it (remember); merge and split, which change what stands for
  // what, clear it. GUARDED_BY(change_mu)
  static constexpr int kNewestPerFingerprint = 8;  // decide needs the newest active and inactive
  std::unordered_map<std::string, std::vector<model::Incident>> by_fingerprint;

  mutable std::mutex mu;
  std::condition_variable wake;
  std::condition_variable progressed;
  bool pending_signals = false;  // GUARDED_BY(mu)
  bool stopping = false;         // GUARDED_BY(mu)
  IncidentServiceStats stats;    // GUARDED_BY(mu)
  struct Waiter {
    core::UnixNanos deadline;
    std::function<void()> ready;
  };
  std::vector<Waiter> waiters;                 // GUARDED_BY(mu)
  std::vector<std::function<void()>> to_call;  // GUARDED_BY(mu): waiters whose time came
  std::thread thread;

  // --- the follower -------------------------------------------------------------------------
  void run();
  bool step();
  void release_waiters(bool all_now);

  // --- shared by the follower and the actions (change_mu held) ------------------------------
  Counted& counted(const model::Incident& incident, const config::Config& cfg);
  void count_again(model::Incident& incident, const config::Config& cfg, Counted& into,
                   const std::set<std::int64_t>& leave_out);
  void note_tool(Counted& c, const model::Signal& signal, const config::Config& cfg);
  SeverityDecision compute(const model::Incident& incident, const Counted& c,
                           const config::Config& cfg) const;
  void auto_severity(Pending& p, const Counted& c, const config::Config& cfg,
                     core::UnixNanos now);
  core::Result<model::Incident> load(std::int64_t number);
  core::Result<const std::vector<model::Incident>*> newest_of(const std::string& fingerprint);
  void remember(const model::Incident& incident);
  // An incident a responder may change: it exists, is not merged into another (unless
  // `merged_ok`), and is not closed (unless `closed_ok`).
  core::Result<Pending> begin(std::int64_t number, bool closed_ok, bool merged_ok = false);
  core::Result<std::vector<store::IncidentChange>> save(std::vector<Pending>& changes,
                                                        const std::string& cursor_name,
                                                        std::int64_t position);
  void evict_counters();
};


// A timeline event with the given facts.
model::TimelineEvent make_event(model::TimelineKind kind, core::UnixNanos time, std::string actor,
                                std::string summary, std::string reason = {},
                                boost::json::object detail = {});

}  // namespace aiir::incident
