#include "contain/review_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "contain/action.h"
#include "contain/review_evidence.h"
#include "core/crypto.h"
#include "core/prometheus.h"
#include "model/ai_span.h"
#include "model/incident.h"

namespace aiir::contain {
namespace {

namespace json = boost::json;

constexpr const char* kKind = "review";
constexpr const char* kIdPrefix = "rev-";
constexpr std::size_t kIdHexDigits = 12;
constexpr std::size_t kMaxIdempotencyKeyBytes = 256;
constexpr std::size_t kMaxSummaryBytes = 1000;
constexpr core::UnixNanos kNanosPerMinute = 60 * core::kNanosPerSecond;
// A pending-only list is read whole so that it can be ordered by urgency, up to this many.
constexpr int kMaxPendingListed = 1000;
// Incidents of a workflow looked at for the active one (newest first).
constexpr int kIncidentsLooked = 20;

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// A reason or summary cut to `max` bytes at a character boundary.
std::string clip(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

core::Error too_large(const std::string& member, std::size_t bytes, std::int64_t max) {
  return core::Error(core::Code::kPayloadTooLarge,
                     "'" + member + "' is " + std::to_string(bytes) + " bytes; the most a review "
                     "item may hold is " + std::to_string(max) +
                         " bytes (reviews.max_output_bytes in aiir.yaml). Send a shorter text, or "
                         "put large evidence in the trace and let the reviewer read it there");
}

core::Error unknown_item(const std::string& id) {
  return core::not_found("no review item '" + id + "'; ids look like rev-0123456789ab. Pending "
                         "items: GET /v1/reviews?state=pending (aiir reviews list)");
}

// What the review's signals share: where, which trace, grouped by the held action.
model::Signal base_signal(const ReviewItem& item, core::UnixNanos now) {
  model::Signal s;
  s.workflow = item.workflow;
  s.trace_id = item.trace_id;
  if (auto action = parse_action(item.action); action.ok() && action->kind == ActionKind::kTool) {
    s.tool = std::string(action->name);
  }
  s.group = {{"action", item.action}};
  s.event_time = now;
  s.detected_at = now;
  return s;
}

}  // namespace

std::string ReviewActor::label() const {
  if (key_id.empty()) return name.empty() ? "system" : name;
  return (name.empty() ? key_id : name) + " (" + key_id + ")";
}

ReviewService::ReviewService(store::Store& store, const core::Clock& clock, ConfigSource config,
                             ReviewServiceOptions options)
    : store_(store), clock_(clock), config_(std::move(config)), options_(std::move(options)) {}

ReviewService::~ReviewService() { stop(); }

core::Status ReviewService::start(bool run_timer) {
  std::map<std::string, Pending> pending;
  store::RecordQuery q;
  q.kind = kKind;
  q.states = {std::string(to_string(ReviewState::kPending))};
  q.limit = 1000;
  while (true) {
    auto page = store_.query_records(q);
    if (!page.ok()) return page.error();
    for (const auto& record : page->records) {
      auto item = review_from_record(record);
      if (!item.ok()) return item.error();
      pending[item->id] = Pending{item->due_at, item->escalated_at != 0};
    }
    if (!page->next_cursor) break;
    q.before = page->next_cursor;
  }
  {
    std::lock_guard changes(change_mu_);
    pending_ = std::move(pending);
  }
  std::lock_guard lock(mu_);
  stopping_ = false;
  running_ = true;
  if (run_timer && !thread_.joinable()) thread_ = std::thread([this] { run(); });
  return {};
}

void ReviewService::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Everyone still waiting is answered now, with the item as it is (pending).
  std::map<std::string, std::vector<Waiter>> waiters;
  {
    std::lock_guard lock(mu_);
    waiters.swap(waiters_);
  }
  for (auto& [id, list] : waiters) {
    for (auto& w : list) w.ready();
  }
}

void ReviewService::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    core::UnixNanos sleep = options_.tick;
    const core::UnixNanos now = clock_.now();
    for (const auto& [id, list] : waiters_) {
      for (const auto& w : list) {
        sleep = std::min(sleep, std::max<core::UnixNanos>(w.deadline - now, 0));
      }
    }
    wake_.wait_for(lock, std::chrono::nanoseconds(sleep));
    if (stopping_) break;
    lock.unlock();
    tick();
    lock.lock();
  }
}

