#pragma once
// Incident: one or more signals a responder has to deal with, and its lifecycle from open to
// closed. Pure domain types: the store assigns numbers, the incident component decides when to
// open one, and the timeline below is the record of everything that happened to it.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/signal.h"

namespace aiir::model {

// How bad it is (MISSION.md, "Severity"). Ordered: kLow < kMedium < kHigh < kCritical.
enum class Severity { kLow, kMedium, kHigh, kCritical };
// What kind of event it is. Only AI incidents and security events page people.
enum class Classification { kQualityIssue, kNearMiss, kAiIncident, kSecurityEvent };
enum class IncidentState { kOpen, kAcknowledged, kContained, kResolved, kClosed };
// The cross-functional roles a response names (MISSION.md: "named roles, not 'we'll pull people
// in'").
enum class IncidentRole {
  kIncidentLead, kBusinessOwner, kEngineering, kSecurity, kLegal, kCompliance, kCommunications
};
// What a timeline entry records.
enum class TimelineKind {
  kOpened, kSignalAttached, kSeverityChanged, kClassificationChanged, kStateChanged, kAssigned,
  kNote, kRecurred, kMerged, kSplit, kControlChanged, kNotification, kEvidence,
  // Containment (issue 6): a playbook matched the incident; an action it proposes awaits, got or
  // was refused approval; a held output of the incident's workflow was reviewed.
  kPlaybookMatched, kApprovalRequested, kApprovalGranted, kApprovalRefused, kReview
};

// The names used in JSON, the API and configuration ("critical", "near_miss", "incident_lead",
// "signal_attached"), and their inverse. Names are lower case and exact: parse returns nullopt on
// anything else, including other capitalisations. The lists are in enum order.
std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);
const std::vector<std::pair<std::string_view, Severity>>& severity_names();

std::string_view to_string(Classification classification);
std::optional<Classification> parse_classification(std::string_view text);
const std::vector<std::pair<std::string_view, Classification>>& classification_names();

std::string_view to_string(IncidentState state);
std::optional<IncidentState> parse_incident_state(std::string_view text);
const std::vector<std::pair<std::string_view, IncidentState>>& incident_state_names();

std::string_view to_string(IncidentRole role);
std::optional<IncidentRole> parse_incident_role(std::string_view text);
const std::vector<std::pair<std::string_view, IncidentRole>>& incident_role_names();

std::string_view to_string(TimelineKind kind);
std::optional<TimelineKind> parse_timeline_kind(std::string_view text);
const std::vector<std::pair<std::string_view, TimelineKind>>& timeline_kind_names();

// Only AI incidents and security events page people; quality issues and near misses are counted
// (and reviewed), not escalated.
bool pages_people(Classification classification);

// The lifecycle: open → acknowledged → contained → resolved → closed.
//
//   from          | may go to
//   --------------+---------------------------------------
//   open          | acknowledged, contained, resolved
//   acknowledged  | contained, resolved
//   contained     | resolved
//   resolved      | open (reopened, e.g. it recurred), closed
//   closed        | nothing: closed is final
//
// Moving forward may skip states (a responder who contains an incident has acknowledged it);
// nothing moves backward except a reopen from resolved, and no state goes to itself.
// The list is in lifecycle order; empty for closed.
const std::vector<IncidentState>& allowed_transitions(IncidentState from);
// Ok when the table allows from → to. Otherwise kFailedPrecondition with a message naming the
// allowed states: "cannot go from resolved to contained; from resolved an incident can go to:
// open, closed", or for closed "...; a closed incident is final".
core::Status check_transition(IncidentState from, IncidentState to);

// "INC-42" for 42.
std::string incident_id(std::int64_t number);
// 42 for "INC-42". Accepts exactly "INC-" and a positive decimal number without leading zeros
// that fits in int64; nullopt otherwise. Upper case only ("inc-42" is refused) so that each
// incident has exactly one spelling, as incident_id writes it.
std::optional<std::int64_t> parse_incident_id(std::string_view id);

struct RoleAssignment {
  IncidentRole role = IncidentRole::kIncidentLead;
  std::string who;  // name or contact (e-mail, chat handle, pager id)
};

