#include "detect/engine.h"

#include <algorithm>
#include <chrono>
#include <variant>

#include "model/risk_tier.h"

namespace aiir::detect {
namespace {

namespace json = boost::json;

template <typename T>
bool admits(const std::vector<T>& allowed, T value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

bool in_scope(const Scope& scope, const model::Workflow& w) {
  if (!scope.workflows.empty() &&
      std::find(scope.workflows.begin(), scope.workflows.end(), w.id) == scope.workflows.end()) {
    return false;
  }
  if (!admits(scope.customer_exposure, w.risk.customer_exposure)) return false;
  if (!admits(scope.data_sensitivity, w.risk.data_sensitivity)) return false;
  if (!admits(scope.autonomy, w.risk.autonomy)) return false;
  if (scope.min_risk_tier && model::derive_risk_tier(w).tier < *scope.min_risk_tier) return false;
  return true;
}

bool has_risk_conditions(const Scope& scope) {
  return !scope.workflows.empty() || !scope.customer_exposure.empty() ||
         !scope.data_sensitivity.empty() || !scope.autonomy.empty() || scope.min_risk_tier;
}

// "10m", "1h30m": how a window reads in a signal.
std::string duration_text(core::UnixNanos d) {
  const std::int64_t seconds = d / core::kNanosPerSecond;
  if (seconds == 0) return std::to_string(d / core::kNanosPerMilli) + "ms";
  std::string out;
  const std::int64_t parts[] = {seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60,
                                seconds % 60};
  const char* units[] = {"d", "h", "m", "s"};
  for (int i = 0; i < 4; ++i) {
    if (parts[i] != 0) out += std::to_string(parts[i]) + units[i];
  }
  return out;
}

core::UnixNanos window_of(const Stateful& stateful) {
  return std::visit(
      [](const auto& spec) -> core::UnixNanos {
        using T = std::decay_t<decltype(spec)>;
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, AbsenceSpec>) {
          return 0;
        } else {
          return spec.within;
        }
      },
      stateful);
}

json::value value_json(const FieldValue& value) {
  if (value.number) return *value.number;
  if (value.boolean) return *value.boolean;
  return json::string(value.text);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DetectorSet

core::Result<std::shared_ptr<const DetectorSet>> DetectorSet::compile(
    std::vector<Detector> detectors, const std::vector<model::Workflow>& workflows) {
  auto set = std::make_shared<DetectorSet>();
  std::vector<ScanSpec> scans;
  for (auto& def : detectors) {
    CompiledDetector d;
    auto match = Condition::compile(def.match, scans);
    if (!match.ok()) return core::invalid("detector " + def.id + ": " + match.error().message());
    d.match = std::move(*match);
    const Predicate* of = nullptr;
    if (const auto* ratio = std::get_if<RatioSpec>(&def.stateful)) of = &ratio->of;
    if (const auto* drift = std::get_if<DriftSpec>(&def.stateful)) of = &drift->of;
    if (const auto* absence = std::get_if<AbsenceSpec>(&def.stateful)) of = &absence->missing;
    if (of != nullptr) {
      auto compiled = Condition::compile(*of, scans);
      if (!compiled.ok()) {
        return core::invalid("detector " + def.id + ": " + compiled.error().message());
      }
      d.of = std::move(*compiled);
    }
    d.kind_mask = d.match.kind_mask();
    const auto& fields = d.match.fields();
    d.reads_content =
        std::holds_alternative<std::monostate>(def.stateful) &&
        (!d.match.scans().empty() ||
         std::any_of(fields.begin(), fields.end(), [](const FieldRef& f) {
           return f.id == FieldId::kInputText || f.id == FieldId::kOutputText ||
                  f.id == FieldId::kOutputToolCalls;
         }));
    // An absence check must also see the spans that satisfy it, whatever their kind.
    if (std::holds_alternative<AbsenceSpec>(def.stateful)) d.kind_mask |= d.of.kind_mask();
    set->longest_window_ = std::max(set->longest_window_, window_of(def.stateful));
    d.def = std::move(def);
    set->detectors_.push_back(std::move(d));
  }
  if (!scans.empty()) {
    auto scanner = ContentScanner::compile(std::move(scans));
    if (!scanner.ok()) return scanner.error();
    set->scanner_ = std::move(*scanner);
  }
  for (int i = 0; i < static_cast<int>(set->detectors_.size()); ++i) {
    const Detector& def = set->detectors_[i].def;
    if (!def.enabled) continue;
    for (const auto& w : workflows) {
      if (in_scope(def.scope, w)) set->by_workflow_[w.id].push_back(i);
    }
    // Risk-profile conditions and workflow lists never hold for a workflow the inventory
    // does not know.
    if (def.scope.unregistered && !has_risk_conditions(def.scope)) {
      set->unregistered_.push_back(i);
    }
  }
  return std::shared_ptr<const DetectorSet>(std::move(set));
}

const std::vector<int>& DetectorSet::applicable(const std::string& workflow,
                                                bool registered) const {
  if (!registered) return unregistered_;
  static const std::vector<int> kNone;
  auto it = by_workflow_.find(workflow);
  return it == by_workflow_.end() ? kNone : it->second;
}

int DetectorSet::find(std::string_view id) const {
  for (int i = 0; i < static_cast<int>(detectors_.size()); ++i) {
    if (detectors_[i].def.id == id) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Engine

struct Engine::State {
  std::variant<std::monostate, DuplicateTracker, RateTracker, RatioTracker, DriftTracker,
               AbsenceTracker>
      tracker;
};

Engine::Engine(std::shared_ptr<const DetectorSet> set, EngineOptions options)
    : set_(std::move(set)), options_(std::move(options)) {
  for (const auto& d : set_->detectors()) {
    counters_.push_back(std::make_unique<DetectorCounters>());
    auto state = std::make_unique<State>();
    std::visit(
        [&](const auto& spec) {
          using T = std::decay_t<decltype(spec)>;
          if constexpr (std::is_same_v<T, DuplicateSpec>) {
            state->tracker.emplace<DuplicateTracker>(spec.within);
          } else if constexpr (std::is_same_v<T, RateSpec>) {
            state->tracker.emplace<RateTracker>(spec.within, spec.at_least);
          } else if constexpr (std::is_same_v<T, NearMissSpec>) {
            state->tracker.emplace<RateTracker>(spec.within, spec.at_least);
          } else if constexpr (std::is_same_v<T, RatioSpec>) {
            state->tracker.emplace<RatioTracker>(spec.within, spec.above, spec.min_count);
          } else if constexpr (std::is_same_v<T, DriftSpec>) {
            state->tracker.emplace<DriftTracker>(spec.factor, spec.min_count, spec.within);
          } else if constexpr (std::is_same_v<T, AbsenceSpec>) {
            state->tracker.emplace<AbsenceTracker>(spec.grace);
          }
        },
        d.def.stateful);
    states_.push_back(std::move(state));
  }
}

Engine::~Engine() = default;

void Engine::evaluate(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now,
                      std::vector<model::Signal>& out) {
  const auto& applicable = set_->applicable(span.workflow, span.registered);
  if (applicable.empty()) return;
  const bool timed = spans_seen_++ % kTimingSample == 0;
  SpanView view(span, set_->scanner());
  const unsigned kind_bit = 1u << static_cast<unsigned>(span.kind);
  for (int index : applicable) {
    const CompiledDetector& d = set_->detectors()[index];
    if ((d.kind_mask & kind_bit) == 0) continue;
    DetectorCounters& counters = *counters_[index];
    counters.evaluations.fetch_add(1, std::memory_order_relaxed);
    if (!timed) {
      judge(index, view, seq, now, true, out);
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    judge(index, view, seq, now, true, out);
    const auto spent = std::chrono::steady_clock::now() - started;
    counters.estimated_nanos.fetch_add(
        static_cast<std::uint64_t>(std::chrono::nanoseconds(spent).count()) * kTimingSample,
        std::memory_order_relaxed);
  }
}

void Engine::evaluate_content(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now,
                              std::vector<model::Signal>& out) {
  const auto& applicable = set_->applicable(span.workflow, span.registered);
  if (applicable.empty()) return;
  SpanView view(span, set_->scanner());
  const unsigned kind_bit = 1u << static_cast<unsigned>(span.kind);
  for (int index : applicable) {
    const CompiledDetector& d = set_->detectors()[index];
    if (!d.reads_content || (d.kind_mask & kind_bit) == 0) continue;
    counters_[index]->evaluations.fetch_add(1, std::memory_order_relaxed);
    judge(index, view, seq, now, true, out);
  }
}

void Engine::replay(const model::AiSpan& span, std::int64_t seq, core::UnixNanos now) {
  const auto& applicable = set_->applicable(span.workflow, span.registered);
  if (applicable.empty()) return;
  SpanView view(span, set_->scanner());
  const unsigned kind_bit = 1u << static_cast<unsigned>(span.kind);
  std::vector<model::Signal> discarded;
  for (int index : applicable) {
    if ((set_->detectors()[index].kind_mask & kind_bit) == 0) continue;
    judge(index, view, seq, now, false, discarded);
  }
}

void Engine::judge(int index, SpanView& view, std::int64_t seq, core::UnixNanos now, bool emit,
                   std::vector<model::Signal>& out) {
  const CompiledDetector& d = set_->detectors()[index];
  State& state = *states_[index];
  const model::AiSpan& span = view.span();
  DetectorCounters& counters = *counters_[index];

  // Absence: the spans that satisfy the check matter whether or not they match.
  if (auto* absence = std::get_if<AbsenceTracker>(&state.tracker)) {
    if (d.of.holds(view)) absence->required(span.trace_id, span.start_time, now);
    if (!d.match.holds(view)) return;
    if (emit) counters.matches.fetch_add(1, std::memory_order_relaxed);
    AbsenceTracker::Pending action{span.trace_id, span.span_id, span.start_time, seq};
    if (absence->action(action, now)) return;
    // Replayed actions wait too: if their signal was stored before the restart, the store's
    // dedup key drops the second one.
    drafts_[{index, seq}] = Draft{make_signal(d, view, seq, now), now};
    return;
  }

  if (!d.match.holds(view)) return;
  if (emit) counters.matches.fetch_add(1, std::memory_order_relaxed);

  std::optional<model::Signal> signal;
  const auto fire = [&](json::object observed, std::string detail) {
    if (!emit) return;
    signal = make_signal(d, view, seq, now);
    for (auto& [key, value] : observed) signal->observed[key] = value;
    if (!detail.empty()) signal->summary += " (" + detail + ")";
  };

  std::visit(
      [&](auto& tracker) {
        using T = std::decay_t<decltype(tracker)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          fire({}, "");
        } else if constexpr (std::is_same_v<T, DuplicateTracker>) {
          const auto& spec = std::get<DuplicateSpec>(d.def.stateful);
          std::string key = group_key(d, view);
          json::object key_values;
          for (const auto& field : spec.key) {
            std::string value = view.first_text(field);
            key += '\x1f';
            key += value;
            key_values[field.name] = value;
          }
          if (auto hit = tracker.observe(key, span.start_time)) {
            fire({{"key", std::move(key_values)},
                  {"occurrences", hit->occurrences},
                  {"previous_time", core::format_rfc3339(hit->previous_time)},
                  {"within", duration_text(spec.within)}},
                 std::to_string(hit->occurrences) + " within " + duration_text(spec.within));
          }
        } else if constexpr (std::is_same_v<T, RateTracker>) {
          const core::UnixNanos within = window_of(d.def.stateful);
          if (const auto* near = std::get_if<NearMissSpec>(&d.def.stateful)) {
            const std::string& decision = span.review_decision;
            if (decision != "rejected" && !(near->count_edits && decision == "edited")) return;
          }
          if (auto hit = tracker.observe(group_key(d, view), span.start_time)) {
            fire({{"count", hit->count},
                  {"within", duration_text(within)},
                  {"window_start", core::format_rfc3339(hit->window_start)}},
                 std::to_string(hit->count) + " within " + duration_text(within));
          }
        } else if constexpr (std::is_same_v<T, RatioTracker>) {
          const auto& spec = std::get<RatioSpec>(d.def.stateful);
          if (auto hit = tracker.observe(group_key(d, view), span.start_time, d.of.holds(view))) {
            fire({{"hits", hit->hits},
                  {"total", hit->total},
                  {"ratio", hit->ratio},
                  {"above", spec.above},
                  {"within", duration_text(spec.within)}},
                 std::to_string(hit->hits) + " of " + std::to_string(hit->total) + " within " +
                     duration_text(spec.within));
          }
        } else if constexpr (std::is_same_v<T, DriftTracker>) {
          const auto& spec = std::get<DriftSpec>(d.def.stateful);
          const std::string version = view.first_text(spec.version);
          if (version.empty()) return;
          if (auto hit = tracker.observe(group_key(d, view), version, span.start_time,
                                         d.of.holds(view))) {
            fire({{"version_field", spec.version.name},
                  {"version", hit->version},
                  {"previous_version", hit->previous_version},
                  {"hits", hit->hits},
                  {"total", hit->total},
                  {"ratio", hit->ratio},
                  {"previous_hits", hit->previous_hits},
                  {"previous_total", hit->previous_total},
                  {"previous_ratio", hit->previous_ratio},
                  {"factor", spec.factor}},
                 spec.version.name + " " + hit->previous_version + " → " + hit->version);
          }
        } else if constexpr (std::is_same_v<T, AbsenceTracker>) {
          // Handled above.
        }
      },
      state.tracker);

  if (signal) {
    counters.signals.fetch_add(1, std::memory_order_relaxed);
    out.push_back(std::move(*signal));
  }
}

std::string Engine::group_key(const CompiledDetector& d, SpanView& view) const {
  std::string key = view.span().workflow;
  for (const auto& field : d.def.group_by) {
    key += '\x1f';
    key += view.first_text(field);
  }
  return key;
}

model::Signal Engine::make_signal(const CompiledDetector& d, SpanView& view, std::int64_t seq,
                                  core::UnixNanos now) const {
  const model::AiSpan& span = view.span();
  model::Signal s;
  s.source = options_.source;
  s.hunt_id = options_.hunt_id;
  s.detector = d.def.id;
  s.workflow = span.workflow;
  s.category = d.def.category;
  s.owasp = d.def.owasp;
  s.impact = d.def.impact;
  s.summary = d.def.description;
  for (const auto& field : d.def.group_by) s.group.emplace_back(field.name, view.first_text(field));
  s.fingerprint = model::signal_fingerprint(s.detector, s.workflow, s.group);
  s.trace_id = span.trace_id;
  s.span_id = span.span_id;
  s.span_seq = seq;
  s.tool = span.tool_name;
  s.user_id = span.user_id;
  s.session_id = span.session_id;
  s.account_id = span.account_id;
  s.record_id = !span.record_id.empty() ? span.record_id : span.write_record_id;
  s.event_time = span.start_time;
  s.detected_at = now;

  // What matched: the compared fields' values on this span and the scans' counts.
  json::object fields;
  std::vector<FieldValue> values;
  for (const auto& field : d.match.fields()) {
    view.values(field, values);
    if (values.empty()) continue;
    if (values.size() == 1) {
      fields[field.name] = value_json(values.front());
    } else {
      json::array list;
      for (const auto& v : values) list.push_back(value_json(v));
      fields[field.name] = std::move(list);
    }
  }
  if (!fields.empty()) s.observed["fields"] = std::move(fields);
  json::object scans;
  for (int scan : d.match.scans()) {
    for (const auto& [name, count] : view.scan(scan).by_name) {
      auto& slot = scans[name];
      slot = (slot.is_int64() ? slot.get_int64() : 0) + count;
    }
  }
  if (!scans.empty()) s.observed["matches"] = std::move(scans);

  const std::string scope = options_.source == model::SignalSource::kHunt
                                ? "h:" + options_.hunt_id + ":"
                                : std::string("d:");
  s.dedup_key = scope + d.def.id + ":" + span.trace_id + ":" + span.span_id;
  return s;
}

void Engine::tick(core::UnixNanos now, std::vector<model::Signal>& out) {
  for (int i = 0; i < static_cast<int>(states_.size()); ++i) {
    auto* absence = std::get_if<AbsenceTracker>(&states_[i]->tracker);
    if (absence == nullptr) continue;
    for (const auto& due : absence->due(now)) release(i, due, out);
  }
  // Drafts whose check the tracker forgot (satisfied, or dropped to stay within bounds).
  for (auto it = drafts_.begin(); it != drafts_.end();) {
    const auto* absence = std::get_if<AbsenceTracker>(&states_[it->first.first]->tracker);
    const auto& spec = std::get<AbsenceSpec>(set_->detectors()[it->first.first].def.stateful);
    const bool stale = absence == nullptr || now - it->second.queued_at > 2 * spec.grace + 3600 * core::kNanosPerSecond;
    it = stale ? drafts_.erase(it) : std::next(it);
  }
}

void Engine::drain(core::UnixNanos now, std::vector<model::Signal>& out) {
  (void)now;
  for (int i = 0; i < static_cast<int>(states_.size()); ++i) {
    auto* absence = std::get_if<AbsenceTracker>(&states_[i]->tracker);
    if (absence == nullptr) continue;
    for (const auto& due : absence->drain()) release(i, due, out);
  }
  drafts_.clear();
}

void Engine::release(int index, const AbsenceTracker::Pending& due,
                     std::vector<model::Signal>& out) {
  auto it = drafts_.find({index, due.token});
  if (it == drafts_.end()) return;
  model::Signal signal = std::move(it->second.signal);
  drafts_.erase(it);
  const auto& d = set_->detectors()[index];
  const auto& spec = std::get<AbsenceSpec>(d.def.stateful);
  signal.observed["missing_within_trace"] = true;
  signal.observed["grace"] = duration_text(spec.grace);
  signal.summary += " (no required step earlier in the trace)";
  counters_[index]->signals.fetch_add(1, std::memory_order_relaxed);
  out.push_back(std::move(signal));
}

std::size_t Engine::window_groups(int detector) const {
  return std::visit(
      [](const auto& tracker) -> std::size_t {
        using T = std::decay_t<decltype(tracker)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return 0;
        } else if constexpr (std::is_same_v<T, AbsenceTracker>) {
          return tracker.waiting();
        } else {
          return tracker.groups();
        }
      },
      states_[detector]->tracker);
}

std::uint64_t Engine::window_drops(int detector) const {
  return std::visit(
      [](const auto& tracker) -> std::uint64_t {
        using T = std::decay_t<decltype(tracker)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return 0;
        } else {
          return tracker.dropped();
        }
      },
      states_[detector]->tracker);
}

}  // namespace aiir::detect
