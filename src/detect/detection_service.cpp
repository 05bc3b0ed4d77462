#include "detect/detection_service.h"

#include <spdlog/spdlog.h>

#include "core/prometheus.h"
#include "store/span_writer.h"

#include <chrono>

namespace aiir::detect {
namespace {

std::chrono::nanoseconds as_duration(core::UnixNanos n) { return std::chrono::nanoseconds(n); }

}  // namespace

DetectionService::DetectionService(store::Store& store, const core::Clock& clock,
                                   std::shared_ptr<const DetectorSet> detectors,
                                   DetectionOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      engine_(std::make_shared<Engine>(std::move(detectors))) {}

DetectionService::~DetectionService() { stop(); }

core::Status DetectionService::start() {
  // A cursor the store never had starts at what is stored now: history is for retro-hunts, not
  // for a flood of signals about the past on the first start.
  const auto open_cursor = [this](const char* name,
                                  core::Result<std::int64_t> newest) -> core::Result<std::int64_t> {
    auto cursor = store_.read_cursor(name);
    if (!cursor.ok()) return cursor.error();
    if (*cursor) return **cursor;
    if (!newest.ok()) return newest.error();
    auto moved = store_.commit_signals({}, name, *newest);
    if (!moved.ok()) return moved.error();
    return *newest;
  };
  auto spans = open_cursor(kCursor, store_.last_span_seq());
  if (!spans.ok()) return spans.error();
  auto content = open_cursor(kContentCursor, store_.last_content_seq());
  if (!content.ok()) return content.error();
  cursor_ = *spans;
  content_cursor_ = *content;
  replay_into(*engine_, cursor_);
  {
    std::lock_guard lock(mu_);
    stats_.cursor = cursor_;
    stats_.content_cursor = content_cursor_;
  }
  spdlog::info("detection: {} detectors, judging spans after #{}",
               engine_->set().detectors().size(), cursor_);
  thread_ = std::thread([this] { run(); });
  return {};
}

void DetectionService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DetectionService::notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  wake_.notify_one();
}

void DetectionService::offer(std::vector<store::StoredSpan>&& spans) {
  if (spans.empty()) return notify();  // log-record content only
  std::size_t bytes = 0;
  for (const auto& s : spans) bytes += store::estimated_bytes(s.span);
  {
    std::lock_guard lock(mu_);
    if (handoff_bytes_ + bytes <= options_.max_handoff_bytes) {
      handoff_bytes_ += bytes;
      handoff_.push_back(Handoff{std::move(spans), bytes});
    }
    pending_ = true;
  }
  wake_.notify_one();
}

std::optional<std::vector<store::StoredSpan>> DetectionService::take_handoff() {
  std::lock_guard lock(mu_);
  // Batches judged already (read from the store while they waited) are dropped.
  while (!handoff_.empty() && handoff_.front().spans.back().seq <= cursor_) {
    handoff_bytes_ -= handoff_.front().bytes;
    handoff_.pop_front();
  }
  // A gap before the next batch: the store has the spans in it.
  if (handoff_.empty() || handoff_.front().spans.front().seq != cursor_ + 1) return std::nullopt;
  Handoff next = std::move(handoff_.front());
  handoff_.pop_front();
  handoff_bytes_ -= next.bytes;
  return std::move(next.spans);
}

void DetectionService::replace(std::shared_ptr<const DetectorSet> detectors) {
  {
    std::lock_guard lock(mu_);
    next_set_ = std::move(detectors);
    pending_ = true;
  }
  wake_.notify_one();
}

bool DetectionService::wait_for(std::int64_t seq, core::UnixNanos timeout) {
  notify();
  std::unique_lock lock(mu_);
  return progressed_.wait_for(lock, as_duration(timeout),
                              [&] { return stats_.cursor >= seq || stopping_; }) &&
         stats_.cursor >= seq;
}

bool DetectionService::wait_for_content(std::int64_t seq, core::UnixNanos timeout) {
  notify();
  std::unique_lock lock(mu_);
  return progressed_.wait_for(lock, as_duration(timeout),
                              [&] { return stats_.content_cursor >= seq || stopping_; }) &&
         stats_.content_cursor >= seq;
}

void DetectionService::replay_into(Engine& engine, std::int64_t up_to) {
  if (engine.set().longest_window() == 0) {
    bool has_absence = false;
    for (const auto& d : engine.set().detectors()) {
      has_absence |= std::holds_alternative<AbsenceSpec>(d.def.stateful);
    }
    if (!has_absence) return;
  }
  std::int64_t from = std::max<std::int64_t>(0, up_to - options_.replay_spans);
  std::uint64_t replayed = 0;
  const core::UnixNanos now = clock_.now();
  while (from < up_to) {
    auto batch = store_.read_spans_after(from, options_.batch_spans);
    if (!batch.ok()) {
      spdlog::warn("detection: replay stopped early: {}", batch.error().message());
      break;
    }
    if (batch->empty()) break;
    for (const auto& stored : *batch) {
      if (stored.seq > up_to) break;
      engine.replay(stored.span, stored.seq, now);
      ++replayed;
    }
    from = batch->back().seq;
  }
  std::lock_guard lock(mu_);
  stats_.spans_replayed += replayed;
}

void DetectionService::run() {
  core::UnixNanos last_tick = clock_.now();
  while (true) {
    std::shared_ptr<const DetectorSet> reloaded;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, as_duration(options_.tick), [&] { return pending_ || stopping_; });
      if (stopping_) return;
      pending_ = false;
      reloaded = std::move(next_set_);
    }
    if (reloaded) {
      auto engine = std::make_shared<Engine>(std::move(reloaded));
      replay_into(*engine, cursor_);
      std::lock_guard lock(mu_);
      engine_ = std::move(engine);
      stats_.reloads++;
    }
    while (step()) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    while (step_content()) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    const core::UnixNanos now = clock_.now();
    if (now - last_tick >= options_.tick) {
      last_tick = now;
      std::vector<model::Signal> signals;
      engine_->tick(now, signals);
      if (!signals.empty()) store_signals(signals, kCursor, cursor_);
    }
  }
}

