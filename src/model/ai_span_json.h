#pragma once
// The one JSON form of an AiSpan: what the REST API returns and what the store keeps as a span's
// body. Empty strings and absent optionals are omitted.

#include <boost/json.hpp>

#include "model/ai_span.h"

namespace aiir::model {

// `storage` lets a caller that only serializes build the object in a monotonic buffer.
boost::json::object to_json(const AiSpan& span, boost::json::storage_ptr storage = {});
// Reads what to_json wrote; unknown members are ignored, missing ones stay default.
AiSpan ai_span_from_json(const boost::json::object& object);

}  // namespace aiir::model
