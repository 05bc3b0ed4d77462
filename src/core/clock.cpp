#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace aiir::core {

UnixNanos SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// `digits` fraction digits (3 or 9) of the time.
std::string format_with_fraction(UnixNanos t, int digits) {
  std::time_t secs = static_cast<std::time_t>(t / kNanosPerSecond);
  long long nanos = static_cast<long long>(t % kNanosPerSecond);
  if (nanos < 0) {  // times before 1970 round toward the earlier second
    secs -= 1;
    nanos += kNanosPerSecond;
  }
  const long long fraction = digits == 3 ? nanos / kNanosPerMilli : nanos;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the compiler can imagine in each field
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits, fraction);
  return buf;
}

}  // namespace

std::string format_rfc3339(UnixNanos t) { return format_with_fraction(t, 3); }
std::string format_rfc3339_nanos(UnixNanos t) { return format_with_fraction(t, 9); }

namespace {

bool read_digits(std::string_view s, size_t& pos, int count, int& out) {
  out = 0;
  for (int i = 0; i < count; ++i, ++pos) {
    if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') return false;
    out = out * 10 + (s[pos] - '0');
  }
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || (s[pos] != c && !(c == 'T' && (s[pos] == 't' || s[pos] == ' ')))) {
    return false;
  }
  ++pos;
  return true;
}

}  // namespace

bool parse_rfc3339(std::string_view s, UnixNanos& out) {
  size_t pos = 0;
  int year, mon, day, hour, min, sec;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mon) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day) || !expect(s, pos, 'T') ||
      !read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, min) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, sec)) {
    return false;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return false;
  // Nanoseconds since 1970 fit in 64 bits from 1677 to 2262 only; outside that (Go's zero time
  // 0001-01-01, which Alertmanager sends for "no end") the time is not representable.
  if (year < 1678 || year > 2261) return false;
  UnixNanos frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    UnixNanos scale = kNanosPerSecond / 10;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  long offset_secs = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om)) {
      return false;
    }
    offset_secs = sign * (oh * 3600L + om * 60L);
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  std::time_t secs = timegm(&tm);
  out = (static_cast<UnixNanos>(secs) - offset_secs) * kNanosPerSecond + frac;
  return true;
}

}  // namespace aiir::core