// ---- submitting --------------------------------------------------------------------------------

core::Result<ReviewService::Submitted> ReviewService::submit(ReviewSubmission s,
                                                             const ReviewActor& app) {
  auto config = config_();
  if (!config) return core::Error(core::Code::kUnavailable, "the configuration is not loaded");
  if (s.workflow.empty()) {
    return core::invalid("'workflow' is required: the id of the workflow whose output is held "
                         "(GET /v1/workflows lists them)");
  }
  if (config->find_workflow(s.workflow) == nullptr) {
    return core::not_found("no workflow '" + s.workflow + "' in the inventory; submit with a "
                           "workflow id from GET /v1/workflows, or add the workflow under "
                           "workflows/ and reload");
  }
  if (s.trace_id.empty()) {
    return core::invalid("'trace_id' is required: the id of the trace that produced the output "
                         "(32 hex digits), so that reviewers see its evidence");
  }
  if (!model::valid_trace_id(s.trace_id)) {
    return core::invalid("'trace_id' must be 32 hex digits, not all zero (an OpenTelemetry trace "
                         "id); got '" + clip(s.trace_id, 64) + "'");
  }
  s.trace_id = lower(s.trace_id);
  if (s.action.empty()) {
    return core::invalid("'action' is required: \"output\" for text to show the user, or "
                         "\"tool:<name>\" for a held tool call");
  }
  auto action = parse_action(s.action);
  if (!action.ok()) return core::invalid("'action': " + action.error().message());
  if (action->kind == ActionKind::kOutput && s.output.empty()) {
    return core::invalid("'output' is required for action \"output\": the text the application "
                         "wants to send, which the reviewer judges");
  }
  if (action->kind != ActionKind::kOutput && s.output.empty() && s.arguments.empty()) {
    return core::invalid("a held \"" + s.action + "\" needs 'arguments' (the call's arguments) "
                         "or 'output' (what it would send), so that the reviewer has something "
                         "to judge");
  }
  const std::int64_t max = config->reviews.max_output_bytes;
  if (static_cast<std::int64_t>(s.output.size()) > max) {
    return too_large("output", s.output.size(), max);
  }
  for (const auto& [name, object] : {std::pair{"arguments", &s.arguments},
                                     std::pair{"evidence", &s.evidence}}) {
    const std::size_t bytes = json::serialize(*object).size();
    if (static_cast<std::int64_t>(bytes) > max) return too_large(name, bytes, max);
  }
  if (s.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    return core::invalid("the Idempotency-Key header is " +
                         std::to_string(s.idempotency_key.size()) + " bytes; keep it to " +
                         std::to_string(kMaxIdempotencyKeyBytes));
  }

  std::lock_guard changes(change_mu_);
  const core::UnixNanos now = clock_.now();
  std::string id;
  if (!s.idempotency_key.empty()) {
    // The id follows from (submitter, key): a retry finds its first submission by id alone.
    const std::string digest = core::sha256_hex(app.key_id + "\n" + s.idempotency_key);
    id = kIdPrefix + digest.substr(0, kIdHexDigits);
    auto existing = store_.get_record(kKind, id);
    if (!existing.ok()) return existing.error();
    if (*existing) {
      auto item = review_from_record(**existing);
      if (!item.ok()) return item.error();
      if (item->workflow != s.workflow || item->trace_id != s.trace_id ||
          item->action != s.action || item->output != s.output) {
        return core::Error(core::Code::kAlreadyExists,
                           "Idempotency-Key '" + s.idempotency_key + "' was used for a different "
                           "submission (" + item->id + "); use a new key for a new output");
      }
      return Submitted{std::move(*item), false};
    }
  } else {
    id = kIdPrefix + core::random_hex(kIdHexDigits / 2);
  }

  ReviewItem item;
  item.id = id;
  item.workflow = s.workflow;
  item.trace_id = s.trace_id;
  item.action = s.action;
  item.output = std::move(s.output);
  item.arguments = std::move(s.arguments);
  item.evidence = std::move(s.evidence);
  item.submitted_by = app.label();
  item.submitter_key = app.key_id;
  item.idempotency_key = s.idempotency_key;
  item.submitted_at = now;
  const int sla = config->reviews.sla_for(s.workflow);
  item.due_at = now + sla * kNanosPerMinute;
  item.incident = active_incident(s.workflow);

  store::RecordChange change;
  change.action = "submit";
  change.actor = item.submitted_by;
  change.at = now;
  // The audit entry says what waits and until when; never the held content.
  change.detail = json::object{{"trace_id", item.trace_id},
                               {"held_action", item.action},
                               {"sla_minutes", sla},
                               {"due_at", core::format_rfc3339(item.due_at)}};
  auto saved = save_locked(item, std::move(change));
  if (!saved.ok()) return saved.error();
  {
    std::lock_guard lock(mu_);
    stats_.submitted++;
  }
  return Submitted{std::move(*saved), true};
}