struct Incident {
  std::int64_t number = 0;  // INC-<number>, assigned by the store; 0 until stored
  std::string title;
  std::string workflow;
  std::string fingerprint;  // of the signals it groups
  std::string detector;     // of the first signal
  Category category = Category::kPolicyViolation;
  Classification classification = Classification::kAiIncident;
  Severity severity = Severity::kMedium;
  std::vector<std::string> severity_reasons;  // words a responder reads: why this severity
  IncidentState state = IncidentState::kOpen;
  // When it reached each state; 0 until it has. Set by transition().
  core::UnixNanos opened_at = 0;
  core::UnixNanos acknowledged_at = 0;
  core::UnixNanos contained_at = 0;
  core::UnixNanos resolved_at = 0;
  core::UnixNanos closed_at = 0;
  core::UnixNanos first_seen = 0;  // event time of the first signal
  core::UnixNanos last_seen = 0;   // event time of the last signal
  core::UnixNanos first_matching_span = 0;  // start of the earliest matching span: time to detect
  std::int64_t signal_count = 0;
  // Blast radius, as far as the signals tell.
  std::int64_t distinct_users = 0;
  std::int64_t distinct_accounts = 0;
  std::int64_t records_written = 0;
  std::int64_t recurrences = 0;  // times it came back after being resolved
  std::vector<RoleAssignment> roles;
  std::int64_t linked_to = 0;    // an earlier incident this one recurred from (0 = none)
  std::int64_t merged_into = 0;  // set when merged into another incident (0 = not merged)
  std::vector<std::int64_t> merged_from;  // incidents merged into this one, oldest merge first
  // The severity the policy computed when a responder last set the severity by hand: automatic
  // escalation resumes only once the policy computes more than this (nullopt: never set).
  std::optional<Severity> severity_override_computed;

  std::string id() const { return incident_id(number); }

  // Response metrics in nanoseconds; nullopt until both ends are known (non-zero). Measured
  // from the first opening, so a reopened incident keeps its first detect/acknowledge/contain
  // times. Not clamped: a negative time to detect means the span's clock ran ahead of aiir's.
  std::optional<core::UnixNanos> time_to_detect() const;       // first_matching_span → opened
  std::optional<core::UnixNanos> time_to_acknowledge() const;  // opened → acknowledged
  std::optional<core::UnixNanos> time_to_contain() const;      // opened → contained
  std::optional<core::UnixNanos> time_to_resolve() const;      // opened → resolved

  // Moves to `to` at time `at` if check_transition allows it; otherwise returns its
  // kFailedPrecondition and changes nothing. On success:
  //  - each state's timestamp records when the incident first reached it: a skipped state counts
  //    as reached at `at` (resolving an open incident sets acknowledged_at and contained_at too),
  //    and a state reached again after a reopen keeps its earlier time;
  //  - a reopen (resolved → open) clears resolved_at, so the next resolution is the one counted,
  //    and leaves opened_at as it was. Counting recurrences is the caller's business.
  core::Status transition(IncidentState to, core::UnixNanos at);
};

struct TimelineEvent {
  std::int64_t seq = 0;       // assigned by the store, increasing
  std::int64_t incident = 0;  // the incident's number
  core::UnixNanos time = 0;
  std::string actor;          // API key id, or "system"
  TimelineKind kind = TimelineKind::kNote;
  std::string summary;        // one line
  std::string reason;         // why; required for a responder's change of severity/classification
  boost::json::object detail; // kind-specific: {"from": "medium", "to": "high"}, a signal id, ...
};

// The API's JSON forms, and back (unknown members ignored; unreadable members take the struct's
// defaults). Times are RFC 3339 with nanoseconds; zero times, empty strings and zero links are
// omitted. An incident carries "id": "INC-42", links as ids ("linked_to": "INC-7"), and the four
// response metrics in seconds when known ("time_to_acknowledge_seconds": 272.5), which reading
// ignores because they follow from the times.
boost::json::object to_json(const Incident& incident);
Incident incident_from_json(const boost::json::object& object);
boost::json::object to_json(const TimelineEvent& event);
TimelineEvent timeline_event_from_json(const boost::json::object& object);

}  // namespace aiir::model
