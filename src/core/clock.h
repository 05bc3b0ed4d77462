#pragma once
// Time comes through Clock so that windows, timers and escalations can be tested without sleeping.
// Only src/main.cpp (and the demo) pick SystemClock; tests use ManualClock.

#include <atomic>
#include <cstdint>
#include <string>

namespace aiir::core {

// Nanoseconds since the Unix epoch, UTC. The unit OTLP uses on the wire.
using UnixNanos = std::int64_t;

constexpr UnixNanos kNanosPerSecond = 1'000'000'000;
constexpr UnixNanos kNanosPerMilli = 1'000'000;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time. Thread-safe.
  virtual UnixNanos now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixNanos now() const override;
};

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixNanos start) : now_(start) {}
  UnixNanos now() const override { return now_.load(); }
  void advance(UnixNanos by) { now_ += by; }
  void set(UnixNanos to) { now_ = to; }

 private:
  std::atomic<UnixNanos> now_;
};

// RFC 3339 in UTC with millisecond precision, e.g. "2026-11-23T05:05:00.123Z".
std::string format_rfc3339(UnixNanos t);
// The same with all nine fraction digits, for records that must round-trip exactly (signals:
// two spans a microsecond apart must not read as simultaneous).
std::string format_rfc3339_nanos(UnixNanos t);
// Accepts RFC 3339 ("2026-11-23T05:05:00Z", fractional seconds and offsets allowed).
// Returns false on anything else.
bool parse_rfc3339(std::string_view text, UnixNanos& out);

}  // namespace aiir::core