core::Result<ReviewItem> ReviewService::save_locked(const ReviewItem& item,
                                                    store::RecordChange change) {
  change.record = to_record(item);
  auto stored = store_.save_record(change);
  if (!stored.ok()) {
    std::lock_guard lock(mu_);
    stats_.store_errors++;
    return stored.error();
  }
  auto back = review_from_record(*stored);
  if (!back.ok()) return back.error();
  if (back->decided()) {
    pending_.erase(back->id);
  } else {
    pending_[back->id] = Pending{back->due_at, back->escalated_at != 0};
  }
  return back;
}

std::int64_t ReviewService::active_incident(const std::string& workflow) {
  store::IncidentQuery q;
  q.workflow = workflow;
  q.limit = kIncidentsLooked;
  auto page = store_.query_incidents(q);
  if (!page.ok()) return 0;  // the timeline event is welcome, not required
  for (const auto& incident : page->incidents) {
    if (incident.merged_into != 0) continue;
    if (incident.state == model::IncidentState::kResolved ||
        incident.state == model::IncidentState::kClosed) {
      continue;
    }
    return incident.number;
  }
  return 0;
}

// ---- reading -----------------------------------------------------------------------------------

core::Result<ReviewItem> ReviewService::get(const std::string& id) {
  auto record = store_.get_record(kKind, id);
  if (!record.ok()) return record.error();
  if (!*record) return unknown_item(id);
  return review_from_record(**record);
}

core::Result<ReviewList> ReviewService::list(const ReviewListQuery& query) {
  store::RecordQuery q;
  q.kind = kKind;
  q.workflow = query.workflow;
  for (auto state : query.states) q.states.emplace_back(to_string(state));
  const bool pending_only =
      query.states.size() == 1 && query.states.front() == ReviewState::kPending;
  q.limit = pending_only ? kMaxPendingListed : query.limit;
  if (!pending_only) q.before = query.before;
  auto page = store_.query_records(q);
  if (!page.ok()) return page.error();
  ReviewList out;
  for (const auto& record : page->records) {
    auto item = review_from_record(record);
    if (!item.ok()) return item.error();
    out.items.push_back(std::move(*item));
  }
  const core::UnixNanos now = clock_.now();
  if (pending_only) {
    // A queue: the most overdue first, then by due time (oldest first).
    std::stable_sort(out.items.begin(), out.items.end(),
                     [](const ReviewItem& a, const ReviewItem& b) { return a.due_at < b.due_at; });
    if (out.items.size() > static_cast<std::size_t>(query.limit)) out.items.resize(query.limit);
  } else {
    // Newest first as stored, but whatever is overdue comes first.
    std::stable_partition(out.items.begin(), out.items.end(),
                          [now](const ReviewItem& item) { return item.overdue(now); });
    out.next_cursor = page->next_cursor;
  }
  return out;
}

