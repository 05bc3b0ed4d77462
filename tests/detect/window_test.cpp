#include "detect/window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace aiir::detect {
namespace {

constexpr UnixNanos kS = core::kNanosPerSecond;

// ---- DuplicateTracker ----

TEST(DuplicateTracker, FirstOccurrenceIsNoHit) {
  DuplicateTracker t(60 * kS);
  EXPECT_FALSE(t.observe("refund-1", 0));
  EXPECT_EQ(t.groups(), 1u);
}

TEST(DuplicateTracker, SecondAndThirdOccurrenceEachHit) {
  DuplicateTracker t(60 * kS);
  EXPECT_FALSE(t.observe("refund-1", 10 * kS));
  auto second = t.observe("refund-1", 20 * kS);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->previous_time, 10 * kS);
  EXPECT_EQ(second->occurrences, 2);
  auto third = t.observe("refund-1", 30 * kS);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->previous_time, 20 * kS);
  EXPECT_EQ(third->occurrences, 3);
}

TEST(DuplicateTracker, ExactlyWithinApartCountsOneNanosecondMoreDoesNot) {
  DuplicateTracker edge(10 * kS);
  EXPECT_FALSE(edge.observe("k", 0));
  auto hit = edge.observe("k", 10 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->previous_time, 0);

  DuplicateTracker past(10 * kS);
  EXPECT_FALSE(past.observe("k", 0));
  EXPECT_FALSE(past.observe("k", 10 * kS + 1));
}

TEST(DuplicateTracker, OccurrenceOutsideTheWindowNoLongerCounts) {
  DuplicateTracker t(10 * kS);
  EXPECT_FALSE(t.observe("k", 0));
  EXPECT_FALSE(t.observe("k", 20 * kS));
  auto hit = t.observe("k", 25 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->previous_time, 20 * kS);
  EXPECT_EQ(hit->occurrences, 2);  // the one at 0 left the window
}

TEST(DuplicateTracker, LateOccurrenceReportsClosestEarlierElseClosestLater) {
  DuplicateTracker t(60 * kS);
  EXPECT_FALSE(t.observe("k", 20 * kS));
  auto before_all = t.observe("k", 12 * kS);  // nothing earlier: the closest later one
  ASSERT_TRUE(before_all);
  EXPECT_EQ(before_all->previous_time, 20 * kS);
  auto between = t.observe("k", 15 * kS);  // the closest earlier one
  ASSERT_TRUE(between);
  EXPECT_EQ(between->previous_time, 12 * kS);
  EXPECT_EQ(between->occurrences, 3);
}

TEST(DuplicateTracker, OccurrenceOlderThanTheWindowOfTheNewestIsIgnored) {
  DuplicateTracker t(10 * kS);
  EXPECT_FALSE(t.observe("k", 100 * kS));
  EXPECT_FALSE(t.observe("k", 89 * kS));  // 11 s before the newest
  auto hit = t.observe("k", 100 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->occurrences, 2);  // the ignored one is not counted
}

TEST(DuplicateTracker, KeysAreIndependent) {
  DuplicateTracker t(60 * kS);
  EXPECT_FALSE(t.observe("a", 0));
  EXPECT_FALSE(t.observe("b", 1));
  EXPECT_TRUE(t.observe("a", 2));
  EXPECT_EQ(t.groups(), 2u);
}

TEST(DuplicateTracker, BeyondMaxGroupsDropsTheLeastRecentlyUpdated) {
  DuplicateTracker t(60 * kS, 2);
  t.observe("a", 0);
  t.observe("b", 1);
  t.observe("a", 2);  // a is now more recent than b
  t.observe("c", 3);  // drops b
  EXPECT_EQ(t.groups(), 2u);
  EXPECT_EQ(t.dropped(), 1u);
  EXPECT_TRUE(t.observe("a", 4));
  EXPECT_FALSE(t.observe("b", 5));  // forgotten, so new again (drops c)
  EXPECT_EQ(t.dropped(), 2u);
}

// ---- RateTracker ----

TEST(RateTracker, FiresWhenTheCountReachesAtLeast) {
  RateTracker t(60 * kS, 3);
  EXPECT_FALSE(t.observe("g", 1 * kS));
  EXPECT_FALSE(t.observe("g", 2 * kS));
  auto hit = t.observe("g", 3 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->count, 3);
  EXPECT_EQ(hit->window_start, 1 * kS);
}