bool DetectionService::step() {
  // Spans the writer handed over continue right after the cursor unless some were dropped (or
  // this is the first batch after a restart): then the store has them.
  auto handed = take_handoff();
  const bool from_memory = handed.has_value();
  core::Result<std::vector<store::StoredSpan>> batch =
      from_memory ? core::Result<std::vector<store::StoredSpan>>(std::move(*handed))
                  : store_.read_spans_after(cursor_, options_.batch_spans);
  if (!batch.ok()) {
    spdlog::warn("detection: cannot read spans after #{}: {}", cursor_, batch.error().message());
    std::lock_guard lock(mu_);
    stats_.store_errors++;
    return false;
  }
  if (batch->empty()) return false;
  std::vector<model::Signal> signals;
  const core::UnixNanos now = clock_.now();
  for (const auto& stored : *batch) engine_->evaluate(stored.span, stored.seq, now, signals);
  judge_with_early_content(*batch, now, signals);
  engine_->tick(now, signals);
  const std::int64_t position = batch->back().seq;
  std::vector<std::size_t> groups;
  for (int i = 0; i < static_cast<int>(engine_->set().detectors().size()); ++i) {
    groups.push_back(engine_->window_groups(i));
  }
  {
    // Counted before the commit that makes the progress visible (wait_for), so that a caller
    // woken by it sees the counts too.
    std::lock_guard lock(mu_);
    stats_.spans_judged += batch->size();
    (from_memory ? stats_.spans_from_memory : stats_.spans_from_store) += batch->size();
    window_groups_ = std::move(groups);
  }
  // The engine's windows have seen these spans: the signals must be stored before moving on, or
  // re-reading the batch would count its spans twice. Retry until stored or stopping.
  while (!store_signals(signals, kCursor, position)) {
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) return false;
  }
  return from_memory || static_cast<int>(batch->size()) == options_.batch_spans;
}

void DetectionService::judge_with_early_content(const std::vector<store::StoredSpan>& batch,
                                                core::UnixNanos now,
                                                std::vector<model::Signal>& out) {
  if (early_content_.empty()) return;
  for (const auto& stored : batch) {
    auto it = early_content_.find(stored.span.trace_id + ":" + stored.span.span_id);
    if (it == early_content_.end()) continue;
    early_content_.erase(it);
    auto merged = store_.find_span(stored.span.trace_id, stored.span.span_id);
    if (merged.ok() && *merged) engine_->evaluate_content((*merged)->span, stored.seq, now, out);
  }
}

void DetectionService::remember_early_content(const std::string& key) {
  constexpr std::size_t kMaxEarlyContent = 100'000;
  if (!early_content_.insert(key).second) return;
  early_content_order_.push_back(key);
  while (early_content_order_.size() > kMaxEarlyContent) {
    early_content_.erase(early_content_order_.front());
    early_content_order_.pop_front();
  }
}

bool DetectionService::step_content() {
  auto rows = store_.read_content_after(content_cursor_, 512);
  if (!rows.ok()) {
    std::lock_guard lock(mu_);
    stats_.store_errors++;
    return false;
  }
  if (rows->empty()) return false;
  std::vector<model::Signal> signals;
  const core::UnixNanos now = clock_.now();
  for (const auto& row : *rows) {
    const auto& c = row.content;
    if (c.input_messages.empty() && c.output_messages.empty()) continue;
    auto span = store_.find_span(c.trace_id, c.span_id);
    if (!span.ok()) {
      std::lock_guard lock(mu_);
      stats_.store_errors++;
      return false;  // retried from the same cursor
    }
    if (*span && (*span)->seq <= cursor_) {
      engine_->evaluate_content((*span)->span, (*span)->seq, now, signals);
    } else {
      // The span is not stored or not judged yet: its judgement will fetch this content.
      remember_early_content(c.trace_id + ":" + c.span_id);
    }
  }
  while (!store_signals(signals, kContentCursor, rows->back().seq)) {
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) return false;
  }
  return rows->size() == 512;
}

