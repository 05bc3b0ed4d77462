#include "incident/incident_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

#include "incident/incident_service_impl.h"
#include "incident/roles.h"

namespace aiir::incident {
namespace {

namespace json = boost::json;
using model::Incident;
using model::IncidentState;
using model::TimelineEvent;
using model::TimelineKind;

constexpr const char* kSystem = "system";
// Counting an incident's subjects again (after a restart, merge or split) reads at most this
// many of its signals; beyond, the stored counts stand (attach never lowers them).
constexpr int kMaxSignalsCounted = 200'000;
GroupingOptions grouping_for(const detect::Detector* detector) {
  GroupingOptions options;
  if (detector == nullptr) return options;
  if (detector->group_window > 0) options.group_window = detector->group_window;
  if (detector->reopen_cooldown > 0) options.reopen_cooldown = detector->reopen_cooldown;
  return options;
}

}  // namespace

TimelineEvent make_event(TimelineKind kind, core::UnixNanos time, std::string actor,
                         std::string summary, std::string reason, json::object detail) {
  TimelineEvent event;
  event.time = time;
  event.actor = std::move(actor);
  event.kind = kind;
  event.summary = std::move(summary);
  event.reason = std::move(reason);
  event.detail = std::move(detail);
  return event;
}

std::string Actor::label() const {
  if (id.empty() || id == kSystem) return kSystem;
  return name.empty() ? id : name + " (" + id + ")";
}

IncidentService::IncidentService(store::Store& store, const core::Clock& clock,
                                 ConfigSource config, IncidentServiceOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(config), options)) {}

IncidentService::~IncidentService() { stop(); }

core::Status IncidentService::start() {
  Impl& s = *impl_;
  auto cursor = s.store.read_cursor(kCursor);
  if (!cursor.ok()) return cursor.error();
  std::int64_t position = 0;
  if (*cursor) {
    position = **cursor;
  } else {
    // Signals stored before incidents existed are history, not news: start after them, and
    // record that now so that a crash before the first batch does not skip what comes next.
    auto last = s.store.last_signal_seq();
    if (!last.ok()) return last.error();
    position = *last;
    auto saved = s.store.save_incidents({}, kCursor, position);
    if (!saved.ok()) return saved.error();
  }
  {
    std::lock_guard change(s.change_mu);
    s.cursor = position;
  }
  {
    std::lock_guard lock(s.mu);
    s.stats.cursor = position;
    s.stopping = false;
  }
  s.thread = std::thread([&s] { s.run(); });
  return core::Status();
}

void IncidentService::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.thread.joinable()) return;
    s.stopping = true;
  }
  s.wake.notify_all();
  s.thread.join();
  s.release_waiters(true);
}

void IncidentService::notify() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->pending_signals = true;
  }
  impl_->wake.notify_one();
}

bool IncidentService::wait_for(std::int64_t signal_seq, core::UnixNanos timeout) {
  std::unique_lock lock(impl_->mu);
  impl_->pending_signals = true;
  impl_->wake.notify_one();
  return impl_->progressed.wait_for(lock, std::chrono::nanoseconds(timeout), [&] {
    return impl_->stats.cursor >= signal_seq;
  });
}

void IncidentService::when_events_after(std::int64_t after_seq, core::UnixNanos deadline,
                                        std::function<void()> ready) {
  Impl& s = *impl_;
  {
    // Under the change lock, no event can be saved between looking and registering.
    std::lock_guard change(s.change_mu);
    auto events = s.store.incident_timeline(0, after_seq, 1);
    const bool now = !events.ok() || !events->empty() || deadline <= s.clock.now();
    if (!now) {
      std::lock_guard lock(s.mu);
      if (!s.stopping && s.thread.joinable()) {
        s.waiters.push_back({deadline, std::move(ready)});
        return;
      }
    }
  }
  ready();
}

IncidentServiceStats IncidentService::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

// --- the follower ---------------------------------------------------------------------------

void IncidentService::Impl::run() {
  while (true) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      pending_signals = false;
    }
    const bool worked = step();
    release_waiters(false);
    std::unique_lock lock(mu);
    if (worked || stopping) continue;
    wake.wait_for(lock, std::chrono::nanoseconds(options.poll),
                  [this] { return stopping || pending_signals || !to_call.empty(); });
  }
}

