// Incident names, the lifecycle state machine, response metrics, ids and the API's JSON forms.
#include "model/incident.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aiir::model {
namespace {

using S = IncidentState;

constexpr core::UnixNanos kSecond = core::kNanosPerSecond;
// 2026-11-23T05:05:00Z
constexpr core::UnixNanos kT0 = 1'795'410'300LL * kSecond;

template <typename E, typename Parse>
void expect_names_read_back(const std::vector<std::pair<std::string_view, E>>& names,
                            Parse parse) {
  for (const auto& [name, value] : names) {
    EXPECT_EQ(to_string(value), name);
    EXPECT_EQ(parse(name), value) << name;
  }
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("unknown"));
}

TEST(Incident, EveryEnumNameReadsBackAsItsValue) {
  ASSERT_EQ(severity_names().size(), 4u);
  expect_names_read_back(severity_names(), parse_severity);
  ASSERT_EQ(classification_names().size(), 4u);
  expect_names_read_back(classification_names(), parse_classification);
  ASSERT_EQ(incident_state_names().size(), 5u);
  expect_names_read_back(incident_state_names(), parse_incident_state);
  ASSERT_EQ(incident_role_names().size(), 7u);
  expect_names_read_back(incident_role_names(), parse_incident_role);
  ASSERT_EQ(timeline_kind_names().size(), 18u);
  expect_names_read_back(timeline_kind_names(), parse_timeline_kind);
}

TEST(Incident, NamesAreTheDocumentedLowerCaseWords) {
  EXPECT_EQ(to_string(Severity::kCritical), "critical");
  EXPECT_EQ(to_string(Classification::kQualityIssue), "quality_issue");
  EXPECT_EQ(to_string(Classification::kNearMiss), "near_miss");
  EXPECT_EQ(to_string(Classification::kAiIncident), "ai_incident");
  EXPECT_EQ(to_string(Classification::kSecurityEvent), "security_event");
  EXPECT_EQ(to_string(IncidentState::kAcknowledged), "acknowledged");
  EXPECT_EQ(to_string(IncidentRole::kIncidentLead), "incident_lead");
  EXPECT_EQ(to_string(IncidentRole::kBusinessOwner), "business_owner");
  EXPECT_EQ(to_string(IncidentRole::kCommunications), "communications");
  EXPECT_EQ(to_string(TimelineKind::kSignalAttached), "signal_attached");
  EXPECT_EQ(to_string(TimelineKind::kClassificationChanged), "classification_changed");
  EXPECT_EQ(to_string(TimelineKind::kControlChanged), "control_changed");
  EXPECT_FALSE(parse_severity("High"));
  EXPECT_FALSE(parse_severity("sev1"));
  EXPECT_FALSE(parse_classification("ai-incident"));
  EXPECT_FALSE(parse_incident_state("OPEN"));
  EXPECT_FALSE(parse_incident_role("lead"));
}

TEST(Incident, SeveritiesAreOrderedFromLowToCritical) {
  EXPECT_LT(Severity::kLow, Severity::kMedium);
  EXPECT_LT(Severity::kMedium, Severity::kHigh);
  EXPECT_LT(Severity::kHigh, Severity::kCritical);
  EXPECT_EQ(std::max(Severity::kHigh, Severity::kMedium), Severity::kHigh);
}

TEST(Incident, OnlyAiIncidentsAndSecurityEventsPagePeople) {
  EXPECT_TRUE(pages_people(Classification::kAiIncident));
  EXPECT_TRUE(pages_people(Classification::kSecurityEvent));
  EXPECT_FALSE(pages_people(Classification::kQualityIssue));
  EXPECT_FALSE(pages_people(Classification::kNearMiss));
}

TEST(Incident, TheTransitionTableIsTheDocumentedOne) {
  EXPECT_EQ(allowed_transitions(S::kOpen),
            (std::vector<S>{S::kAcknowledged, S::kContained, S::kResolved}));
  EXPECT_EQ(allowed_transitions(S::kAcknowledged), (std::vector<S>{S::kContained, S::kResolved}));
  EXPECT_EQ(allowed_transitions(S::kContained), (std::vector<S>{S::kResolved}));
  EXPECT_EQ(allowed_transitions(S::kResolved), (std::vector<S>{S::kOpen, S::kClosed}));
  EXPECT_TRUE(allowed_transitions(S::kClosed).empty());
}

