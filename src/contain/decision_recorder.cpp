#include "contain/decision_recorder.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>
#include <utility>

#include "core/prometheus.h"


namespace aiir::contain {
namespace {

namespace json = boost::json;
using Mode = config::DecisionConfig::Record;

// A fast per-thread draw for sampling (splitmix64): not for anything secret, only to keep an
// unbiased share of allows without a lock or a system call on the decide path.
std::uint64_t draw() {
  thread_local std::uint64_t state =
      static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id())) ^
      0x9E3779B97F4A7C15ULL;
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

store::DecisionRecord record_of(const DecideRequest& request, const Decision& decision,
                                std::string_view instance, core::UnixNanos now) {
  store::DecisionRecord r;
  r.time = now;
  r.workflow = request.workflow;
  r.action = request.action;
  r.verdict = std::string(to_string(decision.verdict));
  r.trace_id = request.trace_id;
  r.instance = std::string(instance);
  r.controls_version = decision.controls_version;
  r.body = to_json(decision);
  if (!request.attributes.empty()) r.body["attributes"] = request.attributes;
  if (!request.user_id.empty()) r.body["user"] = request.user_id;
  if (!request.account_id.empty()) r.body["account"] = request.account_id;
  return r;
}

}  // namespace

DecisionRecorder::DecisionRecorder(store::Store& store, DecisionRecorderOptions options)
    : store_(store), options_(options) {
  configure(config::DecisionConfig{});
}

DecisionRecorder::~DecisionRecorder() { stop(); }

void DecisionRecorder::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void DecisionRecorder::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DecisionRecorder::configure(const config::DecisionConfig& settings) {
  mode_.store(static_cast<int>(settings.record));
  const double rate = std::clamp(settings.sample_rate, 0.0, 1.0);
  const double scaled = std::ldexp(rate, 64);
  sample_threshold_.store(scaled >= std::ldexp(1.0, 64)
                              ? std::numeric_limits<std::uint64_t>::max()
                              : static_cast<std::uint64_t>(scaled));
}

bool DecisionRecorder::keep(const Decision& decision) {
  switch (static_cast<Mode>(mode_.load(std::memory_order_relaxed))) {
    case Mode::kAll: return true;
    case Mode::kNone: return false;
    case Mode::kSampled:
      if (decision.verdict != Verdict::kAllow) return true;
      return draw() < sample_threshold_.load(std::memory_order_relaxed);
  }
  return false;
}

void DecisionRecorder::offer(const DecideRequest& request, const Decision& decision,
                             std::string_view instance, core::UnixNanos now) {
  decided_[static_cast<std::size_t>(decision.verdict)].fetch_add(1, std::memory_order_relaxed);
  if (!keep(decision)) return;
  store::DecisionRecord record = record_of(request, decision, instance, now);
  bool full_batch = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(record));
    full_batch = queue_.size() >= options_.batch;
  }
  if (full_batch) wake_.notify_one();
}

void DecisionRecorder::run() {
  std::vector<store::DecisionRecord> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, options_.flush_interval,
                     [this] { return stopping_ || queue_.size() >= options_.batch; });
      if (queue_.empty() && stopping_) return;
      const std::size_t n = std::min(queue_.size(), options_.batch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    if (batch.empty()) continue;
    if (auto written = store_.append_decisions(batch); written.ok()) {
      recorded_.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
    } else {
      failed_.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
      spdlog::error("recording {} decisions failed: {}", batch.size(),
                    written.error().message());
    }
    batch.clear();
  }
}

DecisionRecorderStats DecisionRecorder::stats() const {
  DecisionRecorderStats s;
  for (std::size_t i = 0; i < s.decided.size(); ++i) s.decided[i] = decided_[i].load();
  s.recorded = recorded_.load();
  s.dropped = dropped_.load();
  s.failed = failed_.load();
  return s;
}

void DecisionRecorder::render_metrics(std::string& out) const {
  const DecisionRecorderStats s = stats();
  core::append_family(out, "aiir_decisions_total", "counter",
                      "Decisions answered to the application, by verdict.");
  for (Verdict v : {Verdict::kAllow, Verdict::kDegrade, Verdict::kReview, Verdict::kDeny}) {
    out += "aiir_decisions_total{decision=\"" + std::string(to_string(v)) + "\"} " +
           std::to_string(s.decided[static_cast<std::size_t>(v)]) + "\n";
  }
  core::append_metric(out, "aiir_decisions_recorded_total", "counter",
                      "Decisions written to the store as evidence.", s.recorded);
  core::append_metric(out, "aiir_decisions_dropped_total", "counter",
                      "Decisions not recorded because the queue was full or the store failed.",
                      s.dropped + s.failed);
}

}  // namespace aiir::contain
