// Grouping: which incident a signal joins, reopens or links from; subjects counted exactly up to a
// bound and then approximately; a new incident's fields from its first signal.
#include "incident/grouping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace aiir::incident {
namespace {

using model::Category;
using model::Classification;
using model::Impact;
using model::Incident;
using model::IncidentState;
using model::Signal;
using model::SignalSource;

constexpr core::UnixNanos kHour = kNanosPerHour;
constexpr core::UnixNanos kT0 = 1'700'000'000 * core::kNanosPerSecond;

Signal signal_at(core::UnixNanos event_time, std::int64_t seq = 12) {
  Signal s;
  s.seq = seq;
  s.detector = "duplicate-refund";
  s.workflow = "support-refunds";
  s.category = Category::kToolMisuse;
  s.impact = Impact::kHigh;
  s.summary = "refund issued twice for one order";
  s.fingerprint = "0123456789abcdef0123456789abcdef";
  s.event_time = event_time;
  s.detected_at = event_time;
  return s;
}

Incident incident(std::int64_t number, IncidentState state, core::UnixNanos first_seen,
                  core::UnixNanos last_seen, core::UnixNanos resolved_at = 0) {
  Incident i;
  i.number = number;
  i.state = state;
  i.fingerprint = "0123456789abcdef0123456789abcdef";
  i.opened_at = first_seen;
  i.first_seen = first_seen;
  i.last_seen = last_seen;
  i.resolved_at = resolved_at;
  i.signal_count = 1;
  return i;
}

const GroupingOptions kOptions{};  // 24h window, 24h cooldown

TEST(GroupingDecide, FirstSignalOfAFingerprintOpensAnIncident) {
  const auto d = decide(signal_at(kT0), {}, kT0, kOptions);
  EXPECT_EQ(d.action, GroupAction::kOpen);
  EXPECT_EQ(d.incident, 0);
}

TEST(GroupingDecide, SignalWithinTheWindowAttachesToTheOpenIncident) {
  const std::vector<Incident> same{incident(7, IncidentState::kOpen, kT0, kT0 + kHour)};
  const auto d = decide(signal_at(kT0 + 20 * kHour), same, kT0 + 20 * kHour, kOptions);
  EXPECT_EQ(d.action, GroupAction::kAttach);
  EXPECT_EQ(d.incident, 7);
  EXPECT_NE(d.why.find("INC-7"), std::string::npos) << d.why;
}

TEST(GroupingDecide, LateSignalBeforeFirstSeenWithinTheWindowAttaches) {
  const std::vector<Incident> same{incident(7, IncidentState::kOpen, kT0, kT0 + kHour)};
  const auto d = decide(signal_at(kT0 - 2 * kHour), same, kT0 + 2 * kHour, kOptions);
  EXPECT_EQ(d.action, GroupAction::kAttach);
  EXPECT_EQ(d.incident, 7);
}

TEST(GroupingDecide, SignalAfterTheWindowOpensANewIncident) {
  const std::vector<Incident> same{incident(7, IncidentState::kOpen, kT0, kT0 + kHour)};
  const auto at = kT0 + kHour + 25 * kHour;
  const auto d = decide(signal_at(at), same, at, kOptions);
  EXPECT_EQ(d.action, GroupAction::kOpen);
  EXPECT_EQ(d.incident, 0);
  EXPECT_NE(d.why.find("window"), std::string::npos) << d.why;
}

TEST(GroupingDecide, WindowComesFromTheOptions) {
  const std::vector<Incident> same{incident(7, IncidentState::kOpen, kT0, kT0)};
  GroupingOptions tight;
  tight.group_window = kHour;
  EXPECT_EQ(decide(signal_at(kT0 + 2 * kHour), same, kT0 + 2 * kHour, tight).action,
            GroupAction::kOpen);
  EXPECT_EQ(decide(signal_at(kT0 + kHour), same, kT0 + kHour, tight).action,
            GroupAction::kAttach);
}

TEST(GroupingDecide, AcknowledgedAndContainedIncidentsStillAttach) {
  for (const auto state : {IncidentState::kAcknowledged, IncidentState::kContained}) {
    const std::vector<Incident> same{incident(9, state, kT0, kT0)};
    const auto d = decide(signal_at(kT0 + kHour), same, kT0 + kHour, kOptions);
    EXPECT_EQ(d.action, GroupAction::kAttach) << model::to_string(state);
    EXPECT_EQ(d.incident, 9);
  }
}

TEST(GroupingDecide, ResolvedIncidentRecurringWithinTheCooldownReopens) {
  const std::vector<Incident> same{
      incident(7, IncidentState::kResolved, kT0, kT0 + kHour, kT0 + 2 * kHour)};
  const auto now = kT0 + 5 * kHour;
  const auto d = decide(signal_at(now), same, now, kOptions);
  EXPECT_EQ(d.action, GroupAction::kReopen);
  EXPECT_EQ(d.incident, 7);
  EXPECT_NE(d.why.find("recurred"), std::string::npos) << d.why;
}

TEST(GroupingDecide, ResolvedIncidentRecurringAfterTheCooldownOpensALinkedIncident) {
  const std::vector<Incident> same{
      incident(7, IncidentState::kResolved, kT0, kT0 + kHour, kT0 + 2 * kHour)};
  const auto now = kT0 + 2 * kHour + 25 * kHour;
  const auto d = decide(signal_at(now), same, now, kOptions);
  EXPECT_EQ(d.action, GroupAction::kOpenLinked);
  EXPECT_EQ(d.incident, 7);
  EXPECT_NE(d.why.find("INC-7"), std::string::npos) << d.why;
}

TEST(GroupingDecide, ClosedIncidentIsNeverReopened) {
  // Closed a minute after resolving, and the signal comes right after: still a new incident.
  auto closed = incident(7, IncidentState::kClosed, kT0, kT0 + kHour, kT0 + 2 * kHour);
  closed.closed_at = kT0 + 2 * kHour + 60 * core::kNanosPerSecond;
  const auto now = kT0 + 3 * kHour;
  const auto d = decide(signal_at(now), {closed}, now, kOptions);
  EXPECT_EQ(d.action, GroupAction::kOpenLinked);
  EXPECT_EQ(d.incident, 7);
}

TEST(GroupingDecide, NewestIncidentDecides) {
  // INC-8 (resolved just now) is newer than closed INC-3: it reopens.
  const std::vector<Incident> same{
      incident(8, IncidentState::kResolved, kT0, kT0, kT0 + kHour),
      incident(3, IncidentState::kClosed, kT0 - 100 * kHour, kT0 - 99 * kHour, kT0 - 98 * kHour)};
  const auto d = decide(signal_at(kT0 + 2 * kHour), same, kT0 + 2 * kHour, kOptions);
  EXPECT_EQ(d.action, GroupAction::kReopen);
  EXPECT_EQ(d.incident, 8);
}

TEST(GroupingDecide, MergedIncidentsAreSkipped) {
  auto merged = incident(5, IncidentState::kOpen, kT0, kT0);
  merged.merged_into = 4;
  const auto d = decide(signal_at(kT0 + kHour), {merged}, kT0 + kHour, kOptions);
  EXPECT_EQ(d.action, GroupAction::kOpen);
}

TEST(GroupingDecide, HuntSignalsAreIgnored) {
  auto hunt = signal_at(kT0 + kHour);
  hunt.source = SignalSource::kHunt;
  hunt.hunt_id = "hunt-3";
  const std::vector<Incident> open{incident(7, IncidentState::kOpen, kT0, kT0)};
  EXPECT_EQ(decide(hunt, {}, kT0 + kHour, kOptions).action, GroupAction::kIgnore);
  const auto d = decide(hunt, open, kT0 + kHour, kOptions);
  EXPECT_EQ(d.action, GroupAction::kIgnore);
  EXPECT_EQ(d.incident, 0);
}

TEST(BlastCounter, CountsDistinctSubjectsAndIgnoresEmptyIds) {
  BlastCounter c;
  auto s = signal_at(kT0);
  s.user_id = "u1";
  s.account_id = "a1";
  s.record_id = "r1";
  c.add(s);
  c.add(s);  // same subjects again
  s.user_id = "u2";
  s.record_id = "";
  c.add(s);
  s.user_id = "";
  s.account_id = "";
  c.add(s);
  EXPECT_EQ(c.users(), 2);
  EXPECT_EQ(c.accounts(), 1);
  EXPECT_EQ(c.records(), 1);
  EXPECT_FALSE(c.approximate());
  EXPECT_EQ(c.worst_impact(), Impact::kHigh);
}

TEST(BlastCounter, ExactUpToTheBoundThenApproximate) {
  BlastCounter c(100);
  auto s = signal_at(kT0);
  for (int i = 0; i < 100; ++i) {
    s.user_id = "user-" + std::to_string(i);
    c.add(s);
  }
  EXPECT_EQ(c.users(), 100);
  EXPECT_FALSE(c.approximate());

  for (int i = 100; i < 5000; ++i) {
    s.user_id = "user-" + std::to_string(i);
    c.add(s);
    c.add(s);  // repeats do not count twice in the sketch either
  }
  EXPECT_TRUE(c.approximate());
  EXPECT_EQ(c.accounts(), 0);
  EXPECT_NEAR(static_cast<double>(c.users()), 5000.0, 5000.0 * 0.06);
}

TEST(BlastCounter, ApproximateCountNeverFallsBelowTheBound) {
  BlastCounter c(3);
  auto s = signal_at(kT0);
  for (int i = 0; i < 4; ++i) {
    s.record_id = "r" + std::to_string(i);
    c.add(s);
  }
  EXPECT_TRUE(c.approximate());
  EXPECT_GE(c.records(), 4);
}

TEST(GroupingAttach, UpdatesCountsTimesAndSubjects) {
  auto first = signal_at(kT0, 10);
  first.user_id = "u1";
  first.account_id = "a1";
  auto inc = open_from(first, kT0 + 1);
  inc.number = 7;
  BlastCounter subjects;
  subjects.add(first);

  auto second = signal_at(kT0 + kHour, 11);
  second.user_id = "u2";
  second.account_id = "a1";
  EXPECT_EQ(attach(inc, second, subjects), "signal sig-11 attached: 2 users, 1 account so far");

  auto late = signal_at(kT0 - kHour, 12);
  late.user_id = "u3";
  late.account_id = "a2";
  late.impact = Impact::kCritical;
  EXPECT_EQ(attach(inc, late, subjects), "signal sig-12 attached: 3 users, 2 accounts so far");

  EXPECT_EQ(inc.signal_count, 3);
  EXPECT_EQ(inc.first_seen, kT0 - kHour);
  EXPECT_EQ(inc.last_seen, kT0 + kHour);
  EXPECT_EQ(inc.first_matching_span, kT0 - kHour);
  EXPECT_EQ(inc.distinct_users, 3);
  EXPECT_EQ(inc.distinct_accounts, 2);
  EXPECT_EQ(inc.records_written, 0);
  EXPECT_EQ(subjects.worst_impact(), Impact::kCritical);
  EXPECT_EQ(inc.state, IncidentState::kOpen);
}

TEST(GroupingAttach, NeverLowersStoredCountsAndSaysSignalsWhenNoSubjects) {
  auto inc = incident(7, IncidentState::kOpen, kT0, kT0);
  inc.distinct_users = 40;  // counted before a restart; the new counter starts empty
  BlastCounter fresh;
  auto s = signal_at(kT0, 13);
  s.user_id = "u1";
  EXPECT_EQ(attach(inc, s, fresh), "signal sig-13 attached: 40 users so far");
  EXPECT_EQ(inc.distinct_users, 40);

  auto bare = incident(8, IncidentState::kOpen, kT0, kT0);
  BlastCounter none;
  EXPECT_EQ(attach(bare, signal_at(kT0, 14), none), "signal sig-14 attached: 2 signals so far");
}

TEST(GroupingAttach, SaysAboutWhenApproximate) {
  auto inc = incident(7, IncidentState::kOpen, kT0, kT0);
  BlastCounter c(1);
  auto s = signal_at(kT0, 15);
  s.user_id = "u1";
  attach(inc, s, c);
  s.user_id = "u2";
  const auto line = attach(inc, s, c);
  EXPECT_EQ(line.rfind("signal sig-15 attached: about ", 0), 0u) << line;
}

TEST(GroupingOpenFrom, TakesItsFieldsFromTheFirstSignal) {
  auto s = signal_at(kT0);
  s.user_id = "u1";
  const auto inc = open_from(s, kT0 + 5 * core::kNanosPerSecond);
  EXPECT_EQ(inc.number, 0);
  EXPECT_EQ(inc.title, "refund issued twice for one order");
  EXPECT_EQ(inc.workflow, "support-refunds");
  EXPECT_EQ(inc.fingerprint, s.fingerprint);
  EXPECT_EQ(inc.detector, "duplicate-refund");
  EXPECT_EQ(inc.category, Category::kToolMisuse);
  EXPECT_EQ(inc.classification, Classification::kAiIncident);
  EXPECT_EQ(inc.state, IncidentState::kOpen);
  EXPECT_EQ(inc.opened_at, kT0 + 5 * core::kNanosPerSecond);
  EXPECT_EQ(inc.first_seen, kT0);
  EXPECT_EQ(inc.last_seen, kT0);
  EXPECT_EQ(inc.first_matching_span, kT0);
  EXPECT_EQ(inc.signal_count, 1);
  EXPECT_EQ(inc.distinct_users, 1);
  EXPECT_EQ(inc.distinct_accounts, 0);
  EXPECT_EQ(inc.linked_to, 0);
  EXPECT_EQ(inc.time_to_detect(), 5 * core::kNanosPerSecond);
}

TEST(GroupingOpenFrom, TitleFallsBackToDetectorAndWorkflow) {
  auto s = signal_at(kT0);
  s.summary = "";
  EXPECT_EQ(open_from(s, kT0).title, "duplicate-refund on support-refunds");
}

TEST(GroupingOpenFrom, ClassificationFollowsTheCategory) {
  const std::vector<std::pair<Category, Classification>> cases{
      {Category::kToolMisuse, Classification::kAiIncident},
      {Category::kDataExposure, Classification::kAiIncident},
      {Category::kNearMiss, Classification::kNearMiss},
      {Category::kPromptInjection, Classification::kSecurityEvent},
  };
  for (const auto& [category, classification] : cases) {
    auto s = signal_at(kT0);
    s.category = category;
    EXPECT_EQ(open_from(s, kT0).classification, classification) << model::to_string(category);
  }
}

}  // namespace
}  // namespace aiir::incident