TEST(Incident, CheckTransitionAllowsExactlyTheTable) {
  for (const auto& [from_name, from] : incident_state_names()) {
    const auto& allowed = allowed_transitions(from);
    for (const auto& [to_name, to] : incident_state_names()) {
      bool expected = std::find(allowed.begin(), allowed.end(), to) != allowed.end();
      core::Status status = check_transition(from, to);
      EXPECT_EQ(status.ok(), expected) << from_name << " -> " << to_name;
      if (!status.ok()) {
        EXPECT_EQ(status.error().code(), core::Code::kFailedPrecondition);
      }
    }
  }
}

TEST(Incident, RefusedTransitionsNameTheAllowedStates) {
  auto message = [](S from, S to) { return check_transition(from, to).error().message(); };
  EXPECT_EQ(message(S::kResolved, S::kContained),
            "cannot go from resolved to contained; from resolved an incident can go to: open, "
            "closed");
  EXPECT_EQ(message(S::kOpen, S::kClosed),
            "cannot go from open to closed; from open an incident can go to: acknowledged, "
            "contained, resolved");
  EXPECT_EQ(message(S::kContained, S::kAcknowledged),
            "cannot go from contained to acknowledged; from contained an incident can go to: "
            "resolved");
  EXPECT_EQ(message(S::kAcknowledged, S::kOpen),
            "cannot go from acknowledged to open; from acknowledged an incident can go to: "
            "contained, resolved");
  EXPECT_EQ(message(S::kOpen, S::kOpen),
            "cannot go from open to open; from open an incident can go to: acknowledged, "
            "contained, resolved");
}

TEST(Incident, ClosedIsFinal) {
  for (const auto& [name, to] : incident_state_names()) {
    core::Status status = check_transition(S::kClosed, to);
    ASSERT_FALSE(status.ok()) << name;
    EXPECT_EQ(status.error().message(),
              "cannot go from closed to " + std::string(name) + "; a closed incident is final");
  }
  Incident incident;
  incident.state = S::kClosed;
  incident.closed_at = kT0;
  EXPECT_FALSE(incident.transition(S::kOpen, kT0 + kSecond).ok());
  EXPECT_EQ(incident.state, S::kClosed);
  EXPECT_EQ(incident.closed_at, kT0);
}

TEST(Incident, TransitionSetsTheStateAndItsTimestamp) {
  Incident incident;
  incident.opened_at = kT0;
  ASSERT_TRUE(incident.transition(S::kAcknowledged, kT0 + 60 * kSecond).ok());
  EXPECT_EQ(incident.state, S::kAcknowledged);
  EXPECT_EQ(incident.acknowledged_at, kT0 + 60 * kSecond);
  EXPECT_EQ(incident.contained_at, 0);
  ASSERT_TRUE(incident.transition(S::kContained, kT0 + 300 * kSecond).ok());
  EXPECT_EQ(incident.contained_at, kT0 + 300 * kSecond);
  ASSERT_TRUE(incident.transition(S::kResolved, kT0 + 3600 * kSecond).ok());
  EXPECT_EQ(incident.resolved_at, kT0 + 3600 * kSecond);
  ASSERT_TRUE(incident.transition(S::kClosed, kT0 + 7200 * kSecond).ok());
  EXPECT_EQ(incident.state, S::kClosed);
  EXPECT_EQ(incident.closed_at, kT0 + 7200 * kSecond);
  EXPECT_EQ(incident.opened_at, kT0);
  EXPECT_EQ(incident.acknowledged_at, kT0 + 60 * kSecond);
}

TEST(Incident, RefusedTransitionChangesNothing) {
  Incident incident;
  incident.opened_at = kT0;
  ASSERT_TRUE(incident.transition(S::kContained, kT0 + kSecond).ok());
  Incident before = incident;
  core::Status status = incident.transition(S::kAcknowledged, kT0 + 2 * kSecond);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), core::Code::kFailedPrecondition);
  EXPECT_EQ(incident.state, S::kContained);
  EXPECT_EQ(incident.acknowledged_at, before.acknowledged_at);
  EXPECT_EQ(incident.contained_at, before.contained_at);
  EXPECT_EQ(incident.resolved_at, 0);
}

