#pragma once
// Reading the common query parameters of list routes, with errors that say what was expected.

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/message.h"

namespace aiir::http {

// An optional time given as RFC 3339 or as Unix nanoseconds.
core::Result<std::optional<core::UnixNanos>> time_param(const Request& r, const std::string& name);
// `limit`: 1..1000, default `fallback`.
core::Result<int> limit_param(const Request& r, int fallback = 100);
// `cursor`: the next_cursor of a previous page.
core::Result<std::optional<std::int64_t>> cursor_param(const Request& r);

}  // namespace aiir::http
