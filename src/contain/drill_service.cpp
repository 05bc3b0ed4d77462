#include "contain/drill_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <future>

#include "core/crypto.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;

constexpr const char* kDrillReason = "drill: measuring how long controls take to reach every instance";

// Milliseconds with microsecond precision: loopback propagation is well under a millisecond.
double millis(core::UnixNanos d) {
  return std::round(static_cast<double>(std::max<core::UnixNanos>(0, d)) / 1000.0) / 1000.0;
}

}  // namespace

DrillService::DrillService(ControlService& controls, const InstanceRegistry& instances,
                           store::Store& store, const core::Clock& clock, DrillOptions options)
    : controls_(controls), instances_(instances), store_(store), clock_(clock),
      options_(options) {}

DrillService::~DrillService() { stop(); }

core::Status DrillService::start() {
  // A drill control changes no decision, but one left behind by a crash would stay in force
  // (and in every stream event) forever: lift it now.
  for (const auto& control : controls_.list(/*include_lifted=*/false)) {
    if (control.kind != model::ControlKind::kDrill) continue;
    auto lifted = controls_.lift(control.id, 100, "system",
                                 "drill interrupted: the server stopped before it finished");
    if (!lifted.ok()) {
      spdlog::warn("could not lift the leftover drill control {}: {}", control.id,
                   lifted.error().message());
    }
  }
  std::lock_guard lock(mu_);
  if (started_ || stopping_) return {};
  started_ = true;
  thread_ = std::thread([this] { loop(); });
  return {};
}

void DrillService::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Never started: nothing watched these, finish them here.
  std::vector<Running> left;
  {
    std::lock_guard lock(mu_);
    left.swap(running_);
  }
  for (auto& drill : left) finish(std::move(drill), /*interrupted=*/true);
}

core::Status DrillService::begin(const DrillRequest& request, Done done) {
  if (request.timeout < std::chrono::seconds(1) || request.timeout > options_.max_timeout) {
    return core::invalid("the drill timeout is " + std::to_string(request.timeout.count()) +
                         " s; it must be within 1.." +
                         std::to_string(options_.max_timeout.count()) + " seconds");
  }
  std::lock_guard lock(mu_);
  if (!started_ || stopping_) {
    return core::Error(core::Code::kUnavailable,
                       "drills are not running (the server is starting or stopping); retry");
  }
  for (const auto& drill : running_) {
    if (drill.request.workflow == request.workflow) {
      return core::failed_precondition("a drill on workflow '" + request.workflow +
                                       "' is running already (control " + drill.control.id +
                                       "); wait for its result");
    }
  }
  model::Control control;
  control.workflow = request.workflow;
  control.kind = model::ControlKind::kDrill;
  control.reason = kDrillReason;
  // Under mu_, so that two drills on one workflow cannot both pass the check above.
  auto set = controls_.set(std::move(control), request.actor);
  if (!set.ok()) return set.error();
  Running drill;
  drill.request = request;
  drill.control = std::move(*set);
  drill.started_at = drill.control.set_at;
  drill.deadline = drill.started_at +
                   static_cast<core::UnixNanos>(request.timeout.count()) * core::kNanosPerSecond;
  drill.done = std::move(done);
  running_.push_back(std::move(drill));
  wake_.notify_all();
  return {};
}

core::Result<store::Record> DrillService::run(const DrillRequest& request) {
  auto promise = std::make_shared<std::promise<core::Result<store::Record>>>();
  auto future = promise->get_future();
  AIIR_RETURN_IF_ERROR(begin(request, [promise](core::Result<store::Record> result) {
    promise->set_value(std::move(result));
  }));
  return future.get();
}

bool DrillService::check(Running& drill) const {
  for (auto& app : instances_.applications(drill.request.workflow, drill.control.controls_version)) {
    drill.latest[app.instance] = app;
  }
  // No live instance at the first look: nothing to measure (see "no_instances").
  if (drill.latest.empty()) return true;
  for (const auto& [id, app] : drill.latest) {
    if (!app.applied) return false;
  }
  return true;
}