void IncidentService::Impl::release_waiters(bool all_now) {
  std::vector<std::function<void()>> calls;
  {
    std::lock_guard lock(mu);
    calls.swap(to_call);
    const core::UnixNanos now = clock.now();
    for (auto it = waiters.begin(); it != waiters.end();) {
      if (all_now || it->deadline <= now) {
        calls.push_back(std::move(it->ready));
        it = waiters.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& call : calls) call();
}

bool IncidentService::Impl::step() {
  std::lock_guard change(change_mu);
  auto signals = store.read_signals_after(cursor, options.batch_signals);
  if (!signals.ok()) {
    std::lock_guard lock(mu);
    stats.store_errors++;
    spdlog::warn("incidents: cannot read signals after {}: {}", cursor,
                 signals.error().message());
    return false;
  }
  if (signals->empty()) return false;
  const auto cfg = config();
  const core::UnixNanos now = clock.now();

  // The incidents this batch changes, by number; new ones get negative numbers until stored.
  std::map<std::int64_t, Pending> pending;
  std::vector<std::int64_t> order;
  std::map<std::int64_t, Counted> fresh_counters;  // of the new ones
  std::int64_t next_temp = -1;
  std::uint64_t opened = 0, reopened = 0;

  auto pending_of = [&](const Incident& incident) -> Pending& {
    auto [it, inserted] = pending.try_emplace(incident.number);
    if (inserted) {
      it->second.incident = incident;
      if (incident.number > 0) it->second.before = incident;
      order.push_back(incident.number);
    }
    return it->second;
  };
  auto counter_of = [&](const Incident& incident) -> Counted& {
    if (incident.number < 0) return fresh_counters[incident.number];
    return counted(incident, *cfg);
  };

  for (const model::Signal& signal : *signals) {
    if (signal.incident != 0 || signal.source == model::SignalSource::kHunt) continue;
    // The fingerprint's incidents, newest first, as this batch has changed them so far. An
    // incident merged into another stands for the one it joined.
    std::vector<Incident> same;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const Incident& candidate = pending.at(*it).incident;
      if (*it < 0 && candidate.fingerprint == signal.fingerprint) same.push_back(candidate);
    }
    auto stored = newest_of(signal.fingerprint);
    if (!stored.ok()) {
      std::lock_guard lock(mu);
      stats.store_errors++;
      spdlog::warn("incidents: cannot read incidents: {}", stored.error().message());
      return false;
    }
    for (Incident incident : **stored) {
      for (int hops = 0; incident.merged_into != 0 && hops < 8; ++hops) {
        auto it = pending.find(incident.merged_into);
        if (it != pending.end()) {
          incident = it->second.incident;
          continue;
        }
        auto target = load(incident.merged_into);
        if (!target.ok()) break;
        incident = std::move(*target);
      }
      if (auto it = pending.find(incident.number); it != pending.end()) {
        incident = it->second.incident;
      }
      const bool seen = std::any_of(same.begin(), same.end(), [&](const Incident& i) {
        return i.number == incident.number;
      });
      if (!seen) same.push_back(std::move(incident));
    }
    const detect::Detector* detector = cfg->find_detector(signal.detector);
    const GroupDecision decision = decide(signal, same, now, grouping_for(detector));

    // An outside system saying its condition ended (Alertmanager "resolved") is news for the
    // active incident, not another occurrence: noted, not counted, and it opens nothing.
    // The incident the decision names (attach, reopen); decide only names incidents it was given.
    auto named = std::find_if(same.begin(), same.end(), [&](const Incident& i) {
      return decision.incident != 0 && i.number == decision.incident;
    });
    if (signal.resolved) {
      if (decision.action != GroupAction::kAttach || named == same.end()) continue;
      Pending& p = pending_of(*named);
      p.signals.push_back(signal.seq);
      p.events.push_back(make_event(TimelineKind::kNote, now, kSystem,
                                    signal.detector + " says the condition ended: " +
                                        signal.summary,
                                    "", json::object{{"signal", signal.id()}, {"resolved", true}}));
      continue;
    }

    Pending* target = nullptr;
    switch (decision.action) {
      case GroupAction::kIgnore:
        continue;
      case GroupAction::kAttach:
      case GroupAction::kReopen: {
        if (named == same.end()) continue;
        target = &pending_of(*named);
        if (decision.action == GroupAction::kReopen) {
          Incident& incident = target->incident;
          if (!incident.transition(IncidentState::kOpen, now).ok()) continue;
          incident.recurrences++;
          target->events.push_back(make_event(TimelineKind::kRecurred, now, kSystem,
                                              "recurred: " + signal.summary, decision.why,
                                              json::object{{"signal", signal.id()}}));
          reopened++;
        }
        break;
      }
      case GroupAction::kOpen:
      case GroupAction::kOpenLinked: {
        Incident incident = open_from(signal, now);
        incident.number = next_temp--;
        if (decision.action == GroupAction::kOpenLinked) incident.linked_to = decision.incident;
        if (detector != nullptr && detector->classification) {
          incident.classification = *detector->classification;
        }
        const model::Workflow* workflow = cfg->find_workflow(incident.workflow);
        incident.roles = initial_roles(
            workflow, workflow != nullptr
                          ? cfg->find_escalation_policy(workflow->escalation_policy)
                          : nullptr);
        target = &pending_of(incident);
        target->is_new = true;
        Counted& c = fresh_counters[incident.number];
        c.subjects.add(signal);
        note_tool(c, signal, *cfg);
        target->signals.push_back(signal.seq);
        target->attached_ids.push_back(signal.id());
        json::object detail{{"signal", signal.id()}, {"detector", signal.detector},
                            {"why", decision.why}};
        if (incident.linked_to != 0) detail["linked_to"] = model::incident_id(incident.linked_to);
        target->events.push_back(make_event(TimelineKind::kOpened, now, kSystem,
                                            "opened: " + incident.title, "", std::move(detail)));
        auto_severity(*target, c, *cfg, now);
        opened++;
        continue;
      }
    }
    Counted& c = counter_of(target->incident);
    target->attach_summary = attach(target->incident, signal, c.subjects);
    note_tool(c, signal, *cfg);
    target->signals.push_back(signal.seq);
    target->attached_ids.push_back(signal.id());
    auto_severity(*target, c, *cfg, now);
  }

  // One "signals attached" event per incident and batch keeps a busy incident's timeline
  // readable; the ids are in its detail (the first ones) and every signal knows its incident.
  std::vector<Pending> changes;
  for (std::int64_t key : order) {
    Pending& p = pending.at(key);
    const std::size_t attached = p.attached_ids.size() - (p.is_new ? 1 : 0);
    if (attached > 0) {
      json::array ids;
      for (std::size_t i = p.is_new ? 1 : 0;
           i < p.attached_ids.size() && ids.size() < options.max_ids_per_event; ++i) {
        ids.emplace_back(p.attached_ids[i]);
      }
      std::string summary = p.attach_summary;
      if (attached > 1) {
        const auto colon = summary.find(": ");
        summary = std::to_string(attached) + " signals attached" +
                  (colon == std::string::npos ? "" : summary.substr(colon));
      }
      p.events.push_back(make_event(TimelineKind::kSignalAttached, now, kSystem, summary, "",
                                    json::object{{"signals", std::move(ids)},
                                                 {"count", attached}}));
    }
    changes.push_back(std::move(p));
  }
  const std::int64_t position = signals->back().seq;
  auto saved = save(changes, IncidentService::kCursor, position);
  if (!saved.ok()) {
    std::lock_guard lock(mu);
    stats.store_errors++;
    spdlog::warn("incidents: cannot save {} incident changes: {}", changes.size(),
                 saved.error().message());
    return false;
  }
  cursor = position;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const store::IncidentChange& done = (*saved)[i];
    if (changes[i].is_new) {
      counters[done.incident.number] = std::move(fresh_counters[changes[i].incident.number]);
      counters[done.incident.number].used = ++use_clock;
      spdlog::info("incident {} opened: {} ({}, {})", done.incident.id(), done.incident.title,
                   model::to_string(done.incident.severity),
                   model::to_string(done.incident.classification));
    }
  }
  evict_counters();
  {
    std::lock_guard lock(mu);
    stats.cursor = position;
    stats.signals_applied += signals->size();
    stats.incidents_opened += opened;
    stats.incidents_reopened += reopened;
  }
  progressed.notify_all();
  return true;
}

