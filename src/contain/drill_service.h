#pragma once
// Drills (aiir drill WORKFLOW): rehearse stopping a workflow and measure how long a control takes
// to reach every live instance of it.
//
// A drill sets a control of kind `drill` on the workflow (it changes no decision), waits until
// every live instance serving the workflow (InstanceRegistry::applications) has reported the
// drill control's version applied, or until the timeout, lifts the control, and stores the
// result as a store::Record of kind "drill":
//   id     "drill-" + 12 hex digits
//   state  "passed" (every instance applied it in time), "failed" (some did not), or
//          "no_instances" (no live instance serves the workflow: nothing could be measured)
//   body   (stable; the readiness scorecard reads it — see docs/control-stream.md)
//     workflow, started_at, finished_at (RFC 3339), timeout_seconds, control (its id),
//     controls_version, set_by, duration_ms,
//     instances: [{instance, applied, applied_at?, time_to_apply_ms?}] sorted by instance,
//     slowest: {instance, time_to_apply_ms} or null, timed_out: [instance ids],
//     interrupted (true when the server stopped during the drill), lift_error (when lifting
//     failed; the control then stays until lifted by hand).
//
// Waiting happens on the service's one thread, which watches every running drill: no drill
// blocks the thread that started it, and many drills cost no more threads. Thread-safe.

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "contain/control_service.h"
#include "contain/instance_registry.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace aiir::contain {

inline constexpr const char* kDrillRecordKind = "drill";

struct DrillOptions {
  // How often running drills are checked. A drill's times come from the reports' own
  // timestamps, so this only bounds how late a drill notices it is done, not what it measures.
  std::chrono::milliseconds poll{10};
  // Longest timeout a caller may ask for.
  std::chrono::seconds max_timeout{600};
};

struct DrillRequest {
  std::string workflow;
  std::chrono::seconds timeout{30};
  std::string actor;  // who runs it: set_by of the drill control, actor of the audit entries
};

class DrillService {
 public:
  DrillService(ControlService& controls, const InstanceRegistry& instances, store::Store& store,
               const core::Clock& clock, DrillOptions options = {});
  ~DrillService();
  DrillService(const DrillService&) = delete;
  DrillService& operator=(const DrillService&) = delete;

  // Lifts drill controls left in force by a process that stopped mid-drill, then starts the
  // watching thread.
  core::Status start();
  // Finishes every running drill now (lifted, stored with interrupted: true, its callback
  // called), then stops the thread. Idempotent; run() and begin() fail with kUnavailable after.
  void stop();

  using Done = std::function<void(core::Result<store::Record>)>;
  // Sets the drill control and returns at once; `done` is called once, on the service's thread,
  // with the stored result (or the error that prevented storing it). Errors known at once are
  // returned instead and `done` is not called: kInvalidArgument for a timeout outside
  // 1 s..max_timeout, kFailedPrecondition when a drill on the workflow is running already,
  // ControlService::set's errors (kNotFound for a workflow not in the inventory).
  core::Status begin(const DrillRequest& request, Done done);
  // begin() and wait for the result.
  core::Result<store::Record> run(const DrillRequest& request);

 private:
  struct Running {
    DrillRequest request;
    model::Control control;  // as set
    core::UnixNanos started_at = 0;
    core::UnixNanos deadline = 0;
    // Every instance that was live at some check during the drill, with what it last showed
    // (an instance that went away keeps its last state and times out unless it had applied).
    std::map<std::string, InstanceRegistry::Application> latest;
    Done done;
  };

  void loop();
  // Whether `drill` is complete (every instance seen has applied it); refreshes drill.latest.
  bool check(Running& drill) const;
  // Lifts the control, stores the result and calls done. Not under mu_.
  void finish(Running drill, bool interrupted);

  ControlService& controls_;
  const InstanceRegistry& instances_;
  store::Store& store_;
  const core::Clock& clock_;
  const DrillOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Running> running_;  // GUARDED_BY(mu_)
  bool stopping_ = false;         // GUARDED_BY(mu_)
  bool started_ = false;          // GUARDED_BY(mu_)
  std::thread thread_;
};

// A drill record in the API's JSON form: id, workflow, state, then the body's members.
boost::json::object drill_to_json(const store::Record& record);

}  // namespace aiir::contain
