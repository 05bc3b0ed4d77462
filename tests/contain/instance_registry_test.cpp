// The instance registry: when each instance first applied each version, which live instances a
// control must reach, liveness by stream or by recent reports, forgetting and the memory bounds.
#include "contain/instance_registry.h"

#include <gtest/gtest.h>

#include <string>

namespace aiir::contain {
namespace {

constexpr core::UnixNanos kStart = 1'790'000'000LL * core::kNanosPerSecond;
constexpr core::UnixNanos kSecond = core::kNanosPerSecond;

class InstanceRegistryTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{kStart};
  InstanceRegistry registry_{clock_};
};

TEST_F(InstanceRegistryTest, ApplicationTimeIsTheFirstReportOfThatVersionOrLater) {
  registry_.applied("i-1", 3, "support-refunds");
  clock_.advance(2 * kSecond);
  registry_.applied("i-1", 3, "support-refunds");  // heartbeat: changes nothing
  clock_.advance(kSecond);
  registry_.applied("i-1", 7, "support-refunds");  // skipped 4..6: it has them too
  clock_.advance(kSecond);
  registry_.applied("i-1", 7, "support-refunds");

  auto v3 = registry_.applications("support-refunds", 3);
  ASSERT_EQ(v3.size(), 1u);
  EXPECT_TRUE(v3[0].applied);
  EXPECT_EQ(v3[0].at, kStart);

  auto v5 = registry_.applications("support-refunds", 5);
  ASSERT_EQ(v5.size(), 1u);
  EXPECT_TRUE(v5[0].applied);
  EXPECT_EQ(v5[0].at, kStart + 3 * kSecond);

  auto v8 = registry_.applications("support-refunds", 8);
  ASSERT_EQ(v8.size(), 1u);
  EXPECT_FALSE(v8[0].applied);
  EXPECT_EQ(v8[0].at, 0);
}

TEST_F(InstanceRegistryTest, AnOlderReportDoesNotUndoAnApplication) {
  registry_.applied("i-1", 5);
  clock_.advance(kSecond);
  registry_.applied("i-1", 4);  // late or reordered
  auto list = registry_.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].applied_version, 5);
  EXPECT_EQ(list[0].applied_at, kStart);
  EXPECT_EQ(list[0].last_seen, kStart + kSecond);
  EXPECT_TRUE(registry_.applications("w", 5)[0].applied);
}

TEST_F(InstanceRegistryTest, ApplicationsListOnlyInstancesServingTheWorkflow) {
  registry_.applied("refunds-1", 2, "support-refunds");
  registry_.applied("search-1", 2, "search");
  registry_.applied("everything-1", 1);  // names no workflow: serves them all
  auto apps = registry_.applications("support-refunds", 2);
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(apps[0].instance, "everything-1");
  EXPECT_FALSE(apps[0].applied);
  EXPECT_EQ(apps[1].instance, "refunds-1");
  EXPECT_TRUE(apps[1].applied);
}

TEST_F(InstanceRegistryTest, AnInstanceUnheardForTwoMinutesIsNotLiveUnlessConnected) {
  registry_.applied("quiet", 1, "w");
  registry_.applied("streaming", 1, "w");
  registry_.connected("streaming", "w");
  clock_.advance(119 * kSecond);
  EXPECT_EQ(registry_.applications("w", 1).size(), 2u);
  clock_.advance(2 * kSecond);
  auto apps = registry_.applications("w", 1);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].instance, "streaming");

  auto list = registry_.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_FALSE(list[0].live);  // "quiet" is still shown, as not live
  EXPECT_TRUE(list[1].live);
  EXPECT_EQ(list[1].connections, 1);

  // A disconnected instance stays live for the window after it left, then drops out.
  registry_.disconnected("streaming", "w");
  EXPECT_EQ(registry_.applications("w", 1).size(), 1u);
  clock_.advance(121 * kSecond);
  EXPECT_TRUE(registry_.applications("w", 1).empty());
}

TEST_F(InstanceRegistryTest, ConnectingNamesTheWorkflowAndCountsStreams) {
  registry_.connected("i-1", "support-refunds");
  registry_.connected("i-1", "support-refunds");
  registry_.delivered("i-1", 4);
  registry_.disconnected("i-1", "support-refunds");
  auto list = registry_.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].connections, 1);
  EXPECT_EQ(list[0].workflows, std::vector<std::string>{"support-refunds"});
  EXPECT_EQ(list[0].delivered_version, 4);
  EXPECT_EQ(list[0].applied_version, 0);  // delivered is not applied
  EXPECT_FALSE(registry_.applications("support-refunds", 4)[0].applied);
}

TEST_F(InstanceRegistryTest, InstancesUnheardForAnHourAreForgottenButConnectedOnesAreKept) {
  registry_.applied("gone", 1);
  registry_.connected("held", "");
  clock_.advance(3601 * kSecond);
  registry_.applied("new", 1);  // a report triggers the sweep of its shard; list() hides anyway
  auto list = registry_.list();
  std::vector<std::string> ids;
  for (const auto& s : list) ids.push_back(s.instance);
  EXPECT_EQ(ids, (std::vector<std::string>{"held", "new"}));
}

TEST_F(InstanceRegistryTest, NewInstancesBeyondTheCapAreDroppedAndCounted) {
  InstanceRegistryOptions options;
  options.max_instances = 10;
  InstanceRegistry small(clock_, options);
  for (int i = 0; i < 25; ++i) small.applied("random-" + std::to_string(i), 1);
  EXPECT_EQ(small.size(), 10u);
  EXPECT_EQ(small.dropped(), 15u);
  EXPECT_EQ(small.list().size(), 10u);
  // Known instances still report.
  auto first = small.list().front().instance;
  small.applied(first, 2);
  EXPECT_EQ(small.dropped(), 15u);
  // Once the old ones are forgotten, there is room again.
  clock_.advance(3601 * kSecond);
  small.applied("late", 1);
  EXPECT_EQ(small.dropped(), 15u);
  EXPECT_EQ(small.list().size(), 1u);
}

TEST_F(InstanceRegistryTest, HistoryIsBoundedAndTheOldestKeptTransitionAnswersOlderVersions) {
  InstanceRegistryOptions options;
  options.history = 4;
  InstanceRegistry registry(clock_, options);
  for (int v = 1; v <= 10; ++v) {
    registry.applied("i-1", v);
    clock_.advance(kSecond);
  }
  // Versions 7..10 are kept; version 2 was applied at the latest when 7 was.
  auto apps = registry.applications("w", 2);
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_TRUE(apps[0].applied);
  EXPECT_EQ(apps[0].at, kStart + 6 * kSecond);
  EXPECT_EQ(registry.applications("w", 9)[0].at, kStart + 8 * kSecond);
}

TEST_F(InstanceRegistryTest, AnEmptyInstanceIdIsIgnored) {
  registry_.applied("", 3, "w");
  registry_.connected("", "w");
  EXPECT_TRUE(registry_.list().empty());
}

}  // namespace
}  // namespace aiir::contain