json::object ReviewService::evidence(const ReviewItem& item) {
  auto spans = store_.get_trace(item.trace_id);
  if (!spans.ok()) {
    if (spans.error().code() == core::Code::kNotFound) {
      return review_evidence(item.trace_id, TraceLookup::kNotStored, {});
    }
    return review_evidence(item.trace_id, TraceLookup::kUnreadable, {}, spans.error().message());
  }
  return review_evidence(item.trace_id,
                         spans->empty() ? TraceLookup::kNotStored : TraceLookup::kStored, *spans);
}

// ---- deciding ----------------------------------------------------------------------------------

core::Result<ReviewItem> ReviewService::decide(const std::string& id, ReviewVerdict verdict,
                                               const std::string& reason,
                                               const std::string& edited_output,
                                               const ReviewActor& reviewer) {
  if (verdict == ReviewVerdict::kReject && reason.empty()) {
    return core::invalid("'reason' is required to reject: say what is wrong with the output, "
                         "for the application's team and the near-miss record");
  }
  if (verdict == ReviewVerdict::kEdit) {
    if (edited_output.empty()) {
      return core::invalid("'output' is required to edit: the text the application should send "
                           "instead");
    }
    if (reason.empty()) {
      return core::invalid("'reason' is required to edit: say what was wrong with the original");
    }
  } else if (!edited_output.empty()) {
    return core::invalid("'output' is only for edit; to send a different text, use "
                         "POST /v1/reviews/" + id + "/edit");
  }
  auto config = config_();
  const std::int64_t max =
      config ? config->reviews.max_output_bytes : config::ReviewConfig{}.max_output_bytes;
  if (static_cast<std::int64_t>(edited_output.size()) > max) {
    return too_large("output", edited_output.size(), max);
  }
  std::optional<model::Signal> signal;
  ReviewItem decided;
  {
    std::lock_guard changes(change_mu_);
    auto current = get(id);
    if (!current.ok()) return current.error();
    ReviewItem item = std::move(*current);
    if (item.decided()) {
      return core::failed_precondition(
          "review " + id + " was " + std::string(to_string(item.state)) + " already by " +
          item.decided_by + " at " + core::format_rfc3339(item.decided_at) +
          (item.reason.empty() ? "" : " (\"" + item.reason + "\")") +
          "; a decision is final. Ask the application to submit again if it must be reconsidered");
    }
    const core::UnixNanos now = clock_.now();
    item.state = state_after(verdict);
    item.decided_by = reviewer.label();
    item.decided_at = now;
    item.reason = reason;
    item.edited_output = edited_output;
    if (item.incident == 0) item.incident = active_incident(item.workflow);
    const double seconds = static_cast<double>(now - item.submitted_at) / core::kNanosPerSecond;

    if (verdict == ReviewVerdict::kReject) {
      // Stored before the decision, under a key of its own: if saving the decision fails, the
      // reviewer's retry finds the signal stored already and does not make a second one.
      model::Signal s = base_signal(item, now);
      s.source = model::SignalSource::kApi;
      s.detector = kRejectionDetector;
      s.category = model::Category::kNearMiss;
      s.impact = model::Impact::kMedium;
      s.summary = clip("reviewer rejected a held " + item.action + " of " + item.workflow + ": " +
                           reason,
                       kMaxSummaryBytes);
      s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
      // What a responder needs to find the item and judge the pattern; never the output itself.
      s.observed = json::object{{"review", item.id},
                                {"action", item.action},
                                {"reason", reason},
                                {"reviewer", item.decided_by},
                                {"seconds_to_decision", seconds}};
      s.dedup_key = "review:" + item.id + ":rejected";
      AIIR_RETURN_IF_ERROR(raise(s));
      signal = std::move(s);
    }

    store::RecordChange change;
    change.action = std::string(to_string(verdict));
    change.actor = item.decided_by;
    change.reason = reason;
    change.at = now;
    change.detail = json::object{{"trace_id", item.trace_id},
                                 {"held_action", item.action},
                                 {"state", to_string(item.state)},
                                 {"seconds_to_decision", seconds}};
    if (item.incident != 0) {
      model::TimelineEvent event;
      event.incident = item.incident;
      event.time = now;
      event.actor = reviewer.key_id.empty() ? "system" : reviewer.key_id;
      event.kind = model::TimelineKind::kReview;
      event.summary = "held " + item.action + " " + item.id + " " +
                      std::string(to_string(item.state)) + " by " + item.decided_by;
      event.reason = reason;
      event.detail = json::object{{"review", item.id},
                                  {"state", to_string(item.state)},
                                  {"trace_id", item.trace_id},
                                  {"held_action", item.action}};
      change.event = std::move(event);
    }
    auto saved = save_locked(item, std::move(change));
    if (!saved.ok()) return saved.error();
    decided = std::move(*saved);
    std::lock_guard lock(mu_);
    switch (decided.state) {
      case ReviewState::kApproved: stats_.approved++; break;
      case ReviewState::kRejected: stats_.rejected++; break;
      case ReviewState::kEdited: stats_.edited++; break;
      case ReviewState::kPending: break;
    }
    stats_.decision_seconds_sum += seconds;
  }
  if (signal && options_.on_signals) options_.on_signals();
  release(id);
  return decided;
}

