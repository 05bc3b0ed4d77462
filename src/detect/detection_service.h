#pragma once
// Detection on live traffic: one thread follows the spans the writer commits, in the order they
// were stored (their sequence number), judges each by the detector set, and stores the signals
// together with its position (the cursor) in one transaction.
//
// Exactly once: a span is judged once per detector, also across restarts. The cursor and the
// signals move together, so after a crash detection resumes after the last span whose signals
// are stored; every signal carries a dedup key (detector + span), so a span judged again after a
// restart cannot yield a second signal either.
//
// Windows survive restarts and reloads by replay: a new engine first sees the spans stored just
// before the cursor (replay() — state only, no signals), so a rate that was at 19 of 20 before a
// restart still fires on the 20th.
//
// The ingest path never waits for detection: spans are acknowledged when stored, and detection
// catches up from the store at its own pace (its lag is a metric).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "core/clock.h"
#include "core/result.h"
#include "detect/engine.h"
#include "store/store.h"

namespace aiir::detect {

struct DetectionOptions {
  // Spans read and judged per step; their signals are stored in one transaction.
  int batch_spans = 2048;
  // How often absence checks are looked at when no spans arrive.
  core::UnixNanos tick = 250 * core::kNanosPerMilli;
  // At most this many spans before the cursor are replayed to rebuild windows.
  std::int64_t replay_spans = 200'000;
  // Spans the writer hands over after committing them, waiting to be judged. Beyond this bound
  // they are dropped from memory and read back from the store instead: nothing is lost, it only
  // costs the read.
  std::size_t max_handoff_bytes = 64 * 1024 * 1024;
  // Called after new signals are stored (the incident component's notify); may be empty.
  // Runs on the detection thread: it must be cheap and must not call back into detection.
  std::function<void()> on_signals;
};

struct DetectionStats {
  std::int64_t cursor = 0;              // last span judged
  std::int64_t content_cursor = 0;      // last log-record content looked at
  std::uint64_t spans_judged = 0;
  std::uint64_t signals_stored = 0;
  std::uint64_t signals_duplicate = 0;  // dropped by their dedup key (judged before a restart)
  std::uint64_t store_errors = 0;
  std::uint64_t spans_replayed = 0;
  std::uint64_t spans_from_memory = 0;  // judged as the writer handed them over
  std::uint64_t spans_from_store = 0;   // read back (after a restart, or beyond the handoff bound)
  std::uint64_t reloads = 0;
};

// One detector's counters as the API shows them.
struct DetectorReport {
  std::uint64_t evaluations = 0;
  std::uint64_t matches = 0;
  std::uint64_t signals = 0;
  double evaluation_seconds = 0;
  std::size_t window_groups = 0;
};

class DetectionService {
 public:
  static constexpr const char* kCursor = "detection";
  // Content that arrives as log records (POST /v1/logs) is followed by its own cursor: when it
  // joins a span that was judged already, the detectors that read content judge the span again.
  static constexpr const char* kContentCursor = "detection.content";

  DetectionService(store::Store& store, const core::Clock& clock,
                   std::shared_ptr<const DetectorSet> detectors, DetectionOptions options = {});
  ~DetectionService();  // stop()
  DetectionService(const DetectionService&) = delete;
  DetectionService& operator=(const DetectionService&) = delete;

  // Reads the cursor (a store that never ran detection starts at its newest span: history is
  // for retro-hunts), replays recent spans into the windows and starts the thread.
  core::Status start();
  void stop();

  // New spans were committed. Cheap; callable from any thread.
  void notify();
  // The same, with the spans themselves (the writer's on_commit), so they need not be read back.
  void offer(std::vector<store::StoredSpan>&& spans);
  // Swaps in a reloaded detector set; the thread builds a new engine and replays into it.
  void replace(std::shared_ptr<const DetectorSet> detectors);
  // Blocks until every span stored up to `seq` has been judged (tests, the demo), or `timeout`.
  bool wait_for(std::int64_t seq, core::UnixNanos timeout);
  // The same for log-record content up to its sequence number `seq`.
  bool wait_for_content(std::int64_t seq, core::UnixNanos timeout);

  DetectionStats stats() const;
  // Counters of the running detector set, by detector id.
  std::map<std::string, DetectorReport> reports() const;
  // Prometheus families: the service's progress and each detector's cost and outcome.
  void render_metrics(std::string& out) const;

 private:
  void run();
  bool step();  // judges one batch; false when there was nothing to judge
  // The next handed-over batch if it continues right after the cursor.
  std::optional<std::vector<store::StoredSpan>> take_handoff();
  void replay_into(Engine& engine, std::int64_t up_to);
  bool step_content();  // looks at one batch of log-record content
  // Judges again, with their content, the spans of this batch that content arrived for early.
  void judge_with_early_content(const std::vector<store::StoredSpan>& batch, core::UnixNanos now,
                                std::vector<model::Signal>& out);
  void remember_early_content(const std::string& key);
  bool store_signals(std::vector<model::Signal>& signals, const char* cursor,
                     std::int64_t position);

  store::Store& store_;
  const core::Clock& clock_;
  DetectionOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable progressed_;
  bool pending_ = false;                             // GUARDED_BY(mu_)
  bool stopping_ = false;                            // GUARDED_BY(mu_)
  std::shared_ptr<const DetectorSet> next_set_;      // GUARDED_BY(mu_): a reload to apply
  std::shared_ptr<Engine> engine_;                   // GUARDED_BY(mu_) for readers; owned by run()
  DetectionStats stats_;                             // GUARDED_BY(mu_)
  // Window state sizes per detector of engine_, copied after each batch (the engine itself is
  // only touched by run()).
  std::vector<std::size_t> window_groups_;           // GUARDED_BY(mu_)
  struct Handoff {
    std::vector<store::StoredSpan> spans;
    std::size_t bytes = 0;
  };
  std::deque<Handoff> handoff_;                      // GUARDED_BY(mu_)
  std::size_t handoff_bytes_ = 0;                    // GUARDED_BY(mu_)
  std::int64_t cursor_ = 0;                          // touched by run() only
  std::int64_t content_cursor_ = 0;                  // touched by run() only
  // Spans ("trace:span") whose log-record content was stored before the span was judged; their
  // judgement fetches it. Bounded: the oldest keys are forgotten first.
  std::unordered_set<std::string> early_content_;    // touched by run() only
  std::deque<std::string> early_content_order_;      // touched by run() only
  std::thread thread_;
};

}  // namespace aiir::detect
