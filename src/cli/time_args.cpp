#include "cli/time_args.h"

#include <cstdint>
#include <ctime>
#include <iostream>

namespace aiir::cli {
namespace {

// A relative time reaches back at most this far; more is a typo, and would not fit in UnixNanos.
constexpr std::int64_t kMaxLookbackSeconds = 100LL * 366 * 24 * 3600;

}  // namespace

std::optional<core::UnixNanos> parse_time_arg(std::string_view text, core::UnixNanos now) {
  core::UnixNanos t = 0;
  if (core::parse_rfc3339(text, t)) return t;
  if (text == "now") return now;
  if (text.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      if (digits == 9) return std::nullopt;
      n = n * 10 + (text[i] - '0');
    }
    if (digits == 0 || i == text.size()) return std::nullopt;
    std::int64_t unit = 0;
    switch (text[i++]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 24 * 3600; break;
      case 'w': unit = 7 * 24 * 3600; break;
      default: return std::nullopt;
    }
    seconds += n * unit;
    if (seconds > kMaxLookbackSeconds) return std::nullopt;
  }
  return now - seconds * core::kNanosPerSecond;
}

bool resolve_time(const char* flag, const std::string& text, core::UnixNanos now,
                  std::string& out) {
  auto t = parse_time_arg(text, now);
  if (!t) {
    std::cerr << "aiir: " << flag << " takes " << kTimeForms << "; got '" << text << "'\n";
    return false;
  }
  out = core::format_rfc3339(*t);
  return true;
}

core::UnixNanos wall_now() { return core::SystemClock().now(); }

std::string local_short(const std::string& rfc3339) {
  core::UnixNanos t = 0;
  if (!core::parse_rfc3339(rfc3339, t)) return rfc3339;
  std::time_t secs = static_cast<std::time_t>(t / core::kNanosPerSecond);
  std::time_t now_secs = static_cast<std::time_t>(wall_now() / core::kNanosPerSecond);
  std::tm local{};
  std::tm today{};
  localtime_r(&secs, &local);
  localtime_r(&now_secs, &today);
  const bool same_day = local.tm_year == today.tm_year && local.tm_yday == today.tm_yday;
  char buf[32];
  std::strftime(buf, sizeof buf, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M", &local);
  return buf;
}

}  // namespace aiir::cli