TEST(RateTracker, EventsExactlyWithinApartCountOneNanosecondMoreDoNot) {
  RateTracker edge(10 * kS, 2);
  EXPECT_FALSE(edge.observe("g", 0));
  auto hit = edge.observe("g", 10 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->window_start, 0);

  RateTracker past(10 * kS, 2);
  EXPECT_FALSE(past.observe("g", 0));
  EXPECT_FALSE(past.observe("g", 10 * kS + 1));
}

TEST(RateTracker, FiresOncePerEpisodeAndAgainAfterTheCountFellBelow) {
  RateTracker t(10 * kS, 3);
  int fired = 0;
  for (int s = 0; s <= 100; ++s) fired += t.observe("g", s * kS).has_value();
  EXPECT_EQ(fired, 1);  // a steady stream above the threshold is one episode

  EXPECT_FALSE(t.observe("g", 200 * kS));  // the window emptied: the episode ended
  EXPECT_FALSE(t.observe("g", 201 * kS));
  auto again = t.observe("g", 202 * kS);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count, 3);
  EXPECT_EQ(again->window_start, 200 * kS);
}

TEST(RateTracker, StaysQuietWhileTheCountBeforeEachEventStaysAtTheThreshold) {
  RateTracker t(10 * kS, 2);
  EXPECT_FALSE(t.observe("g", 0));
  EXPECT_TRUE(t.observe("g", 5 * kS));
  EXPECT_FALSE(t.observe("g", 6 * kS));  // 2 in the window before this event: same episode
  EXPECT_FALSE(t.observe("g", 7 * kS));
}

TEST(RateTracker, ReArmsWhenEvictionLeavesTheCountBelowBeforeTheNewEvent) {
  RateTracker t(10 * kS, 2);
  EXPECT_FALSE(t.observe("g", 0));
  EXPECT_TRUE(t.observe("g", 5 * kS));
  // At 12 s the event at 0 leaves: 1 event before this one is below 2, a new episode begins.
  auto again = t.observe("g", 12 * kS);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->count, 2);
  EXPECT_EQ(again->window_start, 5 * kS);
}

TEST(RateTracker, GroupsAreIndependent) {
  RateTracker t(60 * kS, 2);
  EXPECT_FALSE(t.observe("a", 0));
  EXPECT_FALSE(t.observe("b", 0));
  EXPECT_TRUE(t.observe("a", 1));
  EXPECT_TRUE(t.observe("b", 1));
}

TEST(RateTracker, LateEventInsideTheWindowCounts) {
  RateTracker t(10 * kS, 3);
  EXPECT_FALSE(t.observe("g", 10 * kS));
  EXPECT_FALSE(t.observe("g", 5 * kS));
  auto hit = t.observe("g", 8 * kS);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->count, 3);
  EXPECT_EQ(hit->window_start, 5 * kS);
}

TEST(RateTracker, LateEventOlderThanTheWindowIsIgnored) {
  RateTracker t(10 * kS, 3);
  EXPECT_FALSE(t.observe("g", 100 * kS));
  EXPECT_FALSE(t.observe("g", 80 * kS));   // too late to count
  EXPECT_FALSE(t.observe("g", 101 * kS));  // 2, not 3
  EXPECT_TRUE(t.observe("g", 102 * kS));
}

TEST(RateTracker, BeyondMaxGroupsDropsTheLeastRecentlyUpdated) {
  RateTracker t(60 * kS, 2, 2);
  t.observe("a", 0);
  t.observe("b", 0);
  t.observe("c", 0);  // drops a
  EXPECT_EQ(t.groups(), 2u);
  EXPECT_EQ(t.dropped(), 1u);
  EXPECT_FALSE(t.observe("a", 1));  // a starts over (and drops b)
  EXPECT_TRUE(t.observe("c", 1));
  EXPECT_EQ(t.dropped(), 2u);
}

// A plain model of the rate rule, to compare with on random streams: every event of a group kept,
// the window recomputed from scratch.
struct NaiveRate {
  UnixNanos within;
  int at_least;
  std::size_t max_groups;
  struct Group {
    std::vector<UnixNanos> times;
    bool armed = true;
  };
  std::map<std::string, Group> groups;
  std::list<std::string> lru;  // most recent first
  std::uint64_t dropped = 0;