// --- shared pieces --------------------------------------------------------------------------

core::Result<const std::vector<Incident>*> IncidentService::Impl::newest_of(
    const std::string& fingerprint) {
  if (auto it = by_fingerprint.find(fingerprint); it != by_fingerprint.end()) {
    return &it->second;
  }
  store::IncidentQuery query;
  query.fingerprint = fingerprint;
  query.limit = kNewestPerFingerprint;
  auto stored = store.query_incidents(query);
  if (!stored.ok()) return stored.error();
  if (by_fingerprint.size() >= options.max_fingerprints_cached) by_fingerprint.clear();
  auto [it, inserted] = by_fingerprint.emplace(fingerprint, std::move(stored->incidents));
  return &it->second;
}

void IncidentService::Impl::remember(const Incident& incident) {
  auto it = by_fingerprint.find(incident.fingerprint);
  if (it == by_fingerprint.end()) return;  // read from the store when first needed
  auto& newest = it->second;
  auto same = std::find_if(newest.begin(), newest.end(), [&](const Incident& i) {
    return i.number == incident.number;
  });
  if (same != newest.end()) {
    *same = incident;
    return;
  }
  newest.insert(newest.begin(), incident);  // a new incident is the newest of its fingerprint
  if (newest.size() > kNewestPerFingerprint) newest.pop_back();
}

