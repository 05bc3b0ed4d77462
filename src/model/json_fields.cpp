#include "model/json_fields.h"

#include <limits>

namespace aiir::model::json_fields {

void put(boost::json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

void put_time(boost::json::object& o, std::string_view key, core::UnixNanos t) {
  if (t != 0) o[key] = core::format_rfc3339_nanos(t);
}

std::string get_string(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t get_int(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (v->is_uint64() && v->get_uint64() <= kMax) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

core::UnixNanos get_time(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  core::UnixNanos t = 0;
  if (v == nullptr || !v->is_string() || !core::parse_rfc3339(v->as_string(), t)) return 0;
  return t;
}

}  // namespace aiir::model::json_fields
