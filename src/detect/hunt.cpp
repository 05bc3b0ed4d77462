#include "detect/hunt.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/crypto.h"
#include "detect/engine.h"

namespace aiir::detect {
namespace {

constexpr int kPageSpans = 4096;
constexpr std::size_t kSignalsPerCommit = 512;

}  // namespace

std::string_view to_string(HuntState state) {
  switch (state) {
    case HuntState::kRunning: return "running";
    case HuntState::kDone: return "done";
    case HuntState::kFailed: return "failed";
    case HuntState::kCancelled: return "cancelled";
  }
  return "unknown";
}

boost::json::object to_json(const HuntStatus& s) {
  boost::json::array workflows;
  for (const auto& w : s.request.workflows) workflows.emplace_back(w);
  boost::json::object o{
      {"id", s.id},
      {"detector", s.request.detector},
      {"from", core::format_rfc3339(s.request.from)},
      {"to", core::format_rfc3339(s.request.to)},
      {"workflows", std::move(workflows)},
      {"state", to_string(s.state)},
      {"total_spans", s.total_spans},
      {"scanned_spans", s.scanned_spans},
      {"judged_spans", s.judged_spans},
      {"signals", s.signals},
      {"started_at", core::format_rfc3339(s.started_at)},
  };
  const double progress =
      s.state == HuntState::kDone
          ? 1.0
          : (s.total_spans > 0 ? std::min(1.0, static_cast<double>(s.scanned_spans) /
                                                   static_cast<double>(s.total_spans))
                               : 0.0);
  o["progress"] = progress;
  if (s.finished_at != 0) {
    o["finished_at"] = core::format_rfc3339(s.finished_at);
    const double seconds = static_cast<double>(s.finished_at - s.started_at) / 1e9;
    if (seconds > 0) o["spans_per_second"] = static_cast<double>(s.total_spans) / seconds;
  }
  if (!s.request.requested_by.empty()) o["requested_by"] = s.request.requested_by;
  if (!s.error.empty()) o["error"] = s.error;
  return o;
}

struct HuntService::Job {
  mutable std::mutex mu;
  HuntStatus status;  // GUARDED_BY(mu)
  std::atomic<bool> cancel{false};

  HuntStatus snapshot() const {
    std::lock_guard lock(mu);
    return status;
  }
};

HuntService::HuntService(store::Store& store, const core::Clock& clock, int max_running)
    : store_(store), clock_(clock), max_running_(max_running) {}

HuntService::~HuntService() { stop(); }

void HuntService::stop() {
  stopping_ = true;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, job] : jobs_) job->cancel = true;
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

core::Result<HuntStatus> HuntService::start(HuntRequest request, const Detector& detector,
                                            const std::vector<model::Workflow>& workflows) {
  if (request.to <= request.from) {
    return core::invalid("the hunt's `to` must be after its `from`");
  }
  if (stopping_) return core::Error(core::Code::kUnavailable, "the server is shutting down");
  auto job = std::make_shared<Job>();
  {
    std::lock_guard lock(mu_);
    int running = 0;
    for (const auto& [id, other] : jobs_) {
      if (other->snapshot().state == HuntState::kRunning) ++running;
    }
    if (running >= max_running_) {
      return core::Error(core::Code::kResourceExhausted,
                         std::to_string(running) +
                             " hunts are running; wait for one to finish (GET /v1/hunts)");
    }
    // Random, so that a hunt after a restart never shares the dedup keys of an earlier one.
    job->status.id = "hunt-" + core::random_hex(6);
    job->status.request = request;
    job->status.started_at = clock_.now();
    jobs_[job->status.id] = job;
    threads_.emplace_back([this, job, detector, workflows] { run(*job, detector, workflows); });
  }
  return job->snapshot();
}

HuntStatus HuntService::run_now(HuntRequest request, const Detector& detector,
                                const std::vector<model::Workflow>& workflows) {
  Job job;
  job.status.id = "hunt-" + core::random_hex(6);
  job.status.request = std::move(request);
  job.status.started_at = clock_.now();
  if (job.status.request.to <= job.status.request.from) {
    job.status.state = HuntState::kFailed;
    job.status.error = "the hunt's `to` must be after its `from`";
    return job.status;
  }
  run(job, detector, workflows);
  return job.snapshot();
}

std::optional<HuntStatus> HuntService::get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->snapshot();
}

std::vector<HuntStatus> HuntService::list() const {
  std::vector<HuntStatus> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, job] : jobs_) out.push_back(job->snapshot());
  }
  std::sort(out.begin(), out.end(),
            [](const HuntStatus& a, const HuntStatus& b) { return a.started_at > b.started_at; });
  return out;
}

