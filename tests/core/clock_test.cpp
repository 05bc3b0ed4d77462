#include "core/clock.h"

#include <gtest/gtest.h>

namespace aiir::core {
namespace {

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'763'900'000'123'456'789), "2025-11-23T12:13:20.123Z");
}

TEST(Rfc3339, ParsesFractionsAndOffsets) {
  UnixNanos t = 0;
  ASSERT_TRUE(parse_rfc3339("2025-11-23T12:13:20Z", t));
  EXPECT_EQ(t, 1'763'900'000'000'000'000);
  ASSERT_TRUE(parse_rfc3339("2025-11-23T12:13:20.5Z", t));
  EXPECT_EQ(t, 1'763'900'000'500'000'000);
  ASSERT_TRUE(parse_rfc3339("2025-11-23T13:13:20+01:00", t));
  EXPECT_EQ(t, 1'763'900'000'000'000'000);
}

TEST(Rfc3339, RejectsWhatIsNotATimestamp) {
  UnixNanos t = 0;
  for (const char* bad : {"", "yesterday", "2025-13-01T00:00:00Z", "2025-11-23 12:13:20",
                          "2025-11-23T12:13:20", "2025-11-23T25:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad, t)) << bad;
  }
}

TEST(ManualClock, AdvancesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.now(), 1000);
  clock.advance(2'000'000'000);
  EXPECT_EQ(clock.now(), 1000 + 2'000'000'000);
}

}  // namespace
}  // namespace aiir::core
