#pragma once
// Keeps the decisions answered to the application as evidence (store::DecisionRecord), without
// slowing the answer: the decide path only samples and queues (one short lock); a thread of its
// own writes the queue to the store in batches.
//
// What is kept follows config::DecisionConfig: everything, nothing, or every decision that
// stopped or changed something (deny, review, degrade) plus a sample of the allows. When the
// store falls behind and the queue is full, new decisions are dropped and counted rather than
// making the application wait: the answer matters more than its record, and the drop is visible
// in /metrics.
//
// Thread-safe.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "contain/decision.h"
#include "core/clock.h"
#include "store/store.h"

namespace aiir::contain {

struct DecisionRecorderOptions {
  std::size_t max_queued = 100'000;  // decisions waiting to be written
  std::size_t batch = 2'000;         // written per transaction at most
  std::chrono::milliseconds flush_interval{250};
};

struct DecisionRecorderStats {
  std::array<std::int64_t, 4> decided{};  // by Verdict
  std::int64_t recorded = 0;              // written to the store
  std::int64_t dropped = 0;               // not kept: the queue was full
  std::int64_t failed = 0;                // lost to store errors
};

class DecisionRecorder {
 public:
  DecisionRecorder(store::Store& store, DecisionRecorderOptions options = {});
  ~DecisionRecorder();  // stop()
  DecisionRecorder(const DecisionRecorder&) = delete;
  DecisionRecorder& operator=(const DecisionRecorder&) = delete;

  void start();
  // Writes what is queued, then stops the thread. Idempotent.
  void stop();

  // What to keep from now on (at start and on every configuration reload).
  void configure(const config::DecisionConfig& settings);

  // Counts the decision and, when the settings keep it, queues it. `instance` is the application
  // instance that asked ("" when it did not say). Never blocks on the store.
  void offer(const DecideRequest& request, const Decision& decision, std::string_view instance,
             core::UnixNanos now);

  DecisionRecorderStats stats() const;
  // Prometheus text: decisions by verdict, recorded, dropped.
  void render_metrics(std::string& out) const;

 private:
  bool keep(const Decision& decision);
  void run();

  store::Store& store_;
  const DecisionRecorderOptions options_;
  std::atomic<int> mode_{static_cast<int>(config::DecisionConfig::Record::kSampled)};
  // An allow is kept when a 64-bit draw is below this (sample_rate × 2^64, saturated).
  std::atomic<std::uint64_t> sample_threshold_{0};

  std::array<std::atomic<std::int64_t>, 4> decided_{};
  std::atomic<std::int64_t> recorded_{0};
  std::atomic<std::int64_t> dropped_{0};
  std::atomic<std::int64_t> failed_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<store::DecisionRecord> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace aiir::contain