void HuntService::run(Job& job, const Detector& detector, std::vector<model::Workflow> workflows) {
  const HuntRequest request = job.snapshot().request;
  const auto finish = [&](HuntState state, std::string error) {
    std::lock_guard lock(job.mu);
    job.status.state = state;
    job.status.error = std::move(error);
    job.status.finished_at = clock_.now();
    if (state == HuntState::kDone) job.status.scanned_spans = job.status.total_spans;
  };

  Detector enabled = detector;
  enabled.enabled = true;  // a disabled detector can still be hunted with
  auto set = DetectorSet::compile({enabled}, workflows);
  if (!set.ok()) return finish(HuntState::kFailed, set.error().message());
  const CompiledDetector& compiled = (*set)->detectors().front();

  // The workflows to walk: those in the detector's scope, narrowed by the request.
  std::vector<std::string> targets;
  for (const auto& w : workflows) {
    if (!(*set)->applicable(w.id, true).empty()) targets.push_back(w.id);
  }
  if (detector.scope.unregistered) {
    auto counts = store_.span_counts_by_workflow();
    if (!counts.ok()) return finish(HuntState::kFailed, counts.error().message());
    for (const auto& count : *counts) {
      // Not a structured binding: clang 14 (Debian's, used by `make fuzz`) cannot capture one.
      const std::string& workflow = count.first;
      const bool known = std::any_of(workflows.begin(), workflows.end(),
                                     [&](const model::Workflow& w) { return w.id == workflow; });
      if (!known) targets.push_back(workflow);
    }
  }
  if (!request.workflows.empty()) {
    std::vector<std::string> narrowed;
    for (const auto& w : request.workflows) {
      if (std::find(targets.begin(), targets.end(), w) == targets.end()) {
        return finish(HuntState::kFailed,
                      "workflow '" + w + "' is not in the scope of detector " + detector.id);
      }
      narrowed.push_back(w);
    }
    targets = std::move(narrowed);
  }

  std::int64_t total = 0;
  for (const auto& w : targets) {
    auto n = store_.count_spans(w, request.from, request.to);
    if (!n.ok()) return finish(HuntState::kFailed, n.error().message());
    total += *n;
  }
  {
    std::lock_guard lock(job.mu);
    job.status.total_spans = total;
  }

  // What the store can filter without reading bodies. An absence check must see every span of
  // a trace, so only kinds (which include the satisfying spans' kinds) are used for it.
  store::SpanScan scan;
  scan.from = request.from;
  scan.to = request.to;
  scan.limit = kPageSpans;
  if (compiled.kind_mask != ~0u) {
    for (unsigned k = 0; k <= static_cast<unsigned>(model::SpanKind::kOther); ++k) {
      if (compiled.kind_mask & (1u << k)) scan.kinds.push_back(static_cast<model::SpanKind>(k));
    }
  }
  if (!std::holds_alternative<AbsenceSpec>(detector.stateful)) {
    scan.tool_names = compiled.match.tool_names();
  }

  Engine engine(*set, EngineOptions{model::SignalSource::kHunt, job.snapshot().id});
  std::vector<model::Signal> signals;
  const auto flush = [&]() -> bool {
    if (signals.empty()) return true;
    auto stored = store_.commit_signals(signals, "", 0);
    if (!stored.ok()) {
      finish(HuntState::kFailed, stored.error().message());
      return false;
    }
    std::lock_guard lock(job.mu);
    job.status.signals += static_cast<std::int64_t>(stored->size());
    signals.clear();
    return true;
  };

  std::int64_t done_before = 0;  // spans in the workflows finished
  for (const auto& workflow : targets) {
    scan.workflow = workflow;
    scan.after.reset();
    auto in_workflow = store_.count_spans(workflow, request.from, request.to);
    const std::int64_t workflow_total = in_workflow.ok() ? *in_workflow : 0;
    while (true) {
      if (job.cancel) return finish(HuntState::kCancelled, "cancelled");
      auto page = store_.scan_spans(scan);
      if (!page.ok()) return finish(HuntState::kFailed, page.error().message());
      if (page->empty()) break;
      const core::UnixNanos now = clock_.now();
      for (const auto& stored : *page) engine.evaluate(stored.span, stored.seq, now, signals);
      const auto& last = page->back();
      scan.after = std::make_pair(last.span.start_time, last.seq);
      {
        // Progress by position in time: the pre-filter may skip spans, the range does not.
        const double fraction = static_cast<double>(last.span.start_time - request.from) /
                                static_cast<double>(request.to - request.from);
        std::lock_guard lock(job.mu);
        job.status.judged_spans += static_cast<std::int64_t>(page->size());
        job.status.scanned_spans =
            done_before + static_cast<std::int64_t>(fraction * static_cast<double>(workflow_total));
      }
      if (signals.size() >= kSignalsPerCommit && !flush()) return;
      if (static_cast<int>(page->size()) < scan.limit) break;
    }
    done_before += workflow_total;
  }
  engine.drain(clock_.now(), signals);
  if (!flush()) return;
  finish(HuntState::kDone, "");
  const HuntStatus s = job.snapshot();
  spdlog::info("{}: detector {} over {} spans found {} signals", s.id, detector.id,
               s.total_spans, s.signals);
}

}  // namespace aiir::detect
