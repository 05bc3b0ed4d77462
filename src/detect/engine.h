#pragma once
// The detection engine: a compiled detector set (immutable, shared) and the state of one stream
// of spans judged against it (window trackers, absence checks waiting for their grace).
//
// DetectorSet is the indexed ruleset: each span is offered only to detectors whose scope admits
// its workflow and whose `match` can hold for its kind. All scan conditions of the set share one
// ContentScanner, so a span's texts are scanned once however many detectors look at them.
//
// Engine is single-threaded by design (the detection service and each retro-hunt own one); its
// per-detector counters may be read from any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "detect/condition.h"
#include "detect/detector.h"
#include "detect/window.h"
#include "model/signal.h"
#include "model/workflow.h"

namespace aiir::detect {

struct CompiledDetector {
  Detector def;
  Condition match;
  Condition of;  // ratio.of, drift.of, absence.missing; empty otherwise
  unsigned kind_mask = ~0u;  // span kinds that can matter to this detector
  // Keeps no window and looks at message content (scans, input/output text): judged again when
  // content sent as log records joins a span after it was judged.
  bool reads_content = false;
};

class DetectorSet {
 public:
  // Compiles `detectors` (as loaded and checked by detector_loader.h) against the inventory.
  // Disabled detectors are kept (listed by the API) but never evaluated.
  static core::Result<std::shared_ptr<const DetectorSet>> compile(
      std::vector<Detector> detectors, const std::vector<model::Workflow>& workflows);

  const std::vector<CompiledDetector>& detectors() const { return detectors_; }
  const ContentScanner* scanner() const { return scanner_.get(); }
  // Indexes of the enabled detectors whose scope admits spans of `workflow`.
  const std::vector<int>& applicable(const std::string& workflow, bool registered) const;
  // Index of the detector with `id`, or -1.
  int find(std::string_view id) const;
  // The longest window any stateful detector keeps (how far back a restart replays spans).
  core::UnixNanos longest_window() const { return longest_window_; }

 private:
  std::vector<CompiledDetector> detectors_;
  std::shared_ptr<const ContentScanner> scanner_;
  std::unordered_map<std::string, std::vector<int>> by_workflow_;
  std::vector<int> unregistered_;
  core::UnixNanos longest_window_ = 0;
};

// Cost and outcome counters of one detector (monotonic; read from any thread).
struct DetectorCounters {
  std::atomic<std::uint64_t> evaluations{0};  // spans offered to it
  std::atomic<std::uint64_t> matches{0};      // spans its match condition held for
  std::atomic<std::uint64_t> signals{0};
  // Time spent evaluating it, measured on every `kTimingSample`-th span and scaled, so that
  // timing does not cost more than the evaluation it measures.
  std::atomic<std::uint64_t> estimated_nanos{0};
};

struct EngineOptions {
  // Live engines make signals of source kDetector; a retro-hunt's engine kHunt with its id.
  model::SignalSource source = model::SignalSource::kDetector;
  std::string hunt_id;
};

class Engine {
 public:
  Engine(std::shared_ptr<const DetectorSet> set, EngineOptions options = {});
  ~Engine();

  // Judges one span (stored with sequence number `seq`) by every applicable detector; appends
  // the signals it causes. `now` is processing time (for absence grace and detected_at).
  void evaluate(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now,
                std::vector<model::Signal>& out);
  // Rebuilds window state from a span that was judged before (after a restart or reload):
  // windows and absence checks see it, but it causes no signal by itself.
  void replay(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now);
  // Judges a span again now that log-record content has been joined to it, by the detectors that
  // read content (reads_content); others saw all they look at the first time. A signal the span
  // made already is not made again (same dedup key).
  void evaluate_content(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now,
                        std::vector<model::Signal>& out);
  // Absence checks whose grace has ended by `now`.
  void tick(core::UnixNanos now, std::vector<model::Signal>& out);
  // Every absence check still waiting, regardless of grace (a retro-hunt at its end).
  void drain(core::UnixNanos now, std::vector<model::Signal>& out);

  const DetectorSet& set() const { return *set_; }
  const DetectorCounters& counters(int detector) const { return *counters_[detector]; }
  // Groups held by window trackers and groups dropped to stay within bounds, per detector.
  std::size_t window_groups(int detector) const;
  std::uint64_t window_drops(int detector) const;

 private:
  struct State;  // one per detector: its tracker
  struct Draft {
    model::Signal signal;
    core::UnixNanos queued_at;
  };

  void judge(int index, SpanView& view, std::int64_t seq, core::UnixNanos now, bool emit,
             std::vector<model::Signal>& out);
  model::Signal make_signal(const CompiledDetector& d, SpanView& view, std::int64_t seq,
                            core::UnixNanos now) const;
  std::string group_key(const CompiledDetector& d, SpanView& view) const;
  void release(int index, const AbsenceTracker::Pending& due, std::vector<model::Signal>& out);

  std::shared_ptr<const DetectorSet> set_;
  EngineOptions options_;
  std::vector<std::unique_ptr<DetectorCounters>> counters_;
  std::vector<std::unique_ptr<State>> states_;
  std::map<std::pair<int, std::int64_t>, Draft> drafts_;  // absence checks waiting: (detector, seq)
  std::uint64_t spans_seen_ = 0;
};

// How often evaluation time is measured (1 in N spans).
constexpr std::uint64_t kTimingSample = 8;

}  // namespace aiir::detect