  std::optional<int> observe(const std::string& key, UnixNanos time) {
    auto it = groups.find(key);
    if (it == groups.end()) {
      if (groups.size() >= max_groups) {
        groups.erase(lru.back());
        lru.pop_back();
        ++dropped;
      }
      it = groups.emplace(key, Group{}).first;
    } else {
      lru.remove(key);
    }
    lru.push_front(key);
    Group& g = it->second;
    UnixNanos newest = time;
    for (UnixNanos t : g.times) newest = std::max(newest, t);
    auto live = [&] {
      int n = 0;
      for (UnixNanos t : g.times) n += t >= newest - within;
      return n;
    };
    if (time < newest - within) return std::nullopt;
    if (live() < at_least) g.armed = true;
    g.times.push_back(time);
    const int count = live();
    if (count < at_least) {
      g.armed = true;
      return std::nullopt;
    }
    if (!g.armed) return std::nullopt;
    g.armed = false;
    return count;
  }
};

TEST(RateTracker, MatchesAPlainModelOnARandomStream) {
  std::mt19937 rng(7);
  RateTracker t(20 * kS, 4, 5);
  NaiveRate naive{20 * kS, 4, 5, {}, {}};
  UnixNanos clock = 0;
  for (int i = 0; i < 20000; ++i) {
    clock += std::uniform_int_distribution<UnixNanos>(0, 3 * kS)(rng);
    UnixNanos time = clock;
    if (rng() % 10 == 0) time -= std::uniform_int_distribution<UnixNanos>(0, 30 * kS)(rng);
    const std::string group = "g" + std::to_string(rng() % 7);
    auto got = t.observe(group, time);
    auto want = naive.observe(group, time);
    ASSERT_EQ(got.has_value(), want.has_value()) << "event " << i;
    if (got) {
      ASSERT_EQ(got->count, *want) << "event " << i;
    }
  }
  EXPECT_EQ(t.dropped(), naive.dropped);
  EXPECT_GT(t.dropped(), 0u);
}

// ---- RatioTracker ----

TEST(RatioTracker, BelowMinCountNeverFiresEvenAtFullRatio) {
  RatioTracker t(60 * kS, 0.5, 5);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(t.observe("g", i * kS, true));
  auto hit = t.observe("g", 4 * kS, true);  // the event that reaches min_count
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->hits, 5);
  EXPECT_EQ(hit->total, 5);
  EXPECT_DOUBLE_EQ(hit->ratio, 1.0);
}

TEST(RatioTracker, FiresOnTheEventThatReachesMinCountEvenIfItIsNoHit) {
  RatioTracker t(60 * kS, 0.5, 5);
  EXPECT_FALSE(t.observe("g", 0, true));
  EXPECT_FALSE(t.observe("g", 1, true));
  EXPECT_FALSE(t.observe("g", 2, true));
  EXPECT_FALSE(t.observe("g", 3, false));
  auto hit = t.observe("g", 4, false);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->hits, 3);
  EXPECT_EQ(hit->total, 5);
  EXPECT_DOUBLE_EQ(hit->ratio, 0.6);
}

TEST(RatioTracker, RatioEqualToAboveDoesNotFire) {
  RatioTracker t(60 * kS, 0.5, 4);
  EXPECT_FALSE(t.observe("g", 0, true));
  EXPECT_FALSE(t.observe("g", 1, false));
  EXPECT_FALSE(t.observe("g", 2, true));
  EXPECT_FALSE(t.observe("g", 3, false));  // 2 / 4 == 0.5
  EXPECT_TRUE(t.observe("g", 4, true));    // 3 / 5
}

TEST(RatioTracker, FiresOncePerEpisodeAndAgainAfterFallingToAbove) {
  RatioTracker t(60 * kS, 0.5, 2);
  EXPECT_FALSE(t.observe("g", 0, true));
  EXPECT_TRUE(t.observe("g", 1, true));    // 2 / 2
  EXPECT_FALSE(t.observe("g", 2, true));   // 3 / 3, same episode
  EXPECT_FALSE(t.observe("g", 3, false));  // 3 / 4, still above
  EXPECT_FALSE(t.observe("g", 4, false));  // 3 / 5
  EXPECT_FALSE(t.observe("g", 5, false));  // 3 / 6 == 0.5: the episode ended
  auto again = t.observe("g", 6, true);    // 4 / 7
  ASSERT_TRUE(again);
  EXPECT_EQ(again->hits, 4);
  EXPECT_EQ(again->total, 7);
}