TEST(Incident, SkippingForwardCountsTheSkippedStatesAsReachedThen) {
  Incident incident;
  incident.opened_at = kT0;
  ASSERT_TRUE(incident.transition(S::kResolved, kT0 + 90 * kSecond).ok());
  EXPECT_EQ(incident.state, S::kResolved);
  EXPECT_EQ(incident.acknowledged_at, kT0 + 90 * kSecond);
  EXPECT_EQ(incident.contained_at, kT0 + 90 * kSecond);
  EXPECT_EQ(incident.resolved_at, kT0 + 90 * kSecond);
  EXPECT_EQ(incident.closed_at, 0);

  Incident acknowledged;
  acknowledged.opened_at = kT0;
  ASSERT_TRUE(acknowledged.transition(S::kAcknowledged, kT0 + 10 * kSecond).ok());
  ASSERT_TRUE(acknowledged.transition(S::kResolved, kT0 + 50 * kSecond).ok());
  EXPECT_EQ(acknowledged.acknowledged_at, kT0 + 10 * kSecond);
  EXPECT_EQ(acknowledged.contained_at, kT0 + 50 * kSecond);
}

TEST(Incident, ReopeningClearsTheResolutionAndKeepsTheFirstResponseTimes) {
  Incident incident;
  incident.opened_at = kT0;
  ASSERT_TRUE(incident.transition(S::kAcknowledged, kT0 + 10 * kSecond).ok());
  ASSERT_TRUE(incident.transition(S::kContained, kT0 + 20 * kSecond).ok());
  ASSERT_TRUE(incident.transition(S::kResolved, kT0 + 30 * kSecond).ok());
  ASSERT_TRUE(incident.transition(S::kOpen, kT0 + 100 * kSecond).ok());
  EXPECT_EQ(incident.state, S::kOpen);
  EXPECT_EQ(incident.opened_at, kT0);
  EXPECT_EQ(incident.resolved_at, 0);
  EXPECT_FALSE(incident.time_to_resolve());
  ASSERT_TRUE(incident.transition(S::kContained, kT0 + 110 * kSecond).ok());
  EXPECT_EQ(incident.contained_at, kT0 + 20 * kSecond);
  ASSERT_TRUE(incident.transition(S::kResolved, kT0 + 200 * kSecond).ok());
  EXPECT_EQ(incident.time_to_resolve(), 200 * kSecond);
}

TEST(Incident, ResponseMetricsAreKnownOnceBothEndsAre) {
  Incident incident;
  EXPECT_FALSE(incident.time_to_detect());
  EXPECT_FALSE(incident.time_to_acknowledge());
  incident.first_matching_span = kT0 - 45 * kSecond;
  EXPECT_FALSE(incident.time_to_detect());  // not opened yet
  incident.opened_at = kT0;
  EXPECT_EQ(incident.time_to_detect(), 45 * kSecond);
  EXPECT_FALSE(incident.time_to_acknowledge());
  EXPECT_FALSE(incident.time_to_contain());
  EXPECT_FALSE(incident.time_to_resolve());
  ASSERT_TRUE(incident.transition(S::kAcknowledged, kT0 + 120 * kSecond).ok());
  EXPECT_EQ(incident.time_to_acknowledge(), 120 * kSecond);
  ASSERT_TRUE(incident.transition(S::kContained, kT0 + 600 * kSecond).ok());
  EXPECT_EQ(incident.time_to_contain(), 600 * kSecond);
  EXPECT_FALSE(incident.time_to_resolve());
  ASSERT_TRUE(incident.transition(S::kResolved, kT0 + 3600 * kSecond).ok());
  EXPECT_EQ(incident.time_to_resolve(), 3600 * kSecond);
}

