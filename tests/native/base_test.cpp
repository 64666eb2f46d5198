#include <gtest/gtest.h>

#include "earshot/base.hpp"

using namespace earshot;

TEST(Time, FormatsSameDayAsClockOnly) {
  // 2023-11-14T22:13:20Z
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000 - 3600000), "22:13 (UTC)");
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000 + 86400000), "2023-11-14 22:13 (UTC)");
  EXPECT_EQ(format_iso8601(1700000000000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(951782400000), "2000-02-29T00:00:00Z");  // leap day
}

TEST(ResultType, HoldsValueOrFailure) {
  Result<int> ok = 3;
  Result<int> bad = Failure{"x.y", "Nope."};
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.failure().code, "x.y");
}

TEST(Time, FormatsInThePagesTimeZoneWhenItIsKnown) {
  // 2023-11-14T22:13:20Z is 23:13 in Berlin (UTC+60) and already the 15th in Tokyo (UTC+540)
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000 - 3600000, 60), "23:13");
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000 - 3600000, 540), "07:13");
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000 - 23 * 3600000, 540), "2023-11-15 07:13") << "the day is the local day";
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000, -300), "17:13");
  EXPECT_EQ(format_utc_clock(1700000000000, 1700000000000, 99999), "22:13 (UTC)") << "a nonsense offset is not trusted";
}
