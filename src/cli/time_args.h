#pragma once
// Times on the command line: what --since, --until, --from, --to and --time accept, and API
// times shown to a person in local time. Shared so that every command reads and shows times
// the same way.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace aiir::cli {

// The accepted forms, for help texts and error messages.
inline constexpr const char* kTimeForms =
    "an RFC 3339 time (2026-11-23T10:00:00Z) or a duration before now (30m, 24h, 7d, 1h30m)";

// RFC 3339, "now", or a duration before `now`: one or more <number><unit>, units s, m, h, d, w.
// nullopt when it is none of these, or reaches back more than 100 years.
std::optional<core::UnixNanos> parse_time_arg(std::string_view text, core::UnixNanos now);

// `text` (of option `flag`) as an RFC 3339 time for the API in `out`; false, after saying on
// stderr what `flag` takes, when it is not a time.
bool resolve_time(const char* flag, const std::string& text, core::UnixNanos now,
                  std::string& out);

// The wall clock: command-line durations count back from it.
core::UnixNanos wall_now();

// An API time in local time: "14:05:09" today, "2026-11-21 09:30" before; as given if unreadable.
std::string local_short(const std::string& rfc3339);

}  // namespace aiir::cli