TEST(Incident, IdsAreIncDashNumber) {
  EXPECT_EQ(incident_id(42), "INC-42");
  EXPECT_EQ(incident_id(1), "INC-1");
  Incident incident;
  incident.number = 7;
  EXPECT_EQ(incident.id(), "INC-7");
  EXPECT_EQ(parse_incident_id("INC-42"), 42);
  EXPECT_EQ(parse_incident_id("INC-1"), 1);
  EXPECT_EQ(parse_incident_id("INC-9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_incident_id(incident_id(123456789)), 123456789);
}

TEST(Incident, IdsHaveOneSpellingOnly) {
  for (std::string_view id : {"", "INC-", "INC", "42", "inc-42", "Inc-42", "INC42", "INC_42",
                              "INC-042", "INC-0", "INC--1", "INC-+1", "INC- 1", "INC-1 ",
                              "INC-4x", "INC-9223372036854775808", "INC-99999999999999999999",
                              "sig-42"}) {
    EXPECT_FALSE(parse_incident_id(id)) << id;
  }
}

Incident sample_incident() {
  Incident incident;
  incident.number = 42;
  incident.title = "Refunds issued twice for the same order";
  incident.workflow = "support-refunds";
  incident.fingerprint = "0123456789abcdef0123456789abcdef";
  incident.detector = "duplicate-refund";
  incident.category = Category::kToolMisuse;
  incident.classification = Classification::kSecurityEvent;
  incident.severity = Severity::kHigh;
  incident.severity_reasons = {"financial impact", "repeated failure"};
  incident.opened_at = kT0;
  incident.first_seen = kT0 - 30 * kSecond + 123;
  incident.last_seen = kT0 + 500 * kSecond + 1;
  incident.first_matching_span = kT0 - 30 * kSecond;
  EXPECT_TRUE(incident.transition(S::kAcknowledged, kT0 + 272'500'000'000LL).ok());
  EXPECT_TRUE(incident.transition(S::kContained, kT0 + 900 * kSecond).ok());
  incident.signal_count = 51;
  incident.distinct_users = 3;
  incident.distinct_accounts = 2;
  incident.records_written = 50;
  incident.recurrences = 1;
  incident.roles = {{IncidentRole::kIncidentLead, "ana@example.com"},
                    {IncidentRole::kLegal, "@legal-oncall"}};
  incident.linked_to = 7;
  return incident;
}

void expect_same(const Incident& a, const Incident& b) {
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.workflow, b.workflow);
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.detector, b.detector);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.classification, b.classification);
  EXPECT_EQ(a.severity, b.severity);
  EXPECT_EQ(a.severity_reasons, b.severity_reasons);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.opened_at, b.opened_at);
  EXPECT_EQ(a.acknowledged_at, b.acknowledged_at);
  EXPECT_EQ(a.contained_at, b.contained_at);
  EXPECT_EQ(a.resolved_at, b.resolved_at);
  EXPECT_EQ(a.closed_at, b.closed_at);
  EXPECT_EQ(a.first_seen, b.first_seen);
  EXPECT_EQ(a.last_seen, b.last_seen);
  EXPECT_EQ(a.first_matching_span, b.first_matching_span);
  EXPECT_EQ(a.signal_count, b.signal_count);
  EXPECT_EQ(a.distinct_users, b.distinct_users);
  EXPECT_EQ(a.distinct_accounts, b.distinct_accounts);
  EXPECT_EQ(a.records_written, b.records_written);
  EXPECT_EQ(a.recurrences, b.recurrences);
  ASSERT_EQ(a.roles.size(), b.roles.size());
  for (std::size_t i = 0; i < a.roles.size(); ++i) {
    EXPECT_EQ(a.roles[i].role, b.roles[i].role);
    EXPECT_EQ(a.roles[i].who, b.roles[i].who);
  }
  EXPECT_EQ(a.linked_to, b.linked_to);
  EXPECT_EQ(a.merged_into, b.merged_into);
}

TEST(Incident, JsonCarriesIdNamesTimesAndMetrics) {
  boost::json::object o = to_json(sample_incident());
  EXPECT_EQ(o.at("id"), "INC-42");
  EXPECT_EQ(o.at("number"), 42);
  EXPECT_EQ(o.at("category"), "tool_misuse");
  EXPECT_EQ(o.at("classification"), "security_event");
  EXPECT_EQ(o.at("severity"), "high");
  EXPECT_EQ(o.at("state"), "contained");
  EXPECT_EQ(o.at("opened_at"), "2026-11-23T05:05:00.000000000Z");
  EXPECT_EQ(o.at("first_seen"), "2026-11-23T05:04:30.000000123Z");
  EXPECT_EQ(o.at("time_to_detect_seconds").as_double(), 30.0);
  EXPECT_EQ(o.at("time_to_acknowledge_seconds").as_double(), 272.5);
  EXPECT_EQ(o.at("time_to_contain_seconds").as_double(), 900.0);
  EXPECT_FALSE(o.contains("time_to_resolve_seconds"));
  EXPECT_FALSE(o.contains("resolved_at"));
  EXPECT_FALSE(o.contains("closed_at"));
  EXPECT_FALSE(o.contains("merged_into"));
  EXPECT_EQ(o.at("linked_to"), "INC-7");
  EXPECT_EQ(o.at("severity_reasons").as_array().size(), 2u);
  ASSERT_EQ(o.at("roles").as_array().size(), 2u);
  EXPECT_EQ(o.at("roles").as_array()[1].as_object().at("role"), "legal");
  EXPECT_EQ(o.at("roles").as_array()[1].as_object().at("who"), "@legal-oncall");
}

