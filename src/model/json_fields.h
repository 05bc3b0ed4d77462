#pragma once
// Reading and writing the members of the model's JSON forms (signals, incidents, timeline
// events): empty strings and zero times are left out when writing, and anything absent or of the
// wrong type reads as empty or zero.

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace aiir::model::json_fields {

void put(boost::json::object& o, std::string_view key, const std::string& value);
// RFC 3339 with nanoseconds; nothing for 0.
void put_time(boost::json::object& o, std::string_view key, core::UnixNanos t);
std::string get_string(const boost::json::object& o, std::string_view key);
// 0 when absent, not an integer, or beyond int64.
std::int64_t get_int(const boost::json::object& o, std::string_view key);
// 0 when absent or not an RFC 3339 time.
core::UnixNanos get_time(const boost::json::object& o, std::string_view key);

}  // namespace aiir::model::json_fields
