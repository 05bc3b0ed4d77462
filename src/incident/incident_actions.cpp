// IncidentService: what responders do to incidents, and what is read back (response summary,
// metrics). Every action runs under the change lock, like the follower's batches.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/prometheus.h"
#include "incident/incident_service_impl.h"

namespace aiir::incident {
namespace {

namespace json = boost::json;
using model::Incident;
using model::IncidentState;
using model::TimelineKind;

constexpr std::size_t kMaxNoteBytes = 16 * 1024;
// The response summary reads at most this many incidents of the period.
constexpr int kMaxIncidentsSummarized = 100'000;

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

core::Status require_reason(const std::string& reason, std::string_view what) {
  if (!blank(reason)) return core::Status();
  return core::invalid("'reason' is required to " + std::string(what) +
                       ": say why, for the timeline and the audit log");
}

// The first line of a note, shortened, for the timeline's one-line summary.
std::string one_line(const std::string& text, std::size_t max = 160) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > max) {
    line.resize(max);
    line += "…";
  }
  return line;
}

core::Result<store::IncidentChange> only(core::Result<std::vector<store::IncidentChange>> saved,
                                         std::size_t index) {
  if (!saved.ok()) return saved.error();
  return std::move((*saved)[index]);
}

}  // namespace

// An incident a responder may change: it exists, is not merged into another, and (unless
// `closed_ok`) is not closed.
core::Result<Pending> IncidentService::Impl::begin(std::int64_t number, bool closed_ok,
                                                   bool merged_ok) {
  auto incident = load(number);
  if (!incident.ok()) return incident.error();
  if (!merged_ok && incident->merged_into != 0) {
    return core::failed_precondition(
        incident->id() + " was merged into " + model::incident_id(incident->merged_into) +
        ": act on " + model::incident_id(incident->merged_into) + ", or split " + incident->id() +
        " out of it first");
  }
  if (!closed_ok && incident->state == IncidentState::kClosed) {
    return core::failed_precondition(incident->id() +
                                     " is closed, and closed is final; add a note, or open a new "
                                     "incident");
  }
  Pending p;
  p.incident = *incident;
  p.before = std::move(*incident);
  return p;
}

