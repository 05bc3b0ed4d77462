#pragma once
// Reading fields of API responses for terminal rendering.

#include <boost/json.hpp>

#include <string>

namespace aiir::cli {

// The member at `key` rendered as text: strings as-is, numbers and booleans printed, null and
// missing as "-".
std::string field(const boost::json::object& object, std::string_view key);

// The items of a list as text, separated: strings as-is, anything else as JSON.
std::string joined(const boost::json::array& items, const char* separator = ", ");

// Parses a response body; an empty object when it is not JSON.
boost::json::value parse_body(const std::string& body);

}  // namespace aiir::cli
