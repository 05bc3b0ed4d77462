#pragma once
// Incremental retention: deletes spans older than their workflow's retention in small batches,
// each its own short transaction, so that ingest's group commits are never blocked for long.
// Spans under legal hold are never deleted (the store's purge excludes them).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace aiir::store {

struct RetentionRule {
  std::string workflow;
  int days = 30;
};

struct RetentionOptions {
  // Spans deleted per transaction. Small batches keep each write-lock hold to milliseconds.
  int batch = 500;
  // Pause between batches, yielding the write lock to ingest.
  std::chrono::milliseconds pause{20};
  // How often a full pass starts.
  std::chrono::seconds interval{300};
};

class RetentionPurger {
 public:
  // `rules` is called at the start of every pass, so reloaded retention settings apply.
  RetentionPurger(Store& store, const core::Clock& clock,
                  std::function<std::vector<RetentionRule>()> rules, RetentionOptions options);
  ~RetentionPurger();  // stop()

  // One full pass over every rule; returns spans deleted. Used by the thread and by tests.
  core::Result<std::int64_t> run_once();
  // Runs passes every `interval` on a background thread until stop().
  void start();
  void stop();
  std::int64_t total_deleted() const { return total_deleted_.load(); }

 private:
  Store& store_;
  const core::Clock& clock_;
  std::function<std::vector<RetentionRule>()> rules_;
  RetentionOptions options_;
  std::atomic<std::int64_t> total_deleted_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace aiir::store