TEST(RatioTracker, EventsLeavingTheWindowLowerTheCounts) {
  RatioTracker t(10 * kS, 0.5, 3);
  EXPECT_FALSE(t.observe("g", 0, true));
  EXPECT_FALSE(t.observe("g", 1 * kS, true));
  EXPECT_TRUE(t.observe("g", 2 * kS, true));
  // At 20 s all three left: 1 event is below min_count, the episode ended.
  EXPECT_FALSE(t.observe("g", 20 * kS, true));
  EXPECT_FALSE(t.observe("g", 21 * kS, false));
  auto hit = t.observe("g", 22 * kS, true);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->hits, 2);
  EXPECT_EQ(hit->total, 3);
}

TEST(RatioTracker, WindowEdgeIsInclusive) {
  RatioTracker edge(10 * kS, 0.5, 2);
  EXPECT_FALSE(edge.observe("g", 0, true));
  EXPECT_TRUE(edge.observe("g", 10 * kS, true));

  RatioTracker past(10 * kS, 0.5, 2);
  EXPECT_FALSE(past.observe("g", 0, true));
  EXPECT_FALSE(past.observe("g", 10 * kS + 1, true));
}

TEST(RatioTracker, GroupsAreIndependentAndBounded) {
  RatioTracker t(60 * kS, 0.5, 2, 2);
  EXPECT_FALSE(t.observe("a", 0, true));
  EXPECT_FALSE(t.observe("b", 0, false));
  EXPECT_TRUE(t.observe("a", 1, true));
  EXPECT_FALSE(t.observe("b", 1, false));
  EXPECT_FALSE(t.observe("c", 1, true));  // drops a
  EXPECT_EQ(t.groups(), 2u);
  EXPECT_EQ(t.dropped(), 1u);
  EXPECT_FALSE(t.observe("a", 2, true));  // a starts over
}

// ---- DriftTracker ----

// Feeds `n` events of `version` at one per second from `start`, the last of every `every` events a
// hit (none when `every` is 0), so the running ratio never runs ahead of the final one; returns how
// many fired, when first, and the last hit.
struct Fed {
  int fired = 0;
  int first_fired_at = -1;  // 1-based index of the first firing event
  std::optional<DriftTracker::Hit> hit;
};
Fed feed(DriftTracker& t, const std::string& version, UnixNanos start, int n, int every) {
  Fed out;
  for (int i = 0; i < n; ++i) {
    auto hit = t.observe("agent", version, start + i * kS, every > 0 && i % every == every - 1);
    if (hit) {
      if (out.fired++ == 0) out.first_fired_at = i + 1;
      out.hit = hit;
    }
  }
  return out;
}

TEST(DriftTracker, FiresOnceWhenTheNewVersionReachesMinCountWithTheRatioExceeded) {
  DriftTracker t(2.0, 20, 0);
  EXPECT_EQ(feed(t, "v1", 0, 100, 50).fired, 0);  // 2 % errors
  Fed v2 = feed(t, "v2", 100 * kS, 100, 10);      // 10 % errors
  EXPECT_EQ(v2.fired, 1);
  EXPECT_EQ(v2.first_fired_at, 20);  // not before v2 has min_count events
  ASSERT_TRUE(v2.hit);
  EXPECT_EQ(v2.hit->version, "v2");
  EXPECT_EQ(v2.hit->previous_version, "v1");
  EXPECT_EQ(v2.hit->hits, 2);
  EXPECT_EQ(v2.hit->total, 20);
  EXPECT_EQ(v2.hit->previous_hits, 2);
  EXPECT_EQ(v2.hit->previous_total, 100);
  EXPECT_DOUBLE_EQ(v2.hit->ratio, 0.1);
  EXPECT_DOUBLE_EQ(v2.hit->previous_ratio, 0.02);
}

TEST(DriftTracker, DoesNotFireWhenTheFactorIsNotExceeded) {
  DriftTracker t(2.0, 20, 0);
  feed(t, "v1", 0, 100, 50);                             // 2 %
  EXPECT_EQ(feed(t, "v2", 100 * kS, 100, 34).fired, 0);  // 3 %
}

