#include "http/handlers/json_body.h"

namespace aiir::http {

core::Result<boost::json::object> parse_json_object(const Request& request) {
  if (auto type = request.header("content-type");
      type && type->find("json") == std::string_view::npos) {
    return core::Error(core::Code::kUnsupportedMediaType,
                       "send the body as application/json (got '" + std::string(*type) + "')");
  }
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::value value = boost::json::parse(request.body, ec, {}, options);
  if (ec) {
    return core::invalid("the body is not valid JSON: " + ec.message());
  }
  if (!value.is_object()) return core::invalid("the body must be a JSON object");
  return std::move(value.as_object());
}

core::Result<std::optional<std::string>> optional_string(const boost::json::object& object,
                                                         std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) {
    return core::invalid("'" + std::string(key) + "' must be a string");
  }
  return std::optional<std::string>(std::string(value->as_string()));
}

core::Result<std::string> required_text(const boost::json::object& object, std::string_view key,
                                        std::string_view what) {
  auto text = optional_string(object, key);
  if (!text.ok()) return text.error();
  if (!*text || (*text)->empty()) {
    return core::invalid("'" + std::string(key) + "' is required: " + std::string(what));
  }
  return std::move(**text);
}

Response json_response(int status, const boost::json::value& value) {
  return Response::json(status, boost::json::serialize(value));
}

}  // namespace aiir::http
