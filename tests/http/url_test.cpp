#include "http/url.h"

#include <gtest/gtest.h>

namespace aiir::http {
namespace {

TEST(Url, SplitsPathAndDecodesQuery) {
  auto t = parse_target("/v1/spans?workflow=support%2Drefunds&user=a+b&empty=");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/v1/spans");
  EXPECT_EQ(t->query.at("workflow"), "support-refunds");
  EXPECT_EQ(t->query.at("user"), "a b");
  EXPECT_EQ(t->query.at("empty"), "");
}

TEST(Url, RejectsMalformedEscapesAndNonOriginTargets) {
  EXPECT_FALSE(parse_target("/v1/x?bad=%G1"));
  EXPECT_FALSE(parse_target("/v1/x%2"));
  EXPECT_FALSE(parse_target("http://example.com/"));
  EXPECT_FALSE(parse_target(""));
}

TEST(Url, EncodeThenDecodeIsIdentity) {
  std::string raw = "a b/c?d=e&f%g~h";
  auto decoded = percent_decode(percent_encode(raw), false);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, raw);
}

}  // namespace
}  // namespace aiir::http
