#pragma once
// Retro-hunts: one detector run over stored spans of a time range, to find what happened before
// the detector existed or before it fired. Each hunt runs on its own thread with its own engine
// (windows start empty at `from`), page by page through each workflow in the detector's scope in
// time order, and stores what it finds as signals of source `hunt` tagged with the hunt's id —
// kept apart from live signals so that old findings never page anyone by themselves.
//
// Progress (spans scanned of the total in range) is readable while it runs. Hunts are kept in
// memory; their signals are in the store.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "detect/detector.h"
#include "model/workflow.h"
#include "store/store.h"

namespace aiir::detect {

struct HuntRequest {
  std::string detector;
  core::UnixNanos from = 0;
  core::UnixNanos to = 0;
  std::vector<std::string> workflows;  // narrows the detector's scope; empty = all of it
  std::string requested_by;            // key id
};

enum class HuntState { kRunning, kDone, kFailed, kCancelled };
std::string_view to_string(HuntState state);

struct HuntStatus {
  std::string id;  // "hunt-<n>"
  HuntRequest request;
  HuntState state = HuntState::kRunning;
  std::int64_t total_spans = 0;    // in range, over the workflows hunted
  std::int64_t scanned_spans = 0;  // read so far (including those the store's pre-filter skipped)
  std::int64_t judged_spans = 0;   // offered to the detector
  std::int64_t signals = 0;
  core::UnixNanos started_at = 0;
  core::UnixNanos finished_at = 0;
  std::string error;
};

boost::json::object to_json(const HuntStatus& status);

class HuntService {
 public:
  HuntService(store::Store& store, const core::Clock& clock, int max_running = 2);
  ~HuntService();  // cancels running hunts and waits for them
  HuntService(const HuntService&) = delete;
  HuntService& operator=(const HuntService&) = delete;

  // Starts a hunt of `detector`. kInvalidArgument for a bad range or a workflow outside the
  // detector's scope; kResourceExhausted when `max_running` hunts are running.
  core::Result<HuntStatus> start(HuntRequest request, const Detector& detector,
                                 const std::vector<model::Workflow>& workflows);
  std::optional<HuntStatus> get(const std::string& id) const;
  std::vector<HuntStatus> list() const;  // newest first
  // Runs a hunt on the calling thread (the CLI's offline mode and tests).
  HuntStatus run_now(HuntRequest request, const Detector& detector,
                     const std::vector<model::Workflow>& workflows);
  void stop();

 private:
  struct Job;
  void run(Job& job, const Detector& detector, std::vector<model::Workflow> workflows);

  store::Store& store_;
  const core::Clock& clock_;
  int max_running_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;                   // GUARDED_BY(mu_)
  std::int64_t next_id_ = 1;                           // GUARDED_BY(mu_)
  std::atomic<bool> stopping_{false};
};

}  // namespace aiir::detect