TEST(DriftTracker, RatioExactlyFactorTimesPreviousDoesNotFire) {
  DriftTracker t(2.0, 4, 0);
  feed(t, "v1", 0, 4, 4);                            // 1 / 4
  EXPECT_EQ(feed(t, "v2", 10 * kS, 4, 2).fired, 0);  // 2 / 4 == 2 * 0.25
}

TEST(DriftTracker, PreviousRatioZeroFiresOnAnyHitOnceMinCountIsReached) {
  DriftTracker t(2.0, 20, 0);
  feed(t, "v1", 0, 50, 0);                            // no errors
  EXPECT_EQ(feed(t, "v2", 50 * kS, 20, 0).fired, 0);  // none either
  auto hit = t.observe("agent", "v2", 70 * kS, true);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->hits, 1);
  EXPECT_EQ(hit->total, 21);
  EXPECT_DOUBLE_EQ(hit->previous_ratio, 0.0);
}

TEST(DriftTracker, RollbackMayFireAgainWithTheRolesSwappedButNotRepeat) {
  DriftTracker t(2.0, 10, 0);
  feed(t, "v6", 0, 10, 10);                // 1 / 10
  Fed v7 = feed(t, "v7", 10 * kS, 10, 3);  // 3 / 10 > 2 * 0.1
  EXPECT_EQ(v7.fired, 1);
  // Rollback: v6 is newest again, compared with v7 (0.3). All hits from here: v6 passes 0.6 at
  // (1 + 13) / (10 + 13) = 0.61.
  Fed back = feed(t, "v6", 20 * kS, 40, 1);
  EXPECT_EQ(back.fired, 1);
  EXPECT_EQ(back.first_fired_at, 13);
  ASSERT_TRUE(back.hit);
  EXPECT_EQ(back.hit->version, "v6");
  EXPECT_EQ(back.hit->previous_version, "v7");
  // Forward to v7 again: (v7 vs v6) already fired.
  EXPECT_EQ(feed(t, "v7", 60 * kS, 50, 1).fired, 0);
}

TEST(DriftTracker, LateEventsOfTheOldVersionDoNotSwitchBack) {
  DriftTracker t(2.0, 5, 0);
  feed(t, "v1", 0, 10, 0);  // 0 / 10
  feed(t, "v2", 20 * kS, 4, 0);
  // A late v1 span (earlier start) arrives: v2 stays newest, v1 gains a hit as previous.
  EXPECT_FALSE(t.observe("agent", "v1", 5 * kS, true));
  auto hit = t.observe("agent", "v2", 24 * kS, true);  // v2: 1 / 5 > 2 * 1 / 11
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->version, "v2");
  EXPECT_EQ(hit->previous_hits, 1);
  EXPECT_EQ(hit->previous_total, 11);
}

TEST(DriftTracker, WithinLimitsBothSidesToRecentEvents) {
  DriftTracker t(2.0, 5, 30 * kS);
  feed(t, "v1", 0, 10, 0);
  // v2 starts 100 s later: the v1 events are outside the window, so there is nothing to compare.
  EXPECT_EQ(feed(t, "v2", 100 * kS, 20, 1).fired, 0);

  DriftTracker near(2.0, 5, 30 * kS);
  feed(near, "v1", 0, 10, 0);
  EXPECT_EQ(feed(near, "v2", 10 * kS, 20, 1).fired, 1);
}

TEST(DriftTracker, ManyVersionsAndGroupsStayBounded) {
  DriftTracker t(2.0, 2, 0, 3);
  for (int v = 0; v < 30; ++v) feed(t, "v" + std::to_string(v), v * 10 * kS, 5, v % 2 ? 1 : 0);
  for (int g = 0; g < 5; ++g) t.observe("group" + std::to_string(g), "v1", 0, false);
  EXPECT_EQ(t.groups(), 3u);
  EXPECT_EQ(t.dropped(), 3u);
}

// ---- AbsenceTracker ----

AbsenceTracker::Pending act(const std::string& trace, UnixNanos time, std::int64_t token = 1) {
  return {trace, "span-" + std::to_string(token), time, token};
}

TEST(AbsenceTracker, RequiredBeforeTheActionSatisfiesIt) {
  AbsenceTracker t(30 * kS);
  t.required("t1", 5 * kS, 1000 * kS);
  EXPECT_TRUE(t.action(act("t1", 6 * kS), 1000 * kS));
  EXPECT_TRUE(t.action(act("t1", 5 * kS), 1000 * kS));  // same start counts
  EXPECT_EQ(t.waiting(), 0u);
}