core::Result<store::IncidentChange> IncidentService::transition(std::int64_t number,
                                                                IncidentState to,
                                                                const Actor& actor,
                                                                const std::string& reason) {
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto p = s.begin(number, /*closed_ok=*/true);
  if (!p.ok()) return p.error();
  const IncidentState from = p->incident.state;
  const core::UnixNanos now = s.clock.now();
  if (auto moved = p->incident.transition(to, now); !moved.ok()) {
    return core::failed_precondition(p->incident.id() + ": " + moved.error().message());
  }
  const bool reopened = from == IncidentState::kResolved && to == IncidentState::kOpen;
  std::string summary = reopened ? "reopened"
                                 : fmt::format("{} → {}", model::to_string(from),
                                               model::to_string(to));
  p->events.push_back(make_event(TimelineKind::kStateChanged, now, actor.label(),
                                 std::move(summary), reason,
                                 json::object{{"from", model::to_string(from)},
                                              {"to", model::to_string(to)}}));
  std::vector<Pending> changes{std::move(*p)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<store::IncidentChange> IncidentService::set_severity(std::int64_t number,
                                                                  model::Severity severity,
                                                                  const Actor& actor,
                                                                  const std::string& reason) {
  AIIR_RETURN_IF_ERROR(require_reason(reason, "set the severity"));
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto p = s.begin(number, /*closed_ok=*/false);
  if (!p.ok()) return p.error();
  Incident& incident = p->incident;
  if (incident.severity == severity) {
    return core::failed_precondition(incident.id() + " is " +
                                     std::string(model::to_string(severity)) + " already");
  }
  const auto cfg = s.config();
  const SeverityDecision computed = s.compute(incident, s.counted(incident, *cfg), *cfg);
  const std::string from(model::to_string(incident.severity));
  incident.severity = severity;
  incident.severity_reasons = {"set by " + actor.label() + ": " + reason};
  incident.severity_override_computed = computed.severity;
  p->events.push_back(make_event(
      TimelineKind::kSeverityChanged, s.clock.now(), actor.label(),
      "severity " + from + " → " + std::string(model::to_string(severity)), reason,
      json::object{{"from", from},
                   {"to", model::to_string(severity)},
                   {"policy_computes", model::to_string(computed.severity)}}));
  std::vector<Pending> changes{std::move(*p)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<store::IncidentChange> IncidentService::classify(
    std::int64_t number, model::Classification classification, const Actor& actor,
    const std::string& reason) {
  AIIR_RETURN_IF_ERROR(require_reason(reason, "change the classification"));
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto p = s.begin(number, /*closed_ok=*/false);
  if (!p.ok()) return p.error();
  Incident& incident = p->incident;
  if (incident.classification == classification) {
    return core::failed_precondition(incident.id() + " is classified " +
                                     std::string(model::to_string(classification)) + " already");
  }
  const std::string from(model::to_string(incident.classification));
  incident.classification = classification;
  const core::UnixNanos now = s.clock.now();
  p->events.push_back(make_event(
      TimelineKind::kClassificationChanged, now, actor.label(),
      "classification " + from + " → " + std::string(model::to_string(classification)) +
          (model::pages_people(classification) ? " (pages people)" : " (counted, not paged)"),
      reason, json::object{{"from", from}, {"to", model::to_string(classification)}}));
  // A classification cap may have held the severity down (a near miss that proves real).
  const auto cfg = s.config();
  s.auto_severity(*p, s.counted(incident, *cfg), *cfg, now);
  std::vector<Pending> changes{std::move(*p)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<store::IncidentChange> IncidentService::assign(std::int64_t number,
                                                            model::IncidentRole role,
                                                            const std::string& who,
                                                            const Actor& actor,
                                                            const std::string& reason) {
  if (blank(who)) {
    return core::invalid("'who' must name a person or a contact: a role is reassigned, never "
                         "left empty (an incident always has a named lead)");
  }
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto p = s.begin(number, /*closed_ok=*/false);
  if (!p.ok()) return p.error();
  auto& roles = p->incident.roles;
  auto it = std::find_if(roles.begin(), roles.end(),
                         [role](const model::RoleAssignment& r) { return r.role == role; });
  std::string from;
  if (it != roles.end()) {
    if (it->who == who) {
      return core::failed_precondition(who + " is " + std::string(model::to_string(role)) +
                                       " of " + p->incident.id() + " already");
    }
    from = it->who;
    it->who = who;
  } else {
    roles.push_back({role, who});
    std::sort(roles.begin(), roles.end(),
              [](const auto& a, const auto& b) { return a.role < b.role; });
  }
  const std::string role_name(model::to_string(role));
  json::object detail{{"role", role_name}, {"to", who}};
  if (!from.empty()) detail["from"] = from;
  p->events.push_back(make_event(TimelineKind::kAssigned, s.clock.now(), actor.label(),
                                 role_name + ": " + (from.empty() ? "" : from + " → ") + who,
                                 reason, std::move(detail)));
  std::vector<Pending> changes{std::move(*p)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<store::IncidentChange> IncidentService::add_note(std::int64_t number,
                                                              const std::string& text,
                                                              const Actor& actor) {
  if (blank(text)) return core::invalid("'text' must not be empty");
  if (text.size() > kMaxNoteBytes) {
    return core::invalid(fmt::format("'text' is {} bytes; a note holds at most {} (attach long "
                                     "material as evidence instead)",
                                     text.size(), kMaxNoteBytes));
  }
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  // Notes are welcome at any time: after closing (the review), and on a merged incident.
  auto p = s.begin(number, /*closed_ok=*/true, /*merged_ok=*/true);
  if (!p.ok()) return p.error();
  p->events.push_back(make_event(TimelineKind::kNote, s.clock.now(), actor.label(),
                                 one_line(text), "", json::object{{"text", text}}));
  std::vector<Pending> changes{std::move(*p)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<store::IncidentChange> IncidentService::merge(
    std::int64_t target, const std::vector<std::int64_t>& sources, const Actor& actor,
    const std::string& reason) {
  AIIR_RETURN_IF_ERROR(require_reason(reason, "merge incidents"));
  if (sources.empty()) return core::invalid("'incidents' must name at least one incident to merge");
  const std::set<std::int64_t> unique(sources.begin(), sources.end());
  if (unique.size() != sources.size()) return core::invalid("'incidents' names one twice");
  if (unique.count(target) != 0) {
    return core::invalid("cannot merge " + model::incident_id(target) + " into itself");
  }
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto into = s.begin(target, /*closed_ok=*/false);
  if (!into.ok()) return into.error();
  const core::UnixNanos now = s.clock.now();
  std::vector<Pending> changes;
  for (std::int64_t number : sources) {
    auto source = s.begin(number, /*closed_ok=*/false);
    if (!source.ok()) return source.error();
    if (!source->incident.merged_from.empty()) {
      return core::failed_precondition(
          source->incident.id() + " has incidents merged into it; merge into " +
          source->incident.id() + " instead, or split them out first");
    }
    Incident& from = source->incident;
    from.merged_into = target;
    source->events.push_back(make_event(TimelineKind::kMerged, now, actor.label(),
                                        "merged into " + into->incident.id(), reason,
                                        json::object{{"into", into->incident.id()}}));
    Incident& to = into->incident;
    to.merged_from.push_back(number);
    to.classification = std::max(to.classification, from.classification);
    if (from.severity > to.severity) {
      to.severity = from.severity;
      to.severity_reasons = from.severity_reasons;
      to.severity_reasons.push_back("from " + from.id());
    }
    to.recurrences += from.recurrences;
    into->events.push_back(make_event(
        TimelineKind::kMerged, now, actor.label(),
        fmt::format("{} merged in: {} signals", from.id(), from.signal_count), reason,
        json::object{{"from", from.id()}, {"signals", from.signal_count}}));
    changes.push_back(std::move(*source));
  }
  s.by_fingerprint.clear();  // what stands for what changed
  // Its blast radius and times over every signal it now stands for; severity may rise.
  const auto cfg = s.config();
  Counted& c = s.counters[target];
  s.count_again(into->incident, *cfg, c, {});
  c.used = ++s.use_clock;
  s.auto_severity(*into, c, *cfg, now);
  changes.push_back(std::move(*into));
  return only(s.save(changes, "", 0), changes.size() - 1);
}

core::Result<store::IncidentChange> IncidentService::split(std::int64_t number,
                                                           const SplitRequest& request,
                                                           const Actor& actor,
                                                           const std::string& reason) {
  if (request.signals.empty() == (request.merged == 0)) {
    return core::invalid("name either 'signals' to move into a new incident or 'incident' (one "
                         "merged into this one) to take out again");
  }
  Impl& s = *impl_;
  std::lock_guard change(s.change_mu);
  auto from = s.begin(number, /*closed_ok=*/false);
  if (!from.ok()) return from.error();
  const auto cfg = s.config();
  const core::UnixNanos now = s.clock.now();
  Incident& source = from->incident;
  s.by_fingerprint.clear();  // what stands for what changes

  if (request.merged != 0) {
    auto& merged = source.merged_from;
    auto it = std::find(merged.begin(), merged.end(), request.merged);
    if (it == merged.end()) {
      return core::failed_precondition(model::incident_id(request.merged) +
                                       " is not merged into " + source.id());
    }
    auto out = s.begin(request.merged, /*closed_ok=*/true, /*merged_ok=*/true);
    if (!out.ok()) return out.error();
    merged.erase(it);
    out->incident.merged_into = 0;
    out->events.push_back(make_event(TimelineKind::kSplit, now, actor.label(),
                                     "split out of " + source.id() + ": on its own again",
                                     reason, json::object{{"from", source.id()}}));
    from->events.push_back(make_event(TimelineKind::kSplit, now, actor.label(),
                                      out->incident.id() + " split out", reason,
                                      json::object{{"incident", out->incident.id()}}));
    s.count_again(source, *cfg, s.counters[number], {});
    s.count_again(out->incident, *cfg, s.counters[request.merged], {});
    std::vector<Pending> changes{std::move(*from), std::move(*out)};
    return only(s.save(changes, "", 0), 1);
  }

  std::vector<model::Signal> moved;
  std::set<std::int64_t> moved_seqs;
  for (std::int64_t seq : request.signals) {
    if (!moved_seqs.insert(seq).second) continue;
    auto signal = s.store.get_signal(seq);
    if (!signal.ok()) return signal.error();
    const std::string id = "sig-" + std::to_string(seq);
    if (!*signal) return core::not_found("no signal '" + id + "'");
    if ((*signal)->incident != number) {
      return core::failed_precondition(
          id + " belongs to " +
          ((*signal)->incident == 0 ? std::string("no incident")
                                    : model::incident_id((*signal)->incident)) +
          ", not " + source.id());
    }
    moved.push_back(std::move(**signal));
  }
  if (static_cast<std::int64_t>(moved.size()) >= source.signal_count) {
    return core::failed_precondition("cannot split every signal out of " + source.id() +
                                     "; change its title or classification instead");
  }
  std::sort(moved.begin(), moved.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });

  // The new incident's number is known before saving (the store numbers max + 1, and every
  // incident change passes this lock), so both timelines can name each other.
  store::IncidentQuery newest;
  newest.limit = 1;
  auto page = s.store.query_incidents(newest);
  if (!page.ok()) return page.error();
  const std::int64_t new_number = page->incidents.empty() ? 1 : page->incidents[0].number + 1;

  Pending out;
  out.is_new = true;
  Incident& split_off = out.incident;
  split_off = open_from(moved.front(), now);
  split_off.number = new_number;
  if (!request.title.empty()) split_off.title = request.title;
  split_off.linked_to = number;
  split_off.classification = source.classification;
  split_off.roles = source.roles;
  Counted& c = s.counters[new_number];
  c = Counted{};
  c.subjects.add(moved.front());
  for (std::size_t i = 1; i < moved.size(); ++i) attach(split_off, moved[i], c.subjects);
  for (const auto& signal : moved) {
    s.note_tool(c, signal, *cfg);
    out.signals.push_back(signal.seq);
  }
  json::array ids;
  for (const auto& signal : moved) ids.emplace_back(signal.id());
  out.events.push_back(make_event(TimelineKind::kOpened, now, actor.label(),
                                  "split out of " + source.id() + ": " + split_off.title, reason,
                                  json::object{{"from", source.id()}, {"signals", ids}}));
  s.auto_severity(out, c, *cfg, now);

  s.count_again(source, *cfg, s.counters[number], moved_seqs);
  from->events.push_back(make_event(
      TimelineKind::kSplit, now, actor.label(),
      fmt::format("{} signals split out into {}", moved.size(), split_off.id()), reason,
      json::object{{"incident", split_off.id()}, {"signals", std::move(ids)}}));
  std::vector<Pending> changes{std::move(out), std::move(*from)};
  return only(s.save(changes, "", 0), 0);
}

core::Result<std::vector<ResponseSummary>> IncidentService::response_summary(
    core::UnixNanos since) {
  std::vector<Incident> incidents;
  store::IncidentQuery query;
  query.since = since;
  query.limit = 1000;
  while (static_cast<int>(incidents.size()) < kMaxIncidentsSummarized) {
    auto page = impl_->store.query_incidents(query);
    if (!page.ok()) return page.error();
    for (auto& incident : page->incidents) incidents.push_back(std::move(incident));
    if (!page->next_cursor) break;
    query.before = page->next_cursor;
  }
  return summarize_response(incidents);
}

void IncidentService::render_metrics(std::string& out) const {
  const IncidentServiceStats st = stats();
  auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} counter\n{} {}\n", name,
                   help, name, name, value);
  };
  fmt::format_to(std::back_inserter(out),
                 "# HELP aiir_incident_cursor Last signal applied to incidents.\n"
                 "# TYPE aiir_incident_cursor gauge\naiir_incident_cursor {}\n",
                 st.cursor);
  counter("aiir_incident_signals_applied_total", "Signals looked at by the incident component.",
          st.signals_applied);
  counter("aiir_incidents_opened_total", "Incidents opened from signals.", st.incidents_opened);
  counter("aiir_incidents_reopened_total", "Resolved incidents reopened because they recurred.",
          st.incidents_reopened);
  counter("aiir_incident_escalations_total", "Automatic severity raises.", st.escalations);
  counter("aiir_incident_store_errors_total", "Store errors while applying signals.",
          st.store_errors);
  if (auto counts = impl_->store.count_incidents(); counts.ok()) {
    out +=
        "# HELP aiir_incidents Incidents by workflow, state, severity and classification.\n"
        "# TYPE aiir_incidents gauge\n";
    for (const auto& c : *counts) {
      fmt::format_to(std::back_inserter(out),
                     "aiir_incidents{{workflow=\"{}\",state=\"{}\",severity=\"{}\","
                     "classification=\"{}\"}} {}\n",
                     core::prometheus_label(c.workflow), model::to_string(c.state),
                     model::to_string(c.severity), model::to_string(c.classification), c.count);
    }
  }
  impl_->histograms.render(out);
}

}  // namespace aiir::incident
