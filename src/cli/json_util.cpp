#include "cli/json_util.h"

#include <charconv>

namespace aiir::cli {

std::string field(const boost::json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_double()) {
    // Shortest round-trip text ("2400", "0.2"), not the serializer's exponent form ("2.4E3").
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->as_double());
    return ec == std::errc() ? std::string(buf, end) : boost::json::serialize(*v);
  }
  return boost::json::serialize(*v);
}

boost::json::value parse_body(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) return boost::json::object();
  return value;
}

std::string joined(const boost::json::array& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item.is_string() ? std::string(item.get_string()) : boost::json::serialize(item);
  }
  return out;
}

}  // namespace aiir::cli