bool DetectionService::store_signals(std::vector<model::Signal>& signals, const char* cursor,
                                     std::int64_t position) {
  auto stored = store_.commit_signals(signals, cursor, position);
  std::lock_guard lock(mu_);
  if (!stored.ok()) {
    stats_.store_errors++;
    spdlog::warn("detection: cannot store {} signals: {}", signals.size(),
                 stored.error().message());
    return false;
  }
  if (std::string_view(cursor) == kContentCursor) {
    content_cursor_ = position;
    stats_.content_cursor = position;
  } else {
    cursor_ = position;
    stats_.cursor = position;
  }
  stats_.signals_stored += stored->size();
  stats_.signals_duplicate += signals.size() - stored->size();
  for (const auto& s : *stored) {
    spdlog::info("signal {}: {} on {} ({}), trace {}", s.id(), s.detector,
                 s.workflow.empty() ? "-" : s.workflow, model::to_string(s.category),
                 s.trace_id.empty() ? "-" : s.trace_id);
  }
  progressed_.notify_all();
  if (!stored->empty() && options_.on_signals) options_.on_signals();
  return true;
}

DetectionStats DetectionService::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::map<std::string, DetectorReport> DetectionService::reports() const {
  std::shared_ptr<Engine> engine;
  std::vector<std::size_t> groups;
  {
    std::lock_guard lock(mu_);
    engine = engine_;
    groups = window_groups_;
  }
  std::map<std::string, DetectorReport> out;
  const auto& detectors = engine->set().detectors();
  for (std::size_t i = 0; i < detectors.size(); ++i) {
    const auto& c = engine->counters(static_cast<int>(i));
    out[detectors[i].def.id] = DetectorReport{
        c.evaluations.load(), c.matches.load(), c.signals.load(),
        static_cast<double>(c.estimated_nanos.load()) / 1e9, i < groups.size() ? groups[i] : 0};
  }
  return out;
}

void DetectionService::render_metrics(std::string& out) const {
  std::shared_ptr<Engine> engine;
  DetectionStats stats;
  std::vector<std::size_t> groups;
  {
    std::lock_guard lock(mu_);
    engine = engine_;
    stats = stats_;
    groups = window_groups_;
  }
  auto family = [&out](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto sample = [&out](const std::string& name, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    out += name + " " + buffer + "\n";
  };
  family("aiir_detection_cursor", "gauge", "Sequence number of the last span judged.");
  sample("aiir_detection_cursor", static_cast<double>(stats.cursor));
  family("aiir_detection_spans_total", "counter", "Spans judged by live detection.");
  sample("aiir_detection_spans_total", static_cast<double>(stats.spans_judged));
  family("aiir_detection_signals_total", "counter", "Signals stored by live detection.");
  sample("aiir_detection_signals_total", static_cast<double>(stats.signals_stored));
  family("aiir_detection_spans_read_back_total", "counter",
         "Spans detection read back from the store instead of taking them from the writer "
         "(after a restart, or when it fell behind by more than its handoff bound).");
  sample("aiir_detection_spans_read_back_total", static_cast<double>(stats.spans_from_store));
  family("aiir_detection_store_errors_total", "counter",
         "Failed reads or writes of the store by detection (retried).");
  sample("aiir_detection_store_errors_total", static_cast<double>(stats.store_errors));

  const auto& detectors = engine->set().detectors();
  const auto per_detector = [&](const char* name, const char* type, const char* help,
                                auto value_of) {
    family(name, type, help);
    for (int i = 0; i < static_cast<int>(detectors.size()); ++i) {
      sample(std::string(name) + "{detector=\"" + core::prometheus_label(detectors[i].def.id) + "\"}",
             value_of(i));
    }
  };
  per_detector("aiir_detector_evaluations_total", "counter", "Spans offered to the detector.",
               [&](int i) { return static_cast<double>(engine->counters(i).evaluations.load()); });
  per_detector("aiir_detector_matches_total", "counter",
               "Spans the detector's match condition held for.",
               [&](int i) { return static_cast<double>(engine->counters(i).matches.load()); });
  per_detector("aiir_detector_signals_total", "counter", "Signals the detector produced.",
               [&](int i) { return static_cast<double>(engine->counters(i).signals.load()); });
  per_detector("aiir_detector_evaluation_seconds_total", "counter",
               "CPU time spent evaluating the detector (sampled on 1 span in 8 and scaled).",
               [&](int i) {
                 return static_cast<double>(engine->counters(i).estimated_nanos.load()) / 1e9;
               });
  per_detector("aiir_detector_window_groups", "gauge",
               "Groups (or waiting checks) held in the detector's window state.",
               [&](int i) {
                 const auto at = static_cast<std::size_t>(i);
                 return at < groups.size() ? static_cast<double>(groups[at]) : 0.0;
               });
}

}  // namespace aiir::detect
