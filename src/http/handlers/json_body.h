#pragma once
// Reading JSON request bodies and writing JSON responses with Boost.JSON.

#include <boost/json.hpp>

#include <optional>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace aiir::http {

// The body as a JSON object; kInvalidArgument naming the problem (with its byte offset) otherwise.
core::Result<boost::json::object> parse_json_object(const Request& request);

// A string member; nullopt when absent; an error when present but not a string.
core::Result<std::optional<std::string>> optional_string(const boost::json::object& object,
                                                         std::string_view key);

// A string member that must be present and not empty; `what` says what it is for, and the error
// says so: "'reason' is required: say why the control is lifted".
core::Result<std::string> required_text(const boost::json::object& object, std::string_view key,
                                        std::string_view what);

Response json_response(int status, const boost::json::value& value);

}  // namespace aiir::http
