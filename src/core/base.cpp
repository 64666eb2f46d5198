// Time formatting for failure sentences (UTC only: the core has no time zone database), and excerpts.
#include "earshot/base.hpp"

namespace earshot {
namespace {
// `v` in decimal, zero-padded to `width` digits, then `after` (what "%0<width>d<after>" would print for
// v >= 0; std::to_string instead of snprintf keeps printf's formatter out of the wasm).
void put(std::string& out, int v, std::size_t width, char after = 0) {
  const std::string digits = std::to_string(v);
  if (v >= 0 && digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
  if (after) out += after;
}

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
  std::string out;
  if (a.year != n.year || a.month != n.month || a.day != n.day) {
    put(out, a.year, 4, '-');
    put(out, a.month, 2, '-');
    put(out, a.day, 2, ' ');
  }
  put(out, a.hour, 2, ':');
  put(out, a.minute, 2);
  if (!local) out += " (UTC)";
  return out;
}

std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // s[end] starts what is cut off
  return std::string(s.substr(0, end));
}

std::string format_iso8601(Instant at) {
  const Civil a = to_civil(at);
  std::string out;
  put(out, a.year, 4, '-');
  put(out, a.month, 2, '-');
  put(out, a.day, 2, 'T');
  put(out, a.hour, 2, ':');
  put(out, a.minute, 2, ':');
  put(out, a.second, 2, 'Z');
  return out;
}

}  // namespace earshot
