// Vocabulary shared by every part of the core: time as an input, failures with stable codes.
// The core never reads a clock: every entry point that needs time takes an Instant.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace earshot {

// Wall-clock milliseconds since the Unix epoch, as handed in by the driver (or a fake clock).
using Instant = std::int64_t;
// Milliseconds.
using Duration = std::int64_t;

// The two clocks the core is handed with every input: `wall` (Unix epoch ms) for expiry times and
// signing, `mono` (a monotonic ms count, e.g. performance.now()) for every timer, so a wall-clock jump
// never fires or starves one. Tests that need only one time may pass an Instant: both read it.
struct Clock {
  Instant wall = 0;
  Instant mono = 0;
  Clock() = default;
  Clock(Instant both) : wall(both), mono(both) {}  // NOLINT(google-explicit-constructor)
  Clock(Instant w, Instant m) : wall(w), mono(m) {}
  bool operator==(const Clock&) const = default;
};

// A failure a person can read: a stable machine code ("invite.expired") and one human sentence.
// Codes are part of the public contract (tests, postMessage API, analytics); sentences may improve.
struct Failure {
  std::string code;
  std::string message;
  bool operator==(const Failure&) const = default;
};
// For test diagnostics: `invite.expired: This invite expired at ...`.
inline std::ostream& operator<<(std::ostream& os, const Failure& f) { return os << f.code << ": " << f.message; }

// Either a value or a Failure. Untrusted input is parsed into a Result and never throws.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Failure failure) : v_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  const Failure& failure() const { return std::get<1>(v_); }
  bool operator==(const Result&) const = default;

 private:
  std::variant<T, Failure> v_;
};

// The person's local time is UTC plus this many minutes (the page says; it moves with daylight
// saving). kUtcOffsetUnknown: not said, so times are given in UTC and say so.
constexpr int kUtcOffsetUnknown = -100000;
// "14:05" for the same (local) day as `now`, else "2026-11-22 14:05", in local time when the offset
// is known, else with " (UTC)" after it. Used in failure sentences; the room page prints its own
// times the same way, so a page never mixes local and UTC.
std::string format_utc_clock(Instant at, Instant now, int utc_offset_min = kUtcOffsetUnknown);
// "2026-11-22T14:05:00Z"
std::string format_iso8601(Instant at);

// At most `max_bytes` of `s`, cut at a character boundary: an excerpt of untrusted text shown in a
// sentence or a warning never ends in half a UTF-8 sequence (the snapshot's JSON dump would refuse it).
std::string utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace earshot