TEST(AbsenceTracker, RequiredArrivingLaterWithAnEarlierStartSatisfiesTheWaitingAction) {
  AbsenceTracker t(30 * kS);
  EXPECT_FALSE(t.action(act("t1", 10 * kS), 1000 * kS));
  EXPECT_EQ(t.waiting(), 1u);
  t.required("t1", 9 * kS, 1001 * kS);
  EXPECT_EQ(t.waiting(), 0u);
  EXPECT_TRUE(t.due(2000 * kS).empty());
}

TEST(AbsenceTracker, RequiredStartingAfterTheActionDoesNotSatisfyIt) {
  AbsenceTracker t(30 * kS);
  EXPECT_FALSE(t.action(act("t1", 10 * kS, 7), 1000 * kS));
  t.required("t1", 11 * kS, 1001 * kS);
  EXPECT_EQ(t.waiting(), 1u);
  auto due = t.due(1030 * kS);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].trace_id, "t1");
  EXPECT_EQ(due[0].span_id, "span-7");
  EXPECT_EQ(due[0].time, 10 * kS);
  EXPECT_EQ(due[0].token, 7);
}

TEST(AbsenceTracker, RequiredInAnotherTraceDoesNotCount) {
  AbsenceTracker t(30 * kS);
  t.required("t2", 0, 1000 * kS);
  EXPECT_FALSE(t.action(act("t1", 10 * kS), 1000 * kS));
}

TEST(AbsenceTracker, DueOnlyOnceTheGraceEnded) {
  AbsenceTracker t(30 * kS);
  EXPECT_FALSE(t.action(act("t1", 10 * kS, 1), 100 * kS));
  EXPECT_FALSE(t.action(act("t2", 11 * kS, 2), 110 * kS));
  EXPECT_TRUE(t.due(129 * kS).empty());
  auto first = t.due(130 * kS);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].token, 1);
  EXPECT_TRUE(t.due(130 * kS).empty());  // removed
  auto second = t.due(500 * kS);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].token, 2);
  EXPECT_EQ(t.waiting(), 0u);
}

TEST(AbsenceTracker, DrainReturnsEveryWaitingActionInArrivalOrder) {
  AbsenceTracker t(30 * kS);
  t.action(act("t1", 10 * kS, 1), 100 * kS);
  t.action(act("t2", 5 * kS, 2), 101 * kS);
  t.action(act("t1", 20 * kS, 3), 102 * kS);
  t.required("t1", 15 * kS, 103 * kS);  // satisfies token 3 only
  auto drained = t.drain();
  ASSERT_EQ(drained.size(), 2u);
  EXPECT_EQ(drained[0].token, 1);
  EXPECT_EQ(drained[1].token, 2);
  EXPECT_EQ(t.waiting(), 0u);
  EXPECT_TRUE(t.due(1000 * kS).empty());
}

TEST(AbsenceTracker, TracesAreForgottenAfterRetain) {
  AbsenceTracker t(30 * kS, 60 * kS);
  t.required("t1", 0, 0);
  EXPECT_TRUE(t.action(act("t1", 1), 60 * kS));    // touched again at 60 s
  EXPECT_FALSE(t.action(act("t1", 2), 121 * kS));  // idle 61 s: forgotten
}

TEST(AbsenceTracker, BeyondMaxTracesDropsTheLeastRecentlyTouched) {
  AbsenceTracker t(30 * kS, 3600 * kS, 2);
  t.required("t1", 0, 0);
  t.required("t2", 0, 1);
  t.required("t1", 0, 2);
  t.required("t3", 0, 3);  // drops t2
  EXPECT_EQ(t.dropped(), 1u);
  EXPECT_TRUE(t.action(act("t1", 1), 4));
  EXPECT_TRUE(t.action(act("t3", 1), 5));
  EXPECT_FALSE(t.action(act("t2", 1), 6));  // forgotten
}

TEST(AbsenceTracker, ActionOfADroppedTraceIsStillReportedAtItsDeadline) {
  AbsenceTracker t(30 * kS, 3600 * kS, 1);
  EXPECT_FALSE(t.action(act("t1", 10 * kS, 1), 0));
  t.required("t2", 0, 1);  // drops t1 with its waiting action
  EXPECT_EQ(t.dropped(), 1u);
  auto due = t.due(30 * kS);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].token, 1);
}

