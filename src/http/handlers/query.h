#pragma once
// The common query parameters of list routes, read with errors that say what was expected, and
// the pages those routes answer with.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
// `limit` and `cursor` together, as every paged route reads them: into a query's `limit` and
// `before`, both untouched on an error.
core::Status paging_params(const Request& r, int& limit, std::optional<std::int64_t>& before);

// All of `text` as a whole decimal number; nullopt when it is anything else.
std::optional<std::int64_t> whole_number(std::string_view text);

// 200 with one page of a list route: `items` under `member`, and `next_cursor`, what the caller
// passes as `cursor` for the next page (a string; null on the last page).
Response list_page(std::string_view member, boost::json::array items,
                   std::optional<std::int64_t> next_cursor);

}  // namespace aiir::http
