#include "store/retention.h"

#include <spdlog/spdlog.h>

namespace aiir::store {

constexpr core::UnixNanos kNanosPerDay = 86400 * core::kNanosPerSecond;

RetentionPurger::RetentionPurger(Store& store, const core::Clock& clock,
                                 std::function<std::vector<RetentionRule>()> rules,
                                 RetentionOptions options)
    : store_(store), clock_(clock), rules_(std::move(rules)), options_(options) {}

RetentionPurger::~RetentionPurger() { stop(); }

core::Result<std::int64_t> RetentionPurger::run_once() {
  std::int64_t deleted = 0;
  for (const auto& rule : rules_()) {
    core::UnixNanos cutoff = clock_.now() - static_cast<core::UnixNanos>(rule.days) * kNanosPerDay;
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return deleted;
      }
      auto batch = store_.purge_spans(rule.workflow, cutoff, options_.batch);
      if (!batch.ok()) return batch.error();
      deleted += *batch;
      total_deleted_ += *batch;
      if (*batch < options_.batch) break;
      std::this_thread::sleep_for(options_.pause);
    }
  }
  return deleted;
}

void RetentionPurger::start() {
  thread_ = std::thread([this] {
    while (true) {
      auto deleted = run_once();
      if (!deleted.ok()) {
        spdlog::error("retention pass failed: {}", deleted.error().message());
      } else if (*deleted > 0) {
        spdlog::info("retention: deleted {} expired spans", *deleted);
      }
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
  });
}

void RetentionPurger::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace aiir::store
