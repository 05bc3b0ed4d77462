// What --since, --until, --from, --to and --time accept: every command reads times through
// these, so a form that works for one works for all.
#include <gtest/gtest.h>

#include "cli/time_args.h"

namespace aiir::cli {
namespace {

constexpr core::UnixNanos kSecond = core::kNanosPerSecond;

core::UnixNanos at(const char* rfc3339) {
  core::UnixNanos t = 0;
  EXPECT_TRUE(core::parse_rfc3339(rfc3339, t)) << rfc3339;
  return t;
}

TEST(ParseTimeArg, DurationsCountBackFromNow) {
  const core::UnixNanos now = at("2026-11-23T10:00:00Z");
  EXPECT_EQ(parse_time_arg("now", now), now);
  EXPECT_EQ(parse_time_arg("45s", now), now - 45 * kSecond);
  EXPECT_EQ(parse_time_arg("30m", now), now - 1800 * kSecond);
  EXPECT_EQ(parse_time_arg("24h", now), at("2026-11-22T10:00:00Z"));
  EXPECT_EQ(parse_time_arg("7d", now), at("2026-11-16T10:00:00Z"));
  EXPECT_EQ(parse_time_arg("2w", now), at("2026-11-09T10:00:00Z"));
  EXPECT_EQ(parse_time_arg("1h30m", now), now - 5400 * kSecond);
}

TEST(ParseTimeArg, Rfc3339IsTakenAsItIs) {
  const core::UnixNanos now = at("2026-11-23T10:00:00Z");
  EXPECT_EQ(parse_time_arg("2026-11-21T09:30:00Z", now), at("2026-11-21T09:30:00Z"));
}

TEST(ParseTimeArg, AnythingElseIsRefused) {
  const core::UnixNanos now = at("2026-11-23T10:00:00Z");
  for (const char* text : {"", "24", "h", "24x", "1h30", "-5m", "yesterday", "1234567890s",
                           "36601d"}) {
    EXPECT_FALSE(parse_time_arg(text, now).has_value()) << "'" << text << "'";
  }
  EXPECT_TRUE(parse_time_arg("36600d", now).has_value()) << "100 years back is still a time";
}

TEST(ResolveTime, GivesTheApiRfc3339OrRefuses) {
  const core::UnixNanos now = at("2026-11-23T10:00:00Z");
  std::string out = "unchanged";
  EXPECT_TRUE(resolve_time("--since", "24h", now, out));
  EXPECT_EQ(out, core::format_rfc3339(at("2026-11-22T10:00:00Z")));
  out = "unchanged";
  EXPECT_FALSE(resolve_time("--since", "a while", now, out));
  EXPECT_EQ(out, "unchanged");
}

TEST(LocalShort, ShowsAnotherDayToTheMinuteAndAnUnreadableTimeAsGiven) {
  EXPECT_EQ(local_short("2020-01-02T03:04:05Z").size(), std::string("2020-01-02 03:04").size())
      << local_short("2020-01-02T03:04:05Z");
  EXPECT_EQ(local_short("not a time"), "not a time");
}

}  // namespace
}  // namespace aiir::cli
