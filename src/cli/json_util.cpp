#include "cli/json_util.h"

namespace aiir::cli {

std::string field(const boost::json::object& object, std::string_view key) {
  const auto* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

boost::json::value parse_body(const std::string& body) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) return boost::json::object();
  return value;
}

}  // namespace aiir::cli