TEST(Incident, JsonOmitsEmptyStringsAndZeroTimes) {
  Incident incident;
  incident.number = 1;
  boost::json::object o = to_json(incident);
  for (std::string_view key : {"title", "workflow", "fingerprint", "detector", "opened_at",
                               "first_seen", "last_seen", "first_matching_span", "linked_to",
                               "time_to_detect_seconds", "time_to_acknowledge_seconds"}) {
    EXPECT_FALSE(o.contains(key)) << key;
  }
  EXPECT_EQ(o.at("state"), "open");
}

TEST(Incident, JsonRoundTrips) {
  Incident incident = sample_incident();
  expect_same(incident_from_json(to_json(incident)), incident);

  Incident closed = sample_incident();
  ASSERT_TRUE(closed.transition(S::kResolved, kT0 + 5000 * kSecond).ok());
  ASSERT_TRUE(closed.transition(S::kClosed, kT0 + 9000 * kSecond).ok());
  closed.merged_into = 99;
  closed.classification = Classification::kNearMiss;
  closed.severity = Severity::kCritical;
  // Through text, as the API serves it.
  boost::json::value parsed = boost::json::parse(boost::json::serialize(to_json(closed)));
  expect_same(incident_from_json(parsed.as_object()), closed);

  Incident empty;
  expect_same(incident_from_json(to_json(empty)), empty);
}

TEST(Incident, JsonWrittenByHandMayCarryOnlyTheIdAndBareNumbers) {
  boost::json::object o{{"id", "INC-12"}, {"linked_to", 3}, {"severity", "severe"},
                        {"state", "closed"}, {"roles", boost::json::array{
                            boost::json::object{{"role", "janitor"}, {"who", "x"}},
                            boost::json::object{{"role", "security"}, {"who", "sec"}}}}};
  Incident incident = incident_from_json(o);
  EXPECT_EQ(incident.number, 12);
  EXPECT_EQ(incident.linked_to, 3);
  EXPECT_EQ(incident.severity, Severity::kMedium);  // unreadable: the default
  EXPECT_EQ(incident.state, S::kClosed);
  ASSERT_EQ(incident.roles.size(), 1u);
  EXPECT_EQ(incident.roles[0].role, IncidentRole::kSecurity);
}

TEST(Incident, TimelineEventJsonRoundTrips) {
  TimelineEvent event;
  event.seq = 17;
  event.incident = 42;
  event.time = kT0 + 5;
  event.actor = "key-ana";
  event.kind = TimelineKind::kSeverityChanged;
  event.summary = "severity medium → high";
  event.reason = "a second account affected";
  event.detail = {{"from", "medium"}, {"to", "high"}};
  boost::json::object o = to_json(event);
  EXPECT_EQ(o.at("incident"), "INC-42");
  EXPECT_EQ(o.at("kind"), "severity_changed");
  EXPECT_EQ(o.at("time"), "2026-11-23T05:05:00.000000005Z");
  TimelineEvent back = timeline_event_from_json(
      boost::json::parse(boost::json::serialize(o)).as_object());
  EXPECT_EQ(back.seq, event.seq);
  EXPECT_EQ(back.incident, event.incident);
  EXPECT_EQ(back.time, event.time);
  EXPECT_EQ(back.actor, event.actor);
  EXPECT_EQ(back.kind, event.kind);
  EXPECT_EQ(back.summary, event.summary);
  EXPECT_EQ(back.reason, event.reason);
  EXPECT_EQ(back.detail, event.detail);

  TimelineEvent note;
  note.incident = 3;
  note.actor = "system";
  boost::json::object n = to_json(note);
  EXPECT_FALSE(n.contains("reason"));
  EXPECT_FALSE(n.contains("time"));
  EXPECT_EQ(n.at("kind"), "note");
  EXPECT_EQ(timeline_event_from_json(n).incident, 3);
}

}  // namespace
}  // namespace aiir::model