// A plain model of the absence rule: traces in a map, LRU as a list, due() by scanning.
struct NaiveAbsence {
  UnixNanos grace, retain;
  std::size_t max_traces;
  struct Trace {
    std::optional<UnixNanos> earliest;
    UnixNanos touched = 0;
  };
  struct Waiting {
    AbsenceTracker::Pending action;
    UnixNanos deadline;
    bool live = true;
  };
  std::map<std::string, Trace> traces;
  std::list<std::string> lru;    // most recent first
  std::vector<Waiting> waiting;  // in arrival order
  std::uint64_t dropped = 0;

  void forget(UnixNanos now) {
    while (!lru.empty() && now - traces[lru.back()].touched > retain) {
      traces.erase(lru.back());
      lru.pop_back();
    }
  }
  Trace& touch(const std::string& id, UnixNanos now) {
    forget(now);
    if (!traces.count(id)) {
      if (traces.size() >= max_traces) {
        traces.erase(lru.back());
        lru.pop_back();
        ++dropped;
      }
    } else {
      lru.remove(id);
    }
    lru.push_front(id);
    Trace& t = traces[id];
    t.touched = now;
    return t;
  }
  // Only the waiting actions of a trace still known can be satisfied; a trace that was forgotten
  // took its link to them along.
  std::map<std::string, std::vector<std::size_t>> links;
  void required(const std::string& id, UnixNanos time, UnixNanos now) {
    const bool known = traces.count(id) && !(now - traces[id].touched > retain);
    Trace& t = touch(id, now);
    if (!t.earliest || time < *t.earliest) t.earliest = time;
    if (!known) links[id].clear();
    for (std::size_t i : links[id]) {
      if (waiting[i].live && waiting[i].action.time >= time) waiting[i].live = false;
    }
  }
  bool action(const AbsenceTracker::Pending& p, UnixNanos now) {
    const bool known = traces.count(p.trace_id) && !(now - traces[p.trace_id].touched > retain);
    Trace& t = touch(p.trace_id, now);
    if (!known) links[p.trace_id].clear();
    if (t.earliest && *t.earliest <= p.time) return true;
    links[p.trace_id].push_back(waiting.size());
    waiting.push_back({p, now + grace});
    return false;
  }
  std::vector<std::int64_t> due(UnixNanos now) {
    forget(now);
    std::vector<std::int64_t> out;
    for (Waiting& w : waiting) {
      if (w.live && w.deadline <= now) {
        w.live = false;
        out.push_back(w.action.token);
      }
    }
    return out;
  }
  std::size_t live() const {
    return static_cast<std::size_t>(
        std::count_if(waiting.begin(), waiting.end(), [](const Waiting& w) { return w.live; }));
  }
};

TEST(AbsenceTracker, MatchesAPlainModelOnARandomStream) {
  std::mt19937 rng(11);
  AbsenceTracker t(10 * kS, 40 * kS, 50);
  NaiveAbsence naive{10 * kS, 40 * kS, 50, {}, {}, {}, 0, {}};
  UnixNanos now = 0;
  for (int i = 0; i < 20000; ++i) {
    now += std::uniform_int_distribution<UnixNanos>(0, kS / 2)(rng);
    const std::string trace = "t" + std::to_string(rng() % 80);
    const UnixNanos time = now - std::uniform_int_distribution<UnixNanos>(0, 5 * kS)(rng);
    switch (rng() % 3) {
      case 0:
        t.required(trace, time, now);
        naive.required(trace, time, now);
        break;
      case 1:
        ASSERT_EQ(t.action(act(trace, time, i), now), naive.action(act(trace, time, i), now))
            << "event " << i;
        break;
      default: {
        std::vector<std::int64_t> got;
        for (const auto& p : t.due(now)) got.push_back(p.token);
        ASSERT_EQ(got, naive.due(now)) << "event " << i;
      }
    }
    ASSERT_EQ(t.waiting(), naive.live()) << "event " << i;
  }
  EXPECT_EQ(t.dropped(), naive.dropped);
  EXPECT_GT(t.dropped(), 0u);
  t.drain();
  EXPECT_EQ(t.waiting(), 0u);
}

}  // namespace
}  // namespace aiir::detect