core::Status ReviewService::raise(const model::Signal& signal) {
  auto stored = store_.commit_signals({signal}, "", 0);
  if (!stored.ok()) {
    std::lock_guard lock(mu_);
    stats_.store_errors++;
    return stored.error();
  }
  return {};
}

// ---- waiting and the timer ---------------------------------------------------------------------

void ReviewService::when_decided(const std::string& id, core::UnixNanos deadline,
                                 std::function<void()> ready) {
  {
    // Under the change lock, no decision can be saved between looking and registering: a
    // decision either erased the item from pending_ already, or releases this waiter after.
    std::lock_guard changes(change_mu_);
    const bool now = !pending_.contains(id) || deadline <= clock_.now();
    if (!now) {
      std::lock_guard lock(mu_);
      if (running_) {
        waiters_[id].push_back(Waiter{deadline, std::move(ready)});
        wake_.notify_one();  // the timer may need to wake sooner for this deadline
        return;
      }
    }
  }
  ready();
}

void ReviewService::release(const std::string& id) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    waiters = std::move(it->second);
    waiters_.erase(it);
  }
  for (auto& w : waiters) w.ready();
}

int ReviewService::tick() {
  const core::UnixNanos now = clock_.now();
  int escalated = 0;
  {
    std::lock_guard changes(change_mu_);
    std::vector<std::string> overdue;
    for (const auto& [id, p] : pending_) {
      if (!p.escalated && p.due_at <= now) overdue.push_back(id);
    }
    for (const auto& id : overdue) {
      auto current = get(id);
      if (!current.ok()) {
        spdlog::warn("review SLA: reading {} failed: {}", id, current.error().message());
        continue;
      }
      ReviewItem item = std::move(*current);
      if (item.decided() || item.escalated_at != 0) {
        pending_.erase(id);
        if (!item.decided()) pending_[id] = Pending{item.due_at, true};
        continue;
      }
      const int sla = static_cast<int>((item.due_at - item.submitted_at) / kNanosPerMinute);
      model::Signal s = base_signal(item, now);
      s.source = model::SignalSource::kDetector;
      s.detector = kSlaDetector;
      s.category = model::Category::kAvailability;
      s.impact = model::Impact::kLow;
      s.event_time = item.due_at;
      s.summary = "held " + item.action + " " + item.id + " of " + item.workflow +
                  " waited past its " + std::to_string(sla) + "-minute review SLA";
      s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
      s.observed = json::object{{"review", item.id},
                                {"action", item.action},
                                {"sla_minutes", sla},
                                {"submitted_at", core::format_rfc3339(item.submitted_at)},
                                {"due_at", core::format_rfc3339(item.due_at)}};
      s.dedup_key = "review:" + item.id + ":overdue";
      if (auto raised = raise(s); !raised.ok()) {
        spdlog::warn("review SLA: storing the signal for {} failed: {}", id,
                     raised.error().message());
        continue;  // tried again at the next tick
      }
      item.escalated_at = now;
      store::RecordChange change;
      change.action = "escalate";
      change.actor = "system";
      change.reason = "not decided within the " + std::to_string(sla) + "-minute review SLA";
      change.at = now;
      change.detail = json::object{{"trace_id", item.trace_id},
                                   {"held_action", item.action},
                                   {"due_at", core::format_rfc3339(item.due_at)}};
      auto saved = save_locked(item, std::move(change));
      if (!saved.ok()) {
        spdlog::warn("review SLA: marking {} escalated failed: {}", id, saved.error().message());
        continue;
      }
      escalated++;
    }
  }
  std::vector<std::function<void()>> expired;
  {
    std::lock_guard lock(mu_);
    stats_.escalated += escalated;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      auto& list = it->second;
      for (auto w = list.begin(); w != list.end();) {
        if (w->deadline <= now) {
          expired.push_back(std::move(w->ready));
          w = list.erase(w);
        } else {
          ++w;
        }
      }
      it = list.empty() ? waiters_.erase(it) : std::next(it);
    }
  }
  if (escalated > 0 && options_.on_signals) options_.on_signals();
  for (auto& ready : expired) ready();
  return escalated;
}