Counted& IncidentService::Impl::counted(const Incident& incident, const config::Config& cfg) {
  auto it = counters.find(incident.number);
  if (it == counters.end()) {
    // Not in memory (a restart, or evicted): count its stored signals again.
    it = counters.emplace(incident.number, Counted{}).first;
    Incident copy = incident;
    count_again(copy, cfg, it->second, {});
  }
  it->second.used = ++use_clock;
  return it->second;
}

void IncidentService::Impl::note_tool(Counted& c, const model::Signal& signal,
                                      const config::Config& cfg) {
  if (signal.tool.empty() || !c.irreversible_tool.empty()) return;
  const model::Workflow* workflow = cfg.find_workflow(signal.workflow);
  if (workflow == nullptr) return;
  const model::Tool* tool = workflow->find_tool(signal.tool);
  if (tool != nullptr && !tool->reversible) c.irreversible_tool = tool->name;
}

// Counts the incident's signals (its own and those of incidents merged into it) from the store
// into `into`, except `leave_out`, and sets the incident's counts and times from them. Counts
// and times are set exactly when every signal was read; past kMaxSignalsCounted only raised.
void IncidentService::Impl::count_again(Incident& incident, const config::Config& cfg,
                                        Counted& into, const std::set<std::int64_t>& leave_out) {
  into = Counted{};
  store::SignalQuery query;
  query.incidents.push_back(incident.number);
  query.incidents.insert(query.incidents.end(), incident.merged_from.begin(),
                         incident.merged_from.end());
  query.include_hunts = true;
  query.limit = 1000;
  std::int64_t count = 0;
  core::UnixNanos first = 0, last = 0;
  bool complete = true;
  while (true) {
    auto page = store.query_signals(query);
    if (!page.ok()) {
      complete = false;
      break;
    }
    for (const model::Signal& signal : page->signals) {
      if (leave_out.count(signal.seq) != 0) continue;
      into.subjects.add(signal);
      note_tool(into, signal, cfg);
      count++;
      const core::UnixNanos when = signal.event_time;
      if (when != 0 && (first == 0 || when < first)) first = when;
      if (when > last) last = when;
    }
    if (!page->next_cursor) break;
    if (count >= kMaxSignalsCounted) {
      complete = false;
      break;
    }
    query.before = page->next_cursor;
  }
  if (complete && count > 0) {
    incident.signal_count = count;
    incident.distinct_users = into.subjects.users();
    incident.distinct_accounts = into.subjects.accounts();
    incident.records_written = into.subjects.records();
    incident.first_seen = first;
    incident.last_seen = last;
    incident.first_matching_span = first;
  } else {
    incident.distinct_users = std::max(incident.distinct_users, into.subjects.users());
    incident.distinct_accounts = std::max(incident.distinct_accounts, into.subjects.accounts());
    incident.records_written = std::max(incident.records_written, into.subjects.records());
  }
}

