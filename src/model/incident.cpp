#include "model/incident.h"

#include <charconv>
#include <limits>
#include <system_error>

#include "model/json_fields.h"

namespace aiir::model {
namespace {

namespace json = boost::json;
using namespace json_fields;

constexpr std::string_view kIdPrefix = "INC-";

template <typename E>
using Names = std::vector<std::pair<std::string_view, E>>;

template <typename E>
std::string_view name_of(const Names<E>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E>
std::optional<E> value_of(const Names<E>& names, std::string_view text) {
  for (const auto& [name, v] : names) {
    if (name == text) return v;
  }
  return std::nullopt;
}

void put_seconds(json::object& o, std::string_view key, std::optional<core::UnixNanos> ns) {
  if (ns) o[key] = static_cast<double>(*ns) / static_cast<double>(core::kNanosPerSecond);
}

// An incident reference written as "INC-7" (what to_json writes) or as the bare number 7;
// 0 when absent or unreadable.
std::int64_t get_incident_ref(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_string()) return parse_incident_id(v->as_string()).value_or(0);
  std::int64_t n = get_int(o, key);
  return n > 0 ? n : 0;
}

void put_incident_ref(json::object& o, std::string_view key, std::int64_t number) {
  if (number != 0) o[key] = incident_id(number);
}

std::optional<core::UnixNanos> span(core::UnixNanos from, core::UnixNanos to) {
  if (from == 0 || to == 0) return std::nullopt;
  return to - from;
}

}  // namespace

const std::vector<std::pair<std::string_view, Severity>>& severity_names() {
  static const Names<Severity> names{
      {"low", Severity::kLow},
      {"medium", Severity::kMedium},
      {"high", Severity::kHigh},
      {"critical", Severity::kCritical},
  };
  return names;
}
std::string_view to_string(Severity severity) { return name_of(severity_names(), severity); }
std::optional<Severity> parse_severity(std::string_view text) {
  return value_of(severity_names(), text);
}

const std::vector<std::pair<std::string_view, Classification>>& classification_names() {
  static const Names<Classification> names{
      {"quality_issue", Classification::kQualityIssue},
      {"near_miss", Classification::kNearMiss},
      {"ai_incident", Classification::kAiIncident},
      {"security_event", Classification::kSecurityEvent},
  };
  return names;
}
std::string_view to_string(Classification classification) {
  return name_of(classification_names(), classification);
}
std::optional<Classification> parse_classification(std::string_view text) {
  return value_of(classification_names(), text);
}

const std::vector<std::pair<std::string_view, IncidentState>>& incident_state_names() {
  static const Names<IncidentState> names{
      {"open", IncidentState::kOpen},
      {"acknowledged", IncidentState::kAcknowledged},
      {"contained", IncidentState::kContained},
      {"resolved", IncidentState::kResolved},
      {"closed", IncidentState::kClosed},
  };
  return names;
}
std::string_view to_string(IncidentState state) { return name_of(incident_state_names(), state); }
std::optional<IncidentState> parse_incident_state(std::string_view text) {
  return value_of(incident_state_names(), text);
}

const std::vector<std::pair<std::string_view, IncidentRole>>& incident_role_names() {
  static const Names<IncidentRole> names{
      {"incident_lead", IncidentRole::kIncidentLead},
      {"business_owner", IncidentRole::kBusinessOwner},
      {"engineering", IncidentRole::kEngineering},
      {"security", IncidentRole::kSecurity},
      {"legal", IncidentRole::kLegal},
      {"compliance", IncidentRole::kCompliance},
      {"communications", IncidentRole::kCommunications},
  };
  return names;
}
std::string_view to_string(IncidentRole role) { return name_of(incident_role_names(), role); }
std::optional<IncidentRole> parse_incident_role(std::string_view text) {
  return value_of(incident_role_names(), text);
}

const std::vector<std::pair<std::string_view, TimelineKind>>& timeline_kind_names() {
  static const Names<TimelineKind> names{
      {"opened", TimelineKind::kOpened},
      {"signal_attached", TimelineKind::kSignalAttached},
      {"severity_changed", TimelineKind::kSeverityChanged},
      {"classification_changed", TimelineKind::kClassificationChanged},
      {"state_changed", TimelineKind::kStateChanged},
      {"assigned", TimelineKind::kAssigned},
      {"note", TimelineKind::kNote},
      {"recurred", TimelineKind::kRecurred},
      {"merged", TimelineKind::kMerged},
      {"split", TimelineKind::kSplit},
      {"control_changed", TimelineKind::kControlChanged},
      {"notification", TimelineKind::kNotification},
      {"evidence", TimelineKind::kEvidence},
      {"playbook_matched", TimelineKind::kPlaybookMatched},
      {"approval_requested", TimelineKind::kApprovalRequested},
      {"approval_granted", TimelineKind::kApprovalGranted},
      {"approval_refused", TimelineKind::kApprovalRefused},
      {"review", TimelineKind::kReview},
  };
  return names;
}
std::string_view to_string(TimelineKind kind) { return name_of(timeline_kind_names(), kind); }
std::optional<TimelineKind> parse_timeline_kind(std::string_view text) {
  return value_of(timeline_kind_names(), text);
}

bool pages_people(Classification classification) {
  switch (classification) {
    case Classification::kAiIncident:
    case Classification::kSecurityEvent: return true;
    case Classification::kQualityIssue:
    case Classification::kNearMiss: return false;
  }
  return false;
}

const std::vector<IncidentState>& allowed_transitions(IncidentState from) {
  using S = IncidentState;
  static const std::vector<S> from_open{S::kAcknowledged, S::kContained, S::kResolved};
  static const std::vector<S> from_acknowledged{S::kContained, S::kResolved};
  static const std::vector<S> from_contained{S::kResolved};
  static const std::vector<S> from_resolved{S::kOpen, S::kClosed};
  static const std::vector<S> none;
  switch (from) {
    case S::kOpen: return from_open;
    case S::kAcknowledged: return from_acknowledged;
    case S::kContained: return from_contained;
    case S::kResolved: return from_resolved;
    case S::kClosed: return none;
  }
  return none;
}

core::Status check_transition(IncidentState from, IncidentState to) {
  const auto& allowed = allowed_transitions(from);
  for (IncidentState s : allowed) {
    if (s == to) return core::Status::Ok();
  }
  std::string message = "cannot go from ";
  message += to_string(from);
  message += " to ";
  message += to_string(to);
  if (allowed.empty()) {
    message += "; a closed incident is final";
  } else {
    message += "; from ";
    message += to_string(from);
    message += " an incident can go to: ";
    for (std::size_t i = 0; i < allowed.size(); ++i) {
      if (i > 0) message += ", ";
      message += to_string(allowed[i]);
    }
  }
  return core::Error(core::Code::kFailedPrecondition, std::move(message));
}

std::string incident_id(std::int64_t number) {
  return std::string(kIdPrefix) + std::to_string(number);
}

std::optional<std::int64_t> parse_incident_id(std::string_view id) {
  if (id.size() <= kIdPrefix.size() || id.substr(0, kIdPrefix.size()) != kIdPrefix) {
    return std::nullopt;
  }
  std::string_view digits = id.substr(kIdPrefix.size());
  // A leading zero, sign or space would give one incident a second spelling.
  if (digits.front() < '1' || digits.front() > '9') return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

std::optional<core::UnixNanos> Incident::time_to_detect() const {
  return span(first_matching_span, opened_at);
}
std::optional<core::UnixNanos> Incident::time_to_acknowledge() const {
  return span(opened_at, acknowledged_at);
}
std::optional<core::UnixNanos> Incident::time_to_contain() const {
  return span(opened_at, contained_at);
}
std::optional<core::UnixNanos> Incident::time_to_resolve() const {
  return span(opened_at, resolved_at);
}

core::Status Incident::transition(IncidentState to, core::UnixNanos at) {
  AIIR_RETURN_IF_ERROR(check_transition(state, to));
  state = to;
  if (to == IncidentState::kOpen) {
    // Reopened: no longer resolved. The first opening stays the origin of every metric.
    resolved_at = 0;
    return core::Status::Ok();
  }
  // Reaching a later state implies the earlier ones; a time already recorded is the first
  // time the incident got there and is kept.
  const std::pair<IncidentState, core::UnixNanos*> stages[] = {
      {IncidentState::kAcknowledged, &acknowledged_at},
      {IncidentState::kContained, &contained_at},
      {IncidentState::kResolved, &resolved_at},
      {IncidentState::kClosed, &closed_at},
  };
  for (const auto& [stage, stamp] : stages) {
    if (*stamp == 0) *stamp = at;
    if (stage == to) break;
  }
  return core::Status::Ok();
}

json::object to_json(const Incident& incident) {
  json::object o;
  o["id"] = incident.id();
  o["number"] = incident.number;
  put(o, "title", incident.title);
  put(o, "workflow", incident.workflow);
  put(o, "fingerprint", incident.fingerprint);
  put(o, "detector", incident.detector);
  o["category"] = to_string(incident.category);
  o["classification"] = to_string(incident.classification);
  o["severity"] = to_string(incident.severity);
  json::array reasons;
  for (const auto& reason : incident.severity_reasons) reasons.emplace_back(reason);
  o["severity_reasons"] = std::move(reasons);
  o["state"] = to_string(incident.state);
  put_time(o, "opened_at", incident.opened_at);
  put_time(o, "acknowledged_at", incident.acknowledged_at);
  put_time(o, "contained_at", incident.contained_at);
  put_time(o, "resolved_at", incident.resolved_at);
  put_time(o, "closed_at", incident.closed_at);
  put_time(o, "first_seen", incident.first_seen);
  put_time(o, "last_seen", incident.last_seen);
  put_time(o, "first_matching_span", incident.first_matching_span);
  put_seconds(o, "time_to_detect_seconds", incident.time_to_detect());
  put_seconds(o, "time_to_acknowledge_seconds", incident.time_to_acknowledge());
  put_seconds(o, "time_to_contain_seconds", incident.time_to_contain());
  put_seconds(o, "time_to_resolve_seconds", incident.time_to_resolve());
  o["signal_count"] = incident.signal_count;
  o["distinct_users"] = incident.distinct_users;
  o["distinct_accounts"] = incident.distinct_accounts;
  o["records_written"] = incident.records_written;
  o["recurrences"] = incident.recurrences;
  json::array roles;
  for (const auto& assignment : incident.roles) {
    json::object r;
    r["role"] = to_string(assignment.role);
    r["who"] = assignment.who;
    roles.emplace_back(std::move(r));
  }
  o["roles"] = std::move(roles);
  put_incident_ref(o, "linked_to", incident.linked_to);
  put_incident_ref(o, "merged_into", incident.merged_into);
  if (!incident.merged_from.empty()) {
    json::array merged;
    for (std::int64_t number : incident.merged_from) merged.emplace_back(incident_id(number));
    o["merged_from"] = std::move(merged);
  }
  if (incident.severity_override_computed) {
    o["severity_override_computed"] = to_string(*incident.severity_override_computed);
  }
  return o;
}

Incident incident_from_json(const json::object& o) {
  Incident incident;
  incident.number = get_int(o, "number");
  if (incident.number == 0) {
    // An object written by hand may carry only the id.
    incident.number = parse_incident_id(get_string(o, "id")).value_or(0);
  }
  incident.title = get_string(o, "title");
  incident.workflow = get_string(o, "workflow");
  incident.fingerprint = get_string(o, "fingerprint");
  incident.detector = get_string(o, "detector");
  incident.category =
      parse_category(get_string(o, "category")).value_or(Category::kPolicyViolation);
  incident.classification = parse_classification(get_string(o, "classification"))
                                .value_or(Classification::kAiIncident);
  incident.severity = parse_severity(get_string(o, "severity")).value_or(Severity::kMedium);
  if (const auto* v = o.if_contains("severity_reasons"); v != nullptr && v->is_array()) {
    for (const auto& reason : v->as_array()) {
      if (reason.is_string()) incident.severity_reasons.emplace_back(reason.as_string());
    }
  }
  incident.state = parse_incident_state(get_string(o, "state")).value_or(IncidentState::kOpen);
  incident.opened_at = get_time(o, "opened_at");
  incident.acknowledged_at = get_time(o, "acknowledged_at");
  incident.contained_at = get_time(o, "contained_at");
  incident.resolved_at = get_time(o, "resolved_at");
  incident.closed_at = get_time(o, "closed_at");
  incident.first_seen = get_time(o, "first_seen");
  incident.last_seen = get_time(o, "last_seen");
  incident.first_matching_span = get_time(o, "first_matching_span");
  incident.signal_count = get_int(o, "signal_count");
  incident.distinct_users = get_int(o, "distinct_users");
  incident.distinct_accounts = get_int(o, "distinct_accounts");
  incident.records_written = get_int(o, "records_written");
  incident.recurrences = get_int(o, "recurrences");
  if (const auto* v = o.if_contains("roles"); v != nullptr && v->is_array()) {
    for (const auto& item : v->as_array()) {
      if (!item.is_object()) continue;
      auto role = parse_incident_role(get_string(item.as_object(), "role"));
      if (!role) continue;
      incident.roles.push_back({*role, get_string(item.as_object(), "who")});
    }
  }
  incident.linked_to = get_incident_ref(o, "linked_to");
  incident.merged_into = get_incident_ref(o, "merged_into");
  if (const auto* v = o.if_contains("merged_from"); v != nullptr && v->is_array()) {
    for (const auto& item : v->as_array()) {
      if (!item.is_string()) continue;
      if (auto number = parse_incident_id(item.as_string())) incident.merged_from.push_back(*number);
    }
  }
  incident.severity_override_computed =
      parse_severity(get_string(o, "severity_override_computed"));
  return incident;
}

json::object to_json(const TimelineEvent& event) {
  json::object o;
  o["seq"] = event.seq;
  put_incident_ref(o, "incident", event.incident);
  put_time(o, "time", event.time);
  put(o, "actor", event.actor);
  o["kind"] = to_string(event.kind);
  put(o, "summary", event.summary);
  put(o, "reason", event.reason);
  o["detail"] = event.detail;
  return o;
}

TimelineEvent timeline_event_from_json(const json::object& o) {
  TimelineEvent event;
  event.seq = get_int(o, "seq");
  event.incident = get_incident_ref(o, "incident");
  event.time = get_time(o, "time");
  event.actor = get_string(o, "actor");
  event.kind = parse_timeline_kind(get_string(o, "kind")).value_or(TimelineKind::kNote);
  event.summary = get_string(o, "summary");
  event.reason = get_string(o, "reason");
  if (const auto* v = o.if_contains("detail"); v != nullptr && v->is_object()) {
    event.detail = v->as_object();
  }
  return event;
}

}  // namespace aiir::model
