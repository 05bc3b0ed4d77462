#include "http/handlers/query.h"

#include <charconv>
#include <utility>

#include "http/handlers/json_body.h"

namespace aiir::http {

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

core::Result<std::optional<core::UnixNanos>> time_param(const Request& r,
                                                        const std::string& name) {
  auto text = r.query_param(name);
  if (!text || text->empty()) return std::optional<core::UnixNanos>();
  core::UnixNanos t = 0;
  if (core::parse_rfc3339(*text, t)) return std::optional<core::UnixNanos>(t);
  if (auto n = whole_number(*text)) return std::optional<core::UnixNanos>(*n);
  return core::invalid("'" + name + "' must be an RFC 3339 time (2026-11-23T10:00:00Z) or Unix "
                       "nanoseconds; got '" + std::string(*text) + "'");
}

core::Result<int> limit_param(const Request& r, int fallback) {
  auto text = r.query_param("limit");
  if (!text || text->empty()) return fallback;
  auto n = whole_number(*text);
  if (!n || *n < 1 || *n > 1000) return core::invalid("'limit' must be a number from 1 to 1000");
  return static_cast<int>(*n);
}

core::Result<std::optional<std::int64_t>> cursor_param(const Request& r) {
  auto text = r.query_param("cursor");
  if (!text || text->empty()) return std::optional<std::int64_t>();
  auto n = whole_number(*text);
  if (!n) return core::invalid("'cursor' must be the next_cursor of a previous page");
  return std::optional<std::int64_t>(*n);
}

core::Status paging_params(const Request& r, int& limit, std::optional<std::int64_t>& before) {
  auto l = limit_param(r);
  if (!l.ok()) return l.error();
  auto cursor = cursor_param(r);
  if (!cursor.ok()) return cursor.error();
  limit = *l;
  before = *cursor;
  return {};
}

Response list_page(std::string_view member, boost::json::array items,
                   std::optional<std::int64_t> next_cursor) {
  boost::json::object out{{member, std::move(items)}};
  out["next_cursor"] = next_cursor ? boost::json::value(std::to_string(*next_cursor))
                                   : boost::json::value(nullptr);
  return json_response(200, out);
}

}  // namespace aiir::http