SeverityDecision IncidentService::Impl::compute(const Incident& incident, const Counted& c,
                                                const config::Config& cfg) const {
  SeverityInputs in;
  in.workflow = cfg.find_workflow(incident.workflow);
  in.category = incident.category;
  in.impact = c.subjects.worst_impact();
  in.classification = incident.classification;
  in.distinct_users = incident.distinct_users;
  in.distinct_accounts = incident.distinct_accounts;
  in.records_written = incident.records_written;
  in.signals = incident.signal_count;
  in.recurrences = incident.recurrences;
  in.irreversible_tool = !c.irreversible_tool.empty();
  in.irreversible_tool_name = c.irreversible_tool;
  return evaluate(cfg.severity_policy, in);
}

// Severity rises with what is known and never falls by itself. After a responder set it by hand,
// it rises again only once the policy computes more than it did at that moment.
void IncidentService::Impl::auto_severity(Pending& p, const Counted& c, const config::Config& cfg,
                                          core::UnixNanos now) {
  Incident& incident = p.incident;
  const SeverityDecision computed = compute(incident, c, cfg);
  if (p.is_new && incident.severity_reasons.empty()) {
    incident.severity = computed.severity;
    incident.severity_reasons = computed.reasons;
    return;
  }
  if (incident.severity_override_computed &&
      computed.severity <= *incident.severity_override_computed) {
    return;
  }
  const SeverityDecision next =
      escalate(SeverityDecision{incident.severity, incident.severity_reasons}, computed);
  if (next.severity != incident.severity) {
    p.events.push_back(make_event(
        TimelineKind::kSeverityChanged, now, kSystem,
        "severity " + std::string(model::to_string(incident.severity)) + " → " +
            next.summary() + " (automatic)",
        "", json::object{{"from", model::to_string(incident.severity)},
                         {"to", model::to_string(next.severity)},
                         {"automatic", true}}));
    incident.severity_override_computed.reset();
    std::lock_guard lock(mu);
    stats.escalations++;
  }
  incident.severity = next.severity;
  incident.severity_reasons = next.reasons;
}

core::Result<Incident> IncidentService::Impl::load(std::int64_t number) {
  auto found = store.get_incident(number);
  if (!found.ok()) return found.error();
  if (!*found) return core::not_found("no incident '" + model::incident_id(number) + "'");
  return std::move(**found);
}

core::Result<std::vector<store::IncidentChange>> IncidentService::Impl::save(
    std::vector<Pending>& changes, const std::string& cursor_name, std::int64_t position) {
  std::vector<store::IncidentChange> out;
  out.reserve(changes.size());
  std::vector<Incident> before;
  for (Pending& p : changes) {
    store::IncidentChange change;
    change.incident = p.incident;
    // New incidents are numbered by the store, unless the caller named the number already (a
    // split, whose events name the incident it creates).
    if (p.is_new && change.incident.number < 0) change.incident.number = 0;
    change.events = p.events;
    change.signals = p.signals;
    out.push_back(std::move(change));
  }
  auto saved = store.save_incidents(out, cursor_name, position);
  if (!saved.ok()) return saved.error();
  // Response times become known as incidents open and move: each is observed once, then.
  for (std::size_t i = 0; i < changes.size(); ++i) {
    histograms.observe_change(changes[i].before, (*saved)[i].incident);
    remember((*saved)[i].incident);
  }
  {
    std::lock_guard lock(mu);
    for (auto& waiter : waiters) to_call.push_back(std::move(waiter.ready));
    waiters.clear();
  }
  wake.notify_all();
  return saved;
}

void IncidentService::Impl::evict_counters() {
  while (counters.size() > options.max_counters) {
    auto oldest = std::min_element(counters.begin(), counters.end(), [](const auto& a,
                                                                       const auto& b) {
      return a.second.used < b.second.used;
    });
    counters.erase(oldest);
  }
}

}  // namespace aiir::incident