void DrillService::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.poll);
    if (stopping_) break;
    std::vector<Running> finished;
    const core::UnixNanos now = clock_.now();
    for (auto it = running_.begin(); it != running_.end();) {
      if (check(*it) || now >= it->deadline) {
        finished.push_back(std::move(*it));
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
    if (finished.empty()) continue;
    lock.unlock();
    for (auto& drill : finished) finish(std::move(drill), /*interrupted=*/false);
    lock.lock();
  }
  std::vector<Running> left;
  left.swap(running_);
  lock.unlock();
  for (auto& drill : left) {
    check(drill);
    finish(std::move(drill), /*interrupted=*/true);
  }
}

void DrillService::finish(Running drill, bool interrupted) {
  const core::UnixNanos finished_at = clock_.now();
  json::array instances;
  json::array timed_out;
  json::value slowest = nullptr;
  double slowest_ms = -1;
  for (const auto& [id, app] : drill.latest) {
    json::object item;
    item["instance"] = id;
    // Applied after the deadline counts as not in time, even if noticed in the same check.
    bool in_time = app.applied && app.at <= drill.deadline;
    item["applied"] = in_time;
    if (in_time) {
      double ms = millis(app.at - drill.started_at);
      item["applied_at"] = core::format_rfc3339_nanos(app.at);
      item["time_to_apply_ms"] = ms;
      if (ms > slowest_ms) {
        slowest_ms = ms;
        slowest = json::object{{"instance", id}, {"time_to_apply_ms", ms}};
      }
    } else {
      timed_out.emplace_back(id);
    }
    instances.emplace_back(std::move(item));
  }
  std::string state = drill.latest.empty() ? "no_instances"
                      : timed_out.empty()  ? "passed"
                                           : "failed";

  json::object body;
  body["workflow"] = drill.request.workflow;
  body["started_at"] = core::format_rfc3339_nanos(drill.started_at);
  body["finished_at"] = core::format_rfc3339_nanos(finished_at);
  body["duration_ms"] = millis(finished_at - drill.started_at);
  body["timeout_seconds"] = drill.request.timeout.count();
  body["control"] = drill.control.id;
  body["controls_version"] = drill.control.controls_version;
  body["set_by"] = drill.request.actor;
  body["instances"] = std::move(instances);
  body["slowest"] = std::move(slowest);
  body["timed_out"] = std::move(timed_out);
  body["interrupted"] = interrupted;

  auto lifted = controls_.lift(drill.control.id, 100, drill.request.actor,
                               "drill finished: " + state);
  if (!lifted.ok()) {
    spdlog::error("drill on {}: lifting control {} failed: {}", drill.request.workflow,
                  drill.control.id, lifted.error().message());
    body["lift_error"] = lifted.error().message() + "; lift control " + drill.control.id +
                         " by hand";
  }

  store::RecordChange change;
  change.record.kind = kDrillRecordKind;
  change.record.id = "drill-" + core::random_hex(6);
  change.record.workflow = drill.request.workflow;
  change.record.state = state;
  change.record.time = drill.started_at;
  change.record.body = std::move(body);
  change.action = "run";
  change.actor = drill.request.actor;
  change.reason = kDrillReason;
  change.at = finished_at;
  change.detail = json::object{{"state", state}, {"control", drill.control.id}};
  auto saved = store_.save_record(change);
  if (!saved.ok()) {
    spdlog::error("drill on {}: storing the result failed: {}", drill.request.workflow,
                  saved.error().message());
  } else {
    spdlog::info("drill on {} {}: {} instance(s)", drill.request.workflow, state,
                 drill.latest.size());
  }
  if (drill.done) drill.done(std::move(saved));
}

json::object drill_to_json(const store::Record& record) {
  json::object out;
  out["id"] = record.id;
  out["workflow"] = record.workflow;
  out["state"] = record.state;
  for (const auto& [key, value] : record.body) {
    if (key != "workflow") out[key] = value;
  }
  return out;
}

}  // namespace aiir::contain