// ---- metrics -----------------------------------------------------------------------------------

ReviewStats ReviewService::stats() const {
  ReviewStats out;
  {
    std::lock_guard lock(mu_);
    out = stats_;
  }
  const core::UnixNanos now = clock_.now();
  std::lock_guard changes(change_mu_);
  out.pending = static_cast<std::int64_t>(pending_.size());
  out.overdue = 0;
  for (const auto& [id, p] : pending_) {
    if (p.due_at <= now) out.overdue++;
  }
  return out;
}

void ReviewService::render_metrics(std::string& out) const {
  using core::append_family;
  using core::append_metric;
  const ReviewStats s = stats();
  const auto decisions = static_cast<std::int64_t>(s.approved + s.rejected + s.edited);
  append_metric(out, "aiir_reviews_pending", "gauge", "Held outputs waiting for a reviewer.",
                static_cast<std::int64_t>(s.pending));
  append_metric(out, "aiir_reviews_overdue", "gauge", "Held outputs past their review SLA.",
                static_cast<std::int64_t>(s.overdue));
  append_metric(out, "aiir_reviews_submitted_total", "counter",
                "Outputs submitted for review since start.", static_cast<std::int64_t>(s.submitted));
  append_family(out, "aiir_review_decisions_total", "counter",
                "Review decisions since start, by outcome.");
  out += "aiir_review_decisions_total{outcome=\"approved\"} " + std::to_string(s.approved) + "\n";
  out += "aiir_review_decisions_total{outcome=\"rejected\"} " + std::to_string(s.rejected) + "\n";
  out += "aiir_review_decisions_total{outcome=\"edited\"} " + std::to_string(s.edited) + "\n";
  append_metric(out, "aiir_reviews_escalated_total", "counter",
                "Held outputs escalated for missing their SLA.",
                static_cast<std::int64_t>(s.escalated));
  append_family(out, "aiir_review_decision_seconds", "summary", "Time from submission to decision.");
  out += "aiir_review_decision_seconds_sum " + std::to_string(s.decision_seconds_sum) + "\n";
  out += "aiir_review_decision_seconds_count " + std::to_string(decisions) + "\n";
}

}  // namespace aiir::contain
