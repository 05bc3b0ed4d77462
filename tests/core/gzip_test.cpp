#include "core/gzip.h"

#include <gtest/gtest.h>

namespace aiir::core {
namespace {

TEST(Gzip, RoundTrip) {
  std::string text(100000, 'a');
  text += "the end";
  auto plain = gunzip(gzip(text), 1 << 20);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(*plain, text);
}

TEST(Gzip, ExpansionBeyondTheLimitIsRefusedNotAllocated) {
  std::string bomb = gzip(std::string(10 << 20, '\0'));  // 10 MiB of zeros, ~10 KiB compressed
  auto plain = gunzip(bomb, 1 << 20);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), Code::kPayloadTooLarge);
}

TEST(Gzip, CorruptInputIsAnInvalidArgument) {
  auto plain = gunzip("definitely not gzip", 1 << 20);
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().code(), Code::kInvalidArgument);
  std::string truncated = gzip("hello world, hello world");
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(gunzip(truncated, 1 << 20).ok());
}

}  // namespace
}  // namespace aiir::core
