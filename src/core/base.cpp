// Time formatting for failure sentences (UTC only: the core has no time zone database), and excerpts.
#include "earshot/base.hpp"

#include <cstdio>

namespace earshot {
namespace {
struct Civil {
  int year, month, day, hour, minute, second;
};
// Howard Hinnant's days-from-civil inverse (public domain algorithm), for dates from 1970 on.
Civil to_civil(Instant ms) {
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return {static_cast<int>(y), static_cast<int>(m), static_cast<int>(d), static_cast<int>(rem / 3600),
          static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60)};
}
}  // namespace

std::string format_utc_clock(Instant at, Instant now, int utc_offset_min) {
  const bool local = utc_offset_min != kUtcOffsetUnknown && utc_offset_min >= -16 * 60 && utc_offset_min <= 16 * 60;
  const Instant shift = local ? static_cast<Instant>(utc_offset_min) * 60000 : 0;
  const Civil a = to_civil(at + shift), n = to_civil(now + shift);
  const char* zone = local ? "" : " (UTC)";
  char buf[48];
  if (a.year == n.year && a.month == n.month && a.day == n.day) {
    std::snprintf(buf, sizeof buf, "%02d:%02d%s", a.hour, a.minute, zone);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d%s", a.year, a.month, a.day, a.hour, a.minute, zone);
  }
  return buf;
}

std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // s[end] starts what is cut off
  return std::string(s.substr(0, end));
}

std::string format_iso8601(Instant at) {
  const Civil a = to_civil(at);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", a.year, a.month, a.day, a.hour, a.minute,
                a.second);
  return buf;
}

}  // namespace earshot
